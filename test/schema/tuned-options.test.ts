import { describe, expect, it } from 'vitest';
import { tunedOptions } from '../../src/schema/tuned-options.js';

const defaults = {
  defaultTimeToLive: 0,
  gcGraceSeconds: 864000,
  compaction: { class: 'org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy', max_threshold: '32', min_threshold: '4' },
  compression: { chunk_length_in_kb: '16', class: 'org.apache.cassandra.io.compress.LZ4Compressor' },
  caching: { keys: 'ALL', rows_per_partition: 'NONE' },
  speculativeRetry: '99p',
  readRepair: 'BLOCKING',
  bloomFilterFpChance: 0.01,
  memtableFlushPeriodMs: 0,
};

describe('tunedOptions', () => {
  it('finds nothing in a table at the defaults, or in one whose cluster lacks the options (Keyspaces)', () => {
    expect(tunedOptions(defaults)).toEqual([]);
    expect(tunedOptions({ defaultTimeToLive: 0 })).toEqual([]);
  });

  it('takes the default of any release: chunk_length_in_kb 64 (Cassandra 3.x) and 16 (4.0 on)', () => {
    const compression = (chunk: string) => ({ ...defaults, compression: { chunk_length_in_kb: chunk, class: 'org.apache.cassandra.io.compress.LZ4Compressor' } });
    expect(tunedOptions(compression('64'))).toEqual([]);
    expect(tunedOptions(compression('16'))).toEqual([]);
    expect(tunedOptions(compression('32'))).toEqual(['compression {"chunk_length_in_kb":"32","class":"LZ4Compressor"}']);
  });

  it('names each option set away from its default, with its value', () => {
    expect(
      tunedOptions({
        ...defaults,
        compaction: { class: 'org.apache.cassandra.db.compaction.LeveledCompactionStrategy', sstable_size_in_mb: '160' },
        compression: { class: 'org.apache.cassandra.io.compress.LZ4Compressor', chunk_length_in_kb: '16', enabled: 'false' },
        bloomFilterFpChance: 0.1,
        memtable: 'trie',
        cdc: true,
        readRepair: 'NONE',
      }),
    ).toEqual([
      'compaction {"class":"LeveledCompactionStrategy","sstable_size_in_mb":"160"}',
      'compression {"class":"LZ4Compressor","chunk_length_in_kb":"16","enabled":"false"}',
      'read_repair NONE',
      'memtable trie',
      'cdc true',
    ]);
  });
});
