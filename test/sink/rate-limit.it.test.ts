import { afterAll, describe, expect, inject, it } from 'vitest';
import { Clients, referenceKeyspaceOn, uniqueName } from '../helpers/cql.js';
import { produceRaw, runSinksUntil, settled, sinkConfig } from '../helpers/sinks.js';
import { kafkaConnection } from '../../src/kafka/index.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

describe('target.maxWritesPerSecond', () => {
  it('paces the target sink to the limit while the source sink runs free', async () => {
    const keyspace = await referenceKeyspaceOn([clients.connect(stack.source), clients.connect(stack.target)], 'paced');
    const topic = uniqueName('paced');
    const configured = sinkConfig(stack, { topic, table: `${keyspace}.user_activity` });
    const config = { ...configured, target: { ...configured.target, maxWritesPerSecond: 400 } };
    const total = 1_200;
    await produceRaw(
      kafkaConnection(stack.kafka),
      topic,
      Array.from({ length: total }, (_, i) => ({ key: `p${i}`, value: JSON.stringify({ user_id: `p${i}`, activity_time: i, activity_type: 'view' }) })),
    );

    // Timed from a quarter of the records on, so the first write's statement preparation is not in the figure.
    const quarterMs = new Map<string, number>();
    const doneMs = new Map<string, number>();
    await runSinksUntil(
      config,
      (counters) => {
        const now = performance.now();
        for (const c of counters) {
          if (settled(c) >= total / 4 && !quarterMs.has(c.destination)) quarterMs.set(c.destination, now);
          if (settled(c) >= total && !doneMs.has(c.destination)) doneMs.set(c.destination, now);
        }
        return doneMs.size === 2;
      },
      { pollMs: 10 },
    );
    const rate = (name: string) => ((total * 3) / 4 / (doneMs.get(name)! - quarterMs.get(name)!)) * 1000;
    expect(rate('target')).toBeGreaterThan(300);
    expect(rate('target')).toBeLessThan(440);
    expect(rate('source')).toBeGreaterThan(rate('target'));
  });
});
