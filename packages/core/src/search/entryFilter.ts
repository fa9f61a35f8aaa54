import type { SearchQuery } from './queryParser.js';

/**
 * The tag, kind and type filters of a query as an SQL condition on `search_entries e`, shared by the
 * lexical and vector paths. Values are bound parameters, never spliced into the SQL.
 */
export interface EntryFilterSql {
  readonly where: string;
  readonly params: readonly unknown[];
}

export function entryFilterSql(query: SearchQuery): EntryFilterSql | undefined {
  const where: string[] = [];
  const params: unknown[] = [];
  for (const tag of query.tags) {
    where.push(`EXISTS (SELECT 1 FROM search_entry_tags t WHERE t.entry_id = e.entry_id AND t.tag = ?)`);
    params.push(tag);
  }
  for (const tag of query.excludedTags) {
    where.push(`NOT EXISTS (SELECT 1 FROM search_entry_tags t WHERE t.entry_id = e.entry_id AND t.tag = ?)`);
    params.push(tag);
  }
  if (query.kinds.length > 0) {
    where.push(`e.kind IN (${query.kinds.map(() => '?').join(', ')})`);
    params.push(...query.kinds);
  }
  if (query.types.length > 0) {
    const alternatives: string[] = [];
    for (const type of query.types) {
      if (type.mimeTypes.length > 0) {
        alternatives.push(`e.mime_type IN (${type.mimeTypes.map(() => '?').join(', ')})`);
        params.push(...type.mimeTypes);
      }
      if (type.prefix !== undefined) {
        alternatives.push(`substr(e.mime_type, 1, ?) = ?`);
        params.push(type.prefix.length, type.prefix);
      }
    }
    where.push(`(${alternatives.join(' OR ')})`);
  }
  return where.length === 0 ? undefined : { where: where.join(' AND '), params };
}
