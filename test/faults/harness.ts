import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Producer, stringSerializer } from '@platformatic/kafka';
import type cassandra from 'cassandra-driver';
import { stringify } from 'yaml';
import type { TandemConfig } from '../../src/config/index.js';
import { consumerGroupLag, ensureTopics, kafkaConnection } from '../../src/kafka/index.js';
import { MicrosecondClock } from '../../src/produce/microsecond-clock.js';
import { consumerGroupOf, destinationNames, type DestinationName } from '../../src/sink/index.js';
import { startStack, stackSpecFromConfig, type ServerName } from '../../src/stack/index.js';
import { readState } from '../../src/stack/stack-state.js';
import { Clients, eventually, uniqueName } from '../helpers/cql.js';
import { exitedWithin, isRunning } from '../helpers/processes.js';
import { runTandem } from '../helpers/run-cli.js';

const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'tandem.js');

/** How many times each scenario runs in a row (`FAULT_ROUNDS=3` for the acceptance run). */
export const faultRounds = Array.from({ length: Math.max(1, Number(process.env.FAULT_ROUNDS ?? 1)) }, (_, i) => i + 1);
/** `short`: the scenarios `.ci/run` always runs; anything else: all. */
export const shortForm = process.env.FAULT_SCENARIOS === 'short';

/** A row as the stream last wrote it; absent from `expected` when its last record was a delete. */
interface EventRow {
  readonly version: number;
  readonly payload: string;
}

/**
 * One scenario's world: a keyspace with `events (id text PRIMARY KEY, version int, payload text)`
 * on both clusters, a topic, a config file, and the sinks as their own processes (one per
 * destination, as deployed). The stream knows what every row must end as, so the check at the
 * end can say exactly what was lost, doubled or resurrected.
 */
export class FaultScenario {
  readonly keyspace = uniqueName('fault');
  readonly topic = uniqueName('fault');
  readonly configFile: string;
  readonly expected = new Map<string, EventRow>();
  readonly sinks = new Map<DestinationName, ChildProcess>();
  private readonly clients = new Clients();
  readonly source: cassandra.Client;
  readonly target: cassandra.Client;
  private readonly clock = new MicrosecondClock();
  produced = 0;
  /** Milliseconds `send` spent waiting for Kafka to take records again. */
  produceStalledMs = 0;

  constructor(
    readonly config: TandemConfig,
    readonly dataDir: string,
    /** The source keyspace's replication map, as CQL; the target's is always one copy on its one node. */
    private readonly sourceReplication = "{'class': 'SimpleStrategy', 'replication_factor': 1}",
  ) {
    this.source = this.clients.connect(config.source);
    this.target = this.clients.connect(config.target);
    this.configFile = join(mkdtempSync(join(tmpdir(), 'tandem-fault-')), 'tandem.yaml');
    writeFileSync(
      this.configFile,
      stringify({
        kafka: config.kafka,
        source: config.source,
        target: config.target,
        topics: [{ topic: this.topic, table: `${this.keyspace}.events` }],
        sink: { groupIdPrefix: this.topic, commitIntervalMs: 100 },
        status: { port: 0 },
      }),
    );
  }

  get table(): string {
    return `${this.keyspace}.events`;
  }

  async create(): Promise<void> {
    for (const client of [this.source, this.target]) {
      const replication = client === this.source ? this.sourceReplication : "{'class': 'SimpleStrategy', 'replication_factor': 1}";
      await client.execute(`CREATE KEYSPACE ${this.keyspace} WITH replication = ${replication}`);
      await client.execute(`CREATE TABLE ${this.table} (id text PRIMARY KEY, version int, payload text)`);
    }
    await ensureTopics(kafkaConnection(this.config.kafka), [this.topic]);
  }

  /** Sinks that ended on their own and were started again, as a supervisor would. */
  sinkRestarts = 0;
  /** Sinks that did not stop within 30 s of SIGTERM at the end of the scenario. */
  slowStops = 0;
  private closing = false;
  /** The last lines each sink process wrote to stderr, and how it exited: what a failed scenario shows. */
  readonly sinkOutput: string[] = [];

