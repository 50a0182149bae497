import { describe, expect, it } from 'vitest';
import { quoteIdentifier, quoteString } from '../../src/cql/index.js';

describe('CQL quoting', () => {
  it.each([
    ['ks-user', '"ks-user"'],
    ['Mixed Case', '"Mixed Case"'],
    ['order', '"order"'],
    ['we"ird', '"we""ird"'],
  ])('quotes identifier %s as %s', (name, quoted) => expect(quoteIdentifier(name)).toBe(quoted));

  it.each([
    ['plain', "'plain'"],
    ["it's", "'it''s'"],
    ["''", "''''''"],
  ])('quotes string %s as %s', (value, quoted) => expect(quoteString(value)).toBe(quoted));
});
