import { createServer } from 'node:net';
import { PortInUseError } from '../errors.js';

export interface PortClaim {
  readonly host: string;
  readonly port: number;
  /** What the port is for, e.g. `source CQL`. */
  readonly purpose: string;
}

/** Fails with one error naming every port that is taken, before anything is started. */
export async function assertPortsFree(claims: readonly PortClaim[]): Promise<void> {
  const taken: PortClaim[] = [];
  for (const claim of claims) {
    if (!(await isPortFree(claim.host, claim.port))) taken.push(claim);
  }
  if (taken.length > 0) {
    throw new PortInUseError(
      `Port${taken.length > 1 ? 's' : ''} already in use: ${taken.map((c) => `${c.host}:${c.port} (${c.purpose})`).join(', ')}`,
      { hint: 'Stop the process holding it (a stack left running elsewhere? try `tandem down --data-dir <its dir>`) or configure other ports' },
    );
  }
}

export function isPortFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
