import { behaviorFor } from '../../builtins/index.ts';
import type { TableColumnDefinition } from '../../builtins/kind-behavior.ts';
import type { KubeObject, ResourceType } from '../../types.ts';
import { ageColumn, nameColumn } from './columns.ts';
import { ageOf } from './human-duration.ts';
import { customCells, customColumns } from './printer-columns.ts';

/** `includeObject`: what each row carries besides cells (default Metadata, as in kube). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  includeObject: IncludeObject;
  /** meta.k8s.io/v1 or meta.k8s.io/v1beta1: the version the client asked for. */
  apiVersion: string;
}

interface TablePrinter {
  columns: TableColumnDefinition[];
  cells(object: KubeObject, now: Date): unknown[];
}

function printerFor(type: ResourceType): TablePrinter {
  const builtin = behaviorFor(type).table;
  if (builtin) return builtin;
  if (type.custom) {
    return {
      columns: customColumns(type.printerColumns),
      cells: (object, now) => customCells(object, type.printerColumns, now),
    };
  }
  return {
    columns: [nameColumn, ageColumn],
    cells: (object, now) => [object.metadata.name, ageOf(object.metadata.creationTimestamp, now)],
  };
}

function rowObject(object: KubeObject, options: TableOptions): unknown {
  if (options.includeObject === 'None') return undefined;
  if (options.includeObject === 'Object') return object;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: object.metadata };
}

/** A meta.k8s.io Table of `objects`, cells formatted the way kubectl prints them. */
export function toTable(
  type: ResourceType,
  objects: KubeObject[],
  resourceVersion: string | undefined,
  options: TableOptions,
  now: Date,
): Record<string, unknown> {
  const printer = printerFor(type);
  return {
    kind: 'Table',
    apiVersion: options.apiVersion,
    metadata: resourceVersion === undefined ? {} : { resourceVersion },
    columnDefinitions: printer.columns,
    rows: objects.map((object) => {
      const row: Record<string, unknown> = { cells: printer.cells(object, now) };
      const carried = rowObject(object, options);
      if (carried !== undefined) row.object = carried;
      return row;
    }),
  };
}
