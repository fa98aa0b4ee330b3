/**
 * A row as a domain object: every column under its field name (`model_name` becomes
 * `modelName`), with the columns a backend stores encoded (JSON text, 0/1) decoded. One
 * mapping for every SQLite domain store, so a table that gains a column needs no new code.
 */

/** `model_name` → `modelName`. */
export function fieldName(column: string): string {
  return column.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** How to decode a field's stored value; fields not named keep the stored value. */
export type Decoders = Record<string, (stored: never) => unknown>;

export function fromRow<T>(row: object, decoders: Decoders = {}): T {
  const out: Record<string, unknown> = {};
  for (const [column, stored] of Object.entries(row)) {
    const field = fieldName(column);
    const decode = decoders[field] as ((stored: unknown) => unknown) | undefined;
    out[field] = decode ? decode(stored) : stored;
  }
  return out as T;
}

/** JSON text, or null for SQL NULL. */
export function jsonOrNull<T>(text: string | null): T | null {
  return text === null ? null : (JSON.parse(text) as T);
}

/** Text to store for a value kept as JSON, or null. */
export function jsonText(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export const isTrue = (stored: number | null): boolean => stored === 1;

/**
 * The `column = ?` assignments of an UPDATE for the fields given (undefined ones are left
 * alone). Column names come from `columns` only, never from the caller's keys; an unknown
 * field is refused, naming `what` it is not a field of.
 */
export function assignments<C extends object>(
  changes: C,
  columns: Record<keyof C, string>,
  what: string,
): { sets: string[]; args: unknown[] } {
  const sets: string[] = [];
  const args: unknown[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const column = columns[field as keyof C] as string | undefined;
    if (column === undefined) throw new Error(`${what} has no changeable field ${field}`);
    sets.push(`${column} = ?`);
    args.push(value);
  }
  return { sets, args };
}
