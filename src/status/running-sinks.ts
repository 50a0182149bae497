import type { StatusConfig } from '../config/index.js';
import { probeHeader, urlHost } from './http-server.js';

/** What a running `tandem sink` reports of one destination (its `/api/status`). */
export interface RunningSink {
  readonly destination: string;
  readonly state: string;
  readonly written: number;
  readonly deleted: number;
  readonly retried: number;
  readonly deadLettered: number;
  readonly inFlight: number;
  readonly lastError?: string;
  /** From a record entering Kafka to its write acknowledged; JSON turns an unbounded bound into null. */
  readonly delay?: { readonly count: number; readonly p50UpToMs: number | null; readonly p99UpToMs: number | null };
  /** Partitions no longer fetched: one record not written yet holds back the commit of too many after it. */
  readonly stuckPartitions?: readonly { readonly topic: string; readonly partition: number; readonly waitingOnOffset: string; readonly since: string; readonly held: number }[];
}

/**
 * Asks the `tandem sink` serving on the configured status address what its destinations have done.
 * Nothing answering there means no sink runs on this machine with that config: an empty list; so
 * does a dashboard answering there, which runs no sinks.
 */
export async function readRunningSinks(status: StatusConfig, timeoutMs = 1_000): Promise<RunningSink[]> {
  const token = process.env.TANDEM_DASHBOARD_TOKEN;
  try {
    const response = await fetch(`http://${urlHost(status.host)}:${status.port}/api/status`, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { [probeHeader]: 'sinks', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    if (!response.ok) return [];
    const body = (await response.json()) as { sinks?: Partial<RunningSink>[] };
    // Counters come with a state; an entry without one is a consumer group nobody reports for.
    return Array.isArray(body.sinks) ? body.sinks.filter((s): s is RunningSink => typeof s.state === 'string' && typeof s.destination === 'string') : [];
  } catch {
    return [];
  }
}
