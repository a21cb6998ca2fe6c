/**
 * The ports of the four new kinds are interfaces only: these checks keep them usable before their
 * first adapter lands. A fake adapter of each kind must type-check against its port (both vendors'
 * shapes fit one port), a descriptor of each kind must be definable with `define…System`, the
 * descriptor's channel / service must narrow what its adapter offers, and each port's list of
 * upstream-touching methods must name methods of that port. Most assertions are type-level
 * (`expectTypeOf`, `@ts-expect-error`): `npm test` type-checks before it runs.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import type { AccountingAdapter, AccountingAdapterOptions, BookedEntryRecord } from '../../../src/adapters/accounting/port';
import type { CoverageAdapter, CoverageAdapterFor, EligibilityAnswer } from '../../../src/adapters/coverage/port';
import { WebhookRejected } from '../../../src/adapters/ledger/port';
import type { EmailMessage, MessagingAdapter, SmsMessage } from '../../../src/adapters/messaging/port';
import type { CheckoutRecord, ProcessorAdapter, ProcessorEvent } from '../../../src/adapters/processor/port';
import { MAX_IDEMPOTENCY_KEY_LENGTH } from '../../../src/adapters/processor/port';
import {
  UPSTREAM_METHODS,
  defineAccountingSystem,
  defineCoverageSystem,
  defineLedgerSystem,
  defineMessagingSystem,
  defineProcessorSystem,
  isSystemOfKind,
  type LedgerSystemDescriptor,
  type ProcessorSystemDescriptor,
  type SystemDescriptor,
  type WebhookDelivery,
} from '../../../src/adapters/system';

const now = '2026-07-30T12:00:00.000Z';
const reject = (): never => {
  throw new WebhookRejected('bad signature', 401);
};

const checkout: CheckoutRecord = {
  id: 'cs_test_1',
  matchId: 'cs_test_1',
  transactionId: 'LG:1042',
  url: 'https://checkout.example/c/pay/cs_test_1',
  status: 'OPEN',
  amount: 12_500,
  currency: 'USD',
  paymentId: null,
  amountPaid: 0,
  expiresAt: now,
  createdAt: now,
};

const fakeProcessor = {
  system: 'STRIPE',
  capabilities: {
    hostedCheckout: true,
    asyncSettlement: true,
    checkoutExpiry: true,
    webhookRegistration: true,
    refunds: true,
    partialRefunds: true,
    minAmount: 50,
  },
  connect: async () => {},
  createCheckout: async () => checkout,
  getCheckout: async () => checkout,
  cancelCheckout: async () => ({ ...checkout, status: 'CANCELED' as const, url: null }),
  getPayment: async (id) => ({
    id,
    checkoutMatchId: null,
    transactionId: 'LG:1042',
    status: 'SUCCEEDED',
    amount: 12_500,
    amountReceived: 12_500,
    amountRefunded: null,
    currency: 'USD',
    failure: null,
    updatedAt: null,
  }),
  refund: async (r) => ({
    id: 're_1',
    paymentId: r.paymentId,
    transactionId: r.transactionId,
    status: 'SUCCEEDED',
    amount: r.amount,
    currency: r.currency,
    failureReason: null,
    createdAt: now,
    updatedAt: null,
  }),
  getRefund: async (id) => ({
    id,
    paymentId: 'pi_1',
    transactionId: null,
    status: 'PENDING',
    amount: 500,
    currency: 'USD',
    failureReason: null,
    createdAt: now,
    updatedAt: now,
  }),
  listChanges: async () => ({ items: [], endCursor: null, hasNextPage: false }),
  registerWebhook: async ({ targetUrl }) => ({ endpointId: 'we_1', secret: 'whsec_x', url: targetUrl }),
  verifyWebhook: (delivery): ProcessorEvent =>
    delivery.secret ? { eventId: 'evt_1', occurredAt: now, type: 'CHECKOUT_UPDATED', checkout } : reject(),
  close: async () => {},
} satisfies ProcessorAdapter;

const fakeSms = {
  system: 'twilio',
  channel: 'SMS',
  capabilities: {
    deliveryReceipts: true,
    inboundOptOut: true,
    templates: false,
    statusCallbackPerMessage: true,
    statusLookup: true,
    sentListing: true,
    maxTextLength: 1600,
  },
  connect: async () => {},
  send: async (message: SmsMessage) =>
    message.to === '+15005550004'
      ? {
          state: 'REFUSED' as const,
          status: 'SUPPRESSED' as const,
          reason: 'unsubscribed',
          errorCode: '21610',
          recipient: 'OPTED_OUT' as const,
        }
      : { state: 'ACCEPTED' as const, providerMessageId: 'SM1', status: 'QUEUED' as const, acceptedAt: now },
  getMessage: async (sid) => ({
    providerMessageId: sid,
    reminderId: null,
    status: 'DELIVERED',
    sentAt: now,
    failureReason: null,
    errorCode: null,
    recipient: null,
  }),
  findSent: async () => null,
  verifyWebhook: (delivery) => [
    new URL(delivery.url).searchParams.has('r')
      ? {
          eventId: 'SM1:delivered',
          occurredAt: null,
          type: 'STATUS',
          reminderId: new URL(delivery.url).searchParams.get('r'),
          providerMessageId: 'SM1',
          status: 'DELIVERED',
          failureReason: null,
          errorCode: null,
          recipient: null,
        }
      : { eventId: 'SM2', occurredAt: null, type: 'OPT_OUT', recipient: '+15551234567', reminderId: null },
  ],
  close: async () => {},
} satisfies MessagingAdapter<'SMS'>;

const fakeEmail = {
  system: 'sendgrid',
  channel: 'EMAIL',
  capabilities: {
    deliveryReceipts: true,
    inboundOptOut: true,
    templates: true,
    statusCallbackPerMessage: false,
    statusLookup: false,
    sentListing: false,
    maxTextLength: null,
  },
  connect: async () => {},
  send: async (_message: EmailMessage) => ({ state: 'UNKNOWN' as const, reason: 'timeout after 10000 ms' }),
  verifyWebhook: () => [
    {
      eventId: 'sg_1',
      occurredAt: now,
      type: 'STATUS',
      reminderId: 'rem_81',
      providerMessageId: 'W9-tZ0u2TQeQOKnpp-6kUg',
      status: 'SUPPRESSED',
      failureReason: 'Unsubscribed Address',
      errorCode: null,
      recipient: 'OPTED_OUT',
    },
  ],
  close: async () => {},
} satisfies MessagingAdapter<'EMAIL'>;

const fakeEligibility = {
  system: 'availity',
  capabilities: { eligibility: true, claimStatusInquiry: false, asyncPolling: true },
  connect: async () => {},
  checkEligibility: async (): Promise<EligibilityAnswer> => ({
    state: 'PENDING',
    inquiryId: '0000000001',
    retrying: false,
    expiresAt: null,
  }),
  pollEligibility: async (inquiryId): Promise<EligibilityAnswer> => ({
    state: 'ANSWERED',
    inquiryId,
    benefits: {
      complete: true,
      asOfDate: '2026-07-30',
      payer: { payerId: 'SANDBOX1', name: 'ACME HEALTH PPO' },
      plans: [
        {
          name: 'ACME PPO',
          groupNumber: null,
          groupName: null,
          insuranceTypeCode: null,
          statusCode: '1',
          coverageStartDate: '2025-01-01',
          coverageEndDate: null,
          eligibilityStartDate: null,
          eligibilityEndDate: null,
        },
      ],
      rows: [
        {
          plan: 0,
          code: 'B',
          serviceTypeCode: '98',
          network: 'Y',
          coverageLevelCode: 'IND',
          timeQualifierCode: '27',
          amount: 2_500,
          percent: null,
          placeOfServiceCode: '11',
        },
        {
          plan: 0,
          code: 'A',
          serviceTypeCode: '98',
          network: 'Y',
          coverageLevelCode: 'IND',
          timeQualifierCode: null,
          amount: null,
          percent: 20,
          placeOfServiceCode: null,
        },
      ],
    },
  }),
  close: async () => {},
} satisfies CoverageAdapter;

const fakeClaimStatus = {
  system: 'office-ally',
  capabilities: { eligibility: false, claimStatusInquiry: true, asyncPolling: false },
  connect: async () => {},
  inquireClaimStatus: async () => ({
    state: 'REJECTED' as const,
    controlNumber: '123456789',
    reasons: [{ code: '75', description: 'Subscriber/Insured Not Found', field: null, followUp: 'Please Correct and Resubmit' }],
  }),
  close: async () => {},
} satisfies CoverageAdapter;

const entry: BookedEntryRecord = {
  ref: { kind: 'SALE', id: '130' },
  customerId: '58',
  amount: 12_500,
  date: '2026-07-30',
  transactionId: 'LG:1042',
  voided: false,
  version: '0',
  updatedAt: now,
};

const fakeBooks = {
  system: 'quickbooks',
  companyId: '9130000000000001',
  capabilities: {
    changeDataCapture: true,
    changeDataCaptureDays: 30,
    webhooks: true,
    webhookRegistration: false,
    refundReceipts: true,
  },
  connect: async () => {},
  ensureCustomer: async (input) => ({
    state: 'OK' as const,
    customer: {
      id: input.knownCustomerId ?? '58',
      displayName: `${input.firstName} ${input.lastName} (${input.guarantorSourceId})`,
      active: true,
    },
    created: input.knownCustomerId === null,
  }),
  bookEntry: async (booking) =>
    booking.amount > 0
      ? { state: 'BOOKED' as const, entry: { ...entry, ref: { kind: booking.kind, id: '131' } } }
      : { state: 'FAILED' as const, cause: 'VALIDATION' as const, code: '6070', reason: 'amount' },
  entries: async (refs) => refs.map((ref) => (ref.id === entry.ref.id ? entry : null)),
  changesSince: async () => ({ entries: [entry], deleted: [], asOf: now }),
  verifyWebhook: (delivery: WebhookDelivery) =>
    delivery.rawBody.length > 0
      ? [
          {
            eventId: 'ce-1',
            companyId: '9130000000000001',
            entity: 'SALE' as const,
            entityId: '130',
            operation: 'VOIDED' as const,
            mergedId: null,
            occurredAt: now,
          },
        ]
      : reject(),
  close: async () => {},
} satisfies AccountingAdapter;

const connection = z.object({ baseUrl: z.url(), apiKey: z.string().min(1) });

const stripeLike = defineProcessorSystem({
  system: 'stripe-test',
  processor: 'STRIPE',
  connection,
  createAdapter: (conn) => {
    expectTypeOf(conn).toEqualTypeOf<{ baseUrl: string; apiKey: string }>();
    return fakeProcessor;
  },
});
const twilioLike = defineMessagingSystem({ system: 'twilio-test', channel: 'SMS', connection, createAdapter: () => fakeSms });
const sendgridLike = defineMessagingSystem({
  system: 'sendgrid-test',
  channel: 'EMAIL',
  connection,
  createAdapter: () => fakeEmail,
});
const availityLike = defineCoverageSystem({
  system: 'availity-test',
  service: 'eligibility',
  connection,
  createAdapter: () => fakeEligibility,
});
const claimStatusLike = defineCoverageSystem({
  system: 'claims-test',
  service: 'claimStatus',
  connection,
  createAdapter: () => fakeClaimStatus,
});
const quickbooksLike = defineAccountingSystem({
  system: 'quickbooks-test',
  connection,
  createAdapter: (_conn, options) => {
    expectTypeOf(options).toEqualTypeOf<AccountingAdapterOptions>();
    return fakeBooks;
  },
});
const ledgerLike = defineLedgerSystem({
  system: 'ledger-test',
  practiceSystem: 'FHIR',
  connection,
  createAdapter: () => {
    throw new Error('not used');
  },
});

const conn = { baseUrl: 'http://127.0.0.1:1', apiKey: 'k' };

describe('ports of the processor, messaging, coverage and accounting kinds', () => {
  it('defines a descriptor of each kind, which the registry union accepts', () => {
    const systems = [
      ledgerLike,
      stripeLike,
      twilioLike,
      sendgridLike,
      availityLike,
      claimStatusLike,
      quickbooksLike,
    ] as const satisfies readonly SystemDescriptor[];
    expect(systems.map((d) => d.kind)).toEqual([
      'ledger',
      'processor',
      'messaging',
      'messaging',
      'coverage',
      'coverage',
      'accounting',
    ]);

    // The registry picks ledger systems out of a mixed list: the filter's predicate narrows.
    const ledgers: readonly LedgerSystemDescriptor[] = systems.filter((d) => d.kind === 'ledger');
    const processors: ProcessorSystemDescriptor[] = systems.filter((d) => isSystemOfKind(d, 'processor'));
    expect(ledgers.map((d) => d.system)).toEqual(['ledger-test']);
    expect(processors.map((d) => d.processor)).toEqual(['STRIPE']);
  });

  it("narrows a messaging adapter's send to its channel's messages", () => {
    expectTypeOf(twilioLike.channel).toEqualTypeOf<'SMS'>();
    const sms = twilioLike.createAdapter(conn, {});
    expectTypeOf(sms).toEqualTypeOf<MessagingAdapter<'SMS'>>();
    expectTypeOf(sms.send).parameter(0).toEqualTypeOf<SmsMessage>();
    expectTypeOf(sendgridLike.createAdapter(conn, {}).send).parameter(0).toEqualTypeOf<EmailMessage>();
    // @ts-expect-error an email adapter cannot be registered as an SMS provider
    defineMessagingSystem({ system: 'x', channel: 'SMS', connection, createAdapter: () => fakeEmail });
  });

  it("requires a coverage adapter to have its service's method", () => {
    expectTypeOf(availityLike.createAdapter(conn, {})).toEqualTypeOf<CoverageAdapterFor<'eligibility'>>();
    expectTypeOf(availityLike.createAdapter(conn, {}).checkEligibility).toBeFunction();
    expectTypeOf(claimStatusLike.createAdapter(conn, {}).inquireClaimStatus).toBeFunction();
    // @ts-expect-error a claim-status adapter has no eligibility inquiry
    defineCoverageSystem({ system: 'x', service: 'eligibility', connection, createAdapter: () => fakeClaimStatus });
  });

  it('refuses an adapter that misses a required method', () => {
    const { refund: _refund, ...withoutRefund } = fakeProcessor;
    // @ts-expect-error `refund` is part of the processor port
    const broken: ProcessorAdapter = withoutRefund;
    expect(broken).toBeDefined();
  });

  it("lists each kind's upstream-touching methods, all of them methods of its fake adapter", () => {
    const fakes = {
      processor: [fakeProcessor],
      messaging: [fakeSms, fakeEmail],
      coverage: [fakeEligibility, fakeClaimStatus],
      accounting: [fakeBooks],
    };
    for (const [kind, adapters] of Object.entries(fakes) as Array<[keyof typeof fakes, object[]]>) {
      const { batch, whole } = UPSTREAM_METHODS[kind];
      const names: readonly string[] = [...batch, ...whole];
      expect(names).not.toContain('verifyWebhook');
      expect(names).not.toContain('close');
      expect(names).toContain('connect');
      // Every method an adapter has is either listed or one of the two that do no upstream I/O.
      for (const adapter of adapters) {
        const methods = Object.entries(adapter)
          .filter(([, v]) => typeof v === 'function')
          .map(([k]) => k);
        for (const method of methods) expect([...names, 'verifyWebhook', 'close']).toContain(method);
      }
    }
    expect(UPSTREAM_METHODS.accounting.batch).toEqual(['entries']);
    expect(UPSTREAM_METHODS.ledger.batch).toContain('chargesByPatient');
  });

  it('answers from the fakes in the shapes the flows will read', async () => {
    const sms = twilioLike.createAdapter(conn, {});
    const base = {
      reminderId: 'rem_81',
      practiceId: 'smile-dental',
      patientSourceId: '42',
      text: 'Smile Dental: your balance is $125.00. Pay at https://gw.example/pay/t',
      content: {
        practiceName: 'Smile Dental',
        patientFirstName: null,
        amount: 12_500,
        payUrl: 'https://gw.example/pay/t',
        dueDate: null,
      },
      statusCallbackUrl: 'https://gw.example/webhooks/twilio/smile-dental?r=rem_81',
    };
    expect(await sms.send({ ...base, channel: 'SMS', to: '+15005550004' })).toMatchObject({
      state: 'REFUSED',
      status: 'SUPPRESSED',
    });

    const [event] = sms.verifyWebhook({
      url: base.statusCallbackUrl,
      headers: {},
      rawBody: Buffer.from(''),
      secret: null,
      now: new Date(now),
    });
    expect(event).toMatchObject({ type: 'STATUS', reminderId: 'rem_81', status: 'DELIVERED' });

    const stripe = stripeLike.createAdapter(conn, {});
    expect(() =>
      stripe.verifyWebhook({
        url: 'https://gw.example/webhooks/stripe/p',
        headers: {},
        rawBody: Buffer.from('{}'),
        secret: null,
        now: new Date(now),
      }),
    ).toThrow(WebhookRejected);
    expect('LG:1043:refund:1'.length).toBeLessThanOrEqual(MAX_IDEMPOTENCY_KEY_LENGTH);

    const books = quickbooksLike.createAdapter(conn, {});
    expect(
      await books.entries([
        { kind: 'SALE', id: '130' },
        { kind: 'REFUND', id: '9' },
      ]),
    ).toEqual([entry, null]);
  });
});
