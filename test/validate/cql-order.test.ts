import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { CqlTypeError, parseCqlType, type CqlType } from '../../src/cql/index.js';
import { compareCqlValues, compareRowKeys, type ScannedRow } from '../../src/validate/index.js';
import { column, row, table } from './fixtures.js';

const { BigDecimal, Duration, InetAddress, LocalDate, LocalTime, TimeUuid, Tuple, Uuid, Vector } = cassandra.types;

const addr = { type_name: 'addr', field_names: ['zip', 'street'], field_types: ['int', 'text'] };
const type = (text: string): CqlType => parseCqlType(text, 'ks', new Map([[addr.type_name, addr.field_names.map((name, i) => ({ name, type: addr.field_types[i]! }))]]));
const sorted = <T>(text: string, values: readonly T[]) => [...values].sort((a, b) => compareCqlValues(type(text), a, b));
const sign = (text: string, a: unknown, b: unknown) => compareCqlValues(type(text), a, b);

describe('compareCqlValues on text', () => {
  it('orders by UTF-8 bytes, not by UTF-16 code units as JS does', () => {
    expect('\uFFFD' > '\u{1F600}').toBe(true); // JS: the surrogate pair sorts first
    expect(sign('text', '\uFFFD', '\u{1F600}')).toBe(-1); // UTF-8: EF BF BD < F0 9F 98 80
    expect(sign('varchar', '\u{1F600}', '\uFFFD')).toBe(1);
  });

  it('agrees with Buffer.compare of the UTF-8 encodings on a mixed set', () => {
    const values = ['b', 'a', 'ab', '', 'é', 'z', '\uFFFD', '\u{1F600}', '\u{10FFFF}', '\uE000', '\uD7FF', 'a\u{1F600}', 'a\uFFFF', 'Z'];
    const byBytes = [...values].sort((x, y) => Buffer.compare(Buffer.from(x, 'utf8'), Buffer.from(y, 'utf8')));
    expect(sorted('text', values)).toEqual(byBytes);
    expect(sorted('ascii', ['b', 'B', 'a', 'ab'])).toEqual(['B', 'a', 'ab', 'b']);
  });

  it('puts a prefix first and finds equal strings equal', () => {
    expect(sign('text', 'abc', 'abcd')).toBe(-1);
    expect(sign('text', 'same', 'same')).toBe(0);
  });
});

