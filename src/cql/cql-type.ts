/**
 * CQL column types as a tree, parsed from the text `system_schema` stores (`frozen<map<text, list<int>>>`).
 * Coercion, DDL translation and row comparison all walk this tree.
 */
export const nativeTypeNames = [
  'ascii', 'bigint', 'blob', 'boolean', 'counter', 'date', 'decimal', 'double', 'duration', 'float',
  'inet', 'int', 'smallint', 'text', 'time', 'timestamp', 'timeuuid', 'tinyint', 'uuid', 'varchar', 'varint',
] as const;
export type NativeTypeName = (typeof nativeTypeNames)[number];

export type CqlType =
  | { readonly kind: 'native'; readonly name: NativeTypeName }
  | { readonly kind: 'list' | 'set'; readonly element: CqlType; readonly frozen: boolean }
  | { readonly kind: 'map'; readonly key: CqlType; readonly value: CqlType; readonly frozen: boolean }
  | { readonly kind: 'tuple'; readonly elements: readonly CqlType[] }
  | { readonly kind: 'vector'; readonly element: CqlType; readonly dimension: number }
  | { readonly kind: 'udt'; readonly keyspace: string; readonly name: string; readonly fields: readonly UdtField[]; readonly frozen: boolean };

export interface UdtField {
  readonly name: string;
  readonly type: CqlType;
}

/** User-defined types of one keyspace by name, as their field lists' type text. */
export type UdtDefinitions = ReadonlyMap<string, readonly { name: string; type: string }[]>;

export class CqlTypeError extends Error {}

/**
 * @example
 *   parseCqlType('frozen<map<text, list<int>>>', 'ks', new Map())
 *   // { kind: 'map', key: text, value: { kind: 'list', element: int, frozen: true }, frozen: true }
 */
export function parseCqlType(text: string, keyspace: string, udts: UdtDefinitions): CqlType {
  return parseWithin(text, keyspace, udts, new Set());
}

/** `resolving` holds the UDTs being expanded, so a type that contains itself is refused, not recursed into forever. */
function parseWithin(text: string, keyspace: string, udts: UdtDefinitions, resolving: ReadonlySet<string>): CqlType {
  const parser = new TypeParser(text, keyspace, udts);
  const type = parser.parseType(false, resolving);
  parser.expectEnd();
  return type;
}

class TypeParser {
  private position = 0;

  constructor(
    private readonly text: string,
    private readonly keyspace: string,
    private readonly udts: UdtDefinitions,
  ) {}

  parseType(frozen: boolean, resolving: ReadonlySet<string>): CqlType {
    const name = this.identifier();
    const lower = name.quoted ? name.value : name.value.toLowerCase();
    if (!name.quoted && lower === 'frozen') {
      this.expect('<');
      const inner = this.parseType(true, resolving);
      this.expect('>');
      return inner;
    }
    if (!name.quoted && (lower === 'list' || lower === 'set')) {
      this.expect('<');
      const element = this.parseType(false, resolving);
      this.expect('>');
      return { kind: lower, element, frozen };
    }
    if (!name.quoted && lower === 'map') {
      this.expect('<');
      const key = this.parseType(false, resolving);
      this.expect(',');
      const value = this.parseType(false, resolving);
      this.expect('>');
      return { kind: 'map', key, value, frozen };
    }
    if (!name.quoted && lower === 'tuple') {
      this.expect('<');
      const elements = [this.parseType(false, resolving)];
      while (this.peek() === ',') {
        this.expect(',');
        elements.push(this.parseType(false, resolving));
      }
      this.expect('>');
      return { kind: 'tuple', elements };
    }
    if (!name.quoted && lower === 'vector') {
      this.expect('<');
      const element = this.parseType(false, resolving);
      this.expect(',');
      const dimension = Number(this.identifier().value);
      if (!Number.isInteger(dimension) || dimension <= 0) throw new CqlTypeError(`vector dimension must be a positive integer in ${this.text}`);
      this.expect('>');
      return { kind: 'vector', element, dimension };
    }
    if (!name.quoted && (nativeTypeNames as readonly string[]).includes(lower)) {
      return { kind: 'native', name: lower === 'varchar' ? 'text' : (lower as NativeTypeName) };
    }
    return this.udt(name.value, frozen, resolving);
  }

