import type { CqlType } from '../cql/index.js';

/** What the target is: Amazon Keyspaces, or a Cassandra cluster of a known release. */
export type TargetDescription =
  | { readonly profile: 'keyspaces' }
  | { readonly profile: 'cassandra'; readonly releaseVersion: string };

/** The first Cassandra release each type appeared in (Apache Cassandra CQL changelog). */
const introducedIn: Readonly<Record<string, string>> = {
  tuple: '2.1',
  udt: '2.1',
  date: '2.2',
  time: '2.2',
  smallint: '2.2',
  tinyint: '2.2',
  duration: '3.10',
  vector: '5.0',
};

/**
 * Why the target cannot hold a column of this type, or undefined when it can.
 *
 * Amazon Keyspaces supports every native type of Cassandra 3.11 (its CQL API level) and frozen
 * collections, tuples and UDTs; `vector` (Cassandra 5.0) is not among its data types:
 * https://docs.aws.amazon.com/keyspaces/latest/devguide/cassandra-apis.html
 * https://docs.aws.amazon.com/keyspaces/latest/StreamsAPIReference/API_KeyspacesCellValue.html
 *
 * @example
 *   unsupportedTypeReason(parseCqlType('vector<float, 3>', 'ks', new Map()), { profile: 'keyspaces' })
 *   // 'Amazon Keyspaces has no vector type'
 */
export function unsupportedTypeReason(type: CqlType, target: TargetDescription): string | undefined {
  for (const name of typeNamesIn(type)) {
    if (target.profile === 'keyspaces') {
      if (name === 'vector') return 'Amazon Keyspaces has no vector type';
      continue;
    }
    const since = introducedIn[name];
    if (since && compareVersions(target.releaseVersion, since) < 0) {
      return `the target runs Cassandra ${target.releaseVersion}; ${name} needs ${since} or later`;
    }
  }
  return undefined;
}

/** Every type name a type uses: `map<text, frozen<list<vector<float, 3>>>>` gives map, text, list, vector, float. */
export function typeNamesIn(type: CqlType): string[] {
  switch (type.kind) {
    case 'native':
      return [type.name];
    case 'list':
    case 'set':
      return [type.kind, ...typeNamesIn(type.element)];
    case 'map':
      return ['map', ...typeNamesIn(type.key), ...typeNamesIn(type.value)];
    case 'tuple':
      return ['tuple', ...type.elements.flatMap(typeNamesIn)];
    case 'vector':
      return ['vector', ...typeNamesIn(type.element)];
    case 'udt':
      return ['udt', ...type.fields.flatMap((f) => typeNamesIn(f.type))];
  }
}

/** How deep frozen collections, tuples and UDTs nest inside one another: `frozen<list<frozen<set<int>>>>` is 2. */
export function nestingDepth(type: CqlType): number {
  switch (type.kind) {
    case 'native':
      return 0;
    case 'list':
    case 'set':
    case 'vector':
      return 1 + nestingDepth(type.element);
    case 'map':
      return 1 + Math.max(nestingDepth(type.key), nestingDepth(type.value));
    case 'tuple':
      return 1 + Math.max(0, ...type.elements.map(nestingDepth));
    case 'udt':
      return 1 + Math.max(0, ...type.fields.map((f) => nestingDepth(f.type)));
  }
}

/** Compares dotted release versions numerically (`5.0.9` > `5.0`, `3.11.2` > `3.9`); suffixes like `-SNAPSHOT` are ignored. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string) => v.split(/[^0-9.]/)[0]!.split('.').map((p) => Number(p) || 0);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const diff = (x[i] ?? 0) - (y[i] ?? 0);
    if (diff !== 0) return Math.sign(diff);
  }
  return 0;
}
