/**
 * The checksum `labbook store copy` compares: per table, the row count and an
 * order-independent digest of a canonical rendering of every row, computed by this one
 * function over rows read from either backend.
 *
 * Order-independent (a sum of per-row hashes) because the two backends return rows in
 * different orders (heap order, text collation) and sorting 1,000,000 rows to hash them in
 * order would cost more than the copy. Every table has a primary key, so no two rows are
 * the same and a sum cannot cancel one row against another.
 *
 * Numbers are rendered by value: 1 and 1.0 are one float on both sides, NaN (PostgreSQL's
 * 'NaN', SQLite's NULL in a metric column) renders as NaN, -0 as 0, ±Infinity by name.
 * Text is rendered quoted, so the text "1" never equals the number 1.
 */
import { hash } from 'node:crypto';
import type { CopyTable } from './tables';

const MASK = (1n << 64n) - 1n;

function renderNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Object.is(value, -0)) return '0';
  return String(value);
}

/** One row as text: the same row from either backend renders the same. */
export function canonicalRow(table: CopyTable, row: readonly unknown[]): string {
  let out = '';
  for (let i = 0; i < table.columns.length; i++) {
    const value = row[i];
    if (i > 0) out += ',';
    if (value === null || value === undefined) {
      out += table.columns[i].kind === 'metric' ? 'NaN' : 'null';
    } else if (typeof value === 'number') out += renderNumber(value);
    else if (typeof value === 'bigint') out += value.toString();
    else if (typeof value === 'string') out += JSON.stringify(value);
    else if (Buffer.isBuffer(value)) out += `x'${value.toString('hex')}'`;
    else out += JSON.stringify(String(value));
  }
  return out;
}

/** Accumulates rows of one table; `value` is the same for the same rows in any order. */
export class TableDigest {
  rows = 0;
  private high = 0n;
  private low = 0n;

  constructor(readonly table: CopyTable) {}

  add(row: readonly unknown[]): void {
    const digest = hash('sha256', canonicalRow(this.table, row), 'buffer') as Buffer;
    this.high = (this.high + digest.readBigUInt64BE(0)) & MASK;
    this.low = (this.low + digest.readBigUInt64BE(8)) & MASK;
    this.rows++;
  }

  /** 32 hex digits. */
  get value(): string {
    return this.high.toString(16).padStart(16, '0') + this.low.toString(16).padStart(16, '0');
  }
}
