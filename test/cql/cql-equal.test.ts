import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { cqlValuesEqual } from '../../src/cql/index.js';

const { BigDecimal, Duration, InetAddress, LocalDate, LocalTime, TimeUuid, Tuple, Uuid, Vector } = cassandra.types;

const id = '9b2f7f9c-2c3e-4a55-9d8e-1a2b3c4d5e6f';
const other = '00000000-0000-4000-8000-000000000001';

describe('cqlValuesEqual on single values', () => {
  it('treats null and undefined alike as no value, and nothing else', () => {
    expect(cqlValuesEqual(null, undefined)).toBe(true);
    expect(cqlValuesEqual(undefined, null)).toBe(true);
    expect(cqlValuesEqual(null, 0)).toBe(false);
    expect(cqlValuesEqual('', null)).toBe(false);
    expect(cqlValuesEqual(false, undefined)).toBe(false);
  });

  it('compares numbers exactly: NaN equals NaN, -0 differs from 0, a number never equals a bigint', () => {
    expect(cqlValuesEqual(NaN, NaN)).toBe(true);
    expect(cqlValuesEqual(-0, 0)).toBe(false);
    expect(cqlValuesEqual(1.5, 1.5)).toBe(true);
    expect(cqlValuesEqual(1, 1n)).toBe(false);
    expect(cqlValuesEqual(2n ** 64n, 2n ** 64n)).toBe(true);
    expect(cqlValuesEqual('1', 1)).toBe(false);
  });

  it('compares Dates by time and Buffers by content', () => {
    expect(cqlValuesEqual(new Date(1_683_720_000_000), new Date(1_683_720_000_000))).toBe(true);
    expect(cqlValuesEqual(new Date(1), new Date(2))).toBe(false);
    expect(cqlValuesEqual(Buffer.from('cafe', 'hex'), Buffer.from('cafe', 'hex'))).toBe(true);
    expect(cqlValuesEqual(Buffer.from('cafe', 'hex'), Buffer.from('caff', 'hex'))).toBe(false);
    expect(cqlValuesEqual(Buffer.alloc(0), null)).toBe(false);
  });

  it('compares driver types by class and value', () => {
    expect(cqlValuesEqual(Uuid.fromString(id), Uuid.fromString(id))).toBe(true);
    expect(cqlValuesEqual(Uuid.fromString(id), Uuid.fromString(other))).toBe(false);
    const time = TimeUuid.fromDate(new Date(1_700_000_000_000));
    expect(cqlValuesEqual(time, TimeUuid.fromString(time.toString()))).toBe(true);
    expect(cqlValuesEqual(InetAddress.fromString('10.0.0.1'), InetAddress.fromString('10.0.0.1'))).toBe(true);
    expect(cqlValuesEqual(InetAddress.fromString('10.0.0.1'), InetAddress.fromString('::ffff:10.0.0.1'))).toBe(false);
    expect(cqlValuesEqual(LocalDate.fromString('2023-05-10'), new LocalDate(2023, 5, 10))).toBe(true);
    expect(cqlValuesEqual(LocalTime.fromString('12:00:00'), LocalTime.fromString('12:00:00.000000001'))).toBe(false);
    expect(cqlValuesEqual(new Duration(1, 2, 3), new Duration(1, 2, 3))).toBe(true);
    expect(cqlValuesEqual(new Duration(1, 2, 3), new Duration(1, 2, 4))).toBe(false);
    expect(cqlValuesEqual(Uuid.fromString(id), id)).toBe(false);
  });

  it('compares decimals by unscaled value and scale: 1.0 and 1.00 are stored differently', () => {
    expect(cqlValuesEqual(BigDecimal.fromString('1.50'), BigDecimal.fromString('1.50'))).toBe(true);
    expect(cqlValuesEqual(BigDecimal.fromString('1.0'), BigDecimal.fromString('1.00'))).toBe(false);
    expect(cqlValuesEqual(new BigDecimal(1, -2), new BigDecimal(1, -3))).toBe(false);
  });
});

