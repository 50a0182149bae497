import { isIP } from 'node:net';
import cassandra from 'cassandra-driver';
import { formatCqlType, type CqlType, type NativeTypeName } from '../cql/index.js';

const { types } = cassandra;

/** A JSON value that does not fit its column; `path` names the field (`address.zip`, `tags[2]`). */
export class CoercionError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly got: unknown,
  ) {
    super(`field "${path}": expected ${expected}, got ${describe(got)}`);
  }
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  // JSON.stringify gives undefined for what JSON cannot hold (a function, a symbol): the message must still be built.
  const json = JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(typeof value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/**
 * Turns a JSON value into what cassandra-driver encodes for `type` (clients are created with
 * `encoding: { map: Map, set: Set, useBigIntAsLong, useBigIntAsVarint }`). `null` stays `null`.
 * The accepted forms follow design.md ("Records"); numbers may also come as exact numeric strings.
 */
export function coerceValue(value: unknown, type: CqlType, path: string): unknown {
  if (value === null) return null;
  switch (type.kind) {
    case 'native':
      return coerceNative(value, type.name, path);
    case 'list':
    case 'set':
    case 'vector': {
      if (!Array.isArray(value)) throw new CoercionError(path, `an array for ${formatCqlType(type)}`, value);
      if (type.kind === 'vector' && value.length !== type.dimension) {
        throw new CoercionError(path, `an array of ${type.dimension} elements for ${formatCqlType(type)}`, value);
      }
      const elements = value.map((element, index) => {
        if (element === null) throw new CoercionError(`${path}[${index}]`, `a value (collections cannot hold null)`, element);
        return coerceValue(element, type.element, `${path}[${index}]`);
      });
      if (type.kind === 'set') return new Set(elements);
      if (type.kind === 'vector') return new types.Vector(elements, formatCqlType(type.element));
      return elements;
    }
    case 'map': {
      if (!isPlainObject(value)) throw new CoercionError(path, `an object for ${formatCqlType(type)}`, value);
      const map = new Map<unknown, unknown>();
      for (const [key, item] of Object.entries(value)) {
        if (item === null) throw new CoercionError(`${path}.${key}`, 'a value (maps cannot hold null)', item);
        map.set(coerceValue(key, type.key, `${path}{key ${key}}`), coerceValue(item, type.value, `${path}.${key}`));
      }
      return map;
    }
    case 'tuple': {
      if (!Array.isArray(value) || value.length !== type.elements.length) {
        throw new CoercionError(path, `an array of ${type.elements.length} elements for ${formatCqlType(type)}`, value);
      }
      return types.Tuple.fromArray(type.elements.map((element, index) => coerceValue(value[index], element, `${path}[${index}]`)));
    }
    case 'udt': {
      if (!isPlainObject(value)) throw new CoercionError(path, `an object for type ${type.name}`, value);
      const known = new Set(type.fields.map((field) => field.name));
      const unknown = Object.keys(value).find((key) => !known.has(key));
      if (unknown !== undefined) throw new CoercionError(`${path}.${unknown}`, `a field of type ${type.name} (${[...known].join(', ')})`, value[unknown]);
      const result: Record<string, unknown> = {};
      for (const field of type.fields) {
        // Own fields only: `in` also finds what every object inherits, so a field named `constructor` would read a function.
        result[field.name] = Object.hasOwn(value, field.name) ? coerceValue(value[field.name], field.type, `${path}.${field.name}`) : null;
      }
      return result;
    }
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const integerRanges: Partial<Record<NativeTypeName, [bigint, bigint]>> = {
  tinyint: [-(2n ** 7n), 2n ** 7n - 1n],
  smallint: [-(2n ** 15n), 2n ** 15n - 1n],
  int: [-(2n ** 31n), 2n ** 31n - 1n],
  bigint: [-(2n ** 63n), 2n ** 63n - 1n],
  counter: [-(2n ** 63n), 2n ** 63n - 1n],
};

function coerceNative(value: unknown, name: NativeTypeName, path: string): unknown {
  switch (name) {
    case 'text':
    case 'varchar':
      if (typeof value !== 'string') throw new CoercionError(path, 'a string for text', value);
      return value;
    case 'ascii':
      // biome-ignore lint/suspicious/noControlCharactersInRegex: ASCII is exactly the code points 0x00-0x7f, control characters included
      if (typeof value !== 'string' || !/^[\x00-\x7f]*$/.test(value)) throw new CoercionError(path, 'an ASCII string for ascii', value);
      return value;
    case 'tinyint':
    case 'smallint':
    case 'int':
      return Number(exactInteger(value, name, path));
    case 'bigint':
    case 'counter':
    case 'varint':
      return exactInteger(value, name, path);
    case 'float':
    case 'double':
      return floatingPoint(value, name, path);
    case 'decimal':
      return exactDecimal(value, path);
    case 'boolean':
      if (typeof value !== 'boolean') throw new CoercionError(path, 'true or false for boolean', value);
      return value;
    case 'timestamp':
      return parseTimestamp(value, path);
    case 'date':
      return parseDate(value, path);
    case 'time':
      return parseTime(value, path);
    case 'uuid':
      if (typeof value !== 'string' || !uuidPattern.test(value)) throw new CoercionError(path, 'a UUID string for uuid', value);
      return types.Uuid.fromString(value);
    case 'timeuuid':
      if (typeof value !== 'string' || !uuidPattern.test(value) || value[14] !== '1') {
        throw new CoercionError(path, 'a version 1 UUID string for timeuuid', value);
      }
      return types.TimeUuid.fromString(value);
    case 'inet':
      // Node accepts an IPv6 zone (fe80::1%eth0); an inet column cannot hold one.
      if (typeof value !== 'string' || isIP(value) === 0 || value.includes('%')) throw new CoercionError(path, 'an IPv4 or IPv6 address (without a %zone) for inet', value);
      return types.InetAddress.fromString(value);
    case 'blob':
      if (typeof value !== 'string' || !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(value)) {
        throw new CoercionError(path, 'a base64 string for blob', value);
      }
      return Buffer.from(value, 'base64');
    case 'duration':
      try {
        // The driver's parser accepts some nonsense (e.g. "forever" as zero): check the shape first.
        if (typeof value !== 'string' || !durationPattern.test(value)) throw new Error('not a duration');
        return types.Duration.fromString(value);
      } catch {
        throw new CoercionError(path, 'a duration like "1h30m" or "P1DT2H" for duration', value);
      }
  }
}

const decimalPattern = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** Exponents past this are refused: 1e999999 would be a million digits. */
const maxDecimalExponent = 10_000;

/**
 * A decimal exactly as written, exponent included ("1.5e3" is 1500, "1e-7" one ten-millionth):
 * the driver's BigDecimal.fromString ignores exponents, so it is built from its digits and scale.
 * A positive exponent becomes trailing zeros (scale 0), so "1e5" reads back as 100000, not 1E+5.
 * A JSON number arrives as a double: its shortest text (what String gives) is taken, so numbers
 * with more than 17 significant digits must be sent as strings.
 */
function exactDecimal(value: unknown, path: string): cassandra.types.BigDecimal {
  const text = typeof value === 'number' && Number.isFinite(value) ? String(value) : value;
  const match = typeof text === 'string' ? decimalPattern.exec(text.trim()) : null;
  const [, sign = '', whole = '', fraction = '', exponent = '0'] = match ?? [];
  if (!match || whole.length + fraction.length === 0 || Math.abs(Number(exponent)) > maxDecimalExponent) {
    throw new CoercionError(path, 'a decimal number or numeric string for decimal', value);
  }
  let digits = (whole + fraction).replace(/^0+(?=\d)/, '');
  let scale = fraction.length - Number(exponent);
  if (scale < 0) {
    digits = digits === '0' ? '0' : digits + '0'.repeat(-scale);
    scale = 0;
  }
  // The constructor takes an Integer too (big-decimal.js); its .d.ts says number only.
  return new types.BigDecimal(types.Integer.fromString(sign === '-' ? `-${digits}` : digits) as unknown as number, scale);
}

const durationPattern = /^-?((\d+(y|mo|w|d|h|ms|m|s|us|µs|ns))+|P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(\d+H)?(\d+M)?(\d+S)?)?|P\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})$/i;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function exactInteger(value: unknown, name: NativeTypeName, path: string): bigint {
  let result: bigint | undefined;
  if (typeof value === 'number' && Number.isInteger(value)) {
    // Past 2^53 a JSON number has already lost digits: refuse rather than write a neighbour.
    if (!Number.isSafeInteger(value)) throw new CoercionError(path, `an integer for ${name}; numbers past 2^53 must be sent as strings`, value);
    result = BigInt(value);
  } else if (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim())) {
    result = BigInt(value.trim());
  }
  const range = integerRanges[name];
  if (result === undefined || (range && (result < range[0] || result > range[1]))) {
    throw new CoercionError(path, range ? `an integer from ${range[0]} to ${range[1]} for ${name}` : `an integer for ${name}`, value);
  }
  return result;
}

