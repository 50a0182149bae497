import type { TableOptions } from './schema-model.js';

type Scalars = Omit<TableOptions, 'compaction' | 'compression' | 'caching' | 'defaultTimeToLive' | 'comment'>;

/** Cassandra's defaults (3.x to 5.0) for the scalar options Amazon Keyspaces ignores; any listed value is a default. */
const scalarDefaults: { readonly [K in keyof Scalars]-?: readonly NonNullable<Scalars[K]>[] } = {
  gcGraceSeconds: [864_000],
  speculativeRetry: ['99p', '99.0p', '99PERCENTILE'],
  additionalWritePolicy: ['99p', '99.0p', '99PERCENTILE'],
  readRepair: ['BLOCKING'],
  memtable: ['default'],
  memtableFlushPeriodMs: [0],
  // 0.1 is the default under LeveledCompactionStrategy.
  bloomFilterFpChance: [0.01, 0.1],
  cdc: [false],
};

const optionNames: Readonly<Record<keyof Scalars, string>> = {
  gcGraceSeconds: 'gc_grace_seconds',
  speculativeRetry: 'speculative_retry',
  additionalWritePolicy: 'additional_write_policy',
  readRepair: 'read_repair',
  memtable: 'memtable',
  memtableFlushPeriodMs: 'memtable_flush_period_in_ms',
  bloomFilterFpChance: 'bloom_filter_fp_chance',
  cdc: 'cdc',
};

/**
 * Map options at their defaults: the class (by its short name) and every other key, each with every
 * value that was a default in some release (chunk_length_in_kb: 64 through 3.x, 16 since 4.0).
 */
const mapDefaults: { readonly [K in 'compaction' | 'compression' | 'caching']: Readonly<Record<string, readonly string[]>> } = {
  compaction: { class: ['SizeTieredCompactionStrategy'], min_threshold: ['4'], max_threshold: ['32'] },
  compression: { class: ['LZ4Compressor'], chunk_length_in_kb: ['16', '64'] },
  caching: { keys: ['ALL'], rows_per_partition: ['NONE'] },
};

/**
 * The storage options of a table set away from Cassandra's defaults, in words: what an operator
 * tuned and loses on Amazon Keyspaces, which ignores compaction, compression, caching, gc grace and
 * bloom filter settings (https://docs.aws.amazon.com/keyspaces/latest/devguide/functional-differences.html).
 *
 * @example
 *   tunedOptions({ defaultTimeToLive: 0, gcGraceSeconds: 3600 }) // ['gc_grace_seconds 3600']
 */
export function tunedOptions(options: TableOptions): string[] {
  const tuned: string[] = [];
  for (const [key, defaults] of Object.entries(mapDefaults) as [keyof typeof mapDefaults, Readonly<Record<string, readonly string[]>>][]) {
    const map = options[key];
    if (!map) continue;
    const shortened = Object.fromEntries(Object.entries(map).map(([k, v]) => [k, k === 'class' ? v.replace(/^.*\./, '') : v]));
    // A key left out takes its default; a key no release has is tuned whatever its value.
    const differs = Object.entries(shortened).some(([k, v]) => !(defaults[k] ?? []).includes(v));
    if (differs) tuned.push(`${key} ${JSON.stringify(shortened)}`);
  }
  for (const [key, defaults] of Object.entries(scalarDefaults) as [keyof Scalars, readonly unknown[]][]) {
    const value = options[key];
    if (value !== undefined && !defaults.includes(value)) tuned.push(`${optionNames[key]} ${value}`);
  }
  return tuned;
}
