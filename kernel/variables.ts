/**
 * What the Variables view shows of each top-level name a notebook declared: the runtime
 * type, the declared TypeScript type, and a one-line preview. Values are the user's: a
 * getter may throw, a Proxy may trap every read, an object may hold itself, a string may be
 * a gigabyte. So a preview reads only a bounded number of own keys and items, one level
 * deep, never calls getters (`Object.keys` and descriptors), and catches whatever throws.
 */
import { installSourceMapHooks } from './sourcemaps';
import type { VariableInfo, VariableRowsParams, VariableRowsResult } from './protocol';

/** Longest preview line, type name and table cell, in characters. */
const PREVIEW_CHARS = 160;
const TYPE_CHARS = 60;
const CELL_CHARS = 200;
const ITEMS_SHOWN = 5;
const KEYS_SHOWN = 8;
/** Rows read to tell the columns of an array of rows. */
const COLUMN_SAMPLE_ROWS = 1000;
const MAX_COLUMNS = 200;
/** Names the view lists at most (a notebook rarely has more; a loop of `var`s might). */
const MAX_VARIABLES = 1000;

/** Bytes per element of tfjs dtypes (tfjs `bytesPerElement`; strings vary, so they are not counted). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, complex64: 8 };

/** `s` cut to `max` characters, with an ellipsis when cut. */
export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(0, max - 1))}…`;
}

/** A string literal of at most `max` characters: cut before escaping, so a huge string costs nothing. */
function quoted(s: string, max: number): string {
  const head = s.length > max ? `${s.slice(0, max)}…` : s;
  return JSON.stringify(head).replace(/…"$/, '"…');
}

function safe<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch {
    return fallback;
  }
}

/** Own enumerable string keys, without reading a value (a getter never runs). */
function ownKeys(value: object): string[] {
  return safe(() => Object.keys(value), [] as string[]);
}

/** A data property's value, or undefined for an accessor (its getter is not called). */
function ownValue(value: object, key: string): unknown {
  return safe(() => {
    const d = Object.getOwnPropertyDescriptor(value, key);
    return d && 'value' in d ? d.value : undefined;
  }, undefined);
}

function constructorName(value: object): string | undefined {
  return safe(() => {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto === null) return 'Object';
    const ctor = Object.getOwnPropertyDescriptor(proto, 'constructor')?.value as unknown;
    const name = typeof ctor === 'function' ? (ctor as { name?: unknown }).name : undefined;
    return typeof name === 'string' && name ? truncate(name, TYPE_CHARS) : undefined;
  }, undefined);
}

interface TensorLike {
  dtype: string;
  shape: number[];
  size: number;
  isDisposed?: boolean;
}

/** A tfjs tensor, duck-typed: the notebook's tfjs is not necessarily the kernel's copy. */
function asTensor(value: object): TensorLike | undefined {
  return safe(() => {
    const v = value as Partial<TensorLike> & { dataId?: unknown };
    if (
      typeof v.dtype === 'string' &&
      Array.isArray(v.shape) &&
      v.shape.every((n) => Number.isInteger(n)) &&
      typeof v.size === 'number' &&
      v.dataId !== undefined
    )
      return { dtype: v.dtype, shape: v.shape, size: v.size, isDisposed: v.isDisposed === true };
    return undefined;
  }, undefined);
}

/** 8000 → "7.8 KiB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let n = bytes;
  let unit = -1;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return `${n.toFixed(n < 10 ? 1 : 0)} ${units[unit]}`;
}

function isPlainRow(value: unknown): value is object {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = safe(() => Object.getPrototypeOf(value) as unknown, undefined);
  return proto === Object.prototype || proto === null;
}

/** True when the array's first items (up to the sample) are all plain objects: rows of a table. */
function isRowArray(value: unknown[]): boolean {
  const n = Math.min(value.length, 50);
  if (n === 0) return false;
  for (let i = 0; i < n; i++) if (!isPlainRow(value[i])) return false;
  return true;
}

/** An item inside a preview: scalars in full (short), containers by kind only, so cycles cannot recurse. */
function itemText(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return quoted(value, 24);
    case 'number':
    case 'boolean':
    case 'undefined':
      return String(value);
    case 'bigint':
      return `${value}n`;
    case 'symbol':
      return safe(() => truncate(value.toString(), 30), 'Symbol()');
    case 'function':
      return 'ƒ';
  }
  if (value === null || value === undefined) return String(value);
  if (Array.isArray(value)) return `[…${safe(() => value.length, 0)}]`;
  const object = value;
  const tensor = asTensor(object);
  if (tensor) return `Tensor ${tensor.dtype}[${tensor.shape.join(',')}]`;
  const name = constructorName(object);
  return name && name !== 'Object' ? `${name} {…}` : '{…}';
}

function keysText(value: object): string {
  const keys = ownKeys(value);
  const shown = keys.slice(0, KEYS_SHOWN).map((k) => truncate(k, 30));
  const more = keys.length > KEYS_SHOWN ? `, … ${keys.length - KEYS_SHOWN} more` : '';
  return `{${shown.join(', ')}${more}}`;
}

function listText(items: unknown[], total: number): string {
  const more = total > items.length ? ', …' : '';
  return `[${items.map(itemText).join(', ')}${more}]`;
}

/** The type, preview and (for arrays of rows) row count of one value. */
export function previewValue(value: unknown): Omit<VariableInfo, 'name' | 'declaredType'> {
  const preview = (type: string, text: string, rows?: number) => ({
    type,
    preview: truncate(text, PREVIEW_CHARS),
    ...(rows !== undefined ? { rows } : {}),
  });
  try {
    switch (typeof value) {
      case 'string':
        return preview(
          'string',
          `${quoted(value, 100)}${value.length > 100 ? ` (${value.length.toLocaleString('en-US')} chars)` : ''}`,
        );
      case 'number':
      case 'boolean':
      case 'undefined':
        return preview(typeof value, String(value));
      case 'bigint':
        return preview('bigint', `${value}n`);
      case 'symbol':
        return preview('symbol', value.toString());
      case 'function': {
        const isClass = safe(() => /^class\b/.test(Function.prototype.toString.call(value)), false);
        const name =
          safe(() => String((value as { name?: unknown }).name ?? ''), '') || '(anonymous)';
        return preview(
          isClass ? 'class' : 'function',
          `${isClass ? 'class' : 'ƒ'} ${truncate(name, TYPE_CHARS)}`,
        );
      }
    }
    if (value === null) return preview('null', 'null');
    const object = value as object;
    if (Array.isArray(object)) {
      const length = object.length;
      const first = object.slice(0, ITEMS_SHOWN);
      if (isRowArray(object)) {
        return preview(
          'Array',
          `${length.toLocaleString('en-US')} rows ${keysText(object[0] as object)}`,
          length,
        );
      }
      return preview(
        'Array',
        `length ${length.toLocaleString('en-US')} ${listText(first, length)}`,
      );
    }
    const tensor = asTensor(object);
    if (tensor) {
      const type = constructorName(object) ?? 'Tensor';
      const perElement = DTYPE_BYTES[tensor.dtype];
      const bytes = perElement === undefined ? '' : ` · ${formatBytes(tensor.size * perElement)}`;
      const disposed = tensor.isDisposed ? ' · disposed' : '';
      return preview(type, `${tensor.dtype} [${tensor.shape.join(', ')}]${bytes}${disposed}`);
    }
    const type = constructorName(object) ?? 'Object';
    if (ArrayBuffer.isView(object) && !(object instanceof DataView)) {
      const typed = object as unknown as ArrayLike<unknown>;
      const items = Array.from({ length: Math.min(typed.length, ITEMS_SHOWN) }, (_, i) => typed[i]);
      return preview(
        type,
        `length ${typed.length.toLocaleString('en-US')} ${listText(items, typed.length)}`,
      );
    }
    if (object instanceof Map) {
      const entries = [
        ...safe(() => [...object.entries()].slice(0, ITEMS_SHOWN), [] as [unknown, unknown][]),
      ];
      const more = object.size > entries.length ? ', …' : '';
      return preview(
        type,
        `size ${object.size} {${entries.map(([k, v]) => `${itemText(k)} => ${itemText(v)}`).join(', ')}${more}}`,
      );
    }
    if (object instanceof Set) {
      const items = safe(() => [...object].slice(0, ITEMS_SHOWN), [] as unknown[]);
      return preview(type, `size ${object.size} ${listText(items, object.size)}`);
    }
    if (object instanceof Date)
      return preview(
        type,
        safe(() => object.toISOString(), 'Invalid Date'),
      );
    if (object instanceof RegExp)
      return preview(
        type,
        safe(() => String(object), '/?/'),
      );
    if (object instanceof Error)
      return preview(
        type,
        `${truncate(String(ownValue(object, 'message') ?? object.message), PREVIEW_CHARS)}`,
      );
    if (object instanceof Promise) return preview(type, 'Promise');
    const keys = ownKeys(object);
    return preview(type, `${keys.length} key${keys.length === 1 ? '' : 's'} ${keysText(object)}`);
  } catch (error) {
    return preview(
      'unknown',
      `(cannot be read: ${truncate(String((error as Error)?.message ?? error), 80)})`,
    );
  }
}

/**
 * The declared type of each name in the converter's declarations of the notebook
 * (`declare const x: number;`, `declare function f(a: number): number;`), as TypeScript
 * text. Parsing is cheap: the file holds only the notebook's own declarations.
 */
export function declaredTypes(declarations: string): Map<string, string> {
  const types = new Map<string, string>();
  if (!declarations.trim()) return types;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tslab's TypeScript fork ships no declarations
  const ts = installSourceMapHooks() as any;
  const file = ts.createSourceFile('decl.d.ts', declarations, ts.ScriptTarget.Latest, true);
  const clean = (text: string) => truncate(text.replace(/\s+/g, ' ').trim(), PREVIEW_CHARS);
  for (const statement of file.statements) {
    if (statement.kind === ts.SyntaxKind.VariableStatement) {
      for (const d of statement.declarationList.declarations) {
        if (d.name.kind !== ts.SyntaxKind.Identifier) continue;
        const node = d.type ?? d.initializer;
        if (node) types.set(d.name.text, clean(node.getText(file)));
      }
    } else if (statement.kind === ts.SyntaxKind.FunctionDeclaration && statement.name) {
      const params = statement.parameters.map((p: { getText(f: unknown): string }) =>
        p.getText(file),
      );
      const ret = statement.type ? statement.type.getText(file) : 'void';
      const generics = statement.typeParameters
        ? `<${statement.typeParameters.map((p: { getText(f: unknown): string }) => p.getText(file)).join(', ')}>`
        : '';
      types.set(statement.name.text, clean(`${generics}(${params.join(', ')}) => ${ret}`));
    } else if (statement.kind === ts.SyntaxKind.ClassDeclaration && statement.name) {
      types.set(statement.name.text, `typeof ${statement.name.text}`);
    }
  }
  return types;
}

/** Every top-level name with its preview, in declaration order. */
export function listVariables(
  values: Readonly<Record<string, unknown>>,
  declarations: string,
): VariableInfo[] {
  let types: Map<string, string>;
  try {
    types = declaredTypes(declarations);
  } catch {
    types = new Map();
  }
  return Object.keys(values)
    .slice(0, MAX_VARIABLES)
    .map((name) => {
      const declaredType = types.get(name);
      return {
        name,
        ...previewValue(ownValue(values, name)),
        ...(declaredType ? { declaredType } : {}),
      };
    });
}

/** One table cell as text: scalars as they are (strings cut), containers as a short preview. */
function cellText(value: unknown): string {
  if (typeof value === 'string') return truncate(value, CELL_CHARS);
  if (value === undefined) return '';
  if (value === null || typeof value !== 'object') return itemText(value);
  return truncate(previewValue(value).preview, CELL_CHARS);
}

/** A page of rows of a variable that is an array of row objects. */
export function variableRows(
  values: Readonly<Record<string, unknown>>,
  params: VariableRowsParams,
): VariableRowsResult {
  const value = Object.prototype.hasOwnProperty.call(values, params.name)
    ? ownValue(values, params.name)
    : undefined;
  if (value === undefined && !Object.prototype.hasOwnProperty.call(values, params.name))
    throw new Error(`variableRows: the notebook declares no "${truncate(params.name, 80)}"`);
  if (!Array.isArray(value) || !isRowArray(value))
    throw new Error(`variableRows: "${truncate(params.name, 80)}" is not an array of row objects`);
  const columns: string[] = [];
  const seen = new Set<string>();
  const sample = Math.min(value.length, COLUMN_SAMPLE_ROWS);
  for (let i = 0; i < sample && columns.length < MAX_COLUMNS; i++) {
    const row = value[i];
    if (!isPlainRow(row)) continue;
    for (const key of ownKeys(row)) {
      if (seen.has(key) || columns.length >= MAX_COLUMNS) continue;
      seen.add(key);
      columns.push(key);
    }
  }
  const end = Math.min(value.length, params.offset + params.limit);
  const rows: string[][] = [];
  for (let i = params.offset; i < end; i++) {
    const row = value[i] as unknown;
    rows.push(
      columns.map((c) =>
        row !== null && typeof row === 'object'
          ? cellText(ownValue(row, c))
          : c === columns[0]
            ? cellText(row)
            : '',
      ),
    );
  }
  return {
    name: params.name,
    columns: columns.map((c) => truncate(c, CELL_CHARS)),
    total: value.length,
    offset: params.offset,
    rows,
  };
}
