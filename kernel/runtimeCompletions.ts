/**
 * What only the running program knows for a completion after `name.` or `a.b.`: the keys
 * the value has at run time (a parsed JSON object, a data set's row), which its declared
 * type (`Record<string, number>`, `any`) cannot list. Reads own data properties only: a
 * getter or a proxy could run notebook code, and completing must never do that.
 */
import * as util from 'node:util';

const MAX_KEYS = 500;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** Keys of the value that `code` names just before `start` (the completion's start) in `locals`. */
export function runtimeMembers(
  locals: Record<string, unknown>,
  code: string,
  start: number,
): string[] {
  const chain = /([A-Za-z_$][\w$]*(?:\s*\.\s*[A-Za-z_$][\w$]*)*)\s*\.\s*$/.exec(
    code.slice(0, start),
  )?.[1];
  if (!chain) return [];
  const [first, ...rest] = chain.split('.').map((p) => p.trim());
  if (!Object.prototype.hasOwnProperty.call(locals, first)) return [];
  let value: unknown = locals[first];
  for (const name of rest) {
    value = ownData(value, name);
    if (value === undefined) return [];
  }
  if (!isInspectable(value)) return [];
  return Object.keys(value as object)
    .filter((k) => IDENTIFIER.test(k))
    .slice(0, MAX_KEYS);
}

function isInspectable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    !util.types.isProxy(value)
  );
}

function ownData(value: unknown, name: string): unknown {
  if (!isInspectable(value)) return undefined;
  const descriptor = Object.getOwnPropertyDescriptor(value, name);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}
