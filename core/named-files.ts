/**
 * Small JSON files named after something the user named (a model's gates, a validation
 * suite) in a folder next to the store. Names are encoded so a file never leaves its
 * folder on any OS, and files are written whole or not at all.
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';

/**
 * `<encoded name>.json`: letters, digits, `_`, `-`, and inner dots and spaces stay;
 * everything else (separators, `%`, leading or trailing dots) becomes %XX of its UTF-8 bytes,
 * so `decodeURIComponent` gives the name back.
 */
export function encodedJsonFileName(name: string): string {
  let out = '';
  const chars = [...name];
  chars.forEach((c, i) => {
    const edge = i === 0 || i === chars.length - 1;
    const plain = /^[A-Za-z0-9_-]$/.test(c) || ((c === '.' || c === ' ') && !edge);
    out += plain
      ? c
      : [...Buffer.from(c, 'utf8')]
          .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
          .join('');
  });
  return `${out}.json`;
}

/** The name a file name encodes (the inverse of encodedJsonFileName), or null. */
export function nameOfEncodedJsonFile(file: string): string | null {
  if (!file.endsWith('.json')) return null;
  try {
    return decodeURIComponent(file.slice(0, -'.json'.length));
  } catch {
    return null;
  }
}

/** `folder/<encoded name>.json`; `escapes` makes the error when the path would leave the folder. */
export function encodedJsonPath(folder: string, name: string, escapes: () => Error): string {
  const path = join(folder, encodedJsonFileName(name));
  const rel = relative(folder, path);
  // Belt and braces: the encoding never produces a separator or "..".
  if (
    rel === '' ||
    rel.startsWith('..') ||
    isAbsolute(rel) ||
    rel.includes('/') ||
    rel.includes('\\')
  )
    throw escapes();
  return path;
}

/** Writes `value` as pretty JSON through a temp file and a rename, so readers never see half a file. */
export function writeJsonAtomic(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
