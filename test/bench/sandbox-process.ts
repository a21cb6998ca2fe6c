/**
 * Child process of the bench: both vendors' sandboxes, so the simulated upstream does not share the
 * gateway's event loop. A real EHR answers from its own machines; with the sandbox in the gateway's
 * process, every upstream call would also cost the gateway's thread the simulator's routing, seed
 * look-ups and JSON rendering, and the bench would measure the two together. Driven over IPC by
 * setup.ts (every message carries a `seq`, echoed in its answer):
 *
 *   ← { type: 'ready', nex: { url, apiKey, subdomain, institutionId, locations }, athena: { … } }
 *   → { type: 'addFault', rule }            ← { id }        (JSON fault rule, e.g. { responseTimeMs: 20 })
 *   → { type: 'removeFault', id }
 *   → { type: 'requests' }                   ← { requests }  (the NexHealth request log)
 *   → { type: 'resetRequestLog' }
 *   → { type: 'pendingInsertions' }          ← { count }
 *   → { type: 'completePendingInsertions' }
 *   → { type: 'fhirAddFault', rule }        ← { id }        (the same, on the FHIR sandbox)
 *   → { type: 'fhirRemoveFault', id }
 *   → { type: 'fhirRequests' }               ← { requests }  (the FHIR request log)
 *   → { type: 'fhirResetRequestLog' }
 *   → { type: 'close' }                      (stops the sandboxes, exits)
 *
 * The FHIR sandbox (its `ready` part: mounts and registered clients, for `fhirSandboxPractices`)
 * serves the bench's one FHIR practice, open-fhir (generic).
 */
import { startAthenahealthSandbox } from '../../src/sandbox/athenahealth';
import { startFhirSandbox } from '../../src/sandbox/fhir';
import { faultRulesFromJson, startNexhealthSandbox } from '../../src/sandbox/nexhealth';

const nex = await startNexhealthSandbox({ port: 0, rateLimits: false, insertion: 'manual', webhookRetryDelaysMs: [50, 100] });
const athena = await startAthenahealthSandbox({ port: 0 });
const fhir = await startFhirSandbox({ port: 0 });

type Message = { seq: number; type: string; rule?: unknown; id?: string };

async function answer(msg: Message): Promise<Record<string, unknown>> {
  switch (msg.type) {
    case 'addFault':
      return { id: nex.faults.add(faultRulesFromJson(JSON.stringify([msg.rule]))[0]!) };
    case 'removeFault':
      nex.faults.remove(String(msg.id));
      return {};
    case 'requests':
      return { requests: nex.requests };
    case 'resetRequestLog':
      nex.resetRequestLog();
      return {};
    case 'pendingInsertions':
      return { count: nex.pendingInsertions.length };
    case 'completePendingInsertions':
      await nex.completePendingInsertions();
      return {};
    case 'fhirAddFault':
      return { id: fhir.faults.add(faultRulesFromJson(JSON.stringify([msg.rule]))[0]!) };
    case 'fhirRemoveFault':
      fhir.faults.remove(String(msg.id));
      return {};
    case 'fhirRequests':
      return { requests: fhir.requests };
    case 'fhirResetRequestLog':
      fhir.resetRequestLog();
      return {};
    case 'close':
      await Promise.all([nex.close(), athena.close(), fhir.close()]);
      return {};
    default:
      throw new Error(`sandbox-process: unknown message type ${JSON.stringify(msg.type)}`);
  }
}

// Never outlive the bench: if it dies, its IPC channel closes.
process.on('disconnect', () => process.exit(0));

process.on('message', (msg: Message) => {
  answer(msg).then(
    (body) => {
      process.send!({ seq: msg.seq, ok: true, ...body });
      if (msg.type === 'close') process.disconnect();
    },
    (error: unknown) => process.send!({ seq: msg.seq, ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
});

process.send!({
  type: 'ready',
  nex: { url: nex.url, apiKey: nex.apiKey, subdomain: nex.subdomain, institutionId: nex.institutionId, locations: nex.locations },
  athena: { url: athena.url, clientId: athena.clientId, clientSecret: athena.clientSecret, practices: athena.practices },
  fhir: { url: fhir.url, mounts: fhir.mounts, clients: fhir.clients },
});
