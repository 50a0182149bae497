import { Registry } from 'prom-client';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { SinkCounters } from '../../src/sink/index.js';
import {
  dashboardHost,
  dashboardHtml,
  delaySummaries,
  isLoopback,
  probeHeader,
  quantileUpperBound,
  registerSinkMetrics,
  startMigrationStatusServer,
  startStatusServer,
  type MigrationStatusReport,
  type StatusServer,
} from '../../src/status/index.js';

function sinksWithSomeWork(): SinkCounters[] {
  const source = new SinkCounters('source');
  const target = new SinkCounters('target');
  const nowMs = BigInt(Date.now());
  source.state = 'running';
  source.recordWritten('upsert', 1n, nowMs);
  source.recordWritten('delete', 2n, nowMs);
  target.retrying('timeout');
  target.deadLettered = 3;
  target.inFlight = 7;
  return [source, target];
}

const servers: StatusServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('sink metrics', () => {
  it('reads each destination\'s counters when scraped, and puts records that waited an hour above the top finite bucket', async () => {
    const registry = new Registry();
    const counters = sinksWithSomeWork();
    registerSinkMetrics(registry, counters, async (c) => (c.destination === 'source' ? 0n : 42n));
    // Observed from registration on: these two are in the histogram, the ones before are not.
    counters[0]!.recordWritten('upsert', 4n, BigInt(Date.now()));
    counters[1]!.recordWritten('upsert', 3n, BigInt(Date.now() - 3_600_000));
    const text = await registry.metrics();
    expect(text).toContain('tandem_sink_records_written_total{destination="source"} 2');
    expect(text).toContain('tandem_sink_records_deleted_total{destination="source"} 1');
    expect(text).toContain('tandem_sink_records_written_total{destination="target"} 1');
    expect(text).toContain('tandem_sink_write_retries_total{destination="target"} 1');
    expect(text).toContain('tandem_sink_records_dead_lettered_total{destination="target"} 3');
    expect(text).toContain('tandem_sink_writes_in_flight{destination="target"} 7');
    expect(text).toContain('tandem_sink_state{destination="target",state="running"} 1');
    expect(text).toContain('tandem_sink_state{destination="source",state="running"} 1');
    expect(text).toContain('tandem_sink_lag_records{destination="target"} 42');
    expect(text).toContain('tandem_sink_delay_seconds_bucket{le="1800",destination="target"} 0');
    expect(text).toContain('tandem_sink_delay_seconds_count{destination="target"} 1');
    expect(text).toContain('tandem_sink_delay_seconds_bucket{le="0.1",destination="source"} 1');
    expect(text).toContain('tandem_sink_delay_seconds_count{destination="source"} 1');
  });

  it('leaves out the lag of a destination whose lag cannot be read', async () => {
    const registry = new Registry();
    registerSinkMetrics(registry, sinksWithSomeWork(), async (c) => {
      if (c.destination === 'target') throw new Error('kafka down');
      return 5n;
    });
    const text = await registry.metrics();
    expect(text).toContain('tandem_sink_lag_records{destination="source"} 5');
    expect(text).not.toContain('tandem_sink_lag_records{destination="target"}');
  });
});

