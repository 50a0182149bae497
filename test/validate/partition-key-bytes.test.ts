import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { parseCqlType } from '../../src/cql/index.js';
import { cqlValueBytes, partitionKeyBytes } from '../../src/validate/index.js';
import { column, table } from './fixtures.js';

const { BigDecimal, InetAddress, LocalDate, LocalTime, TimeUuid, Tuple, Uuid, Vector } = cassandra.types;

/** The driver's own encoder (untyped, "experimental" in 4.10), as a reference for the bytes. */
interface DriverEncoder {
  encode(value: unknown, type: unknown): Buffer;
}
const { Encoder } = cassandra as unknown as { Encoder: new (protocolVersion: number, options: object) => DriverEncoder };
const dataTypes = cassandra.types.dataTypes as unknown as { getByName(name: string): unknown };
const encoder = new Encoder(4, { encoding: { map: Map, set: Set, useBigIntAsLong: true, useBigIntAsVarint: true } });
const udts = new Map([['addr', [{ name: 'zip', type: 'int' }, { name: 'street', type: 'text' }]]]);

describe('cqlValueBytes', () => {
  const cases: [type: string, value: unknown][] = [
    ['text', 'héllo \u{1F600}'],
    ['ascii', 'plain'],
    ['int', -123456],
    ['smallint', -2],
    ['tinyint', 127],
    ['bigint', -(2n ** 63n)],
    ['varint', 128n],
    ['varint', -129n],
    ['varint', 0n],
    ['varint', 10n ** 40n],
    ['float', 1.5],
    ['double', -0.1],
    ['boolean', true],
    ['timestamp', new Date('1969-07-20T20:17:00Z')],
    ['date', LocalDate.fromString('2020-01-02')],
    ['time', LocalTime.fromString('13:14:15.123456789')],
    ['uuid', Uuid.random()],
    ['timeuuid', TimeUuid.now()],
    ['inet', InetAddress.fromString('2001:db8::1')],
    ['blob', Buffer.from('00ff10', 'hex')],
    ['decimal', BigDecimal.fromString('-12.3400')],
    ['list<int>', [3, 1, 2]],
    ['set<text>', new Set(['a', 'bb'])],
    ['map<text, bigint>', new Map([['a', 1n], ['b', -1n]])],
    ['tuple<int, text, boolean>', new Tuple(1, null, false)],
    ['vector<float, 3>', new Vector([1, 2, 3], 'float')],
    ['vector<text, 2>', new Vector(['a', 'b'.repeat(200)], 'text')],
  ];

  it.each(cases)('serializes %s as the driver does', (typeText, value) => {
    expect(cqlValueBytes(parseCqlType(typeText, 'ks', udts), value).toString('hex')).toBe(encoder.encode(value, dataTypes.getByName(typeText)).toString('hex'));
  });

  it('serializes a UDT field by field in declared order, null as length -1', () => {
    const bytes = cqlValueBytes(parseCqlType('frozen<addr>', 'ks', udts), { street: 'x', zip: null });
    expect(bytes.toString('hex')).toBe('ffffffff' + '00000001' + '78');
  });

  it('serializes null as the empty value', () => {
    expect(cqlValueBytes(parseCqlType('int', 'ks', udts), null)).toEqual(Buffer.alloc(0));
  });
});

describe('partitionKeyBytes', () => {
  it('is the column value alone for a single-column key', () => {
    const t = table([column('k', 'partition_key', 'text', 0)]);
    expect(partitionKeyBytes(t, new Map([['k', 'ab']])).toString('hex')).toBe('6162');
  });

  it('is length, bytes and a 0 byte per column for a composite key, as the driver routes', () => {
    const t = table([column('b', 'partition_key', 'int', 1), column('a', 'partition_key', 'text', 0)]);
    expect(partitionKeyBytes(t, new Map<string, unknown>([['a', 'ab'], ['b', 1]])).toString('hex')).toBe('0002' + '6162' + '00' + '0004' + '00000001' + '00');
  });
});