function floatingPoint(value: unknown, name: NativeTypeName, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) return Number(value);
  }
  throw new CoercionError(path, `a number for ${name}`, value);
}

const isoTimestamp =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/**
 * ISO-8601 (date alone, or with time, optional fraction and zone; no zone means UTC) or epoch
 * milliseconds. Checked field by field: `Date` would quietly turn 2023-02-30 into March 2nd.
 * Fractions beyond milliseconds are cut, as the column holds milliseconds.
 */
export function parseTimestamp(value: unknown, path: string): Date {
  const expected = 'an ISO-8601 timestamp or epoch milliseconds for timestamp';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new CoercionError(path, expected, value);
    return new Date(value);
  }
  if (typeof value !== 'string') throw new CoercionError(path, expected, value);
  if (/^-?\d+$/.test(value)) return parseTimestamp(Number(value), path);
  const match = isoTimestamp.exec(value.trim());
  if (!match) throw new CoercionError(path, expected, value);
  const [, year, month, day, hour = '0', minute = '0', second = '0', fraction = '', zone = 'Z'] = match;
  if (!validDate(Number(year), Number(month), Number(day)) || Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) {
    throw new CoercionError(path, expected, value);
  }
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  let offsetMinutes = 0;
  if (zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    offsetMinutes = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * (zone[0] === '-' ? -1 : 1);
  }
  const utc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second), millis);
  return new Date(utc - offsetMinutes * 60_000);
}

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function parseDate(value: unknown, path: string): cassandra.types.LocalDate {
  const match = typeof value === 'string' ? /^(-?\d{4,})-(\d{2})-(\d{2})$/.exec(value) : null;
  if (!match || !validDate(Number(match[1]), Number(match[2]), Number(match[3]))) {
    throw new CoercionError(path, 'a date YYYY-MM-DD for date', value);
  }
  return types.LocalDate.fromString(value as string);
}

function parseTime(value: unknown, path: string): cassandra.types.LocalTime {
  const match = typeof value === 'string' ? /^(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?$/.exec(value) : null;
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59 || Number(match[3]) > 59) {
    throw new CoercionError(path, 'a time HH:MM:SS[.fffffffff] for time', value);
  }
  return types.LocalTime.fromString(value as string);
}
