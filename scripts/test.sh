#!/usr/bin/env bash
# npm test: the house style (Biome: formatter and linter), the type-check, then the whole suite, the
# PostgreSQL-backed tests included (they fail, never skip, without a database). Extra arguments go to
# vitest: `npm test -- test/unit`.
#
# PostgreSQL: LEDGER_TEST_POSTGRES_URL if set (a throw-away database: the tests drop their tables);
# otherwise, as root, `.ci/run postgres` installs Debian's postgresql if needed and starts (or reuses)
# the throw-away `ledgerci` cluster on localhost. Not root and no URL: one line saying what to do.
set -euo pipefail
cd "$(dirname "$0")/.."
PATH="$PWD/node_modules/.bin:$PATH"

if [[ -z "${LEDGER_TEST_POSTGRES_URL:-}" ]]; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "npm test: the PostgreSQL tests need a throw-away database: set LEDGER_TEST_POSTGRES_URL=postgres://USER:PASSWORD@HOST:PORT/DB, or run as root to have one set up (.ci/run postgres)" >&2
    exit 1
  fi
  pg_env=$(bash .ci/run postgres)
  eval "$pg_env"
fi

# The browser tests (test/browser/) need Debian's chromium; as root it is installed when missing.
if ! command -v chromium >/dev/null 2>&1; then
  if [[ "$(id -u)" != 0 ]]; then
    echo "npm test: the browser tests need chromium on PATH: apt-get install chromium (or run as root to have it installed)" >&2
    exit 1
  fi
  bash .ci/run chromium
fi

biome ci .
tsc -p tsconfig.json --noEmit
vitest run "$@"
