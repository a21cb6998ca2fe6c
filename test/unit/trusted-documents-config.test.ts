/**
 * `apiKeys[].documents` at config load: the manifest is read and validated with the config, and a
 * manifest that cannot be used is a ConfigError naming the key, its place in the config and the
 * file, never echoing the key itself.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../../src/config';

const SECRET = 'portal-key-0123456789-secret';
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trusted-config-'));
});

const config = (documents: string) => ({
  apiKeys: [
    { name: 'open', key: 'open-key-0123456789abcdef', practices: ['*'] },
    { name: 'portal', key: SECRET, practices: ['smile-dental'], documents },
  ],
  practices: [
    {
      id: 'smile-dental',
      name: 'Smile Dental',
      system: 'nexhealth',
      connection: { baseUrl: 'https://nexhealth.info', apiKey: 'nex-key', subdomain: 'smile', locationId: '12' },
    },
  ],
});

async function manifest(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

function issuesOf(raw: unknown): string[] {
  try {
    parseConfig(raw, {});
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues;
  }
  throw new Error('expected the config to be refused');
}

describe('apiKeys[].documents', () => {
  it('reads a client-preset manifest into the key; keys without one have none', async () => {
    const path = await manifest(
      'ok.json',
      JSON.stringify({ abc123: 'query A { practices { id } }', def456: '{ practices { name } }' }),
    );
    const parsed = parseConfig(config(path), {});
    expect(parsed.apiKeys[0]!.documents).toBeUndefined();
    expect(parsed.apiKeys[1]!.documents?.path).toBe(path);
    expect([...parsed.apiKeys[1]!.documents!.byId.keys()]).toEqual(['abc123', 'def456']);
    expect(parsed.apiKeys[1]!.documents!.byId.get('abc123')).toBe('query A { practices { id } }');
  });

  it('refuses a missing file, naming the key and the file', async () => {
    const path = join(dir, 'absent.json');
    const issues = issuesOf(config(path));
    expect(issues).toEqual([`apiKeys[1].documents: key "portal": cannot read the persisted-documents manifest ${path} (ENOENT)`]);
  });

  it('refuses a file that is not JSON', async () => {
    const path = await manifest('broken.json', '{ "abc": ');
    expect(issuesOf(config(path))).toEqual([
      expect.stringMatching(
        new RegExp(`^apiKeys\\[1\\]\\.documents: key "portal": expected the persisted-documents manifest ${path} to be JSON`),
      ),
    ]);
  });

  it('refuses another shape than { "<hash>": "<document>" }', async () => {
    const list = await manifest('list.json', JSON.stringify([{ id: 'abc', body: '{ practices { id } }' }]));
    expect(issuesOf(config(list)).join('\n')).toMatch(
      /apiKeys\[1\]\.documents: key "portal": persisted-documents manifest .*list\.json: .*expected \{ "<hash>": "<document>" \}/,
    );
    const numbers = await manifest('numbers.json', JSON.stringify({ abc: 42 }));
    expect(issuesOf(config(numbers)).join('\n')).toMatch(/numbers\.json at "abc": .*expected string/);
    const empty = await manifest('empty.json', '{}');
    expect(issuesOf(config(empty))).toEqual([
      `apiKeys[1].documents: key "portal": persisted-documents manifest ${empty}: expected at least one document`,
    ]);
  });

  it('refuses a document that is not GraphQL, naming its id', async () => {
    const path = await manifest('syntax.json', JSON.stringify({ good: '{ practices { id } }', bad: 'query { practices { id }' }));
    const issues = issuesOf(config(path));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatch(
      /^apiKeys\[1\]\.documents: key "portal": persisted-documents manifest .*syntax\.json at "bad": expected a GraphQL document \(Syntax Error/,
    );
  });

  it('never echoes the key in an error, also through loadConfigFile', async () => {
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify(config(join(dir, 'absent.json'))));
    const error = await loadConfigFile(file, {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/apiKeys\[1\]\.documents: key "portal": cannot read/);
    expect((error as ConfigError).message).not.toContain(SECRET);
  });
});

describe('server.corsOrigins', () => {
  it('defaults to none and accepts exact origins', async () => {
    const path = await manifest('cors.json', JSON.stringify({ a: '{ practices { id } }' }));
    expect(parseConfig(config(path), {}).server.corsOrigins).toEqual([]);
    const raw = { ...config(path), server: { corsOrigins: ['https://app.example.com', 'http://localhost:5173'] } };
    expect(parseConfig(raw, {}).server.corsOrigins).toEqual(['https://app.example.com', 'http://localhost:5173']);
  });

  it('refuses what is not exactly an origin', async () => {
    const path = await manifest('cors2.json', JSON.stringify({ a: '{ practices { id } }' }));
    for (const origin of ['https://app.example.com/', 'https://app.example.com/pay', '*', 'app.example.com', 'ftp://x.example']) {
      const issues = issuesOf({ ...config(path), server: { corsOrigins: [origin] } });
      expect(issues).toEqual([
        expect.stringMatching(/^server\.corsOrigins\[0\]: expected an origin such as "https:\/\/app\.example\.com"/),
      ]);
    }
  });
});
