/**
 * Issue 13 part 6: the patient pay page in a real browser (Debian's chromium, ./browser.ts), against
 * the gateway and the in-process Stripe, Square and NexHealth sandboxes (test/e2e/harness.ts): the
 * patient opens her link, follows "Pay" to the processor's hosted page, pays (or is declined, then
 * pays), comes back and sees "Paid — posted to your account" arrive live; an expired and a canceled
 * link say so. Deterministic: every wait is on the page's own state (`#pay-page[data-status]`, the
 * processors' element ids), never on time. The posting lands by itself (NexHealth's automatic
 * insertion, 200 ms after it is accepted).
 *
 * Also: the essentials with JavaScript off, the page at 375 px and 1280 px (screenshots under
 * test-output/browser/), and the time to first render and to "posted" (printed, and written to
 * test-output/browser/pay-page-timings.json).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { NEX_SEED } from '../../src/sandbox/nexhealth';
import { startTestGateway, type TestGateway } from '../e2e/harness';
import { launchChromium, OUTPUT_DIR } from './browser';

const SMILE = 'smile-dental'; // Stripe
const DENTRIX = 'bright-dentrix'; // Square
const PATIENTS: Record<string, string> = { [SMILE]: NEX_SEED.ownGuarantor.ownId, [DENTRIX]: NEX_SEED.dentrixPatientId };
const CREATE = `mutation Create($input: CreateCheckoutInput!) {
  createCheckout(input: $input) { transaction { transactionId checkout { url payPageUrl } } } }`;
const CANCEL = `mutation Cancel($practiceId: ID!, $transactionId: ID!) {
  cancelCheckout(practiceId: $practiceId, transactionId: $transactionId) { transaction { status } } }`;
/** Generous: a state the page reaches on its own, on a loaded 2-core machine. */
const STATE_TIMEOUT_MS = 30_000;

// A browser flow spans two sites and a ledger posting; on a loaded machine 30 s is tight.
vi.setConfig({ testTimeout: 90_000 });

let t: TestGateway;
let browser: Browser;
let seq = 0;
/** The gateway's clock (its jobs' too): real time plus what the Square expiry test advances, last. */
let offsetMs = 0;
const timings: Record<string, number> = {};

beforeAll(async () => {
  [t, browser] = await Promise.all([
    startTestGateway({
      nexhealth: { insertion: 'auto', insertionDelayMs: 200 },
      gateway: {
        collection: { watchIntervalMs: 3_600_000 },
        transactionOptions: { now: () => new Date(Date.now() + offsetMs) },
      },
    }),
    launchChromium(),
  ]);
}, 240_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  writeFileSync(join(OUTPUT_DIR, 'pay-page-timings.json'), `${JSON.stringify(timings, null, 2)}\n`);
});

async function checkout(practiceId: string, amount = '64.00') {
  const { data, errors } = await t.gql(CREATE, {
    input: { practiceId, patientId: PATIENTS[practiceId], amount, idempotencyKey: `browser-${++seq}` },
  });
  expect(errors).toBeUndefined();
  const tx = data.createCheckout.transaction;
  return { transactionId: tx.transactionId as string, payPageUrl: tx.checkout.payPageUrl as string };
}

async function newPage(width = 375, height = 812): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height } });
  return context.newPage();
}

const pageState = (page: Page, state: string) =>
  page.waitForSelector(`#pay-page[data-status="${state}"]`, { state: 'attached', timeout: STATE_TIMEOUT_MS });

/** Card entry on each sandbox's hosted page (the processors' own element ids). */
const HOSTED = {
  STRIPE: {
    async pay(page: Page, card: string) {
      await page.fill('#cardNumber', card);
      await page.fill('#cardExpiry', '12 / 34');
      await page.fill('#cardCvc', '123');
      await page.fill('#billingPostalCode', '12345');
      await page.click('[data-testid="hosted-payment-submit-button"]');
    },
    success: '4242 4242 4242 4242',
    decline: '4000 0000 0000 0002',
    declined: '#card-errors',
  },
  SQUARE: {
    async pay(page: Page, card: string) {
      await page.fill('#cardNumber', card);
      await page.fill('#expirationDate', '12/34');
      await page.fill('#cvv', '111');
      await page.fill('#postalCode', '12345');
      await page.click('#pay-button');
    },
    success: '4111 1111 1111 1111',
    decline: '4000 0000 0000 0002',
    declined: '#payment-error',
  },
} as const;

