import { parseConfig } from '../src/config/index.js';
import { createCqlClient } from '../src/cql/index.js';
import { CqlDestination, runSinkWorker, SinkCounters } from '../src/sink/index.js';
import { produceRaw, testLogger } from '../test/helpers/sinks.js';
const n = Number(process.argv[2] ?? 50000);
const ks = 'qb_' + Date.now();
const cfg = parseConfig({ kafka: { brokers: ['127.0.0.1:19092'] }, source: { contactPoints: ['127.0.0.1:19042'], auth: { username: 'cassandra', password: 'cassandra' } },
  target: { profile: 'cassandra', contactPoints: ['127.0.0.1:19142'], auth: { username: 'ks-user', password: 'ks-password' }, tls: { caFile: '.tandem-test/target/tls/ca.pem' } },
  topics: [{ topic: ks, table: `${ks}.user_activity` }], sink: { groupIdPrefix: ks, maxInFlight: Number(process.env.WIN ?? 512) } }, 'x', {}, '.').config;
const src = createCqlClient(cfg.source);
await src.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class':'SimpleStrategy','replication_factor':1}`);
await src.execute(`CREATE TABLE ${ks}.user_activity (user_id text, activity_time timestamp, activity_type text, activity_details text, PRIMARY KEY (user_id, activity_time))`);
const recs = Array.from({ length: n }, (_, i) => ({ key: JSON.stringify({ user_id: `u${i % 10000}` }), value: JSON.stringify({ user_id: `u${i % 10000}`, activity_time: 1683720000000 + i, activity_type: 'click', activity_details: 'x'.repeat(120) }), headers: { 'tandem-ts-us': String(1700000000000000 + i) } }));
let t = Date.now();
await produceRaw(cfg.kafka.brokers, ks, recs);
console.log('produced', n, 'in', Date.now() - t, 'ms');
const counters = new SinkCounters('source');
const ac = new AbortController();
t = Date.now();
const real = new CqlDestination("source", src, "cassandra"); const fake = { name: "source", write: async () => {}, tableSchema: (k, t) => real.tableSchema(k, t), close: async () => {} }; const w = runSinkWorker({ destination: process.env.FAKE ? fake : real, brokers: cfg.kafka.brokers, topics: cfg.topics, sink: cfg.sink, logger: testLogger, counters }, ac.signal);
let first = 0;
while (counters.written < n) { await new Promise(r => setTimeout(r, 50)); if (!first && counters.written > 0) first = Date.now(); }
const el = Date.now() - first;
console.log(`sink: ${n} in ${el} ms after first write (${Math.round(n / el * 1000)} rec/s), join ${first - t} ms`);
ac.abort(); await w; process.exit(0);
