/**
 * A schema that exercises everything `tandem schema` and `tandem assess` meet: every native type,
 * collections, frozen and nested collections, nested UDTs (one with a quoted mixed-case name),
 * tuples, a vector, static columns, a composite partition key, clustering columns in mixed order, a
 * counter table, a default TTL with tuned options, a materialized view, a secondary index and a UDF.
 * Views, indexes and functions need a source that allows them (the test stack's source does, for
 * its superuser).
 */
export function richSchema(keyspace: string): string[] {
  const ks = keyspace;
  return [
    `CREATE KEYSPACE ${ks} WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': '1'}`,
    `CREATE TYPE ${ks}.geo (lat double, lon double)`,
    `CREATE TYPE ${ks}.address (street text, city text, zip int, location frozen<geo>, tags frozen<set<text>>)`,
    `CREATE TYPE ${ks}."Contact" (email text, phones frozen<list<text>>, home frozen<address>)`,
    `CREATE TABLE ${ks}.all_types (
      id uuid PRIMARY KEY,
      c_ascii ascii, c_bigint bigint, c_blob blob, c_boolean boolean, c_date date, c_decimal decimal, c_double double,
      c_duration duration, c_float float, c_inet inet, c_int int, c_smallint smallint, c_text text, c_time time,
      c_timestamp timestamp, c_timeuuid timeuuid, c_tinyint tinyint, c_varchar varchar, c_varint varint,
      c_list list<int>, c_set set<text>, c_map map<text, bigint>,
      c_frozen_list frozen<list<text>>, c_frozen_map frozen<map<int, frozen<set<text>>>>,
      c_nested map<text, frozen<list<frozen<map<text, int>>>>>,
      c_tuple tuple<int, text, frozen<list<double>>>,
      c_udt frozen<address>, c_udt_list list<frozen<"Contact">>, c_udt_open address,
      c_vector vector<float, 3>
    )`,
    `CREATE TABLE ${ks}.events (
      tenant text, region text, day date, at timestamp, seq int, payload text, owner text STATIC, "CamelCase" int,
      PRIMARY KEY ((tenant, region), day, at, seq)
    ) WITH CLUSTERING ORDER BY (day DESC, at ASC, seq DESC)`,
    `CREATE TABLE ${ks}.page_views (page text PRIMARY KEY, views counter)`,
    `CREATE TABLE ${ks}.sessions (id uuid PRIMARY KEY, user_id text, data text)
      WITH default_time_to_live = 3600 AND gc_grace_seconds = 3600 AND compaction = {'class': 'LeveledCompactionStrategy'}`,
    `CREATE MATERIALIZED VIEW ${ks}.sessions_by_user AS
      SELECT id, user_id FROM ${ks}.sessions WHERE user_id IS NOT NULL AND id IS NOT NULL PRIMARY KEY (user_id, id)`,
    `CREATE INDEX events_payload ON ${ks}.events (payload)`,
    `CREATE FUNCTION ${ks}.twice (x int) RETURNS NULL ON NULL INPUT RETURNS int LANGUAGE java AS 'return x * 2;'`,
  ];
}
