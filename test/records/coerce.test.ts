import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../src/cql/index.js';
import { CoercionError, coerceValue } from '../../src/records/index.js';
import { seededRandom } from '../helpers/seeded-random.js';

const udts = new Map([['address', [{ name: 'street', type: 'text' }, { name: 'zip', type: 'int' }]]]);
const coerce = (value: unknown, type: string) => coerceValue(value, parseCqlType(type, 'ks', udts), 'f');
const { types } = cassandra;

describe('coerceValue accepts the forms design.md lists', () => {
  it.each([
    ['text', 'héllo "quoted"', 'héllo "quoted"'],
    ['ascii', 'plain', 'plain'],
    ['int', 42, 42],
    ['int', '-42', -42],
    ['smallint', 32767, 32767],
    ['tinyint', -128, -128],
    ['bigint', 9007199254740991, 9007199254740991n],
    ['bigint', '9223372036854775807', 9223372036854775807n],
    ['varint', '123456789012345678901234567890', 123456789012345678901234567890n],
    ['counter', 5, 5n],
    ['float', 1.5, 1.5],
    ['double', '2.5e3', 2500],
    ['double', 'NaN', Number.NaN],
    ['boolean', false, false],
    ['blob', 'AAEC', Buffer.from([0, 1, 2])],
  ])('%s ← %j', (type, input, expected) => {
    expect(coerce(input, type)).toEqual(expected);
  });

  it('timestamp ← ISO-8601 with or without zone, or epoch milliseconds', () => {
    expect(coerce('2023-05-10T12:00:00Z', 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.000Z'));
    expect(coerce('2023-05-10T12:00:00.123456789Z', 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.123Z'));
    expect(coerce('2023-05-10 14:00:00+0200', 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.000Z'));
    expect(coerce('2023-05-10T07:30-04:30', 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.000Z'));
    expect(coerce('2023-05-10', 'timestamp')).toEqual(new Date('2023-05-10T00:00:00.000Z'));
    expect(coerce(1683720000000, 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.000Z'));
    expect(coerce('1683720000000', 'timestamp')).toEqual(new Date('2023-05-10T12:00:00.000Z'));
  });

  it('date, time, uuid, timeuuid, inet, decimal, duration become driver types', () => {
    expect(coerce('2024-02-29', 'date')).toEqual(types.LocalDate.fromString('2024-02-29'));
    expect(coerce('23:59:59.123456789', 'time')).toEqual(types.LocalTime.fromString('23:59:59.123456789'));
    expect(String(coerce('0b5fb1b0-5a1f-4a8e-9d8c-3f1e2d4c5b6a', 'uuid'))).toBe('0b5fb1b0-5a1f-4a8e-9d8c-3f1e2d4c5b6a');
    expect(coerce('50554d6e-29bb-11e5-b345-feff819cdc9f', 'timeuuid')).toBeInstanceOf(types.TimeUuid);
    expect(String(coerce('::1', 'inet'))).toBe('::1');
    expect(String(coerce('10.0.0.1', 'inet'))).toBe('10.0.0.1');
    expect(String(coerce('12345.678901234567890', 'decimal'))).toBe('12345.678901234567890');
    expect(String(coerce(0.5, 'decimal'))).toBe('0.5');
    expect(coerce('1h30m', 'duration')).toEqual(types.Duration.fromString('1h30m'));
  });

  it('collections, tuples, vectors and UDTs recurse into their elements', () => {
    expect(coerce([1, '2'], 'list<int>')).toEqual([1, 2]);
    expect(coerce(['a', 'b', 'a'], 'set<text>')).toEqual(new Set(['a', 'b']));
    expect(coerce({ '1': '2023-05-10' }, 'map<int, date>')).toEqual(new Map([[1, types.LocalDate.fromString('2023-05-10')]]));
    expect(coerce([1, 'x'], 'tuple<int, text>')).toEqual(types.Tuple.fromArray([1, 'x']));
    expect(coerce({ street: 'Main', zip: 12345 }, 'frozen<address>')).toEqual({ street: 'Main', zip: 12345 });
    expect(coerce({ street: 'Main' }, 'address')).toEqual({ street: 'Main', zip: null });
    expect(coerce([[1, 2], [3]], 'list<frozen<list<int>>>')).toEqual([[1, 2], [3]]);
    expect((coerce([1, 2.5, 3], 'vector<float, 3>') as cassandra.types.Vector).elements).toEqual([1, 2.5, 3]);
  });

  it('keeps null as null (a deleted cell)', () => {
    expect(coerce(null, 'int')).toBeNull();
    expect(coerce(null, 'list<int>')).toBeNull();
  });
});

describe('coerceValue refuses with the field and the expected type', () => {
  it.each([
    ['int', 'abc', 'field "f": expected an integer from -2147483648 to 2147483647 for int, got "abc"'],
    ['int', 2147483648, 'for int, got 2147483648'],
    ['int', 1.5, 'for int, got 1.5'],
    ['tinyint', 128, 'from -128 to 127'],
    // biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53 is the input under test
    ['bigint', 9007199254740993, 'numbers past 2^53 must be sent as strings'],
    ['timestamp', '2023-13-45', 'field "f": expected an ISO-8601 timestamp or epoch milliseconds for timestamp, got "2023-13-45"'],
    ['timestamp', '2023-02-29T00:00:00Z', 'got "2023-02-29T00:00:00Z"'],
    ['timestamp', '2023-05-10T24:00:00Z', 'for timestamp'],
    ['timestamp', true, 'for timestamp, got true'],
    ['date', '2023-02-30', 'a date YYYY-MM-DD'],
    ['time', '25:00:00', 'a time HH:MM:SS'],
    ['uuid', 'not-a-uuid', 'a UUID string'],
    ['timeuuid', '0b5fb1b0-5a1f-4a8e-9d8c-3f1e2d4c5b6a', 'a version 1 UUID'],
    ['inet', '300.1.1.1', 'an IPv4 or IPv6 address'],
    ['blob', 'not base64!', 'a base64 string'],
    ['boolean', 'true', 'true or false'],
    ['text', 5, 'a string for text'],
    ['ascii', 'héllo', 'an ASCII string'],
    ['decimal', '1.2.3', 'a decimal number'],
    ['double', 'many', 'a number for double'],
    ['duration', 'forever', 'a duration'],
    ['list<int>', 'x', 'an array for list<int>'],
    ['list<int>', [1, null], 'field "f[1]": expected a value (collections cannot hold null)'],
    ['list<int>', [1, 'x'], 'field "f[1]"'],
    ['map<text, int>', [1], 'an object for map<text, int>'],
    ['map<int, int>', { x: 1 }, 'field "f{key x}"'],
    ['tuple<int, text>', [1], 'an array of 2 elements'],
    ['vector<float, 3>', [1, 2], 'an array of 3 elements'],
    ['frozen<address>', { street: 'x', planet: 'Mars' }, 'field "f.planet": expected a field of type address (street, zip)'],
    ['frozen<address>', { zip: 'north' }, 'field "f.zip"'],
  ])('%s ← %j', (type, input, message) => {
    expect(() => coerce(input, type)).toThrow(CoercionError);
    expect(() => coerce(input, type)).toThrow(message);
  });
});

describe('coerceValue with field names every JavaScript object inherits', () => {
  const inherited = new Map([['proto_named', [{ name: 'constructor', type: 'text' }, { name: 'toString', type: 'int' }]]]);
  const asUdt = (value: unknown) => coerceValue(value, parseCqlType('frozen<proto_named>', 'ks', inherited), 'f');

  it('leaves a UDT field that the object does not hold null, instead of reading the inherited function', () => {
    expect(asUdt({})).toEqual({ constructor: null, toString: null });
    expect(asUdt({ constructor: 'c', toString: 7 })).toEqual({ constructor: 'c', toString: 7 });
  });

  it('describes a value JSON cannot hold instead of failing to build its message', () => {
    expect(() => coerce(() => undefined, 'text')).toThrow('field "f": expected a string for text, got function');
  });
});

describe('coerceValue on decimals, exactly as written', () => {
  const decimal = (value: unknown) => coerce(value, 'decimal') as InstanceType<typeof types.BigDecimal>;
  it.each([
    ['1e5', '100000'],
    ['1.5e3', '1500'],
    ['1E+3', '1000'],
    ['-0.00120', '-0.00120'],
    ['+1.', '1'],
    ['.5', '0.5'],
    ['0e0', '0'],
    ['12.5e-3', '0.0125'],
    [2e21, '2000000000000000000000'],
    [1e-7, '0.0000001'],
    [0.1, '0.1'],
    [-42, '-42'],
  ])('%j is %s, and survives the wire', (input, expected) => {
    const value = decimal(input);
    expect(value.toString()).toBe(expected);
    expect(types.BigDecimal.fromBuffer(types.BigDecimal.toBuffer(value)).toString()).toBe(expected);
  });

  it.each(['1e', 'e5', '.', '', '1e99999', '1.2.3', 'NaN', '0x10'])('refuses %j', (input) => {
    expect(() => coerce(input, 'decimal')).toThrow(CoercionError);
  });
});

describe('coerceValue on inputs nobody here wrote', () => {
  it('refuses an IPv6 zone, which an inet column cannot hold, naming the field', () => {
    expect(() => coerce('fe80::1%eth0', 'inet')).toThrow('field "f": expected an IPv4 or IPv6 address (without a %zone) for inet');
  });

  it('either returns or throws a CoercionError, whatever JSON value meets whatever type', () => {
    const random = seededRandom(20261203);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const samples: unknown[] = [
      // biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53 is among the inputs under test
      null, true, 0, -1, 1.5, 1e-7, 2e21, -0, 9007199254740993, Number.MAX_VALUE, '', ' ', '0', '1e5', '-', 'NaN', 'Infinity', 'fe80::1%eth0', '::ffff:1.2.3.4',
      '2023-02-30', '2023-05-10T12:00:00Z', '24:00:00', '99:99:99', 'P1Y', '1h30m', '-P', 'AAEC', '====', '00000000-0000-1000-8000-000000000000',
      'ÿ\u0000', [], [1], [null], ['a', 'b'], {}, { a: 1 }, { street: 1 }, [[1]], { '': null },
    ];
    const typeNames = [
      'text', 'ascii', 'int', 'smallint', 'tinyint', 'bigint', 'varint', 'counter', 'float', 'double', 'decimal', 'boolean', 'timestamp', 'date', 'time',
      'uuid', 'timeuuid', 'inet', 'blob', 'duration', 'list<int>', 'set<timeuuid>', 'map<date, inet>', 'tuple<time, decimal>', 'vector<float, 2>', 'frozen<address>', 'address',
    ];
    for (let i = 0; i < 3_000; i++) {
      const type = pick(typeNames);
      const value = random() < 0.2 ? [pick(samples), pick(samples)] : pick(samples);
      try {
        coerce(value, type);
      } catch (error) {
        if (!(error instanceof CoercionError)) throw new Error(`${JSON.stringify(value)} as ${type} threw ${String(error)}`);
      }
    }
  });
});
