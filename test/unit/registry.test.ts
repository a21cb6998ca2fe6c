/**
 * The registry is the one list every wiring reads: these checks keep a new system's descriptor
 * honest before any gateway starts (its word is unique, its GraphQL enum value exists, its sandbox's
 * practices pass its own connection schema and the gateway's config).
 */
import type { GraphQLEnumType } from 'graphql';
import { afterAll, describe, expect, it } from 'vitest';
import { LEDGER_SYSTEMS, PROCESSOR_SYSTEMS, SYSTEMS, ledgerSystem } from '../../src/adapters/registry';
import type { RunningSystemSandbox } from '../../src/adapters/system';
import { parseConfig } from '../../src/config';
import { createSchema } from '../../src/graphql/schema';
import { sandboxPractices, startSystemSandboxes } from '../../src/sandbox/default-config';

describe('system registry', () => {
  let sandboxes: RunningSystemSandbox[] = [];
  afterAll(async () => {
    await Promise.all(sandboxes.map((s) => s.close()));
  });

  it('gives every system a unique word of lowercase letters and digits', () => {
    const words = SYSTEMS.map((d) => d.system);
    expect(new Set(words).size).toBe(words.length);
    for (const word of words) expect(word).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('answers each ledger system with a value the GraphQL enum PracticeSystem has', () => {
    const schema = createSchema();
    const values = (schema.getType('PracticeSystem') as GraphQLEnumType).getValues().map((v) => v.name);
    for (const descriptor of LEDGER_SYSTEMS) expect(values).toContain(descriptor.practiceSystem);
  });

  it('refuses an unknown system word with what was expected', () => {
    expect(() => ledgerSystem('nope')).toThrow(
      /expected a registered ledger system \(nexhealth, athenahealth, fhir\), got "nope"/,
    );
  });

  it('answers each processor with a value the GraphQL enum Processor has', () => {
    const schema = createSchema();
    const values = (schema.getType('Processor') as GraphQLEnumType).getValues().map((v) => v.name);
    for (const descriptor of PROCESSOR_SYSTEMS) expect(values).toContain(descriptor.processor);
  });

  it("starts every simulator for sandbox mode, whose practices pass their system's schema and the config", async () => {
    sandboxes = await startSystemSandboxes();
    const practices = sandboxPractices(sandboxes) as Array<{ id: string; system: string; connection: unknown; processor?: any }>;
    expect(practices.map((p) => p.id)).toEqual([
      'smile-dental',
      'bright-dentrix',
      'northside',
      'lakeside',
      'summit-health',
      'lakeview-epic',
      'open-fhir',
    ]);
    for (const practice of practices) {
      expect(ledgerSystem(practice.system).connection.safeParse(practice.connection).success).toBe(true);
    }
    // The processor sandboxes give smile-dental Stripe and bright-dentrix Square, posting as a card payment type.
    expect(practices.map((p) => [p.id, p.processor?.system ?? null, p.processor?.paymentTypeId ?? null])).toEqual([
      ['smile-dental', 'stripe', '503'],
      ['bright-dentrix', 'square', '513'],
      ['northside', null, null],
      ['lakeside', null, null],
      ['summit-health', null, null],
      ['lakeview-epic', null, null],
      ['open-fhir', null, null],
    ]);
    const config = parseConfig({ apiKeys: [{ name: 'k', key: 'k'.repeat(16), practices: ['*'] }], practices });
    expect(config.practices).toHaveLength(7);
    expect(config.practices[0]?.processor?.system).toBe('stripe');
    // The clearinghouse sandboxes give every ledger practice both coverage services.
    for (const p of config.practices) {
      expect([p.coverage?.eligibility?.clearinghouse, p.coverage?.claimStatus?.clearinghouse]).toEqual([
        'availity',
        'office-ally',
      ]);
    }
    // The QuickBooks sandbox keeps the books of the practices that collect through a processor.
    expect(
      config.practices.filter((p) => p.accounting).map((p) => [p.id, p.accounting?.system, p.accounting?.depositAccountId]),
    ).toEqual([
      ['smile-dental', 'quickbooks', '35'],
      ['bright-dentrix', 'quickbooks', '35'],
      ['northside', 'quickbooks', '35'],
    ]);
  });
});
