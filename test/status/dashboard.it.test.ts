import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Producer, stringSerializer } from '@platformatic/kafka';
import cassandra from 'cassandra-driver';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { runBackfill } from '../../src/backfill/index.js';
import { runValidation } from '../../src/validate/index.js';
import { parseConfig, type TandemConfig } from '../../src/config/index.js';
import { createCqlClient } from '../../src/cql/index.js';
import { CqlDestination, destinationNames, runSinkWorker, SinkCounters } from '../../src/sink/index.js';
import { readRunningSinks, serveSinkStatus, startMigrationStatusServer, type StatusServer } from '../../src/status/index.js';
import { Clients, eventually, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { freePort } from '../helpers/free-port.js';
import { produceRaw, testLogger } from '../helpers/sinks.js';
import { kafkaConnection, type KafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const stackDataDir = inject('stackDataDir');

/** Debian's Chromium, installed by .ci/run; Playwright never downloads a browser here. */
const chromiumPath = '/usr/bin/chromium';
/** This machine's network is closed: without these, Chromium tries to reach Google and stalls or fails. */
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const screenshotFile = resolve('test-results', 'dashboard.png');

const clients = new Clients();
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  await clients.closeAll();
});

const activity = (i: number, prefix: string) => ({
  key: JSON.stringify({ user_id: `${prefix}${i % 50}` }),
  value: JSON.stringify({ user_id: `${prefix}${i % 50}`, activity_time: 1_700_000_000_000 + i, activity_type: 'view', activity_details: `${prefix} ${i}` }),
});

