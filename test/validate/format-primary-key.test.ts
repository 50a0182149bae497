import cassandra from 'cassandra-driver';
import { describe, expect, it } from 'vitest';
import { formatCqlValue, formatPrimaryKey } from '../../src/validate/index.js';
import { userActivity } from '../helpers/tables.js';
import { column, table } from './fixtures.js';

const { BigDecimal, InetAddress, LocalDate, Tuple, Uuid } = cassandra.types;

describe('formatPrimaryKey', () => {
  it('spells the key CQL-like, in key order', () => {
    const key = new Map<string, unknown>([
      ['activity_time', new Date('2023-05-10T12:00:00Z')],
      ['user_id', 'u1'],
    ]);
    expect(formatPrimaryKey(userActivity, key)).toBe("user_id='u1', activity_time=2023-05-10T12:00:00.000Z");
  });

  it('shows only the columns the key holds (a partition key alone) and quotes names CQL would', () => {
    expect(formatPrimaryKey(userActivity, new Map([['user_id', "o'brien"]]))).toBe("user_id='o''brien'");
    const odd = table([column('Tenant Id', 'partition_key', 'uuid', 0), column('n', 'clustering', 'bigint', 0)]);
    const id = '9b2f7f9c-2c3e-4a55-9d8e-1a2b3c4d5e6f';
    expect(formatPrimaryKey(odd, new Map<string, unknown>([['Tenant Id', Uuid.fromString(id)], ['n', -(2n ** 63n)]]))).toBe(
      `"Tenant Id"=${id}, n=-9223372036854775808`,
    );
  });
});

describe('formatCqlValue', () => {
  it('formats each kind of value the driver returns', () => {
    expect(formatCqlValue(null)).toBe('null');
    expect(formatCqlValue(undefined)).toBe('null');
    expect(formatCqlValue(1.5)).toBe('1.5');
    expect(formatCqlValue(true)).toBe('true');
    expect(formatCqlValue(Buffer.from('cafe', 'hex'))).toBe('0xcafe');
    expect(formatCqlValue(LocalDate.fromString('2023-05-10'))).toBe('2023-05-10');
    expect(formatCqlValue(InetAddress.fromString('10.0.0.1'))).toBe('10.0.0.1');
    expect(formatCqlValue(BigDecimal.fromString('1.50'))).toBe('1.50');
    expect(formatCqlValue([1, 2])).toBe('[1, 2]');
    expect(formatCqlValue(new Set(['a']))).toBe("{'a'}");
    expect(formatCqlValue(new Map([['k', 1n]]))).toBe("{'k': 1}");
    expect(formatCqlValue(new Tuple(1, null))).toBe('(1, null)');
    expect(formatCqlValue({ street: 'Main', zip: 1 })).toBe("{street: 'Main', zip: 1}");
    expect(formatCqlValue(new Float32Array([0.5, 1]))).toBe('[0.5, 1]');
  });
});
