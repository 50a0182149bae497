import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError, PortInUseError } from '../errors.js';
import { dashboardHeaders, dashboardHtml } from './dashboard-page.js';

/**
 * Header a status client sends when it only wants the sink counters of the process it asks: a
 * dashboard pointed at its own port then does not ask itself again, and again.
 */
export const probeHeader = 'x-tandem-probe';

/** What a request for `/api/status` asks for. */
export interface StatusRequest {
  /** Only the counters of sinks running in the answering process (see `probeHeader`). */
  readonly probe: boolean;
}

export interface StatusServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is in the result. */
  readonly port: number;
  readonly registry: Registry;
  /** The JSON of `/api/status`. */
  readonly status: (request: StatusRequest) => Promise<unknown> | unknown;
  /** Required when `host` is not a loopback address: requests must carry it as a bearer token. */
  readonly token?: string | undefined;
}

export interface StatusServer {
  readonly url: string;
  close(): Promise<void>;
}

/** A host as a URL spells it: an IPv6 address in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** Loopback names and addresses, the only ones served without a token. */
export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1' || host === '[::1]';
}

/**
 * The host a dashboard binds to: loopback unless `--host` names another address, which then needs
 * a token, because status shows someone's migration (tables, counts, errors) to whoever asks.
 */
export function dashboardHost(hostOption: string | undefined, token: string | undefined): string {
  const host = hostOption ?? '127.0.0.1';
  if (!isLoopback(host) && !token) {
    throw new ConfigError(`Serving the dashboard on ${host} needs a token`, { hint: 'Set TANDEM_DASHBOARD_TOKEN; requests then carry "Authorization: Bearer <token>" (the page also takes ?token=)' });
  }
  return host;
}

/**
 * The HTTP face of a running Tandem process: the dashboard page at `/`, `/metrics` in Prometheus
 * text format and `/api/status` as JSON. Counters and lag are operational data about someone's
 * migration, so anything beyond loopback needs a token.
 *
 * @example
 *   const server = await startStatusServer({ host: '127.0.0.1', port: 9464, registry, status: () => snapshot() });
 *   console.log(`metrics at ${server.url}/metrics`);
 */
export async function startStatusServer(options: StatusServerOptions): Promise<StatusServer> {
  if (!isLoopback(options.host) && !options.token) {
    throw new ConfigError(`Serving status on ${options.host} needs a token`, { hint: 'Set TANDEM_DASHBOARD_TOKEN, or serve on 127.0.0.1' });
  }
  const server = createServer((request, response) => {
    handle(options, request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`error: ${(error as Error).message}\n`);
    });
  });
  await listen(server, options.host, options.port);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://${urlHost(options.host)}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Same length and bytes, compared in constant time so the token cannot be guessed byte by byte. */
function sameSecret(given: string | null | undefined, token: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A bearer token in the header, or for the page alone `?token=` (a browser cannot set a header when opening a link). */
function authorized(token: string, request: IncomingMessage, url: URL): boolean {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ') && sameSecret(header.slice('Bearer '.length), token)) return true;
  return url.pathname === '/' && sameSecret(url.searchParams.get('token'), token);
}

async function handle(options: StatusServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (options.token && !authorized(options.token, request, url)) {
    response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
    response.end(url.pathname === '/' ? 'a token is required: open /?token=<TANDEM_DASHBOARD_TOKEN>\n' : 'a bearer token is required\n');
    return;
  }
  const path = url.pathname;
  if (request.method !== 'GET') {
    response.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' });
    response.end('only GET\n');
  } else if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType });
    response.end(body);
  } else if (path === '/') {
    response.writeHead(200, dashboardHeaders);
    response.end(dashboardHtml);
  } else if (path === '/api/status') {
    const body = JSON.stringify(await options.status({ probe: request.headers[probeHeader] !== undefined }), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(body);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found: try /, /metrics or /api/status\n');
  }
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') {
        reject(new PortInUseError(`Port ${port} on ${host} is already in use`, { cause: error, hint: 'Pick another port (status.port, --status-port) or 0 for any free one' }));
      } else {
        reject(new ConfigError(`Cannot serve status on ${host}:${port}: ${error.code ?? error.message}`, { cause: error, hint: 'status.host must be an address of this machine' }));
      }
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}