for (const [processor, practiceId] of [
  ['STRIPE', SMILE],
  ['SQUARE', DENTRIX],
] as const) {
  const hosted = HOSTED[processor];
  describe(`${processor} hosted page`, () => {
    it('pays with the success card and comes back to "Paid — posted to your account", live', async () => {
      const { payPageUrl } = await checkout(practiceId, '64.00');
      const page = await newPage();
      await page.goto(payPageUrl);
      await pageState(page, 'open');
      await expect(page.textContent('#amount')).resolves.toContain('$64.00');
      const firstRender = await page.evaluate(() => {
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return { fcp: paint?.startTime ?? Number.NaN, domContentLoaded: nav.domContentLoadedEventEnd };
      });
      await page.click('#pay');
      await page.waitForURL((url) => url.toString() !== payPageUrl);
      const submitted = Date.now();
      await hosted.pay(page, hosted.success);
      await page.waitForURL(payPageUrl);
      const back = Date.now();
      await pageState(page, 'posted');
      const posted = Date.now();
      await expect(page.textContent('#status')).resolves.toBe('Paid — posted to your account');
      expect(await page.isHidden('#pay')).toBe(true);
      timings[`${processor}.firstContentfulPaintMs`] = Math.round(firstRender.fcp);
      timings[`${processor}.domContentLoadedMs`] = Math.round(firstRender.domContentLoaded);
      timings[`${processor}.submitToPostedMs`] = posted - submitted;
      timings[`${processor}.backOnPageToPostedMs`] = posted - back;
      console.log(
        `[pay-page timing] ${processor}: ${JSON.stringify(timings, (k, v) => (k.startsWith(processor) || !k ? v : undefined))}`,
      );
      await page.context().close();
    });

    it("a declined card shows the processor's decline, then the success card pays", async () => {
      const { payPageUrl } = await checkout(practiceId, '12.34');
      const page = await newPage();
      await page.goto(payPageUrl);
      await pageState(page, 'open');
      await page.click('#pay');
      await page.waitForURL((url) => url.toString() !== payPageUrl);
      await hosted.pay(page, hosted.decline);
      await page.waitForSelector(hosted.declined);
      // Back on her link meanwhile: still open, the Pay link offered again.
      const side = await page.context().newPage();
      await side.goto(payPageUrl);
      await pageState(side, 'open');
      expect(await side.isVisible('#pay')).toBe(true);
      await hosted.pay(page, hosted.success);
      await page.waitForURL(payPageUrl);
      await pageState(page, 'posted');
      // The other tab heard it over its websocket without reloading.
      await pageState(side, 'posted');
      await page.context().close();
    });

    it('canceled by the practice: the open page says so live, with no Pay link', async () => {
      const { payPageUrl, transactionId } = await checkout(practiceId);
      const page = await newPage();
      await page.goto(payPageUrl);
      await pageState(page, 'open');
      await page.waitForSelector('#pay-page[data-live="connected"]', { state: 'attached', timeout: STATE_TIMEOUT_MS });
      const canceled = await t.gql(CANCEL, { practiceId, transactionId });
      expect(canceled.errors).toBeUndefined();
      await pageState(page, 'canceled');
      await expect(page.textContent('#status')).resolves.toContain('canceled');
      expect(await page.isHidden('#pay')).toBe(true);
      await page.context().close();
    });
  });
}

