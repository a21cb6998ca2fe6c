import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config';

const valid = () => ({
  server: { port: 4000, publicUrl: 'http://127.0.0.1:4000' },
  store: { url: 'pglite://./.data/ledger' },
  transactionIdPrefix: 'LG',
  apiKeys: [{ name: 'portal', key: 'portal-key-0123456789', practices: ['smile-dental'] }],
  practices: [
    {
      id: 'smile-dental',
      name: 'Smile Dental',
      system: 'nexhealth',
      connection: { baseUrl: 'https://nexhealth.info', apiKey: 'nex-key', subdomain: 'smile', locationId: '12' },
    },
    {
      id: 'northside',
      name: 'Northside Clinic',
      system: 'athenahealth',
      connection: {
        baseUrl: 'https://api.preview.platform.athenahealth.com',
        clientId: 'c',
        clientSecret: 's',
        practiceId: '195900',
      },
    },
  ],
});

function issuesOf(raw: unknown, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(raw, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be refused');
}

describe('config', () => {
  it('accepts the README example and fills the defaults', () => {
    const config = parseConfig(valid(), {});
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.limits.maxDepth).toBe(12);
    expect(config.currency).toBe('USD');
    expect(config.apiKeys[0]!.introspection).toBe(true);
    expect(config.practices[1]!.system).toBe('athenahealth');
    expect(config.store.wasmTierUp).toBe(false);
  });

  it('takes store.wasmTierUp as a boolean only', () => {
    expect(parseConfig({ ...valid(), store: { url: 'memory://', wasmTierUp: true } }, {}).store.wasmTierUp).toBe(true);
    expect(issuesOf({ ...valid(), store: { url: 'memory://', wasmTierUp: 'yes' } }).join('\n')).toMatch(/store\.wasmTierUp/);
  });

  it('names the bad key and what was expected', () => {
    const raw = valid();
    (raw.practices[0]!.connection as { baseUrl: string }).baseUrl = 'not a url';
    expect(issuesOf(raw)).toEqual([expect.stringMatching(/^practices\[0\]\.connection\.baseUrl: expected an http\(s\) URL/)]);
  });

  it('refuses unknown keys, unknown systems, duplicate practices and keys naming unknown practices', () => {
    const raw: any = valid();
    raw.practices[1].system = 'epic';
    expect(issuesOf(raw).join('\n')).toMatch(/practices\[1\]/);

    const extra: any = valid();
    extra.server.prot = 1;
    expect(issuesOf(extra).join('\n')).toMatch(/server/);

    const dup: any = valid();
    dup.practices[1] = { ...dup.practices[0] };
    expect(issuesOf(dup).join('\n')).toMatch(/practices\[1\]\.id: duplicate practice id "smile-dental"/);

    const unknown: any = valid();
    unknown.apiKeys[0].practices = ['nowhere'];
    expect(issuesOf(unknown).join('\n')).toMatch(/apiKeys\[0\]\.practices\[0\]: unknown practice "nowhere"/);
  });

  it('never echoes a secret in an error', () => {
    const raw: any = valid();
    raw.apiKeys[0].key = 'short-secret';
    const text = issuesOf(raw).join('\n');
    expect(text).toMatch(/apiKeys\[0\]\.key/);
    expect(text).not.toContain('short-secret');
  });

  it('reads secrets from the environment with env:NAME and names a missing variable', () => {
    const raw: any = valid();
    raw.practices[0].connection.apiKey = 'env:NEX_KEY';
    expect(parseConfig(raw, { NEX_KEY: 'from-env' }).practices[0]!.connection).toMatchObject({ apiKey: 'from-env' });
    expect(issuesOf(raw, {})).toEqual(['practices[0].connection.apiKey: expected environment variable NEX_KEY to be set']);
  });

  it('accepts only the store URLs it can open', () => {
    for (const url of ['memory://', 'pglite://./x', 'postgres://u@h/db', 'postgresql://u@h/db']) {
      const raw: any = valid();
      raw.store.url = url;
      expect(parseConfig(raw, {}).store.url).toBe(url);
    }
    const raw: any = valid();
    raw.store.url = 'mysql://x';
    expect(issuesOf(raw)).toEqual([expect.stringMatching(/^store\.url: expected memory:\/\/, pglite:\/\/PATH or postgres/)]);
  });

  it('loads a file and explains a file that is missing or not JSON', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lg-config-'));
    const good = join(dir, 'good.json');
    await writeFile(good, JSON.stringify(valid()));
    expect((await loadConfigFile(good, {})).practices).toHaveLength(2);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, '{ nope');
    await expect(loadConfigFile(bad, {})).rejects.toThrow(/expected JSON/);
    await expect(loadConfigFile(join(dir, 'missing.json'), {})).rejects.toThrow(/cannot read the file \(ENOENT\)/);
  });
});
