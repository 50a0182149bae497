import type { Logger } from 'pino';
import type { SinkConfig, TopicConfig } from '../config/index.js';
import { splitTable, type TableSchema } from '../cql/index.js';
import { ConfigError, RecordRejectedError, TableMissingError } from '../errors.js';
import { retry, waitBackoff } from '../retry.js';
import { checkMapping, createRecordDecoder, defaultMapping, MappingError, parseMapping, type KafkaRecordView, type RecordDecoder, type RowOperation } from '../records/index.js';
import type { Destination } from './cql-destination.js';
import { deadLetterTopicOf } from './dead-letter.js';
import type { SinkCounters } from './sink-counters.js';

/**
 * A re-read of a table that found nothing new is not repeated for this long: a record stream that
 * always carries a field no column takes costs one schema read per second, not one per record.
 */
export const schemaRecheckIntervalMs = 1_000;

export interface DecodedRecord {
  /** The table the operation was decoded for, and is to be written with. Absent only for a missing table, whose decoder always rejects. */
  readonly table: TableSchema | undefined;
  readonly op: RowOperation;
}

/**
 * One topic's table on one destination and the decoder built from it, kept in step with the live
 * schema. A migration runs for weeks and its tables change meanwhile: a column added (records then
 * carry a field the table read at start did not have) or dropped (every INSERT naming it fails).
 * Either is a cue to re-read the table, which `refresh` does at most once per
 * `schemaRecheckIntervalMs` unless the table changed, so nothing new is lost or dead-lettered until
 * a restart.
 */
export class TopicRoute {
  readonly deadLetterTopic: string;
  #table: TableSchema | undefined;
  #decode: RecordDecoder;
  #refreshing: Promise<boolean> | undefined;
  #checkedAt: number;

  constructor(
    readonly config: TopicConfig,
    private readonly index: number,
    table: TableSchema | undefined,
    private readonly destination: Destination,
    private readonly log: Logger,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.deadLetterTopic = deadLetterTopicOf(config);
    this.#table = table;
    this.#decode = table ? topicDecoder(config, table, index) : missingTableDecoder(config, destination);
    this.#checkedAt = this.now();
  }

  /** Absent when the table does not exist on the destination and `missingTable` is `dead-letter`. */
  get table(): TableSchema | undefined {
    return this.#table;
  }

  /**
   * Decodes a record, with the table it was decoded for. Under the default mapping, a field no
   * column takes first has the table re-read (it may be a column added since): the record is then
   * decoded by the new schema.
   */
  async decode(record: KafkaRecordView): Promise<DecodedRecord> {
    const table = this.#table;
    let op: RowOperation;
    try {
      op = this.#decode(record);
    } catch (error) {
      if (!(error instanceof RecordRejectedError) || error.reason !== 'unknown-field' || !this.followsSchema) throw error;
      if (!(await this.refreshIfUnchanged(table))) throw error;
      return this.decodeNow(record);
    }
    if (op.kind === 'upsert' && op.unmappedField !== undefined && this.followsSchema && (await this.refreshIfUnchanged(table))) return this.decodeNow(record);
    return { table, op };
  }