describe('compareCqlValues on numbers', () => {
  it('orders integers by value, negatives first', () => {
    expect(sorted('int', [3, -2147483648, 0, 2147483647, -1])).toEqual([-2147483648, -1, 0, 3, 2147483647]);
    expect(sorted('smallint', [1, -32768, 32767])).toEqual([-32768, 1, 32767]);
    expect(sorted('tinyint', [-1, 127, -128, 0])).toEqual([-128, -1, 0, 127]);
  });

  it('orders bigint, counter and varint as bigint values, also beyond 64 bits', () => {
    expect(sorted('bigint', [1n, -(2n ** 63n), 2n ** 63n - 1n, -1n])).toEqual([-(2n ** 63n), -1n, 1n, 2n ** 63n - 1n]);
    expect(sorted('varint', [10n ** 30n, -(10n ** 30n), 0n, 255n])).toEqual([-(10n ** 30n), 0n, 255n, 10n ** 30n]);
    expect(sign('counter', 5n, 4n)).toBe(1);
    expect(sign('bigint', cassandra.types.Long.fromString('-5'), 3n)).toBe(-1); // a client without useBigIntAsLong
  });

  it('orders float and double as Java does: -0 before 0, NaN last', () => {
    const values = [NaN, 1, -Infinity, 0, -0, Infinity, -1, 1.5];
    const result = sorted('double', values);
    expect(result.map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(['-Infinity', '-1', '-0', '0', '1', '1.5', 'Infinity', 'NaN']);
    expect(sign('float', NaN, NaN)).toBe(0);
    expect(sign('float', 0.25, 0.5)).toBe(-1);
  });

  it('orders decimals by value, so 1.0 and 1.00 are the same clustering key', () => {
    const d = (text: string) => BigDecimal.fromString(text);
    expect(sign('decimal', d('1.0'), d('1.00'))).toBe(0);
    expect(sorted('decimal', [d('10'), d('-2.5'), d('1'), d('0.001')]).map(String)).toEqual(['-2.5', '0.001', '1', '10']);
  });
});

describe('compareCqlValues on other native types', () => {
  it('orders booleans false first', () => {
    expect(sorted('boolean', [true, false])).toEqual([false, true]);
  });

  it('orders timestamps by time, dates before 1970 first', () => {
    const dates = [new Date('2023-05-10T12:00:00Z'), new Date('1969-07-20T20:17:00Z'), new Date(0)];
    expect(sorted('timestamp', dates)).toEqual([dates[1], dates[2], dates[0]]);
  });

  it('orders dates by day, also beyond what a JS Date can hold', () => {
    const far = LocalDate.fromString('2000000000'); // days since the epoch: past JS Date's range
    const values = [far, LocalDate.fromString('2020-01-01'), LocalDate.fromString('1969-12-31'), LocalDate.fromString('1970-01-01')];
    expect(sorted('date', values).map(String)).toEqual(['1969-12-31', '1970-01-01', '2020-01-01', '2000000000']);
  });

  it('orders times of day', () => {
    expect(sorted('time', [LocalTime.fromString('12:00:00'), LocalTime.fromString('00:00:01.000000001'), LocalTime.fromString('00:00:01')]).map(String)).toEqual([
      '00:00:01',
      '00:00:01.000000001',
      '12:00:00',
    ]);
  });

  it('orders blobs by unsigned bytes, a prefix first', () => {
    const values = [Buffer.from([0xff]), Buffer.from([0x00, 0x01]), Buffer.from([0x00]), Buffer.alloc(0), Buffer.from([0x7f])];
    expect(sorted('blob', values).map((b) => b.toString('hex'))).toEqual(['', '00', '0001', '7f', 'ff']);
  });

  it('orders inet addresses by their bytes, not their text', () => {
    const values = ['10.0.0.2', '9.255.255.255', '::1', '10.0.0.10', '192.168.0.1'].map((text) => InetAddress.fromString(text));
    expect(sorted('inet', values).map(String)).toEqual(['::1', '9.255.255.255', '10.0.0.2', '10.0.0.10', '192.168.0.1']);
  });

  it('refuses durations, which have no order', () => {
    expect(() => sign('duration', new Duration(1, 0, 0), new Duration(2, 0, 0))).toThrow(CqlTypeError);
  });

  it('puts null first and throws on a value the driver would not return for the type', () => {
    expect(sign('int', null, -5)).toBe(-1);
    expect(sign('int', 1, undefined)).toBe(1);
    expect(sign('int', null, undefined)).toBe(0);
    expect(() => sign('int', 'one', 1)).toThrow(TypeError);
    expect(() => sign('uuid', 'not-a-uuid', Uuid.random())).toThrow(/uuid/);
  });
});

describe('compareCqlValues on uuid and timeuuid', () => {
  const u = (text: string) => Uuid.fromString(text);
  // time_low 2: bytes sort it after b, but b's time_mid makes its timestamp later.
  const early = '00000002-0000-1000-8000-000000000000';
  const late = '00000001-0001-1000-8000-000000000000';

  it('uuid: version first, then version 1 by timestamp rather than bytes', () => {
    expect(sign('uuid', u(early), u(late))).toBe(-1);
    // A v4 uuid whose bytes are all lower still sorts after any v1 uuid.
    expect(sign('uuid', u('00000000-0000-4000-8000-000000000000'), u('ffffffff-ffff-1fff-bfff-ffffffffffff'))).toBe(1);
  });

  it('uuid: other versions by unsigned bytes', () => {
    expect(sign('uuid', u('ffffffff-0000-4000-8000-000000000000'), u('7fffffff-0000-4000-8000-000000000000'))).toBe(1);
    expect(sign('uuid', u('00000000-0000-4000-8000-000000000000'), u('00000000-0000-4000-7000-000000000000'))).toBe(1);
  });

  it('timeuuid: by timestamp, then the last 8 bytes signed (unlike uuid, CASSANDRA-8730)', () => {
    expect(sign('timeuuid', u(early), u(late))).toBe(-1);
    const high = u('00000001-0000-1000-8000-000000000000');
    const low = u('00000001-0000-1000-7f00-000000000000');
    expect(sign('timeuuid', high, low)).toBe(-1); // 0x80 is -128 signed
    expect(sign('uuid', high, low)).toBe(1); // but 128 unsigned
  });

  it('timeuuid: random TimeUuids sort by their dates', () => {
    const dates = Array.from({ length: 50 }, (_, i) => new Date(Date.UTC(2000, 0, 1) + ((i * 7_919_000_003) % 1_000_000_000_000)));
    const ids = dates.map((date) => TimeUuid.fromDate(date));
    const byDate = [...ids].sort((a, b) => a.getDate().getTime() - b.getDate().getTime());
    expect(sorted('timeuuid', ids)).toEqual(byDate);
    expect(sorted('uuid', ids)).toEqual(byDate);
  });
});

describe('compareCqlValues on frozen collections, tuples, UDTs and vectors', () => {
  it('orders lists element by element, a prefix first', () => {
    expect(sorted('frozen<list<int>>', [[1, 3], [1, 2, 3], [1, 2], [-1, 9]])).toEqual([[-1, 9], [1, 2], [1, 2, 3], [1, 3]]);
    expect(sign('frozen<list<text>>', ['\uFFFD'], ['\u{1F600}'])).toBe(-1);
  });

  it('orders sets by their sorted elements, whatever the iteration order', () => {
    expect(sign('frozen<set<int>>', new Set([3, 1]), new Set([1, 3]))).toBe(0);
    expect(sign('frozen<set<int>>', new Set([1, 3]), new Set([9, 1, 2]))).toBe(1);
    expect(sign('frozen<set<int>>', new Set([1]), new Set([1, 2]))).toBe(-1);
  });

  it('orders maps entry by entry: key, then value', () => {
    const m = (...entries: [string, number][]) => new Map(entries);
    expect(sign('frozen<map<text, int>>', m(['a', 2]), m(['a', 1]))).toBe(1);
    expect(sign('frozen<map<text, int>>', m(['a', 9]), m(['b', 1]))).toBe(-1);
    expect(sign('frozen<map<text, int>>', m(['b', 1], ['a', 1]), m(['a', 1], ['b', 1]))).toBe(0);
    expect(sign('frozen<map<text, int>>', m(['a', 1]), m(['a', 1], ['b', 0]))).toBe(-1);
  });

  it('orders tuples component by component, null first', () => {
    expect(sign('tuple<int, text>', new Tuple(1, 'b'), new Tuple(1, 'a'))).toBe(1);
    expect(sign('tuple<int, text>', new Tuple(null, 'z'), new Tuple(0, 'a'))).toBe(-1);
    expect(sign('tuple<int, frozen<list<int>>>', new Tuple(1, [2]), new Tuple(1, [2]))).toBe(0);
  });

  it('orders UDTs field by field in their declared order, not the object key order', () => {
    // addr declares zip before street.
    expect(sign('frozen<addr>', { street: 'a', zip: 2 }, { street: 'b', zip: 1 })).toBe(1);
    expect(sign('frozen<addr>', { zip: 1, street: null }, { zip: 1, street: '' })).toBe(-1);
    expect(sign('frozen<addr>', { zip: 1 }, { zip: 1, street: null })).toBe(0);
  });

  it('orders vectors element by element, from arrays, Float32Arrays or driver Vectors', () => {
    expect(sign('vector<float, 2>', new Float32Array([1, 2]), new Float32Array([1, 3]))).toBe(-1);
    expect(sign('vector<float, 2>', new Vector([2, 0], 'float'), [1, 9])).toBe(1);
  });
});

describe('compareRowKeys', () => {
  const events = table([
    column('user_id', 'partition_key', 'text', 0),
    column('day', 'clustering', 'date', 0, 'asc'),
    column('at', 'clustering', 'timestamp', 1, 'desc'),
    column('note', 'regular', 'text'),
    column('plan', 'static', 'text'),
  ]);
  const day = (text: string) => LocalDate.fromString(text);
  const at = (ms: number) => new Date(ms);
  const order = (rows: readonly ScannedRow[]) => [...rows].sort((a, b) => compareRowKeys(events, a, b));

  it('orders by token first, negative Murmur3 tokens before positive ones', () => {
    const rows = [
      row(5n, { user_id: 'a', day: day('2020-01-01'), at: at(1) }),
      row(-(2n ** 63n) + 1n, { user_id: 'z', day: day('2020-01-01'), at: at(1) }),
      row(-7n, { user_id: 'b', day: day('2020-01-01'), at: at(1) }),
      row(2n ** 63n - 1n, { user_id: 'c', day: day('2020-01-01'), at: at(1) }),
    ];
    expect(order(rows).map((r) => r.values.get('user_id'))).toEqual(['z', 'b', 'a', 'c']);
  });

  it('orders RandomPartitioner tokens (0..2^127) as unsigned values', () => {
    const a = row(2n ** 126n, { user_id: 'a', day: day('2020-01-01'), at: at(1) });
    const b = row(5n, { user_id: 'b', day: day('2020-01-01'), at: at(1) });
    expect(compareRowKeys(events, a, b)).toBe(1);
  });

  it('orders rows of a partition by clustering columns, DESC columns reversed, the static-only row first', () => {
    const rows = [
      row(1n, { user_id: 'u', day: day('2020-01-01'), at: at(10) }),
      row(1n, { user_id: 'u', day: day('2020-01-02'), at: at(5) }),
      row(1n, { user_id: 'u', day: day('2020-01-01'), at: at(30) }),
      row(1n, { user_id: 'u', day: null, at: null, plan: 'gold' }),
      row(1n, { user_id: 'u', day: day('2020-01-02'), at: at(50) }),
    ];
    const key = (r: ScannedRow) => [r.values.get('day') == null ? null : String(r.values.get('day')), (r.values.get('at') as Date | null)?.getTime() ?? null];
    expect(order(rows).map(key)).toEqual([
      [null, null],
      ['2020-01-01', 30],
      ['2020-01-01', 10],
      ['2020-01-02', 50],
      ['2020-01-02', 5],
    ]);
  });

  it('puts the static-only row first under a DESC first clustering column too', () => {
    const desc = table([column('k', 'partition_key', 'int', 0), column('c', 'clustering', 'int', 0, 'desc'), column('s', 'static', 'int')]);
    expect(compareRowKeys(desc, row(1n, { k: 1, c: null }), row(1n, { k: 1, c: 100 }))).toBe(-1);
    expect(compareRowKeys(desc, row(1n, { k: 1, c: 100 }), row(1n, { k: 1, c: 1 }))).toBe(-1);
  });

  it('orders partitions that share a token by their key bytes, unsigned, as Cassandra does', () => {
    const ints = table([column('k', 'partition_key', 'int', 0), column('v', 'regular', 'int')]);
    // 1 is 00000001 and -1 is ffffffff: bytes put 1 first, numbers would not.
    expect(compareRowKeys(ints, row(9n, { k: 1 }), row(9n, { k: -1 }))).toBe(-1);
    expect(compareRowKeys(ints, row(8n, { k: 1 }), row(9n, { k: -1 }))).toBe(-1);
    expect(compareRowKeys(ints, row(9n, { k: 7 }), row(9n, { k: 7 }))).toBe(0);
  });

  it('orders a composite partition key by its serialized components, each length first', () => {
    const composite = table([column('a', 'partition_key', 'text', 0), column('b', 'partition_key', 'int', 1)]);
    // 'b' (length 1) sorts before 'aa' (length 2) in the composite bytes, though not as text.
    expect(compareRowKeys(composite, row(3n, { a: 'b', b: 1 }), row(3n, { a: 'aa', b: 1 }))).toBe(-1);
    expect(compareRowKeys(composite, row(3n, { a: 'x', b: 2 }), row(3n, { a: 'x', b: 1 }))).toBe(1);
  });
});
