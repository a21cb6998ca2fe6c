/**
 * The GraphiQL playground, served by the gateway itself from the npm `graphiql`, `react` and
 * `react-dom` packages' own builds, so it works with no internet. Only those few files are served,
 * by exact name: nothing else on disk is reachable through this route.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';

const require = createRequire(import.meta.url);

const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'react.js': { pkg: 'react', file: 'umd/react.production.min.js', type: 'text/javascript' },
  'react-dom.js': { pkg: 'react-dom', file: 'umd/react-dom.production.min.js', type: 'text/javascript' },
  'graphiql.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: 'text/javascript' },
  'graphiql.css': { pkg: 'graphiql', file: 'graphiql.min.css', type: 'text/css' },
  'graphql-ws.js': { pkg: 'graphql-ws', file: 'umd/graphql-ws.min.js', type: 'text/javascript' },
};

/** A file inside an installed package, found from its entry point (its `exports` may hide the file). */
function packageFile(pkg: string, file: string): string {
  let dir = dirname(require.resolve(pkg));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, file))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`expected ${file} inside the installed package ${pkg}`);
    dir = parent;
  }
  return join(dir, file);
}

const cache = new Map<string, Buffer>();

export interface GraphiQLOptions {
  /** Headers to pre-fill in the editor (the sandbox's own key, in sandbox mode only). Default none. */
  defaultHeaders?: Record<string, string>;
  /** Where the page is served; assets live below it. Default `/graphiql`. */
  basePath?: string;
  /** The query shown on a first visit. Default GraphiQL's welcome text. */
  defaultQuery?: string;
}

/**
 * The options for one request: pre-filled headers (the sandbox's all-practices key) only when the
 * request comes from this machine, i.e. the socket's peer is a loopback address AND the `Host` header
 * names a loopback host. The peer alone is not enough: a web page on another site can make a browser
 * on this machine load `/graphiql` under the attacker's own host name (DNS rebinding) and read the
 * page, key included. Otherwise the page is served with the placeholder header.
 */
export function graphiqlFor(req: IncomingMessage, options: GraphiQLOptions = {}): GraphiQLOptions {
  if (!options.defaultHeaders) return options;
  if (isLoopbackAddress(req.socket.remoteAddress) && isLoopbackHost(req.headers.host)) return options;
  const { defaultHeaders: _withheld, ...rest } = options;
  return rest;
}

/** 127.0.0.0/8, ::1, or either as an IPv4-mapped IPv6 address. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const plain = address.toLowerCase().replace(/^::ffff:/, '');
  if (isIP(plain) === 4) return plain.startsWith('127.');
  return plain === '::1';
}

/** A `Host` header naming this machine: `localhost`, a loopback address, with or without a port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const match = /^(?:\[([^\]]+)\]|([^:]+))(?::\d+)?$/.exec(host.trim());
  if (!match) return false;
  const name = (match[1] ?? match[2]!).toLowerCase();
  return name === 'localhost' || isLoopbackAddress(name);
}

export function graphiqlPage(options: GraphiQLOptions = {}): string {
  const base = options.basePath ?? '/graphiql';
  const headers = JSON.stringify(JSON.stringify(options.defaultHeaders ?? { Authorization: 'Bearer <your API key>' }, null, 2));
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>ledger-gateway · GraphiQL</title>
  <link rel="stylesheet" href="${base}/assets/graphiql.css" />
  <style>body { margin: 0; height: 100vh; } #graphiql { height: 100vh; }</style>
</head>
<body>
  <div id="graphiql">Loading…</div>
  <script src="${base}/assets/react.js"></script>
  <script src="${base}/assets/react-dom.js"></script>
  <script src="${base}/assets/graphql-ws.js"></script>
  <script src="${base}/assets/graphiql.js"></script>
  <script>
    const url = new URL('/graphql', window.location.href).toString();
    const wsUrl = url.replace(/^http/, 'ws');
    const initialHeaders = ${headers};
    const defaultQuery = ${options.defaultQuery === undefined ? 'undefined' : JSON.stringify(options.defaultQuery).replace(/</g, '\\u003c')};
    function currentHeaders() {
      try { return JSON.parse(localStorage.getItem('graphiql:headers') || initialHeaders); } catch { return {}; }
    }
    const fetcher = GraphiQL.createFetcher({
      url,
      wsClient: graphqlWs.createClient({ url: wsUrl, connectionParams: () => currentHeaders(), lazy: true }),
    });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultHeaders: initialHeaders, defaultQuery, shouldPersistHeaders: true }),
    );
  </script>
</body>
</html>`;
}

/** Serve `/graphiql/assets/<name>`; false when the name is not one of ours. */
export async function serveGraphiqlAsset(name: string, res: ServerResponse): Promise<boolean> {
  const asset = ASSETS[name];
  if (!asset) return false;
  let body = cache.get(name);
  if (!body) {
    body = await readFile(packageFile(asset.pkg, asset.file));
    cache.set(name, body);
  }
  res.writeHead(200, { 'content-type': `${asset.type}; charset=utf-8`, 'cache-control': 'public, max-age=3600' });
  res.end(body);
  return true;
}
