import { parseCqlType, type CqlType } from '../cql/index.js';
import type { UdtSchema } from './schema-model.js';

/**
 * The keyspace's user-defined types in an order they can be created in: every type after the types
 * its fields use (UDTs nest), otherwise by name so the output is stable.
 *
 * @example
 *   orderTypes([{ name: 'person', fields: [{ name: 'home', type: 'frozen<address>' }] }, { name: 'address', fields: [...] }])
 *   // address, person
 */
export function orderTypes(types: readonly UdtSchema[]): UdtSchema[] {
  const byName = new Map(types.map((t) => [t.name, t]));
  const definitions = new Map(types.map((t) => [t.name, t.fields]));
  const ordered: UdtSchema[] = [];
  const done = new Set<string>();
  const visit = (type: UdtSchema) => {
    if (done.has(type.name)) return;
    // Marked before the fields are visited: Cassandra refuses recursive types, so this only guards.
    done.add(type.name);
    const used = new Set<string>();
    for (const field of type.fields) collectUdtNames(parseCqlType(field.type, type.keyspace, definitions), used);
    for (const name of [...used].sort()) {
      const dependency = byName.get(name);
      if (dependency) visit(dependency);
    }
    ordered.push(type);
  };
  for (const type of [...types].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) visit(type);
  return ordered;
}

/** Adds the name of every UDT a type uses, at any depth, to `into`. */
export function collectUdtNames(type: CqlType, into: Set<string>): void {
  switch (type.kind) {
    case 'native':
      return;
    case 'list':
    case 'set':
    case 'vector':
      return collectUdtNames(type.element, into);
    case 'map':
      collectUdtNames(type.key, into);
      return collectUdtNames(type.value, into);
    case 'tuple':
      return type.elements.forEach((e) => collectUdtNames(e, into));
    case 'udt':
      into.add(type.name);
      return type.fields.forEach((f) => collectUdtNames(f.type, into));
  }
}
