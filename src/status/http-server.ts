import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import type { Registry } from 'prom-client';
import { ConfigError, PortInUseError } from '../errors.js';

export interface StatusServerOptions {
  readonly host: string;
  /** 0 picks a free port; the bound one is in the result. */
  readonly port: number;
  readonly registry: Registry;
  /** The JSON of `/api/status`. */
  readonly status: () => Promise<unknown> | unknown;
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
 * The HTTP face of a running Tandem process: `/metrics` in Prometheus text format and
 * `/api/status` as JSON. Counters and lag are operational data about someone's migration, so
 * anything beyond loopback needs a token.
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

async function handle(options: StatusServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (options.token && request.headers.authorization !== `Bearer ${options.token}`) {
    response.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
    response.end('a bearer token is required\n');
    return;
  }
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET') {
    response.writeHead(405, { 'content-type': 'text/plain', allow: 'GET' });
    response.end('only GET\n');
  } else if (path === '/metrics') {
    const body = await options.registry.metrics();
    response.writeHead(200, { 'content-type': options.registry.contentType });
    response.end(body);
  } else if (path === '/api/status') {
    const body = JSON.stringify(await options.status(), (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2);
    response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    response.end(body);
  } else {
    response.writeHead(404, { 'content-type': 'text/plain' });
    response.end('not found: try /metrics or /api/status\n');
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
