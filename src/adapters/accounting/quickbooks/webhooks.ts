/**
 * QuickBooks webhooks: one URL per Intuit app, deliveries of any company the app is connected to,
 * in either of Intuit's payload formats, both signed the same way:
 *
 *     intuit-signature = base64(HMAC-SHA256(key = the app's verifier token, message = the raw body))
 *
 * compared in constant time. The legacy format is an object `{"eventNotifications": […]}` (a
 * delivery's key is `<realmId>:<entity>:<id>:<operation>:<lastUpdated>`, having no id of its own);
 * the CloudEvents format is an array of events with their own `id` and `type`
 * `qbo.<entity>.<operation>.v1`. Events of operations the port does not know are left out (Intuit
 * would redeliver a refused delivery forever), never the whole delivery.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookRejected } from '../../ledger/port';
import type { WebhookDelivery } from '../../system';
import type { AccountingEntity, AccountingEvent, AccountingOperation } from '../port';
import { cloudEventsWebhookSchema, legacyWebhookSchema } from './schemas';

/** `intuit-signature` of `body` with `verifierToken` (tests, tools, the simulator's counterpart). */
export function signQuickbooksWebhook(verifierToken: string, body: Buffer | string): string {
  return createHmac('sha256', verifierToken).update(body).digest('base64');
}

const ENTITY_OF_NAME: Record<string, AccountingEntity> = { salesreceipt: 'SALE', refundreceipt: 'REFUND', customer: 'CUSTOMER' };

const OPERATION_OF_WORD: Record<string, AccountingOperation> = {
  create: 'CREATED',
  created: 'CREATED',
  update: 'UPDATED',
  updated: 'UPDATED',
  delete: 'DELETED',
  deleted: 'DELETED',
  merge: 'MERGED',
  merged: 'MERGED',
  void: 'VOIDED',
  voided: 'VOIDED',
  emailed: 'EMAILED',
};

function entityOf(name: string): AccountingEntity {
  return ENTITY_OF_NAME[name.toLowerCase()] ?? 'OTHER';
}

function headerOf(delivery: WebhookDelivery, name: string): string | undefined {
  const value = delivery.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Verify one delivery and parse its events (see the header). Throws `WebhookRejected`: 401 signature, 400 body. */
export function verifyQuickbooksWebhook(verifierToken: string | null, delivery: WebhookDelivery): AccountingEvent[] {
  if (!verifierToken)
    throw new WebhookRejected('QuickBooks webhook refused: the connection has no verifierToken to check it with', 401);
  const signature = headerOf(delivery, 'intuit-signature');
  if (!signature) throw new WebhookRejected('QuickBooks webhook refused: expected an intuit-signature header, got none', 401);
  const expected = createHmac('sha256', verifierToken).update(delivery.rawBody).digest();
  const given = Buffer.from(signature.trim(), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookRejected(
      'QuickBooks webhook refused: intuit-signature does not match the body (HMAC-SHA256 with the verifier token)',
      401,
    );
  }
  let body: unknown;
  try {
    body = JSON.parse(delivery.rawBody.toString('utf8'));
  } catch {
    throw new WebhookRejected('QuickBooks webhook refused: expected a JSON body', 400);
  }
  return Array.isArray(body) ? cloudEvents(body) : legacyEvents(body);
}

function legacyEvents(body: unknown): AccountingEvent[] {
  const parsed = legacyWebhookSchema.safeParse(body);
  if (!parsed.success) {
    throw new WebhookRejected('QuickBooks webhook refused: expected {"eventNotifications": [...]} or a CloudEvents array', 400);
  }
  const events: AccountingEvent[] = [];
  for (const notification of parsed.data.eventNotifications) {
    for (const entity of notification.dataChangeEvent.entities) {
      const operation = OPERATION_OF_WORD[entity.operation.toLowerCase()];
      if (!operation) continue;
      events.push({
        eventId: [notification.realmId, entity.name, entity.id, entity.operation, entity.lastUpdated ?? ''].join(':'),
        companyId: notification.realmId,
        entity: entityOf(entity.name),
        entityId: entity.id,
        operation,
        mergedId: operation === 'MERGED' ? (entity.deletedId ?? null) : null,
        occurredAt: entity.lastUpdated ?? null,
      });
    }
  }
  return events;
}

function cloudEvents(body: unknown[]): AccountingEvent[] {
  const parsed = cloudEventsWebhookSchema.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WebhookRejected(
      `QuickBooks webhook refused: a CloudEvents event is malformed (${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unknown'})`,
      400,
    );
  }
  const events: AccountingEvent[] = [];
  for (const event of parsed.data) {
    const [, entityName = '', operationWord = ''] = event.type.split('.');
    const operation = OPERATION_OF_WORD[operationWord.toLowerCase()];
    if (!operation) continue;
    events.push({
      eventId: event.id,
      companyId: event.intuitaccountid,
      entity: entityOf(entityName),
      entityId: event.intuitentityid,
      operation,
      mergedId: operation === 'MERGED' ? (event.data?.deletedId ?? null) : null,
      occurredAt: event.time ?? null,
    });
  }
  return events;
}
