import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { selectKeyspaces } from '../../src/schema/keyspace-selection.js';
import { isExcludedByDefault, isSystemKeyspace } from '../../src/schema/schema-model.js';

function thrown(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    return error as ConfigError;
  }
  throw new Error('expected an error');
}

describe('selectKeyspaces', () => {
  const available = ['Shop', 'billing', 'shop_archive'];

  it('takes every keyspace when none is named, and the named ones otherwise', () => {
    expect(selectKeyspaces(available)).toEqual({ keyspaces: available, excluded: [] });
    expect(selectKeyspaces(available, ['billing', 'billing'])).toEqual({ keyspaces: ['billing'], excluded: [] });
  });

  it('leaves out system, DSE and OpsCenter keyspaces when none is named, and says which; takes a DSE one when named', () => {
    const cluster = ['OpsCenter', 'dse_perf', 'dse_security', 'shop', 'solr_admin', 'system', 'system_auth'];
    expect(selectKeyspaces(cluster)).toEqual({ keyspaces: ['shop'], excluded: ['OpsCenter', 'dse_perf', 'dse_security', 'solr_admin', 'system', 'system_auth'] });
    expect(selectKeyspaces(cluster, ['dse_perf', 'shop'])).toEqual({ keyspaces: ['dse_perf', 'shop'], excluded: [] });
    for (const name of ['OpsCenter', 'dse_system', 'dse_insights_local', 'solr_admin', 'system', 'system_traces']) expect(isExcludedByDefault(name)).toBe(true);
    for (const name of ['opscenter_data', 'shop', 'dse']) expect(isExcludedByDefault(name)).toBe(false);
  });

  it('refuses an unknown keyspace, naming it and listing the ones that exist', () => {
    const unknown = thrown(() => selectKeyspaces(available, ['billing', 'biling']));
    expect(unknown).toBeInstanceOf(ConfigError);
    expect(unknown.message).toBe('Keyspace biling does not exist on the source: its keyspaces are Shop, billing, shop_archive');
    expect(unknown.hint).toBe('Check the --keyspace names');
    expect(thrown(() => selectKeyspaces(available, ['shop'])).hint).toBe('Did you mean Shop (names are case-sensitive)?');
    expect(() => selectKeyspaces(['system', 'system_auth'], ['x'])).toThrow(/it has no application keyspaces/);
  });

  it('refuses system keyspaces, which are never migrated', () => {
    expect(() => selectKeyspaces(available, ['system_auth'])).toThrow(/system_auth: system keyspaces are never migrated/);
    for (const name of ['system', 'system_schema', 'system_auth', 'system_distributed', 'system_traces', 'system_views', 'system_virtual_schema', 'system_schema_mcs', 'system_multiregion_info']) {
      expect(isSystemKeyspace(name)).toBe(true);
    }
    expect(isSystemKeyspace('systems')).toBe(false);
  });
});