describe('cqlValuesEqual on composite values', () => {
  it('compares lists in order', () => {
    expect(cqlValuesEqual([1, 2, 3], [1, 2, 3])).toBe(true);
    expect(cqlValuesEqual([1, 2, 3], [3, 2, 1])).toBe(false);
    expect(cqlValuesEqual([1, 2], [1, 2, 3])).toBe(false);
    expect(cqlValuesEqual([], null)).toBe(false);
  });

  it('compares Sets by content, also of objects and in another order', () => {
    expect(cqlValuesEqual(new Set(['a', 'b']), new Set(['b', 'a']))).toBe(true);
    expect(cqlValuesEqual(new Set([Uuid.fromString(id), Uuid.fromString(other)]), new Set([Uuid.fromString(other), Uuid.fromString(id)]))).toBe(true);
    expect(cqlValuesEqual(new Set([Uuid.fromString(id)]), new Set([Uuid.fromString(other)]))).toBe(false);
    expect(cqlValuesEqual(new Set([new Tuple(1, 'a'), new Tuple(2, 'b')]), new Set([new Tuple(2, 'b'), new Tuple(1, 'a')]))).toBe(true);
    expect(cqlValuesEqual(new Set([1, 2]), new Set([1, 3]))).toBe(false);
    expect(cqlValuesEqual(new Set([1]), [1])).toBe(false);
  });

  it('compares Maps with object keys by content, whatever the order', () => {
    const a = new Map([
      [Uuid.fromString(id), new Set(['x', 'y'])],
      [Uuid.fromString(other), new Set<string>()],
    ]);
    const b = new Map([
      [Uuid.fromString(other), new Set<string>()],
      [Uuid.fromString(id), new Set(['y', 'x'])],
    ]);
    expect(cqlValuesEqual(a, b)).toBe(true);
    expect(cqlValuesEqual(a, new Map([[Uuid.fromString(id), new Set(['x', 'y'])]]))).toBe(false);
    const changed = new Map([
      [Uuid.fromString(id), new Set(['x', 'z'])],
      [Uuid.fromString(other), new Set<string>()],
    ]);
    expect(cqlValuesEqual(a, changed)).toBe(false);
    expect(cqlValuesEqual(new Map([[LocalDate.fromString('2020-01-01'), 1n]]), new Map([[LocalDate.fromString('2020-01-01'), 1n]]))).toBe(true);
    expect(cqlValuesEqual(new Map([[new Tuple(1, 'a'), 1]]), new Map([[new Tuple(1, 'b'), 1]]))).toBe(false);
  });

  it('compares UDT objects field by field, an absent field equal to a null one', () => {
    expect(cqlValuesEqual({ street: 'Main', zip: 1 }, { zip: 1, street: 'Main' })).toBe(true);
    expect(cqlValuesEqual({ street: 'Main', zip: null }, { street: 'Main' })).toBe(true);
    expect(cqlValuesEqual({ street: 'Main', zip: 1 }, { street: 'Main', zip: 2 })).toBe(false);
    expect(cqlValuesEqual({ home: { zip: 1 }, tags: new Set(['a']) }, { home: { zip: 1 }, tags: new Set(['a']) })).toBe(true);
    expect(cqlValuesEqual({ zip: 1 }, [1])).toBe(false);
  });

  it('compares tuples, Float32Arrays and driver Vectors element by element', () => {
    expect(cqlValuesEqual(new Tuple(1, null, Buffer.from('ab')), new Tuple(1, undefined, Buffer.from('ab')))).toBe(true);
    expect(cqlValuesEqual(new Tuple(1, 'a'), new Tuple(1, 'b'))).toBe(false);
    expect(cqlValuesEqual(new Float32Array([0.5, 1]), new Float32Array([0.5, 1]))).toBe(true);
    expect(cqlValuesEqual(new Float32Array([0.5, 1]), new Float32Array([0.5, 2]))).toBe(false);
    expect(cqlValuesEqual(new Float32Array([NaN]), new Float32Array([NaN]))).toBe(true);
    expect(cqlValuesEqual(new Vector(['a', 'b'], 'text'), new Vector(['a', 'b'], 'text'))).toBe(true);
    expect(cqlValuesEqual(new Vector(['a', 'b'], 'text'), new Vector(['a', 'c'], 'text'))).toBe(false);
  });
});
