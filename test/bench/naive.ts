/**
 * The naive per-field baseline: the REST calls a resolver-per-field tree WITHOUT DataLoader (and
 * without a cache) would issue for the bench's operations. Each field that needs upstream data
 * fetches it itself; sibling fields run concurrently, as graphql-js runs them. Returns the call count.
 */
import type { NexRest, Row } from './nex-rest';

const all = Promise.all.bind(Promise);

/** `Patient.balance` fetches the three ledgers of one patient. */
async function balance(rest: NexRest, patientId: string): Promise<void> {
  await all([
    rest.list('/charges', { patient_id: patientId }),
    rest.list('/payments', { patient_id: patientId }),
    rest.list('/adjustments', { patient_id: patientId }),
  ]);
}

/** Guarantor(id) { … } of the family query. */
export async function naiveFamily(rest: NexRest, guarantorId: string): Promise<number> {
  const start = rest.calls;
  await rest.get(`/patients/${guarantorId}`); // Query.guarantor
  const family = () => rest.get(`/patients/${guarantorId}`, { 'include[]': ['children'] });
  const members = async () => {
    const g = await family();
    return [g, ...((g.children ?? []) as Row[])]
      .filter((p: Row) => !(g.bio?.non_patient && p.id === g.id))
      .map((p: Row) => String(p.id));
  };
  await all([
    // patients { balance, charges { provider, procedure, claim } }
    (async () => {
      const ids = await members();
      await all(
        ids.map(async (id) => {
          await all([
            balance(rest, id),
            (async () => {
              const charges = await rest.list('/charges', { patient_id: id });
              await all(
                charges.map((c) =>
                  all([
                    rest.get(`/providers/${c.provider_id}`),
                    rest.get(`/procedures/${c.procedure_id}`),
                    rest.list('/claims', { patient_id: id }), // Charge.claim: find the charge's claim
                  ]),
                ),
              );
            })(),
          ]);
        }),
      );
    })(),
    rest.list('/guarantor_balances', { guarantor_id: guarantorId, show_zero_balances: true }), // aging
    rest.list('/insurance_balances', { guarantor_id: guarantorId }), // insuranceAging
    all([
      // outOfPocketAging
      rest.list('/guarantor_balances', { guarantor_id: guarantorId, show_zero_balances: true }),
      rest.list('/insurance_balances', { guarantor_id: guarantorId }),
    ]),
    (async () => {
      // reconciliation: reported portion + every member's balance
      await rest.list('/guarantor_balances', { guarantor_id: guarantorId, show_zero_balances: true });
      const ids = await members();
      await all(ids.map((id) => balance(rest, id)));
    })(),
    (async () => {
      // invoice(groupBy: PROVIDER): every member's charges, each line's provider for the group label
      const ids = await members();
      await all(
        ids.map(async (id) => {
          const charges = await rest.list('/charges', { patient_id: id });
          await all(charges.map((c) => rest.get(`/providers/${c.provider_id}`)));
        }),
      );
    })(),
  ]);
  return rest.calls - start;
}

/** practice(id) { patients(first: 50) { nodes { balance { total } } } } */
export async function naivePracticePage(rest: NexRest): Promise<number> {
  const start = rest.calls;
  const page = await rest.get('/patients', { per_page: 50 }, true);
  await all((page.data as Row[]).map((p) => balance(rest, String(p.id))));
  return rest.calls - start;
}

/** patient { balance, invoice { lines { charge { procedure, provider } } } } */
export async function naiveInvoice(rest: NexRest, patientId: string): Promise<number> {
  const start = rest.calls;
  await rest.get(`/patients/${patientId}`);
  await all([
    balance(rest, patientId),
    (async () => {
      const charges = await rest.list('/charges', { patient_id: patientId });
      await all(charges.map((c) => all([rest.get(`/procedures/${c.procedure_id}`), rest.get(`/providers/${c.provider_id}`)])));
    })(),
  ]);
  return rest.calls - start;
}
