import { describe, expect, it } from 'vitest';
import { OffsetTracker } from '../../src/kafka/index.js';

describe('OffsetTracker', () => {
  it('commits only past records that are all finished, whatever order they finish in', () => {
    const tracker = new OffsetTracker();
    for (const offset of [10n, 11n, 12n]) tracker.started('t', 0, offset);
    tracker.finished('t', 0, 12n);
    tracker.finished('t', 0, 11n);
    expect(tracker.committable()).toEqual([]);
    expect(tracker.inFlight).toBe(1);
    tracker.finished('t', 0, 10n);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 13n }]);
    expect(tracker.inFlight).toBe(0);
  });

  it('reports each offset once, and each partition on its own', () => {
    const tracker = new OffsetTracker();
    tracker.started('t', 0, 0n);
    tracker.started('t', 1, 5n);
    tracker.started('u', 0, 7n);
    tracker.finished('t', 1, 5n);
    tracker.finished('u', 0, 7n);
    expect(tracker.committable()).toEqual([
      { topic: 't', partition: 1, offset: 6n },
      { topic: 'u', partition: 0, offset: 8n },
    ]);
    expect(tracker.committable()).toEqual([]);
  });

  it('forgets revoked partitions', () => {
    const tracker = new OffsetTracker();
    tracker.started('t', 0, 0n);
    tracker.forget('t', 0);
    tracker.finished('t', 0, 0n);
    expect(tracker.committable()).toEqual([]);
    expect(tracker.inFlight).toBe(0);
  });

  it('matches a simple model over random completion orders, with gaps in the offsets', () => {
    for (let round = 0; round < 50; round++) {
      const tracker = new OffsetTracker();
      const offsets = Array.from({ length: 3000 }, (_, i) => BigInt(i * 2 + (i % 7 === 0 ? 1 : 0)));
      for (const offset of offsets) tracker.started('t', 0, offset);
      const order = [...offsets].sort(() => Math.random() - 0.5);
      const finished = new Set<bigint>();
      let lastCommitted = -1n;
      let firstUnfinished = 0;
      for (const offset of order) {
        tracker.finished('t', 0, offset);
        finished.add(offset);
        while (firstUnfinished < offsets.length && finished.has(offsets[firstUnfinished]!)) firstUnfinished += 1;
        const commits = tracker.committable();
        if (commits.length > 0) {
          const committed = commits[0]!.offset;
          expect(committed).toBeGreaterThan(lastCommitted);
          // Every delivered offset below the commit point is finished.
          if (firstUnfinished < offsets.length) expect(committed).toBeLessThanOrEqual(offsets[firstUnfinished]!);
          lastCommitted = committed;
        }
      }
      expect(lastCommitted).toBe(offsets.at(-1)! + 1n);
    }
  });
});

describe('OffsetTracker after a failed commit', () => {
  it('offers the offset again', () => {
    const tracker = new OffsetTracker();
    tracker.started('t', 0, 0n);
    tracker.finished('t', 0, 0n);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 1n }]);
    tracker.commitFailed('t', 0);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 1n }]);
  });
});

describe('OffsetTracker with records delivered again', () => {
  it('tracks only the first delivery, so the commit waits for it and never moves back', () => {
    const tracker = new OffsetTracker();
    expect([5n, 6n, 7n].map((o) => tracker.started('t', 0, o))).toEqual([true, true, true]);
    tracker.finished('t', 0, 5n);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 6n }]);
    // A rebalance resends from the last commit: 6 and 7 come again while the first copies are in flight.
    expect([6n, 7n, 8n].map((o) => tracker.started('t', 0, o))).toEqual([false, false, true]);
    tracker.finished('t', 0, 8n);
    expect(tracker.committable()).toEqual([]);
    tracker.finished('t', 0, 7n);
    tracker.finished('t', 0, 6n);
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 9n }]);
  });
});

describe('OffsetTracker behind one unfinished record', () => {
  it('counts the finished records it holds back, and names the record holding them', () => {
    const tracker = new OffsetTracker();
    for (let offset = 0n; offset < 100n; offset++) tracker.started('t', 0, offset);
    for (let offset = 1n; offset < 100n; offset++) tracker.finished('t', 0, offset);
    expect(tracker.heldBehind('t', 0)).toBe(99);
    expect(tracker.holdingRecord('t', 0)).toMatchObject({ offset: 0n });
    expect(tracker.committable()).toEqual([]);
    tracker.finished('t', 0, 0n);
    expect(tracker.heldBehind('t', 0)).toBe(0);
    expect(tracker.holdingRecord('t', 0)).toBeUndefined();
    expect(tracker.committable()).toEqual([{ topic: 't', partition: 0, offset: 100n }]);
  });
});
