import { ConfigError } from '../errors.js';
import { isExcludedByDefault, isSystemKeyspace } from './schema-model.js';

export interface KeyspaceSelection {
  /** The keyspaces to work on, sorted as given or as listed. */
  readonly keyspaces: string[];
  /** Keyspaces of the source left out because none was named: system, DSE and OpsCenter ones. */
  readonly excluded: string[];
}

/**
 * The keyspaces to work on: the requested ones, or every keyspace of the source but the system,
 * DSE and OpsCenter ones (which are returned as `excluded`, so the output can say so). A name the
 * source does not have is refused with the names it does have; a system keyspace is refused because
 * it is never migrated. A DSE or OpsCenter keyspace is taken when named.
 *
 * @example
 *   selectKeyspaces(['OpsCenter', 'shop', 'system'])       // { keyspaces: ['shop'], excluded: ['OpsCenter', 'system'] }
 *   selectKeyspaces(['shop', 'billing'], ['shop'])         // { keyspaces: ['shop'], excluded: [] }
 *   selectKeyspaces(['shop'], ['shpo'])                    // throws: Keyspace shpo does not exist on the source ...
 */
export function selectKeyspaces(available: readonly string[], requested?: readonly string[]): KeyspaceSelection {
  if (!requested || requested.length === 0) {
    return { keyspaces: available.filter((name) => !isExcludedByDefault(name)), excluded: available.filter(isExcludedByDefault) };
  }
  const system = requested.filter(isSystemKeyspace);
  if (system.length > 0) {
    throw new ConfigError(`--keyspace ${system.join(', ')}: system keyspaces are never migrated`, { hint: 'Name application keyspaces only' });
  }
  const missing = requested.filter((name) => !available.includes(name));
  if (missing.length > 0) {
    const candidates = available.filter((name) => !isSystemKeyspace(name));
    const shown = candidates.slice(0, 50).join(', ') + (candidates.length > 50 ? ` and ${candidates.length - 50} more` : '');
    const list = candidates.length === 0 ? 'it has no application keyspaces' : `its keyspaces are ${shown}`;
    const near = missing.flatMap((m) => candidates.filter((a) => a.toLowerCase() === m.toLowerCase()).map((a) => `${a} (names are case-sensitive)`));
    throw new ConfigError(`Keyspace ${missing.join(', ')} does not exist on the source: ${list}`, {
      hint: near.length > 0 ? `Did you mean ${near.join(', ')}?` : 'Check the --keyspace names',
    });
  }
  return { keyspaces: [...new Set(requested)], excluded: [] };
}
