import { describe, expect, it } from 'vitest';
import { deadLetterHeaders, parseDeadLetter } from '../../src/sink/index.js';

const headers = (entries: Record<string, string>) => new Map(Object.entries(entries).map(([k, v]) => [k, Buffer.from(v)]));

describe('parseDeadLetter', () => {
  it('restores the original record: its own headers, key, value and Kafka timestamp, without the dead-letter headers', () => {
    const letter = parseDeadLetter({
      partition: 2,
      offset: 41n,
      timestamp: 1_800_000_000_000n,
      key: Buffer.from('k'),
      value: Buffer.from('{"a":1}'),
      headers: headers({
        'tandem-ts-us': '1700000000000001',
        [deadLetterHeaders.reason]: 'unknown-field',
        [deadLetterHeaders.error]: 'field "device" is not a column',
        [deadLetterHeaders.topic]: 'orders',
        [deadLetterHeaders.partition]: '3',
        [deadLetterHeaders.offset]: '1234',
        [deadLetterHeaders.timestamp]: '1700000000000',
        [deadLetterHeaders.destination]: 'target',
        [deadLetterHeaders.at]: '2026-11-26T03:00:00.000Z',
      }),
    });
    expect(letter).toMatchObject({
      partition: 2,
      offset: 41n,
      reason: 'unknown-field',
      error: 'field "device" is not a column',
      destination: 'target',
      deadLetteredAt: '2026-11-26T03:00:00.000Z',
      sourceTopic: 'orders',
      sourcePartition: 3,
      sourceOffset: 1234n,
      sourceTimestampMs: 1_700_000_000_000n,
    });
    expect(letter.original.timestampMs).toBe(1_700_000_000_000n);
    expect([...letter.original.headers.keys()]).toEqual(['tandem-ts-us']);
    expect(letter.original.value?.toString()).toBe('{"a":1}');
  });

  it('gives a tombstone back its null value, and falls back to the letter\'s own time and an unknown destination', () => {
    const letter = parseDeadLetter({
      partition: 0,
      offset: 0n,
      timestamp: 1_800_000_000_000n,
      key: Buffer.from('k'),
      value: Buffer.alloc(0),
      headers: headers({ [deadLetterHeaders.tombstone]: 'true', [deadLetterHeaders.destination]: 'elsewhere' }),
    });
    expect(letter.original.value).toBeNull();
    expect(letter.sourceTimestampMs).toBe(1_800_000_000_000n);
    expect(letter.destination).toBeUndefined();
    expect(letter.reason).toBe('unknown');
  });
});
