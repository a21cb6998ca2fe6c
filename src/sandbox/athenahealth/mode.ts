/**
 * The athenahealth simulator in sandbox mode (`npm start` without a config): an enterprise practice
 * with two provider groups and a practice with one.
 */
import type { RunningSystemSandbox, SandboxModeStartOptions, SandboxPractice } from '../../adapters/system';
import { startAthenahealthSandbox, type AthenahealthSandbox } from './index';

/** The sandbox's practices as config entries (`system: "athenahealth"`); tests use it with their own sandbox. */
export function athenahealthSandboxPractices(
  athena: Pick<AthenahealthSandbox, 'url' | 'clientId' | 'clientSecret' | 'practices'>,
): Array<SandboxPractice & { system: 'athenahealth' }> {
  const connection = { baseUrl: athena.url, clientId: athena.clientId, clientSecret: athena.clientSecret };
  return [
    {
      id: 'northside',
      name: 'Northside Clinic (athenahealth sandbox, enterprise)',
      system: 'athenahealth',
      connection: { ...connection, practiceId: athena.practices.enterprise },
    },
    {
      id: 'lakeside',
      name: 'Lakeside Family Practice (athenahealth sandbox)',
      system: 'athenahealth',
      connection: { ...connection, practiceId: athena.practices.single },
    },
  ];
}

export async function startSandboxMode(options: SandboxModeStartOptions): Promise<RunningSystemSandbox> {
  const athena = await startAthenahealthSandbox({ port: options.port ?? 0 });
  return { practices: athenahealthSandboxPractices(athena), close: () => athena.close() };
}