describe('the page itself', () => {
  it('shows the essentials with JavaScript off: practice, first name, amount, lines, status, a Pay link', async () => {
    const { payPageUrl } = await checkout(SMILE, '88.10');
    const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    await page.goto(payPageUrl);
    const practice = (await t.gql(`{ practices { id name } }`)).data.practices.find((p: { id: string }) => p.id === SMILE).name;
    const patient = (await t.gql(`{ patient(practiceId: "${SMILE}", patientId: "${PATIENTS[SMILE]}") { firstName } }`)).data
      .patient;
    await expect(page.textContent('.practice')).resolves.toBe(practice);
    await expect(page.textContent('h1')).resolves.toContain(patient.firstName);
    await expect(page.textContent('#amount')).resolves.toContain('$88.10');
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await expect(page.getAttribute('#pay-page', 'data-status')).resolves.toBe('open');
    await expect(page.getAttribute('#pay', 'href')).resolves.toMatch(new RegExp(`^${t.stripe.url}/c/pay/`));
    await expect(page.getAttribute('html', 'lang')).resolves.toBe('en');
    await context.close();
  });

  it('is keyboard and screen-reader usable, fits 375 px without sideways scrolling, and is captured at 375 and 1280 px', async () => {
    const { payPageUrl } = await checkout(SMILE, '245.00');
    for (const width of [375, 1280]) {
      const page = await newPage(width, width === 375 ? 812 : 800);
      await page.goto(payPageUrl);
      await pageState(page, 'open');
      // No horizontal overflow: the page is readable at its width.
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      expect(overflow, `sideways overflow at ${width} px`).toBeLessThanOrEqual(0);
      // Keyboard: the first Tab stop is the Pay link, Enter follows it.
      await page.keyboard.press('Tab');
      await expect(page.evaluate(() => document.activeElement?.id)).resolves.toBe('pay');
      // Screen readers: a main landmark named by its heading, a live status, a captioned table.
      const tree = await page.locator('main').ariaSnapshot();
      expect(tree).toContain('heading');
      expect(tree).toContain('status');
      expect(tree).toContain('table');
      await expect(page.getAttribute('#status', 'aria-live')).resolves.toBe('polite');
      await page.screenshot({ path: join(OUTPUT_DIR, `pay-page-${width}.png`), fullPage: true });
      if (width === 375) {
        await page.keyboard.press('Enter');
        await page.waitForURL((url) => url.toString().startsWith(t.stripe.url));
      }
      await page.context().close();
    }
  });

  it('a wrong link shows one clear message (404)', async () => {
    const { payPageUrl } = await checkout(SMILE);
    const page = await newPage();
    const response = await page.goto(`${payPageUrl.slice(0, -3)}abc`);
    expect(response?.status()).toBe(404);
    await pageState(page, 'invalid');
    await expect(page.textContent('#status')).resolves.toContain('not valid or has expired');
    await page.context().close();
  });

  it('with the websocket refused, the fallback poll still brings "posted"', async () => {
    const { payPageUrl, transactionId } = await checkout(SMILE, '19.99');
    const page = await newPage();
    // Every websocket the page opens is closed at once: only the HTTP poll is left.
    await page.routeWebSocket(/\/graphql$/, (ws) => ws.close({ code: 1011, reason: 'refused by the test' }));
    await page.goto(payPageUrl);
    await pageState(page, 'open');
    await page.waitForSelector('#pay-page[data-live="disconnected"]', { state: 'attached', timeout: STATE_TIMEOUT_MS });
    const row = await t.gateway.services.collection.checkout(transactionId);
    const paid = await fetch(`${t.stripe.url}/_sandbox/checkout/sessions/${new URL(row!.url!).pathname.split('/').pop()}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ card: '4242424242424242' }),
    });
    expect(paid.status).toBe(200);
    await pageState(page, 'posted');
    await page.context().close();
  });
});

// Last: the Stripe sandbox's clock moves two days ahead, which would expire later tests' sessions.
describe('expired link (Stripe expires the session)', () => {
  it('the open page turns to "expired" live; a reload says so too', async () => {
    const { payPageUrl } = await checkout(SMILE);
    const page = await newPage();
    await page.goto(payPageUrl);
    await pageState(page, 'open');
    await page.waitForSelector('#pay-page[data-live="connected"]', { state: 'attached', timeout: STATE_TIMEOUT_MS });
    const clock = await fetch(`${t.stripe.url}/_sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceSeconds: 2 * 86_400 }),
    });
    expect(clock.status).toBe(200);
    await pageState(page, 'expired');
    await expect(page.textContent('#status')).resolves.toContain('expired');
    await page.reload();
    await pageState(page, 'expired');
    expect(await page.isHidden('#pay')).toBe(true);
    await page.context().close();
  });
});

// Last of all: the gateway's clock moves 31 minutes ahead (a Stripe session asked for after that
// would be refused by the Stripe sandbox, whose clock did not move).
describe('expired link (Square: the gateway cancels the payment link at expiresAt)', () => {
  it('the open page turns to "expired" live when the job closes the link; a reload says so too', async () => {
    const { data, errors } = await t.gql(CREATE, {
      input: {
        practiceId: DENTRIX,
        patientId: PATIENTS[DENTRIX],
        amount: '12.00',
        expiresInMinutes: 30,
        idempotencyKey: `browser-${++seq}`,
      },
    });
    expect(errors).toBeUndefined();
    const payPageUrl = data.createCheckout.transaction.checkout.payPageUrl as string;
    const page = await newPage();
    await page.goto(payPageUrl);
    await pageState(page, 'open');
    await page.waitForSelector('#pay-page[data-live="connected"]', { state: 'attached', timeout: STATE_TIMEOUT_MS });
    offsetMs += 31 * 60_000;
    await t.gateway.services.transactions.context.jobs.tick();
    await pageState(page, 'expired');
    await expect(page.textContent('#status')).resolves.toContain('expired');
    await page.reload();
    await pageState(page, 'expired');
    expect(await page.isHidden('#pay')).toBe(true);
    await page.context().close();
  });
});
