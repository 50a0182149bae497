import { buildTableSchema, type ColumnRow } from '../../src/cql/index.js';

/** One column as system_schema.columns describes it. */
export function column(name: string, kind: string, type: string, position = -1, order: 'asc' | 'desc' = 'asc'): ColumnRow {
  return { column_name: name, kind, position, type, clustering_order: kind === 'clustering' ? order : 'none' };
}

/** The reference design's table (fixtures/user_activity.cql, copied from ../shared/fixtures) as system_schema describes it. */
export const userActivity = buildTableSchema(
  'msk_ks_cass_blog',
  'user_activity',
  [
    { column_name: 'user_id', kind: 'partition_key', position: 0, type: 'text', clustering_order: 'none' },
    { column_name: 'activity_time', kind: 'clustering', position: 0, type: 'timestamp', clustering_order: 'desc' },
    { column_name: 'activity_type', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
    { column_name: 'activity_details', kind: 'regular', position: -1, type: 'text', clustering_order: 'none' },
  ],
  [],
);
