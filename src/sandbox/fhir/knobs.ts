/**
 * The `/_sandbox/…` control surface (no auth, not logged), for processes that cannot reach the
 * in-process API, and the spec's knobs:
 *
 *   POST|GET|DELETE /_sandbox/faults       fault rules (JSON, see `faultRulesFromJson`): 429 + Retry-After, 500, 503, latency, resets
 *   POST /_sandbox/tokens/expire           every issued token expires now; `{ttlSeconds}` also sets new tokens' lifetime
 *   POST /_sandbox/ft/fail-next            `{status, code, diagnostics}`: the next FinancialTransaction POST answers that
 *   POST /_sandbox/page-size               `{n}` forces the page size (`null` back to `_count` / 20)
 *   POST /_sandbox/batch                   `{enabled}`: generic batch on or off (metadata follows)
 *   POST /_sandbox/outcome-entries         `{severity}`: Epic's per-page `search.mode: "outcome"` entry (`null`: none)
 *   POST /_sandbox/pages/endless           `{enabled}`: the last page of every search links to itself again
 *   POST /_sandbox/clients                 `{clientId, publicKeyPem, kid, profile?}` registers a client key
 *   GET|DELETE /_sandbox/requests          the request log
 */
import { z } from 'zod';
import { faultRulesFromJson } from '../shared/fault-injection';
import type { SandboxParts } from './context';
import type { Reply } from './outcome';
import { FHIR_PROFILES } from './profiles';

const ok = (body: unknown = { ok: true }, status = 200): Reply => ({ status, body });

const FtFailure = z.object({
  status: z.number().int().min(400).max(599),
  code: z.string().default('business-rule'),
  diagnostics: z.string(),
});
const PageSize = z.object({ n: z.number().int().min(1).max(100).nullable() });
const Enabled = z.object({ enabled: z.boolean() });
const Severity = z.object({ severity: z.enum(['information', 'warning', 'error', 'fatal']).nullable() });
const ClientRegistration = z.object({
  clientId: z.string().min(1),
  publicKeyPem: z.string().min(1),
  kid: z.string().min(1),
  profile: z.enum(FHIR_PROFILES as [string, ...string[]]).optional(),
});
const TokenExpiry = z.object({ ttlSeconds: z.number().int().min(1).max(86_400).optional() });

export async function handleKnob(parts: SandboxParts, method: string, path: string, raw: string): Promise<Reply> {
  const json = (): unknown => (raw.trim() ? JSON.parse(raw) : {});
  const { settings } = parts;
  try {
    const route = `${method} ${path.slice('/_sandbox'.length)}`;
    switch (route) {
      case 'POST /faults':
        return ok({ ids: faultRulesFromJson(raw || '[]').map((rule) => parts.faults.add(rule)) }, 201);
      case 'DELETE /faults':
        parts.faults.clear();
        return ok();
      case 'GET /faults':
        return ok(parts.faults.list().map((f) => ({ ...f, rule: { ...f.rule, path: String(f.rule.path ?? '') } })));
      case 'POST /tokens/expire': {
        const { ttlSeconds } = TokenExpiry.parse(json());
        parts.auth.expireAll();
        if (ttlSeconds !== undefined) parts.auth.ttlSeconds = ttlSeconds;
        return ok();
      }
      case 'POST /ft/fail-next':
        settings.ftFailNext = FtFailure.parse(json());
        return ok();
      case 'POST /page-size':
        settings.forcedPageSize = PageSize.parse(json()).n;
        return ok();
      case 'POST /batch':
        settings.batchEnabled = Enabled.parse(json()).enabled;
        return ok();
      case 'POST /outcome-entries':
        settings.outcomeSeverity = Severity.parse(json()).severity;
        return ok();
      case 'POST /pages/endless':
        settings.endless = Enabled.parse(json()).enabled;
        return ok();
      case 'POST /clients': {
        const input = ClientRegistration.parse(json());
        await parts.clients.register({
          ...input,
          profile: (input.profile as (typeof FHIR_PROFILES)[number] | undefined) ?? null,
        });
        return ok({ ok: true }, 201);
      }
      case 'GET /requests':
        return ok(parts.log);
      case 'DELETE /requests':
        parts.log.length = 0;
        return ok();
    }
  } catch (error) {
    const message = error instanceof z.ZodError ? z.prettifyError(error) : error instanceof Error ? error.message : String(error);
    return { status: 400, body: { error: message } };
  }
  return { status: 404, body: { error: `no sandbox knob ${method} ${path}` } };
}
