import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { stringify } from 'yaml';
import { Clients, referenceKeyspaceOn } from '../helpers/cql.js';
import { runTandem } from '../helpers/run-cli.js';

const stack = inject('stackConfig');
const clients = new Clients();
afterAll(() => clients.closeAll());

const dayUs = 86_400_000_000n;

/**
 * Amazon Keyspaces refuses write times more than 2 days old, so the backfill and repair raise older
 * source cells to that floor. The local target (profile keyspaces) shows what that must never do:
 * overwrite a target write newer than the source's cell but older than the floor.
 */
describe('cells older than the Keyspaces timestamp floor', () => {
  it('are raised to it only where the target holds nothing newer; a newer target value is kept and reported, by backfill and by repair', { timeout: 300_000 }, async () => {
    const source = clients.connect(stack.source);
    const target = clients.connect(stack.target);
    const keyspace = await referenceKeyspaceOn([source, target], 'ksfloor');
    const table = `${keyspace}.user_activity`;
    const nowUs = BigInt(Date.now()) * 1000n;
    const insert = `INSERT INTO ${table} (user_id, activity_time, activity_type, activity_details) VALUES (?, ?, ?, ?) USING TIMESTAMP ?`;
    const at = (i: number) => [`u${i}`, new Date(1_683_720_000_000 + i)];
    // Rows 0-9 ten days old on the source. Row 3: the target holds a write of 5 days ago (a dual write
    // the source sink dead-lettered); row 4: an older target copy, which the source's may overwrite.
    for (let i = 0; i < 10; i++) await source.execute(insert, [...at(i), 'source', `details ${i}`, nowUs - 10n * dayUs + BigInt(i)], { prepare: true });
    await target.execute(insert, [...at(3), 'newer on target', 'target details', nowUs - 5n * dayUs], { prepare: true });
    await target.execute(insert, [...at(4), 'older on target', 'target details', nowUs - 20n * dayUs], { prepare: true });

    const configFile = join(mkdtempSync(join(tmpdir(), 'tandem-ksfloor-')), 'tandem.yaml');
    writeFileSync(configFile, stringify({ kafka: stack.kafka, source: stack.source, target: { ...stack.target, profile: 'keyspaces' } }));
    const backfill = await runTandem(['backfill', '--config', configFile, '--table', table, '--splits', '4']);
    const read = async (i: number) =>
      (await target.execute(`SELECT activity_type, WRITETIME(activity_type) AS w FROM ${table} WHERE user_id = ? AND activity_time = ?`, at(i), { prepare: true })).first();
    expect((await read(3))['activity_type']).toBe('newer on target');
    expect(BigInt(String((await read(3))['w']))).toBe(nowUs - 5n * dayUs);
    // The others, older than the floor, land at it.
    expect((await read(4))['activity_type']).toBe('source');
    expect(BigInt(String((await read(0))['w']))).toBeGreaterThan(nowUs - 2n * dayUs);
    // The kept row is reported: the copy is not whole, so the backfill does not pass as complete.
    expect(backfill.code).not.toBe(0);
    expect(backfill.stdout + backfill.stderr).toMatch(/kept the target's newer .*activity_type \(source/);

    // Repair keeps it too, and says why, instead of counting it fixed.
    const validate = await runTandem(['validate', '--config', configFile, '--table', table, '--json', '--repair']);
    const report = JSON.parse(validate.stdout) as { differences: Record<string, number>; repair: { fixed: number; notFixed: { key: string; reason: string }[] } };
    expect(report.differences).toMatchObject({ mismatched: 1 });
    expect(report.repair.fixed).toBe(0);
    expect(report.repair.notFixed[0]!.reason).toMatch(/kept the target's newer .*activity_type \(source/);
    expect((await read(3))['activity_type']).toBe('newer on target');
  });
});