describe('status server', () => {
  it('serves /metrics and /api/status on loopback, and says what exists for anything else', async () => {
    const registry = new Registry();
    registerSinkMetrics(registry, sinksWithSomeWork());
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, registry, status: () => ({ answer: 42n }) });
    servers.push(server);
    const metrics = await fetch(`${server.url}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('tandem_sink_records_written_total');
    expect(await (await fetch(`${server.url}/api/status`)).json()).toEqual({ answer: '42' });
    const missing = await fetch(`${server.url}/nope`);
    expect([missing.status, await missing.text()]).toEqual([404, 'not found: try /, /metrics or /api/status\n']);
    expect((await fetch(`${server.url}/metrics`, { method: 'POST' })).status).toBe(405);
  });

  it('needs a token beyond loopback, and then refuses requests without it', async () => {
    const registry = new Registry();
    await expect(startStatusServer({ host: '0.0.0.0', port: 0, registry, status: () => ({}) })).rejects.toMatchObject({
      message: 'Serving status on 0.0.0.0 needs a token',
      hint: expect.stringContaining('TANDEM_DASHBOARD_TOKEN'),
    });
    const server = await startStatusServer({ host: '0.0.0.0', port: 0, registry, status: () => ({ ok: true }), token: 's3cret' });
    servers.push(server);
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    expect((await fetch(`${url}/api/status`)).status).toBe(401);
    expect((await fetch(`${url}/api/status`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(await (await fetch(`${url}/api/status`, { headers: { authorization: 'Bearer s3cret' } })).json()).toEqual({ ok: true });
  });

  it('serves the dashboard page: self-contained, only its own script, polling /api/status', async () => {
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, registry: new Registry(), status: () => ({}) });
    servers.push(server);
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-[A-Za-z0-9+/=]+'; .*connect-src 'self'/);
    const html = await page.text();
    expect(html).toBe(dashboardHtml);
    expect(html).toContain("fetch('api/status'");
    for (const id of ['phase', 'gates', 'sinks', 'lag-chart', 'throughput-chart', 'backfill', 'validation']) expect(html).toContain(`id="${id}"`);
    // Works offline: nothing is loaded from anywhere else.
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it('takes the token from ?token= for the page alone; everything else needs the header', async () => {
    const server = await startStatusServer({ host: '0.0.0.0', port: 0, registry: new Registry(), status: () => ({ ok: true }), token: 'tok-123' });
    servers.push(server);
    const url = server.url.replace('0.0.0.0', '127.0.0.1');
    const refused = await fetch(`${url}/`);
    expect([refused.status, await refused.text()]).toEqual([401, 'a token is required: open /?token=<TANDEM_DASHBOARD_TOKEN>\n']);
    expect((await fetch(`${url}/?token=tok-12`)).status).toBe(401);
    expect((await fetch(`${url}/?token=tok-123`)).status).toBe(200);
    expect((await fetch(`${url}/`, { headers: { authorization: 'Bearer tok-123' } })).status).toBe(200);
    expect((await fetch(`${url}/api/status?token=tok-123`)).status).toBe(401);
    expect((await fetch(`${url}/metrics?token=tok-123`)).status).toBe(401);
    expect((await fetch(`${url}/api/status`, { headers: { authorization: 'tok-123' } })).status).toBe(401);
  });

  it('tells a probe for sink counters apart from a request for the whole status', async () => {
    const asked: boolean[] = [];
    const server = await startStatusServer({ host: '127.0.0.1', port: 0, registry: new Registry(), status: ({ probe }) => (asked.push(probe), {}) });
    servers.push(server);
    await fetch(`${server.url}/api/status`);
    await fetch(`${server.url}/api/status`, { headers: { [probeHeader]: 'sinks' } });
    expect(asked).toEqual([false, true]);
  });

  it('names the port another process holds', async () => {
    const registry = new Registry();
    const first = await startStatusServer({ host: '127.0.0.1', port: 0, registry, status: () => ({}) });
    servers.push(first);
    const port = Number(new URL(first.url).port);
    await expect(startStatusServer({ host: '127.0.0.1', port, registry, status: () => ({}) })).rejects.toMatchObject({
      code: 'TANDEM_PORT_IN_USE',
      message: `Port ${port} on 127.0.0.1 is already in use`,
    });
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]'].every(isLoopback)).toBe(true);
    expect(['0.0.0.0', '10.0.0.1', '::', 'example.com'].some(isLoopback)).toBe(false);
  });
});

describe('dashboard host', () => {
  it('is loopback unless --host names another address, which then needs a token', () => {
    expect(dashboardHost(undefined, undefined)).toBe('127.0.0.1');
    expect(dashboardHost('localhost', undefined)).toBe('localhost');
    expect(dashboardHost('::1', undefined)).toBe('::1');
    expect(() => dashboardHost('0.0.0.0', undefined)).toThrow('Serving the dashboard on 0.0.0.0 needs a token');
    expect(() => dashboardHost('10.1.2.3', '')).toThrow(expect.objectContaining({ code: 'TANDEM_CONFIG_INVALID', hint: expect.stringContaining('TANDEM_DASHBOARD_TOKEN') }));
    expect(dashboardHost('0.0.0.0', 's3cret')).toBe('0.0.0.0');
  });
});

describe('migration status server', () => {
  it('reports Kafka down as a status, on /api/status and /metrics, instead of failing', async () => {
    const { config } = parseConfig(
      { kafka: { brokers: ['127.0.0.1:1'] }, source: { contactPoints: ['127.0.0.1:1'] }, target: { contactPoints: ['127.0.0.1:1'] }, topics: [{ topic: 't', table: 'ks.t' }] },
      'test',
      {},
      '.',
    );
    const server = await startMigrationStatusServer({ config, host: '127.0.0.1', port: 0, dataDir: '/nonexistent/tandem', sinkProcesses: async () => [] });
    servers.push(server);
    const status = (await (await fetch(`${server.url}/api/status`)).json()) as MigrationStatusReport;
    expect(status.phase).toBe('unknown');
    expect(status.kafka).toMatchObject({ brokers: ['127.0.0.1:1'], reachable: false });
    expect(status.gates.map((g) => [g.id, g.pass])).toEqual([
      ['sinks-caught-up', false],
      ['backfill-complete', false],
      ['validation-clean', false],
      ['dead-letters-drained', false],
    ]);
    expect(status.sinks.map((s) => [s.destination, s.group, s.lag])).toEqual([
      ['source', 'tandem-sink-source', undefined],
      ['target', 'tandem-sink-target', undefined],
    ]);
    expect(status.stack.map((s) => s.running)).toEqual([false, false, false]);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain('tandem_kafka_reachable 0');
    expect(metrics).toContain('tandem_migration_phase{phase="unknown"} 1');
    expect(metrics).toContain('tandem_migration_gate_passing{gate="backfill-complete"} 0');
    // A probe (another status client asking for sink counters) gets only those: none in a dashboard.
    expect(await (await fetch(`${server.url}/api/status`, { headers: { [probeHeader]: 'sinks' } })).json()).toEqual({ sinks: [] });
  }, 30_000);
});

describe('delay summaries', () => {
  it('give the bucket bound holding the median and the 99th percentile of each destination', async () => {
    const registry = new Registry();
    const [source, target] = [new SinkCounters('source'), new SinkCounters('target')];
    registerSinkMetrics(registry, [source, target]);
    // The clock stands still: on a busy machine a millisecond passes during the loop and moves the median.
    const now = Date.now();
    vi.useFakeTimers({ now, toFake: ['Date'] });
    try {
      for (let i = 0; i < 98; i++) source.recordWritten('upsert', 1n, BigInt(now));
      source.recordWritten('upsert', 1n, BigInt(now - 3_000));
      source.recordWritten('upsert', 1n, BigInt(now - 3_000));
      target.recordWritten('upsert', 1n, BigInt(now - 3_600_000));
    } finally {
      vi.useRealTimers();
    }
    const summaries = await delaySummaries(registry);
    expect(summaries.get('source')).toEqual({ count: 100, p50UpToMs: 1, p99UpToMs: 5_000 });
    expect(summaries.get('target')).toEqual({ count: 1, p50UpToMs: Number.POSITIVE_INFINITY, p99UpToMs: Number.POSITIVE_INFINITY });
  });

  it('say nothing before the first write', () => {
    expect(quantileUpperBound([{ le: 1, count: 0 }, { le: Number.POSITIVE_INFINITY, count: 0 }], 0.5)).toBeNull();
    expect(quantileUpperBound([{ le: 1, count: 3 }, { le: 10, count: 4 }, { le: Number.POSITIVE_INFINITY, count: 4 }], 0.99)).toBe(10);
  });
});
