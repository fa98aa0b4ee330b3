/**
 * Checks on what notebook code hands to the SDK. Mistakes are reported at the call that
 * made them, naming the key and the bad value, rather than surfacing later as a NULL in
 * the database or a failed flush far away from the cell that caused it.
 */

export const MAX_KEY_LENGTH = 250;

/** Param values: scalars, or JSON-like structures (layer sizes, optimizer configs). */
export type ParamValue =
  | string
  | number
  | boolean
  | bigint
  | null
  | readonly ParamValue[]
  | { readonly [key: string]: ParamValue };
export type TagValue = string | number | boolean;

function clip(text: string, max = 60): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/** A short, unambiguous description of a value for error messages: `string "abc"`, `undefined`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `string ${clip(JSON.stringify(value))}`;
    case 'bigint':
      return `bigint ${value}n`;
    case 'boolean':
      return `boolean ${value}`;
    case 'number':
      return `number ${value}`;
    case 'symbol':
      return `symbol ${value.toString()}`;
    case 'function':
      return `function ${value.name || '(anonymous)'}`;
    default: {
      if (typeof (value as { dataSync?: unknown }).dataSync === 'function') {
        return 'a tensor (pass a plain number, e.g. (await t.data())[0] or t.dataSync()[0])';
      }
      let shown: string;
      try {
        shown = JSON.stringify(value) ?? String(value);
      } catch {
        shown = Object.prototype.toString.call(value);
      }
      return `${Array.isArray(value) ? 'array' : 'object'} ${clip(shown)}`;
    }
  }
}

/** Keys name metrics, params and tags: a non-empty string of printable characters. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkKey(method: string, key: unknown): string {
  if (typeof key !== 'string')
    throw new TypeError(`${method}: key must be a string, got ${describeValue(key)}`);
  if (key.trim().length === 0) throw new TypeError(`${method}: key must not be empty or blank`);
  if (key.length > MAX_KEY_LENGTH) {
    throw new TypeError(
      `${method}: key ${JSON.stringify(clip(key))} is ${key.length} characters long; the limit is ${MAX_KEY_LENGTH}`,
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(key))
    throw new TypeError(`${method}: key ${JSON.stringify(key)} contains a control character`);
  // Stored as UTF-8, a lone surrogate becomes U+FFFD: the key would read back differently,
  // and two such keys would collapse into one.
  if (LONE_SURROGATE.test(key))
    throw new TypeError(
      `${method}: key ${JSON.stringify(key)} contains a lone surrogate (half of a UTF-16 pair), which cannot be stored as text`,
    );
  return key;
}

export function metricValueError(method: string, key: string, value: unknown): TypeError {
  return new TypeError(`${method}('${key}'): value must be a number, got ${describeValue(value)}`);
}

export function checkStep(method: string, key: string, step: unknown): number {
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) {
    throw new TypeError(
      `${method}('${key}'): step must be a non-negative integer, got ${describeValue(step)}`,
    );
  }
  return step;
}

/** The step a metric gets when none is given: the one after its last, while that is a safe integer. */
export function checkAutoStep(method: string, key: string, next: number): number {
  if (!Number.isSafeInteger(next)) {
    throw new RangeError(
      `${method}('${key}'): the next automatic step, ${next}, is past the largest safe integer; pass { step } explicitly`,
    );
  }
  return next;
}

/** Params are stored as text: scalars as JavaScript prints them, structures as JSON. */
export function paramToText(key: string, value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value;
    // String(-0) is "0": a param of -0 must read back as -0.
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object': {
      if (value === null) return 'null';
      try {
        const text = JSON.stringify(value, (_k, v: unknown) =>
          typeof v === 'bigint' || (typeof v === 'number' && !Number.isFinite(v)) ? String(v) : v,
        );
        if (text !== undefined) return text;
      } catch (error) {
        throw new TypeError(
          `logParam('${key}'): value cannot be written as JSON (${(error as Error).message})`,
        );
      }
    }
  }
  throw new TypeError(
    `logParam('${key}'): value must be a string, number, boolean or JSON-like object, got ${describeValue(value)}`,
  );
}

export function tagToText(key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new TypeError(
    `setTag('${key}'): value must be a string, number or boolean, got ${describeValue(value)}`,
  );
}

export function checkRecord(method: string, record: unknown): Record<string, unknown> {
  if (!record || typeof record !== 'object' || Array.isArray(record)) {
    throw new TypeError(
      `${method}: expected an object of key/value pairs, got ${describeValue(record)}`,
    );
  }
  return record as Record<string, unknown>;
}
