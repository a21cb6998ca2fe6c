/** The request body reader (src/server/body.ts): whole bodies, the size limit, and bodies cut short. */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { BodyTooLarge, readBody } from '../../src/server/body';

function request(headers: Record<string, string> = {}) {
  return Object.assign(new PassThrough(), { headers }) as unknown as IncomingMessage & PassThrough;
}

describe('readBody', () => {
  it('joins the chunks of a body, in order', async () => {
    const req = request();
    const body = readBody(req, 100);
    req.write('{"query":');
    req.write('"{ practices { id } }"}');
    req.end();
    expect((await body).toString('utf8')).toBe('{"query":"{ practices { id } }"}');
  });

  it('reads an empty body as empty', async () => {
    const req = request();
    const body = readBody(req, 100);
    req.end();
    expect((await body).length).toBe(0);
  });

  it('refuses a declared length over the limit without reading a byte', async () => {
    const req = request({ 'content-length': '101' });
    await expect(readBody(req, 100)).rejects.toBeInstanceOf(BodyTooLarge);
    expect(req.readableFlowing).toBeNull(); // never read
  });

  it('cuts off a body that grows past the limit and closes it', async () => {
    const req = request();
    const body = readBody(req, 10);
    req.write('0123456789');
    req.write('x');
    await expect(body).rejects.toThrow('expected a request body of at most 10 bytes');
    expect(req.destroyed).toBe(true);
  });

  it('fails a body closed before its end, and passes a stream error on', async () => {
    const closed = request();
    const cut = readBody(closed, 100);
    closed.write('{"query":');
    closed.destroy();
    await expect(cut).rejects.toThrow('closed before its body ended');
    const failing = request();
    const failed = readBody(failing, 100);
    failing.destroy(new Error('connection reset'));
    await expect(failed).rejects.toThrow('connection reset');
  });
});
