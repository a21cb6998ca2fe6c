/**
 * A tiny HTTP proxy for fault tests, in front of a sandbox: rules matched on the method and the full
 * URL (query included, which the sandboxes' own fault injection cannot match) answer a status, a
 * wrong-shaped JSON body (a payload that breaks the vendor spec's shapes), or rewrite the upstream's
 * JSON answer. Everything else is forwarded as it is.
 *
 *     const proxy = await startFaultProxy(nex.url);
 *     proxy.add({ match: /\/charges\?.*patient_id=1003/, status: 500 });
 *     proxy.add({ match: /\/payments/, rewrite: (body) => ({ ...body, data: [{ id: 'x' }] }) });
 */
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRule {
  match: RegExp;
  method?: string;
  /** Answer this status (JSON body `{ "error": "injected" }`) instead of forwarding. */
  status?: number;
  /** Answer 200 with this JSON instead of forwarding. */
  body?: unknown;
  /** Forward, then replace the upstream's JSON body with what this returns. */
  rewrite?: (body: any) => unknown;
  /** Fire this many times, then remove itself. Default: unlimited. */
  times?: number;
}

export interface FaultProxy {
  url: string;
  add(rule: ProxyRule): void;
  clear(): void;
  /** Requests answered by a rule, as `METHOD url`. */
  readonly hits: string[];
  close(): Promise<void>;
}

export async function startFaultProxy(target: string | (() => string)): Promise<FaultProxy> {
  const rules: Array<ProxyRule & { left: number }> = [];
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const upstream = new URL(typeof target === 'string' ? target : target());
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const rule = rules.find((r) => (!r.method || r.method === method) && r.match.test(url));
    if (rule) {
      hits.push(`${method} ${url}`);
      if (--rule.left <= 0) rules.splice(rules.indexOf(rule), 1);
    }
    if (rule && (rule.status !== undefined || rule.body !== undefined)) {
      req.resume();
      res.writeHead(rule.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(rule.body ?? { error: 'injected' }));
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers, host: upstream.host };
    const forward = request({ hostname: upstream.hostname, port: upstream.port, path: url, method, headers }, (answer) => {
      if (!rule?.rewrite) {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      answer.on('data', (c: Buffer) => chunks.push(c));
      answer.on('end', () => {
        let text = Buffer.concat(chunks).toString('utf8');
        try {
          text = JSON.stringify(rule.rewrite!(JSON.parse(text)));
        } catch {
          // not JSON: forward as it is
        }
        const { 'content-length': _drop, 'transfer-encoding': _te, ...rest } = answer.headers;
        res.writeHead(answer.statusCode ?? 502, { ...rest, 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    add: (rule) => void rules.push({ ...rule, left: rule.times ?? Infinity }),
    clear: () => void rules.splice(0),
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
