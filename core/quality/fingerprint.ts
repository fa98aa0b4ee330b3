/**
 * Content fingerprints of data sets: the same content always gives the same SHA-256 (hex).
 *
 * - A file: SHA-256 of its bytes, streamed (any size).
 * - In-memory rows (or a column object, turned into rows first): SHA-256 of a canonical
 *   serialisation: the rows in order, each row's keys sorted, JSON text for strings,
 *   booleans, null and finite numbers; `NaN`, `Infinity`, `-Infinity`, `123n` (bigint),
 *   `D"<ISO time>"` (Date) and `U` (undefined, i.e. an absent value) as bare tokens, so
 *   they never collide with strings. Nested objects and arrays are serialised the same way.
 *   Reordering the keys of an object does not change the fingerprint; reordering rows does.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type FingerprintData = Record<string, unknown>[] | Record<string, unknown[]>;

/** SHA-256 (hex) of a file's bytes, streamed. */
export function fingerprintFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    const stream = createReadStream(path);
    stream.on('error', reject);
    stream.on('data', (chunk) => hash.update(chunk));
    stream.on('end', () => resolvePromise(hash.digest('hex')));
  });
}

function canonical(value: unknown, out: string[], seen: Set<object>): void {
  if (value === null) {
    out.push('null');
    return;
  }
  switch (typeof value) {
    case 'undefined':
      out.push('U');
      return;
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'number':
      // -0 and 0 are the same value in a data set.
      out.push(Number.isFinite(value) ? JSON.stringify(value === 0 ? 0 : value) : String(value));
      return;
    case 'bigint':
      out.push(`${value.toString()}n`);
      return;
    case 'object':
      break;
    default:
      out.push(JSON.stringify(String(value)));
      return;
  }
  const obj = value;
  if (obj instanceof Date) {
    out.push(
      `D${JSON.stringify(Number.isNaN(obj.getTime()) ? 'Invalid Date' : obj.toISOString())}`,
    );
    return;
  }
  if (seen.has(obj)) throw new TypeError('fingerprint: the data contains a circular reference');
  seen.add(obj);
  if (Array.isArray(obj) || ArrayBuffer.isView(obj)) {
    out.push('[');
    const items = Array.from(obj as ArrayLike<unknown>);
    items.forEach((item, i) => {
      if (i > 0) out.push(',');
      canonical(item, out, seen);
    });
    out.push(']');
  } else {
    out.push('{');
    const keys = Object.keys(obj).sort();
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      canonical((obj as Record<string, unknown>)[key], out, seen);
    });
    out.push('}');
  }
  seen.delete(obj);
}

/** Rows of a column object (`{ a: [1, 2], b: ["x", "y"] }` → `[{ a: 1, b: "x" }, { a: 2, b: "y" }]`). */
export function columnsToRows(data: Record<string, unknown[]>): Record<string, unknown>[] {
  const names = Object.keys(data);
  const lengths = new Set(
    names.map((n) => {
      if (!Array.isArray(data[n])) throw new TypeError(`column "${n}" is not an array`);
      return data[n].length;
    }),
  );
  if (lengths.size > 1)
    throw new TypeError(`columns have different lengths (${[...lengths].join(', ')})`);
  const rows = names.length ? data[names[0]].length : 0;
  const out: Record<string, unknown>[] = [];
  for (let r = 0; r < rows; r++) {
    const row: Record<string, unknown> = {};
    for (const n of names) row[n] = data[n][r];
    out.push(row);
  }
  return out;
}

/** The canonical text of rows (see the module comment); exported for tests. */
export function canonicalRows(data: FingerprintData): string {
  const rows = Array.isArray(data) ? data : columnsToRows(data);
  const out: string[] = ['['];
  const seen = new Set<object>();
  rows.forEach((row, i) => {
    if (i > 0) out.push(',\n');
    canonical(row, out, seen);
  });
  out.push(']');
  return out.join('');
}

/** SHA-256 (hex) of the canonical serialisation of rows or a column object. */
export function fingerprintRows(data: FingerprintData): string {
  const rows = Array.isArray(data) ? data : columnsToRows(data);
  const hash = createHash('sha256');
  const seen = new Set<object>();
  // Hashed row by row, so a large data set is never one huge string.
  hash.update('[');
  rows.forEach((row, i) => {
    const out: string[] = [];
    if (i > 0) out.push(',\n');
    canonical(row, out, seen);
    hash.update(out.join(''));
  });
  hash.update(']');
  return hash.digest('hex');
}
