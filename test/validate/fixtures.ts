import type { WriteTimes } from '../../src/cells/index.js';
import { buildTableSchema, type ColumnRow, type TableSchema, type TypeRow } from '../../src/cql/index.js';
import type { ScannedRow } from '../../src/validate/index.js';

export { column } from '../helpers/tables.js';

export function table(columns: readonly ColumnRow[], types: readonly TypeRow[] = []): TableSchema {
  return buildTableSchema('ks', 't', columns, types);
}

/** A scanned row: its token, every selected value, and the WRITETIMEs given. */
export function row(token: bigint, values: Record<string, unknown>, writetimes: Record<string, WriteTimes> = {}): ScannedRow {
  return { token, values: new Map(Object.entries(values)), writetimes: new Map(Object.entries(writetimes)) };
}

/** A row stream as a scan yields it, recording whether the consumer closed it. */
export function stream(rows: readonly ScannedRow[]): AsyncIterable<ScannedRow> & { readonly closed: boolean; readonly read: number } {
  const state = { closed: false, read: 0 };
  return {
    get closed() {
      return state.closed;
    },
    get read() {
      return state.read;
    },
    async *[Symbol.asyncIterator]() {
      try {
        for (const item of rows) {
          await Promise.resolve();
          state.read += 1;
          yield item;
        }
      } finally {
        state.closed = true;
      }
    },
  };
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
