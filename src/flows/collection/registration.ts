/**
 * The gateway registers its processor webhook endpoint (`{publicUrl}/webhooks/<processor>/<practiceId>`)
 * where the processor allows it (`capabilities.webhookRegistration`: Stripe always, Square unless the
 * connection has a hand-made subscription's `signatureKey`), once per practice: the signing secret is
 * shown only at creation, so it is kept in the store (`processor_webhook_registrations`), shared by
 * every instance. The creation's idempotency key is derived from the target URL, so instances
 * starting together (or a retry after a lost answer) create one endpoint, and a new public URL a new one.
 */
import { createHash } from 'node:crypto';
import type { Practice } from '../../practices';
import type { SqlClient } from '../../transactions/sql-client';
import { getProcessorRegistration, saveProcessorRegistration } from './checkout-store';

/** Register the practice's processor endpoint if it has none stored; a no-op without a processor or registration. */
export async function registerProcessorWebhook(sql: SqlClient, practice: Practice, publicUrl: string, now: Date): Promise<void> {
  const processor = practice.processor;
  if (!processor?.adapter.capabilities.webhookRegistration || !processor.adapter.registerWebhook) return;
  const targetUrl = `${publicUrl}/webhooks/${processor.routeSystem}/${practice.id}`;
  // Registered for this URL already. Another URL (the public URL changed) is registered anew; the
  // old endpoint is left upstream for an operator to delete (it may still serve an older instance).
  if ((await getProcessorRegistration(sql, practice.id))?.url === targetUrl) return;
  const idempotencyKey = `wh:${createHash('sha256').update(targetUrl).digest('hex').slice(0, 40)}`;
  const registration = await processor.adapter.registerWebhook({ targetUrl, idempotencyKey });
  await saveProcessorRegistration(sql, practice.id, { ...registration, url: registration.url ?? targetUrl }, now);
}