  startSink(destination: DestinationName): ChildProcess {
    // FAULT_SINK_LOG_DIR=<dir> keeps each sink's whole log (at info) for diagnosis; otherwise warnings only.
    const logDir = process.env.FAULT_SINK_LOG_DIR;
    const child = spawn(process.execPath, [bin, 'sink', '--config', this.configFile, '--destination', destination, '--status-port', '0'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, TANDEM_LOG_LEVEL: logDir ? 'info' : 'warn' },
    });
    if (logDir) child.stderr!.pipe(createWriteStream(join(logDir, `${this.topic}-${destination}.log`), { flags: 'a' }));
    child.stderr!.on('data', (chunk: Buffer) => {
      this.sinkOutput.push(`${destination}: ${chunk.toString().slice(0, 500)}`);
      this.sinkOutput.splice(0, Math.max(0, this.sinkOutput.length - 20));
    });
    child.once('exit', (code, signal) => {
      if (signal === 'SIGKILL' || signal === 'SIGTERM' || this.closing) return;
      // As a supervisor (systemd, Kubernetes) would: a sink that gave up is started again, from its committed offsets.
      this.sinkOutput.push(`${destination} sink exited ${code ?? signal}; restarted`);
      this.sinkRestarts += 1;
      this.startSink(destination);
    });
    this.sinks.set(destination, child);
    return child;
  }

  startSinks(): void {
    for (const name of destinationNames) this.startSink(name);
  }

  async killSink(destination: DestinationName): Promise<void> {
    const child = this.sinks.get(destination);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((done) => child.once('exit', done));
    child.kill('SIGKILL');
    await exited;
  }

  /**
   * Streams `count` records at `perSecond` over `keys` ids: new rows, updates, and every tenth a
   * delete, each with a write time from one monotonic clock, so the last record of an id is what
   * both sides must end with. A send Kafka refuses (the broker is down or paused) is retried until
   * it takes it, as an application's producer would: at-least-once, and a record sent twice
   * converges to the same row.
   */
  async stream(count: number, perSecond: number, keys = 3_000, onProgress?: (produced: number) => Promise<void> | void): Promise<void> {
    const producer = new Producer<string, string, string, string>({
      clientId: 'fault-stream',
      bootstrapBrokers: [...this.config.kafka.brokers],
      serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
      timeout: 5_000,
      retries: 0,
    });
    const tick = Math.max(1, Math.round(perSecond / 20));
    const began = Date.now();
    try {
      for (let sent = 0; sent < count; ) {
        const batch = [];
        for (let i = 0; i < tick && sent + i < count; i++) {
          const n = this.produced + i;
          const id = `k${(n * 7919) % keys}`;
          const ts = this.clock.now();
          if (n % 10 === 9) {
            batch.push({ id, message: { topic: this.topic, key: id, value: JSON.stringify({ id }), headers: new Map([['tandem-ts-us', String(ts)], ['tandem-op', 'delete']]) }, row: undefined });
          } else {
            const row = { version: n, payload: `payload ${n} of ${id}` };
            batch.push({ id, message: { topic: this.topic, key: id, value: JSON.stringify({ id, ...row }), headers: new Map([['tandem-ts-us', String(ts)]]) }, row });
          }
        }
        const stalledSince = Date.now();
        for (;;) {
          try {
            await producer.send({ acks: -1, messages: batch.map((b) => b.message) });
            break;
          } catch (error) {
            if (Date.now() - stalledSince > 180_000) throw error;
            await new Promise((r) => setTimeout(r, 200));
          }
        }
        this.produceStalledMs += Date.now() - stalledSince > 1_000 ? Date.now() - stalledSince : 0;
        for (const b of batch) {
          if (b.row) this.expected.set(b.id, b.row);
          else this.expected.delete(b.id);
        }
        sent += batch.length;
        this.produced += batch.length;
        await onProgress?.(this.produced);
        const due = began + (sent / perSecond) * 1000;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
      }
    } finally {
      await producer.close().catch(() => undefined);
    }
  }

  /** Both sink groups' lag over the topic; undefined while Kafka cannot say. */
  async lag(): Promise<Record<DestinationName, bigint> | undefined> {
    try {
      const lags = await Promise.all(
        destinationNames.map(async (name) => {
          const partitions = await consumerGroupLag(kafkaConnection(this.config.kafka), consumerGroupOf({ groupIdPrefix: this.topic } as TandemConfig['sink'], name), [this.topic]);
          return partitions.reduce((sum, p) => sum + p.lag, 0n);
        }),
      );
      return { source: lags[0]!, target: lags[1]! };
    } catch {
      return undefined;
    }
  }

  /** Records the topic holds, over all partitions (end offsets; nothing is deleted from it). */
  async topicRecords(): Promise<bigint> {
    const partitions = await consumerGroupLag(kafkaConnection(this.config.kafka), `${this.topic}-nobody`, [this.topic]);
    return partitions.reduce((sum, p) => sum + p.end, 0n);
  }

  /** Offsets one destination's sink has committed, summed over the topic's partitions. */
  async committed(destination: DestinationName): Promise<bigint> {
    const partitions = await consumerGroupLag(kafkaConnection(this.config.kafka), consumerGroupOf({ groupIdPrefix: this.topic } as TandemConfig['sink'], destination), [this.topic]);
    return partitions.reduce((sum, p) => sum + p.committed, 0n);
  }

  /** Waits until both sinks have committed every record; returns how long that took. */
  async drained(timeoutMs = 240_000): Promise<number> {
    const began = Date.now();
    // Right after a broker restart its end offsets can read low for a moment: drained means every
    // record produced is in the topic and both groups have committed past all of it, twice in a row.
    let streak = 0;
    const caughtUp = async () => {
      const [held, source, target] = await Promise.all([this.topicRecords(), this.committed('source'), this.committed('target')]);
      streak = held >= BigInt(this.produced) && source >= held && target >= held ? streak + 1 : 0;
      return streak >= 2;
    };
    try {
      await eventually(() => caughtUp().catch(() => false), Boolean, timeoutMs, 500);
    } catch (error) {
      throw new Error(`the sinks did not drain: lag ${JSON.stringify(await this.lag(), (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}; sinks said:\n${this.sinkOutput.join('\n')}`, { cause: error });
    }
    return Date.now() - began;
  }

  /** Rows of one side that differ from what the stream says they must be: missing, extra (resurrected) or stale. */
  async differencesOn(client: cassandra.Client): Promise<string[]> {
    const seen = new Map<string, EventRow>();
    let pageState: string | undefined;
    do {
      const page = await client.execute(`SELECT id, version, payload FROM ${this.table}`, [], { prepare: true, fetchSize: 5_000, ...(pageState ? { pageState } : {}) });
      for (const row of page.rows) seen.set(row['id'] as string, { version: row['version'] as number, payload: row['payload'] as string });
      pageState = page.pageState ?? undefined;
    } while (pageState);
    const problems: string[] = [];
    for (const [id, row] of this.expected) {
      const found = seen.get(id);
      if (!found) problems.push(`${id} missing`);
      else if (found.version !== row.version || found.payload !== row.payload) problems.push(`${id} is version ${found.version}, expected ${row.version}`);
    }
    for (const id of seen.keys()) if (!this.expected.has(id)) problems.push(`${id} present but deleted (or never written)`);
    return problems;
  }

  /** `tandem validate` on the scenario's table: the differences it reports (0 when clean). */
  async validate(): Promise<number> {
    const run = await runTandem(['validate', '--config', this.configFile, '--table', this.table, '--json', '--splits', '16']);
    const report = JSON.parse(run.stdout || '{}') as { differences?: { missing: number; extra: number; mismatched: number } };
    if (!report.differences) throw new Error(`tandem validate failed (exit ${run.code}): ${run.stderr}`);
    return report.differences.missing + report.differences.extra + report.differences.mismatched;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const name of destinationNames) {
      const child = this.sinks.get(name);
      if (child && child.exitCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        // A sink stops within its 15 s shutdown timeout and a last commit; one that does not is noted and killed.
        const stopped = await exitedWithin(exited, 30_000);
        if (!stopped) {
          this.slowStops += 1;
          console.log(`[fault] the ${name} sink did not stop within 30 s of SIGTERM; killed`);
          child.kill('SIGKILL');
          await exited;
        }
      }
    }
    await this.clients.closeAll();
  }
}

/** The PID of one server of the fault stack, from its state file. */
export function serverPid(dataDir: string, name: ServerName): number {
  const pid = readState(dataDir)?.servers[name]?.pid;
  if (!pid) throw new Error(`no ${name} in the fault stack's state`);
  return pid;
}

/** kill -9 of one server; resolves once it is gone. */
export async function killServer(dataDir: string, name: ServerName): Promise<void> {
  const pid = serverPid(dataDir, name);
  process.kill(pid, 'SIGKILL');
  await eventually(async () => isRunning(pid), (running) => !running, 30_000, 100);
}

/** Starts whatever part of the fault stack is not running; resolves when it answers. */
export async function restartStack(config: TandemConfig, dataDir: string): Promise<void> {
  await startStack(stackSpecFromConfig(config, { dataDir }));
}

/** What each scenario prints: the figures the issue asks for. */
export function report(scenario: string, round: number, figures: Record<string, number | string>): void {
  console.log(`[fault] ${scenario} (round ${round}): ${Object.entries(figures).map(([k, v]) => `${k} ${v}`).join(', ')}`);
}
