/**
 * Arrow IPC files (.arrow, .feather v2, file or stream format) read with the `apache-arrow`
 * package: DuckDB reads Arrow only through an extension it downloads at run time, which
 * these machines (and many CI runners) cannot do. The columns are handed to DuckDB as
 * in-memory data, so the profile, suites and drift see the same table as for any format.
 */
import { readFileSync } from 'node:fs';
import type { Table } from 'apache-arrow';
import { arrow as loadArrow, type ArrowModule } from '../engines';
import { DataError } from './data-error';

/** Type ids whose values are times: apache-arrow gives them as epoch milliseconds. */
function isTemporal(arrow: ArrowModule, type: unknown): boolean {
  return arrow.DataType.isDate(type) || arrow.DataType.isTimestamp(type);
}

/** Arrow values as plain JS: bigint → number, dates → Date, nested values → their JSON-able form. */
function plain(value: unknown, temporal: boolean): unknown {
  if (value === null || value === undefined) return null;
  if (temporal) return new Date(Number(value));
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function')
    return (value as { toJSON(): unknown }).toJSON();
  return value;
}

/** The columns of an Arrow IPC file, by name, as arrays of plain values (null where missing). */
export function readArrowColumns(path: string): Record<string, unknown[]> {
  const arrow = loadArrow();
  let table: Table;
  try {
    table = arrow.tableFromIPC(readFileSync(path));
  } catch (error) {
    throw new DataError(
      `${path}: Arrow IPC could not be read: ${(error as Error).message.split('\n')[0].slice(0, 300)}`,
    );
  }
  const columns: Record<string, unknown[]> = {};
  for (const field of table.schema.fields) {
    if (Object.prototype.hasOwnProperty.call(columns, field.name))
      throw new DataError(`${path}: Arrow IPC has two columns named "${field.name}"`);
    const vector = table.getChild(field.name)!;
    const temporal = isTemporal(arrow, field.type);
    const values = new Array<unknown>(vector.length);
    for (let i = 0; i < vector.length; i++) values[i] = plain(vector.get(i), temporal);
    columns[field.name] = values;
  }
  if (table.schema.fields.length === 0)
    throw new DataError(`${path} is empty: an Arrow IPC file with no columns`);
  return columns;
}
