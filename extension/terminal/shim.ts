/**
 * The `labbook` command of the integrated terminal: a tiny script in the extension's global
 * storage that runs the extension's own CLI with the configured `node`. With it on PATH,
 * `labbook runs` works in any folder, and never goes through `npx`, which in a checkout
 * takes the enclosing project for the `labbook` package and rebuilds it (issue 14, item 2).
 *
 * No `vscode` import here, so plain-Node tests can load this module.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ShimTarget {
  /** `labbook.nodePath`: a name on PATH or an absolute path. */
  nodePath: string;
  /** The CLI's entry point, `<extension>/bin/labbook.js`. */
  cliPath: string;
}

/** POSIX sh single quotes: nothing inside is special except the quote itself. */
function shQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The shell script (macOS, Linux). */
export function posixShim({ nodePath, cliPath }: ShimTarget): string {
  return [
    '#!/bin/sh',
    '# Written by the Labbook extension: its `labbook` command, run with labbook.nodePath.',
    `exec ${shQuote(nodePath)} ${shQuote(cliPath)} "$@"`,
    '',
  ].join('\n');
}

/** The batch file (Windows). cmd.exe has no escape for `"` inside quotes: refuse one. */
export function windowsShim({ nodePath, cliPath }: ShimTarget): string {
  for (const [name, value] of Object.entries({ nodePath, cliPath }))
    if (/["%\r\n]/.test(value))
      throw new Error(
        `${name} "${value}" holds a character a .cmd file cannot quote (" % or a newline)`,
      );
  return ['@echo off', `"${nodePath}" "${cliPath}" %*`, ''].join('\r\n');
}

/**
 * Writes `labbook` (or, on Windows, `labbook.cmd`) into `binDir` (created), leaving a file
 * that already has the right content untouched. Returns whether anything was written.
 */
export function writeShims(
  binDir: string,
  target: ShimTarget,
  platform: NodeJS.Platform = process.platform,
): boolean {
  mkdirSync(binDir, { recursive: true });
  let wrote = false;
  const files: [string, string, number][] =
    platform === 'win32'
      ? [['labbook.cmd', windowsShim(target), 0o644]]
      : [['labbook', posixShim(target), 0o755]];
  for (const [name, content, mode] of files) {
    const file = join(binDir, name);
    let current: string | undefined;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== content) {
      writeFileSync(file, content, { mode });
      wrote = true;
    }
    chmodSync(file, mode);
  }
  return wrote;
}
