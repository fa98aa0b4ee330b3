/**
 * The small checks every protocol guard is built from: what crosses a process boundary is
 * checked at run time on the receiving side, and these say what "an object", "a number" and
 * "optional" mean there, once.
 */

/** A plain object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

export function isNumber(v: unknown): v is number {
  return typeof v === 'number';
}

export function isNumberOrNull(v: unknown): boolean {
  return v === null || typeof v === 'number';
}

/** Absent, or passing `check`. */
export function isOptional(v: unknown, check: (x: unknown) => boolean): boolean {
  return v === undefined || check(v);
}
