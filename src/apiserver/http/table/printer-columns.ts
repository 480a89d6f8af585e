import { JSONPath } from 'jsonpath-plus';
import type { TableColumnDefinition } from '../../builtins/kind-behavior.ts';
import type { KubeObject, PrinterColumn } from '../../types.ts';
import { ageColumn, nameColumn } from './columns.ts';
import { ageOf } from './human-duration.ts';

/** A CRD's additionalPrinterColumns (or kube's default Age column when it declares none), after Name. */
export function customColumns(columns: PrinterColumn[]): TableColumnDefinition[] {
  if (columns.length === 0) return [nameColumn, ageColumn];
  return [
    nameColumn,
    ...columns.map((c) => ({
      name: c.name,
      type: c.type,
      format: c.format ?? '',
      description: c.description ?? '',
      priority: c.priority ?? 0,
    })),
  ];
}

/** kube's rule: the first JSONPath result only; a result of the wrong type for the column is an empty cell. */
function cell(object: KubeObject, column: PrinterColumn, now: Date): unknown {
  const path = column.jsonPath.startsWith('$')
    ? column.jsonPath
    : `$${column.jsonPath.startsWith('.') || column.jsonPath.startsWith('[') ? '' : '.'}${column.jsonPath}`;
  let results: unknown[];
  try {
    results = JSONPath({ path, json: object as object, wrap: true }) as unknown[];
  } catch {
    return null;
  }
  const value = results[0];
  if (value === undefined || value === null) return null;
  switch (column.type) {
    case 'date':
      return typeof value === 'string' ? ageOf(value, now) : null;
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? value : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    default:
      return typeof value === 'string' ? value : JSON.stringify(value);
  }
}

export function customCells(object: KubeObject, columns: PrinterColumn[], now: Date): unknown[] {
  if (columns.length === 0) return [object.metadata.name, ageOf(object.metadata.creationTimestamp, now)];
  return [object.metadata.name, ...columns.map((c) => cell(object, c, now))];
}
