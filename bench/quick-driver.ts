import cassandra from 'cassandra-driver';
import { createCqlClient } from '../src/cql/index.js';
const n = 50000;
const ks = 'qd_' + Date.now();
const src = createCqlClient({ contactPoints: ['127.0.0.1:19042'], localDataCenter: 'datacenter1', auth: { username: 'cassandra', password: 'cassandra' } });
await src.execute(`CREATE KEYSPACE ${ks} WITH replication = {'class':'SimpleStrategy','replication_factor':1}`);
await src.execute(`CREATE TABLE ${ks}.user_activity (user_id text, activity_time timestamp, activity_type text, activity_details text, PRIMARY KEY (user_id, activity_time))`);
const q = `INSERT INTO ${ks}.user_activity (user_id, activity_time, activity_details, activity_type) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`;
const params = Array.from({ length: n }, (_, i) => [`u${i % 10000}`, new Date(1683720000000 + i), 'x'.repeat(120), 'click', BigInt(1700000000000000 + i)]);
for (const conc of [64, 256, 512]) {
  const t = Date.now();
  await cassandra.concurrent.executeConcurrent(src, q, params, { concurrencyLevel: conc, executionProfile: undefined });
  console.log(`executeConcurrent c=${conc}: ${Math.round(n / (Date.now() - t) * 1000)} rec/s`);
}
// manual window like the sink
const t = Date.now();
let inflight = 0, i = 0;
await new Promise<void>((resolve) => {
  const next = () => {
    while (inflight < 512 && i < n) {
      const p = params[i++]!; inflight++;
      src.execute(q, p, { prepare: true, consistency: cassandra.types.consistencies.localQuorum }).then(() => { inflight--; if (i >= n && inflight === 0) resolve(); else next(); });
    }
  };
  next();
});
console.log(`execute window 512: ${Math.round(n / (Date.now() - t) * 1000)} rec/s`);
await src.shutdown();