/** The application writing while the dashboard watches: `perSecond` records until stopped. */
function liveStream(kafka: KafkaConnection, topic: string, perSecond: number): { stop: () => Promise<number> } {
  const producer = new Producer<string, string, string, string>({
    clientId: 'test-live',
    ...kafka.options,
    idempotent: true,
    serializers: { key: stringSerializer, value: stringSerializer, headerKey: stringSerializer, headerValue: stringSerializer },
  });
  let stopped = false;
  let sent = 0;
  const running = (async () => {
    while (!stopped) {
      const batch = Array.from({ length: perSecond / 10 }, () => ({ topic, ...activity(sent++, 'live') }));
      await producer.send({ acks: -1, messages: batch });
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await running;
      await producer.close();
      return sent;
    },
  };
}

/** Sinks in this process, serving their status (counters, delay) where the dashboard looks for them. */
async function startSinks(config: TandemConfig): Promise<() => Promise<void>> {
  const controller = new AbortController();
  const counters = destinationNames.map((name) => new SinkCounters(name));
  const server = await serveSinkStatus(config, config.status.port, counters, testLogger);
  const workers = counters.map((c) => {
    const destination = new CqlDestination(c.destination, createCqlClient(c.destination === 'source' ? config.source : config.target), 'cassandra');
    return runSinkWorker(
      {
        destination,
        kafka: kafkaConnection(config.kafka),
        topics: config.topics,
        sink: config.sink,
        logger: testLogger,
        counters: c,
        maxWritesPerSecond: c.destination === 'target' ? config.target.maxWritesPerSecond : undefined,
      },
      controller.signal,
    ).finally(() => destination.close());
  });
  return async () => {
    controller.abort();
    await Promise.allSettled(workers);
    await server?.close();
  };
}

async function openBrowser(): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`Chromium is not installed at ${chromiumPath}: the dashboard's browser test needs Debian's chromium package (apt-get install -y chromium; .ci/run installs it)`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'tandem-chromium-'));
  // A fresh profile each run; launchPersistentContext is how Playwright takes a --user-data-dir.
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, args: chromiumArgs, viewport: { width: 1400, height: 1000 } });
  cleanups.push(async () => {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}

interface SinkView {
  lag: string;
  throughput: string;
}

async function sinkView(page: Page): Promise<Record<string, SinkView>> {
  const view: Record<string, SinkView> = {};
  for (const destination of destinationNames) {
    const row = page.locator(`[data-sink="${destination}"]`);
    view[destination] = {
      lag: (await row.locator('[data-field="lag"]').textContent()) ?? '',
      throughput: (await row.locator('[data-field="throughput"]').textContent()) ?? '',
    };
  }
  return view;
}

const asNumber = (text: string) => Number(text.replace(/[,/s]/g, ''));

async function gates(page: Page): Promise<Record<string, string>> {
  const items = await page.locator('[data-gate]').all();
  return Object.fromEntries(await Promise.all(items.map(async (item) => [await item.getAttribute('data-gate'), await item.getAttribute('data-pass')])));
}

describe('the dashboard in a browser', () => {
  it('shows lag and throughput move during a live stream, and the cutover gates flip to pass after backfill and validation', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'dash');
    const table = `${keyspace}.user_activity`;
    const history = Array.from({ length: 3000 }, (_, i) => [`hist${i % 100}`, new Date(1_600_000_000_000 + i * 1000), 'click', `history ${i}`, BigInt(1_600_000_000_000 + i) * 1000n]);
    await cassandra.concurrent.executeConcurrent(
      source,
      `INSERT INTO ${table} (user_id, activity_time, activity_type, activity_details) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`,
      history,
      { concurrencyLevel: 64 },
    );

    const topic = uniqueName('dash');
    const config = parseConfig(
      {
        kafka: stack.kafka,
        source: stack.source,
        // The target drains slower than the source, so its lag is seen falling for a few seconds.
        target: { ...stack.target, maxWritesPerSecond: 600 },
        topics: [{ topic, table }],
        sink: { groupIdPrefix: uniqueName('dashgroup'), commitIntervalMs: 50 },
        status: { port: await freePort() },
      },
      'test',
      {},
      '.',
    ).config;
    // Written before the sinks start: both destinations begin 2,000 records behind.
    await produceRaw(kafkaConnection(stack.kafka), topic, Array.from({ length: 2000 }, (_, i) => activity(i, 'burst')));

    const dashboard: StatusServer = await startMigrationStatusServer({
      config,
      host: '127.0.0.1',
      port: 0,
      dataDir: stackDataDir,
      sinkProcesses: () => readRunningSinks(config.status),
    });
    cleanups.push(() => dashboard.close());
    const browser = await openBrowser();
    const page = await browser.newPage();
    await page.goto(`${dashboard.url}/`);

    await page.locator('#phase[data-phase="not-started"]').waitFor({ timeout: 30_000 });
    // Throughput is known from the second sample on: nothing committed yet, so zero.
    const before = await eventually(() => sinkView(page), (v) => destinationNames.every((d) => v[d]!.lag === '2,000' && v[d]!.throughput === '0/s'), 30_000, 200);
    expect(before.source).toEqual({ lag: '2,000', throughput: '0/s' });
    expect(before.target).toEqual({ lag: '2,000', throughput: '0/s' });
    expect(await page.locator('[data-gate]').count()).toBe(4);
    expect(Object.values(await gates(page))).toEqual(['false', 'false', 'false', 'true']);

    const stopSinks = await startSinks(config);
    cleanups.push(stopSinks);
    const stream = liveStream(kafkaConnection(stack.kafka), topic, 200);
    cleanups.push(() => stream.stop());

    // Both sinks drain the burst while the stream runs: the page shows other lags and throughput above zero.
    const during = await eventually(() => sinkView(page), (v) => destinationNames.every((d) => asNumber(v[d]!.throughput) > 0 && v[d]!.lag !== before[d]!.lag), 60_000, 200);
    for (const d of destinationNames) {
      expect(during[d]!.lag).not.toBe(before[d]!.lag);
      expect(during[d]!.throughput).not.toBe(before[d]!.throughput);
      expect(asNumber(during[d]!.throughput)).toBeGreaterThan(0);
    }
    await page.locator('#phase[data-phase="dual-writing"]').waitFor({ timeout: 30_000 });
    // The charts hold a line per destination with more than one point.
    await expect.poll(async () => Number(await page.locator('#lag-chart polyline[data-destination="target"]').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(2);
    await expect.poll(async () => Number(await page.locator('#throughput-chart polyline[data-destination="source"]').getAttribute('data-points')), { timeout: 30_000 }).toBeGreaterThan(1);
    // The sink process's own counters reach the page through its status port.
    await expect.poll(async () => asNumber((await page.locator('[data-sink="source"] [data-field="written"]').textContent()) ?? ''), { timeout: 30_000 }).toBeGreaterThan(0);

    const job = uniqueName('dashbf');
    const backfill = await runBackfill({ config, table, job, worker: false, splits: 16, concurrency: 2, pageSize: 500, logger: testLogger }, new AbortController().signal);
    expect(backfill).toMatchObject({ complete: true, rowsRejected: 0 });
    // The history, and whatever the sinks had written to the source by the time its range was read.
    expect(backfill.rowsWritten).toBeGreaterThanOrEqual(3000);
    await page.locator(`[data-backfill="${job}"][data-complete="true"]`).waitFor({ timeout: 30_000 });
    expect(await page.locator(`[data-backfill="${job}"] .cell`).count()).toBe(backfill.rangesTotal);
    await page.locator('[data-gate="backfill-complete"][data-pass="true"]').waitFor({ timeout: 30_000 });
    await page.locator('#phase[data-phase="validating"]').waitFor({ timeout: 30_000 });

    const live = await stream.stop();
    expect(live).toBeGreaterThan(0);
    await page.locator('[data-gate="sinks-caught-up"][data-pass="true"]').waitFor({ timeout: 60_000 });
    expect(await page.locator('[data-gate="validation-clean"]').getAttribute('data-pass')).toBe('false');

    const validationJob = uniqueName('dashval');
    const validation = await runValidation(
      { config, table, job: validationJob, splits: 16, concurrency: 2, pageSize: 500, compare: 'values', repair: false, samplePercent: 100, maxExamples: 5, logger: testLogger },
      new AbortController().signal,
    );
    expect(validation.clean).toBe(true);

    await page.locator(`[data-validation="${validationJob}"][data-clean="true"]`).waitFor({ timeout: 30_000 });
    await page.locator('#phase[data-phase="ready-to-cut-over"]').waitFor({ timeout: 30_000 });
    expect(await gates(page)).toEqual({ 'sinks-caught-up': 'true', 'backfill-complete': 'true', 'validation-clean': 'true', 'dead-letters-drained': 'true' });

    mkdirSync(resolve('test-results'), { recursive: true });
    rmSync(screenshotFile, { force: true });
    await page.screenshot({ path: screenshotFile, fullPage: true });
    const png = readFileSync(screenshotFile);
    expect(png.length).toBeGreaterThan(1000);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  });
});
