/**
 * The throw-away PostgreSQL database of the tests that need a real server. `npm test` provides it
 * (scripts/test.sh brings one up when LEDGER_TEST_POSTGRES_URL is not set); without it these tests
 * fail with this message rather than skip, so a green run always includes them.
 */
export function testPostgresUrl(): string {
  const url = process.env.LEDGER_TEST_POSTGRES_URL;
  if (!url) {
    throw new Error(
      'LEDGER_TEST_POSTGRES_URL is not set: run the tests through `npm test` (it brings up PostgreSQL), ' +
        'or point it at a throw-away database (eval "$(.ci/run postgres)" as root sets up one)',
    );
  }
  return url;
}
