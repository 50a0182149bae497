import { describe, expect, it } from 'vitest';
import type { PartitionLag } from '../../src/kafka/index.js';
import { countDeadLetters, deadLetterTopicSettings, settingsToRaise } from '../../src/sink/index.js';

const lag = (partition: number, committed: bigint, end: bigint, logStart?: bigint): PartitionLag => ({
  topic: 't.dlq',
  partition,
  committed,
  end,
  lag: end > committed ? end - committed : 0n,
  ...(logStart === undefined ? {} : { logStart }),
});

describe('dead-letter topics', () => {
  it('keep letters for ever, and accept a letter carrying the largest record of the source topic', () => {
    expect(deadLetterTopicSettings(1_048_588)).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1', 'max.message.bytes': String(1_048_588 + 64 * 1024) });
  });

  it('raise what an existing topic falls short of, and only that', () => {
    const wanted = deadLetterTopicSettings(3_000_000);
    const broker7Days = new Map([['retention.ms', '604800000'], ['retention.bytes', '-1'], ['max.message.bytes', '1048588']]);
    expect(settingsToRaise(broker7Days, wanted)).toEqual({ 'retention.ms': '-1', 'max.message.bytes': wanted['max.message.bytes'] });
    // A larger limit set by hand is kept: raising never lowers it.
    const fine = new Map([['retention.ms', '-1'], ['retention.bytes', '-1'], ['max.message.bytes', '10000000']]);
    expect(settingsToRaise(fine, wanted)).toEqual({});
    // A setting the broker did not report is set.
    expect(settingsToRaise(new Map(), { 'retention.ms': '-1' })).toEqual({ 'retention.ms': '-1' });
  });
});

describe('countDeadLetters', () => {
  it('counts from the first letter ever written, so letters the broker deleted unread still count, as expired', () => {
    // Partition 0: the replay group never committed, and retention deleted offsets 0-4 of 7.
    // Partition 1: replayed up to 3, then retention deleted up to 5: offsets 3 and 4 were never replayed.
    // Partition 2: replayed past what retention deleted: nothing expired.
    const lags = [lag(0, 0n, 7n, 5n), lag(1, 3n, 9n, 5n), lag(2, 6n, 8n, 4n), { ...lag(0, 0n, 4n, 0n), topic: 'other.dlq' }];
    expect(countDeadLetters(lags, 't.dlq')).toEqual({ undrained: 7 + 6 + 2, expired: 5 + 2 });
  });

  it('counts a partition emptied by retention as expired up to its end, never beyond', () => {
    expect(countDeadLetters([lag(0, 0n, 3n, 3n)], 't.dlq')).toEqual({ undrained: 3, expired: 3 });
    expect(countDeadLetters([lag(0, 0n, 3n)], 't.dlq')).toEqual({ undrained: 3, expired: 0 });
  });
});