  private udt(name: string, frozen: boolean, resolving: ReadonlySet<string>): CqlType {
    const fields = this.udts.get(name);
    if (!fields) throw new CqlTypeError(`unknown type ${name} in ${this.text}`);
    if (resolving.has(name)) throw new CqlTypeError(`type ${name} contains itself`);
    const inner = new Set(resolving).add(name);
    return {
      kind: 'udt',
      keyspace: this.keyspace,
      name,
      frozen,
      fields: fields.map((field) => ({ name: field.name, type: parseWithin(field.type, this.keyspace, this.udts, inner) })),
    };
  }

  expectEnd(): void {
    this.skipSpace();
    if (this.position !== this.text.length) throw new CqlTypeError(`unexpected "${this.text.slice(this.position)}" in type ${this.text}`);
  }

  private peek(): string | undefined {
    this.skipSpace();
    return this.text[this.position];
  }

  private expect(char: string): void {
    if (this.peek() !== char) throw new CqlTypeError(`expected "${char}" at ${this.position} in type ${this.text}`);
    this.position += 1;
  }

  private identifier(): { value: string; quoted: boolean } {
    this.skipSpace();
    if (this.text[this.position] === '"') {
      let value = '';
      this.position += 1;
      for (;;) {
        const char = this.text[this.position];
        if (char === undefined) throw new CqlTypeError(`unterminated quoted name in type ${this.text}`);
        this.position += 1;
        if (char === '"') {
          if (this.text[this.position] !== '"') break;
          this.position += 1;
        }
        value += char;
      }
      return { value, quoted: true };
    }
    const match = /^[A-Za-z0-9_]+/.exec(this.text.slice(this.position));
    if (!match) throw new CqlTypeError(`expected a type name at ${this.position} in ${this.text}`);
    this.position += match[0].length;
    return { value: match[0], quoted: false };
  }

  private skipSpace(): void {
    while (this.position < this.text.length && /\s/.test(this.text[this.position]!)) this.position += 1;
  }
}

/** A UDT name as CQL needs it: quoted only when it is not a plain lower-case name. */
function quoteWhenNeeded(name: string): string {
  return /^[a-z_][a-z0-9_]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

/**
 * The type as CQL text, e.g. for error messages and DDL. `quoteName` spells UDT names: quoted only
 * when needed by default; DDL may quote every name.
 */
export function formatCqlType(type: CqlType, quoteName: (name: string) => string = quoteWhenNeeded): string {
  const frozen = (text: string, isFrozen: boolean) => (isFrozen ? `frozen<${text}>` : text);
  const format = (inner: CqlType) => formatCqlType(inner, quoteName);
  switch (type.kind) {
    case 'native':
      return type.name;
    case 'list':
    case 'set':
      return frozen(`${type.kind}<${format(type.element)}>`, type.frozen);
    case 'map':
      return frozen(`map<${format(type.key)}, ${format(type.value)}>`, type.frozen);
    case 'tuple':
      return `tuple<${type.elements.map(format).join(', ')}>`;
    case 'vector':
      return `vector<${format(type.element)}, ${type.dimension}>`;
    case 'udt':
      return frozen(quoteName(type.name), type.frozen);
  }
}

/** Whether a column of the type stores one cell per element or field (a non-frozen collection or UDT). */
export function isMultiCell(type: CqlType): boolean {
  return (type.kind === 'list' || type.kind === 'set' || type.kind === 'map' || type.kind === 'udt') && !type.frozen;
}
