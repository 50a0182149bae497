import type { TableSchema } from '../cql/index.js';

/** Where a column's value comes from in a Kafka record. */
export type FieldSource =
  | { readonly from: 'value' | 'key'; readonly path: readonly string[] }
  | { readonly from: 'header'; readonly name: string };

export interface ColumnMapping {
  readonly column: string;
  readonly source: FieldSource;
  /** Default mappings read a key column from the record key when the value lacks it. */
  readonly keyFallback?: boolean;
}

export interface TopicMapping {
  readonly columns: readonly ColumnMapping[];
  /** DataStax `__ttl=...`: the row's TTL in seconds. */
  readonly ttl?: FieldSource;
  /** DataStax `__timestamp=...`: the write time in microseconds. */
  readonly timestamp?: FieldSource;
  /** True for the default (every field to the column of the same name). */
  readonly isDefault: boolean;
}

export class MappingError extends Error {}

/**
 * Parses the DataStax Kafka sink's mapping syntax, so a connector config carries over:
 * `col=value.field, col2=key.field, col3=header.name, __ttl=value.f, __timestamp=value.f`.
 * Columns and path segments may be double-quoted (`"Mixed Case"=value."a.b"`); `value` and `key`
 * alone map the whole value or key.
 */
export function parseMapping(text: string): TopicMapping {
  const columns: ColumnMapping[] = [];
  let ttl: FieldSource | undefined;
  let timestamp: FieldSource | undefined;
  const seen = new Set<string>();
  for (const entry of splitOutsideQuotes(text, ',')) {
    if (entry.trim() === '') continue;
    const parts = splitOutsideQuotes(entry, '=');
    if (parts.length !== 2) throw new MappingError(`"${entry.trim()}" is not column=source`);
    const columnText = parts[0]!.trim();
    // CQL folds unquoted names to lower case; JSON field names stay as written.
    const column = columnText.startsWith('"') ? parseName(columnText, entry) : parseName(columnText, entry).toLowerCase();
    const source = parseSource(parts[1]!.trim(), entry);
    if (seen.has(column)) throw new MappingError(`column ${column} is mapped twice`);
    seen.add(column);
    if (column === '__ttl') ttl = source;
    else if (column === '__timestamp') timestamp = source;
    else columns.push({ column, source });
  }
  if (columns.length === 0) throw new MappingError('maps no columns');
  return { columns, ...(ttl ? { ttl } : {}), ...(timestamp ? { timestamp } : {}), isDefault: false };
}

/** Every column from the value field of the same name; key columns also from the record key. */
export function defaultMapping(table: TableSchema): TopicMapping {
  const keyColumns = new Set([...table.partitionKey, ...table.clustering].map((c) => c.name));
  return {
    columns: table.columns.map((c) => ({ column: c.name, source: { from: 'value', path: [c.name] }, keyFallback: keyColumns.has(c.name) })),
    isDefault: true,
  };
}

/** Refuses a mapping that names columns the table lacks or leaves part of the primary key unmapped. */
export function checkMapping(mapping: TopicMapping, table: TableSchema): void {
  const names = new Set(table.columns.map((c) => c.name));
  const unknown = mapping.columns.filter((m) => !names.has(m.column)).map((m) => m.column);
  if (unknown.length > 0) throw new MappingError(`maps ${unknown.join(', ')}, which ${table.keyspace}.${table.table} does not have`);
  const mapped = new Set(mapping.columns.map((m) => m.column));
  const missing = [...table.partitionKey, ...table.clustering].filter((c) => !mapped.has(c.name)).map((c) => c.name);
  if (missing.length > 0) throw new MappingError(`does not map primary key column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
}

function parseSource(text: string, entry: string): FieldSource {
  const segments = splitOutsideQuotes(text, '.').map((segment) => parseName(segment.trim(), entry));
  const [root, ...path] = segments;
  if (root === 'value' || root === 'key') return { from: root, path };
  if (root === 'header' && path.length === 1) return { from: 'header', name: path[0]! };
  throw new MappingError(`"${entry.trim()}": the source must be value.<field>, key.<field> or header.<name>`);
}

function parseName(text: string, entry: string): string {
  if (text.startsWith('"')) {
    if (text.length < 2 || !text.endsWith('"')) throw new MappingError(`"${entry.trim()}": unterminated quoted name`);
    return text.slice(1, -1).replaceAll('""', '"');
  }
  if (!/^[A-Za-z0-9_-]+$/.test(text)) throw new MappingError(`"${entry.trim()}": "${text}" needs double quotes`);
  return text;
}

/** Splits on `separator` where it is not inside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of text) {
    if (char === '"') quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current);
  return parts;
}
