/**
 * What the notebook's type checker sees under `node_modules`, so that a notebook in any
 * folder type-checks against the same modules the kernel runs (executor.ts makeRequire):
 *
 * - the modules the kernel provides (`labbook`) are served from the kernel's own
 *   declarations as `<notebook folder>/node_modules/<name>`, whatever the folder holds;
 * - every other bare import resolves like Node: the notebook's folder, then each folder
 *   above it; and last, where Node would look in `/node_modules`, in Labbook's own
 *   node_modules (tfjs, tslab, ... that Labbook ships).
 *
 * tslab's converter builds a TypeScript watch program on `ts.sys`, whose file functions it
 * calls; the mapping hooks those functions (tslab does the same for itself), so TypeScript's
 * own resolution cache keeps watching the notebook's folders and sees `npm install`.
 * A module found through the fallback is given its real path (realpath), so what it imports
 * resolves from where it really lies.
 */
import * as path from 'node:path';

export interface TypeForward {
  /** Absolute folder the checker asks for, e.g. `<notebook>/node_modules/labbook`. */
  from: string;
  /** Folder that really holds it. */
  to: string;
}

export interface TypeResolutionOptions {
  rootDir: string;
  forwards: TypeForward[];
  /** Folder whose `node_modules` answers last (Labbook's own). */
  fallbackDir?: string;
}

type Sys = Record<string, (...args: unknown[]) => unknown>;

const FILE_FUNCTIONS = [
  'readFile',
  'fileExists',
  'directoryExists',
  'readDirectory',
  'realpath',
  'getModifiedTime',
] as const;

/** Returns the function that maps a path the checker asks for to the path that holds it. */
export function createPathMapping(
  options: TypeResolutionOptions,
  exists: (p: string) => boolean,
): (p: string) => string {
  const { rootDir, forwards, fallbackDir } = options;
  const lastModules = path.join(path.parse(path.resolve(rootDir)).root, 'node_modules');
  const fallbackModules = fallbackDir ? path.join(fallbackDir, 'node_modules') : undefined;
  const inside = (parent: string, p: string): string | undefined => {
    const rel = path.relative(parent, p);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel)) ? rel : undefined;
  };
  return (p: string): string => {
    for (const f of forwards) {
      const rel = inside(f.from, p);
      if (rel !== undefined) return path.join(f.to, rel);
    }
    if (!fallbackModules) return p;
    const rel = inside(lastModules, p);
    if (rel === undefined) return p;
    if (rel === '') return exists(p) ? p : fallbackModules;
    const parts = rel.split(/[\\/]/);
    // Labbook's @types stay out: as a type root they would put its test and editor globals
    // (mocha, vscode) into every notebook.
    if (parts[0] === '@types') return p;
    const pkg = parts[0].startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1);
    // A real package in the last folder still comes first, as it does for Node.
    if (exists(path.join(lastModules, ...pkg))) return p;
    return path.join(fallbackModules, rel);
  };
}

/** Hooks `ts.sys` (tslab's TypeScript) so the converter's checker resolves as described above. */
export function installTypeResolution(sys: Sys, options: TypeResolutionOptions): void {
  const directoryExists = sys.directoryExists.bind(sys) as (p: string) => boolean;
  const map = createPathMapping(options, directoryExists);
  for (const fn of FILE_FUNCTIONS) {
    const original = sys[fn];
    if (typeof original !== 'function') continue;
    sys[fn] = (first: unknown, ...rest: unknown[]) =>
      original.call(sys, typeof first === 'string' ? map(first) : first, ...rest);
  }
  // `node_modules` itself must look present for the resolver to look inside it.
  const notebookModules = path.join(options.rootDir, 'node_modules');
  const mapped = sys.directoryExists;
  if (options.forwards.length > 0)
    sys.directoryExists = (p: unknown, ...rest: unknown[]) =>
      p === notebookModules || mapped.call(sys, p, ...rest);
}

type DirectoryWatcher = { dir: string; callback: (fileOrDirectory: string) => void };
const watchers = new Set<DirectoryWatcher>();

/**
 * Keeps the folder watchers TypeScript sets on the folders where it failed to find a
 * module, so that an install can tell them at once instead of waiting for fs.watch, whose
 * events may come after the next cell has been checked.
 */
export function trackDirectoryWatchers(sys: Sys): void {
  const watchDirectory = sys.watchDirectory;
  if (typeof watchDirectory !== 'function') return;
  sys.watchDirectory = (dir: unknown, callback: unknown, ...rest: unknown[]) => {
    const watcher = watchDirectory.call(sys, dir, callback, ...rest) as { close(): void };
    const entry = { dir: String(dir), callback: callback as DirectoryWatcher['callback'] };
    watchers.add(entry);
    return {
      close: () => {
        watchers.delete(entry);
        watcher.close();
      },
    };
  };
}

/** Tells TypeScript's watchers in and around `folder` that these paths appeared. */
export function notifyCreated(folder: string, created: string[]): void {
  const root = path.resolve(folder);
  for (const w of [...watchers]) {
    const dir = path.resolve(w.dir);
    const rel = path.relative(dir, root);
    const related = !rel.startsWith('..') || !path.relative(root, dir).startsWith('..');
    if (!related) continue;
    for (const p of created) {
      if (path.relative(dir, p).startsWith('..') && path.resolve(p) !== dir) continue;
      try {
        w.callback(p);
      } catch {
        // A watcher that fails must not fail the install; fs.watch still reports the change.
      }
    }
  }
}
