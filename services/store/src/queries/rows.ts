import type { Column, Row } from '#shared/storage';
import { isoTime } from './sql-builder.js';

// Selects a table's columns under their contract (camelCase) names; JSON columns parsed back.
export function selectList(columns: Column[], alias = ''): string {
  const p = alias === '' ? '' : `${alias}.`;
  return columns
    .map((c) => (c.type.startsWith('TIMESTAMP') ? `${isoTime(`${p}"${c.name}"`)} AS "${c.field}"` : `${p}"${c.name}" AS "${c.field}"`))
    .join(', ');
}

export function parseJsonColumns(row: Row, columns: Column[]): Row {
  for (const c of columns) {
    const v = row[c.field];
    if (c.type === 'JSON' && typeof v === 'string') row[c.field] = JSON.parse(v) as unknown;
    if (c.type.endsWith('[]') && v === null) row[c.field] = [];
  }
  return row;
}
