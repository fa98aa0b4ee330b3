/**
 * The checksum `labbook store copy` compares: per table, the row count and an
 * order-independent digest of every row in a canonical form, computed by this one function
 * over rows read from either backend.
 *
 * Canonical form: each value as a type tag and its content. Numbers by their IEEE-754 bits,
 * so 1 and 1.0 (one double on both sides) agree, NaN (PostgreSQL's 'NaN', SQLite's NULL in
 * a metric column) has one rendering, -0 is 0; text by its UTF-16 code units with its
 * length, so the text "1" never equals the number 1 and NULL never equals "null".
 *
 * Order-independent (a sum of per-row hashes) because the backends return rows in
 * different orders (heap order, text collation) and sorting 1,000,000 rows to hash them in
 * order would cost more than the copy. Every table has a primary key, so no two rows are
 * the same and the sum cannot cancel one row against another. The row hash is four
 * 32-bit MurmurHash3 lanes (128 bits) computed in JavaScript: a SHA-256 per row costs a
 * native call each and made the check take longer than the copy; this is a check against
 * a copy that lost or changed data, not against an adversary.
 */
import type { CopyTable } from './tables';

const SEEDS: readonly number[] = [0x9747b28c, 0x5bd1e995, 0x1b873593, 0x85ebca6b];
const float = new Float64Array(1);
const words = new Uint32Array(float.buffer);

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const TAG_NULL = 1;
const TAG_NUMBER = 2;
const TAG_TEXT = 3;
const TAG_BYTES = 4;

/** The 32-bit words a row hashes to, in order (shared by every lane). */
function rowWords(table: CopyTable, row: readonly unknown[], out: number[]): void {
  out.length = 0;
  for (let i = 0; i < table.columns.length; i++) {
    let value = row[i];
    if ((value === null || value === undefined) && table.columns[i].kind === 'metric')
      value = Number.NaN;
    if (typeof value === 'bigint' && Number.isSafeInteger(Number(value))) value = Number(value);
    if (value === null || value === undefined) out.push(TAG_NULL);
    else if (typeof value === 'number') {
      float[0] = Number.isNaN(value) ? Number.NaN : value === 0 ? 0 : value;
      out.push(TAG_NUMBER, words[0], words[1]);
    } else if (Buffer.isBuffer(value)) {
      out.push(TAG_BYTES, value.length);
      for (const byte of value) out.push(byte);
    } else {
      const text = typeof value === 'string' ? value : String(value);
      out.push(TAG_TEXT, text.length);
      for (let c = 0; c < text.length; c += 2)
        out.push(text.charCodeAt(c) | ((c + 1 < text.length ? text.charCodeAt(c + 1) : 0) << 16));
    }
  }
}

const scratch: number[] = [];

/** A row's hash as 32 hex digits: the same row from either backend hashes the same. */
export function rowHash(table: CopyTable, row: readonly unknown[]): string {
  return lanes(table, row)
    .map((h) => h.toString(16).padStart(8, '0'))
    .join('');
}

function lanes(table: CopyTable, row: readonly unknown[]): number[] {
  rowWords(table, row, scratch);
  return SEEDS.map((seed) => {
    let h = seed;
    for (const word of scratch) h = mix(h, word);
    return finish(h, scratch.length);
  });
}

/** Accumulates rows of one table; `value` is the same for the same rows in any order. */
export class TableDigest {
  rows = 0;
  private readonly sums = [0, 0, 0, 0];

  constructor(readonly table: CopyTable) {}

  add(row: readonly unknown[]): void {
    rowWords(this.table, row, scratch);
    for (let lane = 0; lane < 4; lane++) {
      let h = SEEDS[lane];
      for (let w = 0; w < scratch.length; w++) h = mix(h, scratch[w]);
      this.sums[lane] = (this.sums[lane] + finish(h, scratch.length)) >>> 0;
    }
    this.rows++;
  }

  /** 32 hex digits. */
  get value(): string {
    return this.sums.map((h) => h.toString(16).padStart(8, '0')).join('');
  }
}
