import { describe, expect, inject, it } from 'vitest';
import { faultRounds, FaultScenario, killServer, report, restartStack, serverPid, shortForm } from './harness.js';

const config = inject('faultStackConfig');
const dataDir = inject('faultStackDataDir');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every scenario streams records through both sinks (each its own process), injects its fault,
 * recovers, then proves nothing was lost, doubled or resurrected: every row on both sides is what
 * the last record of its id says (deleted ids absent), and `tandem validate` finds 0 differences.
 */
async function settle(scenario: FaultScenario): Promise<{ recoveryMs: number; differences: number }> {
  const recoveryMs = await scenario.drained();
  // Seen in CI only, now and then: a drain of ~85 s after the broker's pause (the kill loop's take ~40 s
  // and are no news). The sinks' warnings say why.
  if (recoveryMs > 60_000) console.log(`[fault] slow drain (${recoveryMs} ms); sinks said:\n${scenario.sinkOutput.join('\n') || '(nothing)'}`);
  const [onSource, onTarget] = [await scenario.differencesOn(scenario.source), await scenario.differencesOn(scenario.target)];
  if (onSource.length + onTarget.length > 0) {
    console.log(`[fault] differences: source ${onSource.length}, target ${onTarget.length}; produced ${scenario.produced}, topic holds ${await scenario.topicRecords()}, committed source ${await scenario.committed('source')}, target ${await scenario.committed('target')}; sinks said:\n${scenario.sinkOutput.join('\n')}`);
  }
  expect(onSource.slice(0, 20)).toEqual([]);
  expect(onTarget.slice(0, 20)).toEqual([]);
  const differences = await scenario.validate();
  expect(differences).toBe(0);
  return { recoveryMs, differences };
}

/** A scenario with its table, topic and both sink processes running; closed whatever the body does. */
async function withRunningSinks(body: (scenario: FaultScenario) => Promise<void>): Promise<void> {
  const scenario = new FaultScenario(config, dataDir);
  try {
    await scenario.create();
    scenario.startSinks();
    await body(scenario);
  } finally {
    await scenario.close();
  }
}

describe.each(faultRounds)('the pipeline under faults, round %i', (round) => {
  it.skipIf(shortForm)('Kafka broker killed with kill -9 mid-stream and restarted', () =>
    withRunningSinks(async (scenario) => {
      let restarting: Promise<void> | undefined;
      let downMs = 0;
      await scenario.stream(30_000, 2_000, 3_000, async (produced) => {
        if (produced < 10_000 || restarting) return;
        const killedAt = Date.now();
        await killServer(dataDir, 'kafka');
        restarting = sleep(5_000)
          .then(() => restartStack(config, dataDir))
          .then(() => void (downMs = Date.now() - killedAt));
      });
      await restarting;
      const { recoveryMs, differences } = await settle(scenario);
      report('broker kill -9', round, { records: scenario.produced, 'broker down (ms)': downMs, 'sink restarts': scenario.sinkRestarts, 'producer stalled (ms)': scenario.produceStalledMs, 'drained after stream (ms)': recoveryMs, differences });
    }),
  );

  it('sinks killed with kill -9 ten times, every two seconds, under load', () =>
    withRunningSinks(async (scenario) => {
      let kills = 0;
      const killing = (async () => {
        await sleep(3_000);
        for (; kills < 10; kills++) {
          // Both at once, or one of them: every combination a crash can leave.
          const victims = kills % 3 === 0 ? (['source', 'target'] as const) : kills % 3 === 1 ? (['source'] as const) : (['target'] as const);
          for (const name of victims) {
            await scenario.killSink(name);
            scenario.startSink(name);
          }
          await sleep(2_000);
        }
      })();
      await scenario.stream(50_000, 2_000);
      await killing;
      const { recoveryMs, differences } = await settle(scenario);
      report('sink kill -9 loop', round, { records: scenario.produced, kills, 'drained after stream (ms)': recoveryMs, differences });
    }),
  );

  it.skipIf(shortForm)('source Cassandra killed with kill -9 mid-stream and restarted; the target sink goes on meanwhile', () =>
    withRunningSinks(async (scenario) => {
      let restarting: Promise<void> | undefined;
      let downMs = 0;
      let targetProgress = 0n;
      await scenario.stream(30_000, 2_000, 3_000, async (produced) => {
        if (produced < 8_000 || restarting) return;
        const killedAt = Date.now();
        await killServer(dataDir, 'source');
        restarting = (async () => {
          // The target's sink keeps writing while the source is down.
          const before = await scenario.committed('target');
          await sleep(6_000);
          targetProgress = (await scenario.committed('target')) - before;
          await restartStack(config, dataDir);
          downMs = Date.now() - killedAt;
        })();
      });
      await restarting;
      expect(targetProgress).toBeGreaterThan(0n);
      const { recoveryMs, differences } = await settle(scenario);
      report('source kill -9', round, { records: scenario.produced, 'source down (ms)': downMs, 'target records written meanwhile': String(targetProgress), 'drained after stream (ms)': recoveryMs, differences });
    }),
  );

  it('broker paused with SIGSTOP for 15 s (no fetch, no commit) and resumed', () =>
    withRunningSinks(async (scenario) => {
      let resuming: Promise<void> | undefined;
      await scenario.stream(30_000, 2_000, 3_000, async (produced) => {
        if (produced < 10_000 || resuming) return;
        const pid = serverPid(dataDir, 'kafka');
        process.kill(pid, 'SIGSTOP');
        resuming = sleep(15_000).then(() => void process.kill(pid, 'SIGCONT'));
      });
      await resuming;
      const { recoveryMs, differences } = await settle(scenario);
      report('broker SIGSTOP 15 s', round, { records: scenario.produced, 'producer stalled (ms)': scenario.produceStalledMs, 'drained after stream (ms)': recoveryMs, differences });
    }),
  );
});
