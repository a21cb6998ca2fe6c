/**
 * Issue 13 part 6: the offline GraphiQL page (src/server/graphiql.ts) in a real browser: served with
 * its assets from node_modules only (every request the page makes stays on the gateway), it runs
 * sandbox mode's default query with the pre-filled key and shows the result. Waits on the page's
 * own state (the editor, the result pane), never on time.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandboxMode } from '../../src/sandbox/nexhealth/mode';
import { KEYS, startTestGateway, type TestGateway } from '../e2e/harness';
import { launchChromium } from './browser';

let t: TestGateway;
let browser: Browser;
let exampleQuery: string;

beforeAll(async () => {
  // Sandbox mode's default query (the NexHealth sandbox's), against the harness's sandbox of the same seed.
  const mode = await startSandboxMode({ port: 0 });
  exampleQuery = mode.exampleQuery!;
  await mode.close();
  [t, browser] = await Promise.all([
    startTestGateway({
      gateway: { graphiql: { defaultHeaders: { Authorization: `Bearer ${KEYS.all}` }, defaultQuery: exampleQuery } },
    }),
    launchChromium(),
  ]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

it('runs its default query offline and shows the result', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const elsewhere: string[] = [];
  page.on('request', (request) => {
    if (!request.url().startsWith(t.url)) elsewhere.push(request.url());
  });
  await page.goto(`${t.url}/graphiql`);
  await page.waitForSelector('.graphiql-execute-button', { timeout: 30_000 });
  expect(await page.locator('.graphiql-query-editor').textContent()).toContain('FamilyLedger');
  const answered = page.waitForResponse((r) => r.url() === `${t.url}/graphql` && r.request().method() === 'POST');
  await page.click('.graphiql-execute-button');
  const response = await answered;
  expect(response.status()).toBe(200);
  const body = (await response.json()) as { data?: { guarantor?: { reconciliation?: unknown } }; errors?: unknown };
  expect(body.errors).toBeUndefined();
  expect(body.data?.guarantor?.reconciliation).toBeTruthy();
  // The result pane shows it (its editor renders the visible lines only: the start of the answer).
  const result = page.locator('.result-window');
  await expect.poll(() => result.textContent(), { timeout: 30_000 }).toContain('"smile-dental"');
  expect(elsewhere).toEqual([]);
  await context.close();
}, 90_000);