  private decodeNow(record: KafkaRecordView): DecodedRecord {
    return { table: this.#table, op: this.#decode(record) };
  }

  /**
   * After a write with `table` failed as if a column were gone: whether the table has changed since
   * (re-reading it if no one has), so the record is worth decoding and writing again.
   */
  async schemaMovedOn(table: TableSchema): Promise<boolean> {
    return this.refreshIfUnchanged(table);
  }

  /** The default mapping follows the table's columns; an explicit mapping names its own and is fixed by config. */
  private get followsSchema(): boolean {
    return this.config.mapping === undefined && this.#table !== undefined;
  }

  /** True when the table differs from `seen`, re-reading it first unless that was done a moment ago. */
  private async refreshIfUnchanged(seen: TableSchema | undefined): Promise<boolean> {
    if (this.#table !== seen) return true;
    if (!this.#refreshing) {
      if (this.now() - this.#checkedAt < schemaRecheckIntervalMs) return false;
      this.#refreshing = this.refresh().finally(() => {
        this.#checkedAt = this.now();
        this.#refreshing = undefined;
      });
    }
    await this.#refreshing;
    return this.#table !== seen;
  }

  private async refresh(): Promise<boolean> {
    const [keyspace, tableName] = splitTable(this.config.table);
    let fresh: TableSchema | undefined;
    try {
      fresh = await this.destination.tableSchema(keyspace, tableName);
    } catch (error) {
      this.log.warn({ err: error, table: this.config.table }, 'cannot re-read the table schema; going on with the one read before');
      return false;
    }
    const current = this.#table;
    if (!fresh || !current || sameColumns(current, fresh)) return false;
    let decode: RecordDecoder;
    try {
      decode = topicDecoder(this.config, fresh, this.index);
    } catch (error) {
      // A key column cannot change, so the default mapping fits any later version of the table.
      this.log.warn({ err: error, table: this.config.table }, 'the changed table does not fit the mapping; going on with the one read before');
      return false;
    }
    this.log.info({ table: this.config.table, added: columnsMissingFrom(current, fresh), dropped: columnsMissingFrom(fresh, current) }, 'the table changed; records now follow its new columns');
    this.#table = fresh;
    this.#decode = decode;
    return true;
  }
}

function sameColumns(a: TableSchema, b: TableSchema): boolean {
  return a.columns.length === b.columns.length && a.columns.every((column, i) => column.name === b.columns[i]!.name && column.kind === b.columns[i]!.kind && column.typeText === b.columns[i]!.typeText);
}

/** Names of the columns of `b` that `a` lacks. */
function columnsMissingFrom(a: TableSchema, b: TableSchema): string[] {
  const names = new Set(a.columns.map((c) => c.name));
  return b.columns.filter((c) => !names.has(c.name)).map((c) => c.name);
}

function missingTableDecoder(topic: TopicConfig, destination: Destination): RecordDecoder {
  const missing = `table ${topic.table} does not exist on ${destination.name}`;
  return () => {
    throw new RecordRejectedError('unknown-table', missing);
  };
}

/**
 * Reads each topic's table from the destination's live schema and builds its route. A table that
 * is not there yet (schema not copied) or a destination that is down is waited for, not fatal: the
 * other destination's sink runs meanwhile. A mapping that can never fit the table is fatal.
 */
export async function prepareRoutes(
  destination: Destination,
  topics: readonly TopicConfig[],
  sink: SinkConfig,
  counters: SinkCounters,
  log: Logger,
  signal: AbortSignal,
): Promise<Map<string, TopicRoute>> {
  const routes = new Map<string, TopicRoute>();
  for (const [index, topic] of topics.entries()) {
    const [keyspace, tableName] = splitTable(topic.table);
    const readTable = async () => {
      const table = await destination.tableSchema(keyspace, tableName);
      if (!table && sink.missingTable === 'wait') throw new TableMissingError(`table ${topic.table} does not exist on ${destination.name}`);
      return table;
    };
    let table: TableSchema | undefined;
    try {
      table = await retry(readTable, {
        signal,
        backoff: waitBackoff,
        // A schema read that fails (the destination down) is waited out like a missing table.
        retryable: (error) => (error instanceof Error ? error.message : String(error)),
        onRetry: (reason, attempt, error) => {
          counters.retrying(reason);
          if (attempt % 10 !== 0) return;
          if (error instanceof TableMissingError) log.warn({ table: topic.table }, `table does not exist on ${destination.name}; run \`tandem schema\`. Waiting for it`);
          else log.warn({ err: error }, `cannot read the schema of ${topic.table}; retrying`);
        },
      });
    } catch (error) {
      if (signal.aborted) break;
      throw error;
    }
    if (!table) log.warn({ table: topic.table }, `table does not exist on ${destination.name}; its records will be dead-lettered`);
    routes.set(topic.topic, new TopicRoute(topic, index, table, destination, log));
  }
  return routes;
}

/**
 * How a topic's records become rows of `table`: its mapping (or the default one) checked against
 * the table's columns. A mapping that can never fit is a config error naming `topics[index]`.
 */
export function topicDecoder(topic: TopicConfig, table: TableSchema, index: number): RecordDecoder {
  let mapping;
  try {
    mapping = topic.mapping ? parseMapping(topic.mapping) : defaultMapping(table);
    checkMapping(mapping, table);
  } catch (error) {
    if (error instanceof MappingError) throw new ConfigError(`topics[${index}].mapping ${error.message}`, { cause: error });
    throw error;
  }
  return createRecordDecoder(table, mapping, {
    timestamp: topic.timestamp,
    ttl: topic.ttl,
    unknownFields: topic.unknownFields,
    nullToUnset: topic.nullToUnset,
    deletesEnabled: topic.deletesEnabled,
  });
}
