/**
 * `await lab.install("danfojs")`: npm packages on demand. Runs `npm install` in the
 * notebook's folder (the kernel's working folder), creating a package.json there when it
 * has none, so the package lands beside the notebook and not in some project above it.
 * npm's output streams into the cell as it comes. The next cell imports the package, with
 * its types, in the same kernel: the type checker watches the folders it failed to find a
 * module in, and Node looks a missing module up afresh each time.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface InstallOptions {
  /** Folder to install into; default: the notebook's folder. */
  folder?: string;
  /** Receives npm's output as it comes; default: the cell's stdout and stderr. */
  onOutput?: (name: 'stdout' | 'stderr', text: string) => void;
}

/** Runs npm in the notebook's folder; resolves when the packages are importable. */
export async function install(
  packages: string | string[],
  options: InstallOptions = {},
): Promise<void> {
  const specs = [packages].flat();
  if (specs.length === 0)
    throw new TypeError('install: name at least one package, e.g. install("danfojs")');
  for (const spec of specs) {
    if (typeof spec !== 'string' || spec.trim() === '' || spec.startsWith('-'))
      throw new TypeError(
        `install: ${JSON.stringify(spec)} is not a package: give a name ("danfojs"), a name@version, or a path to a .tgz`,
      );
  }
  const folder = path.resolve(options.folder ?? process.cwd());
  const write =
    options.onOutput ??
    ((name, text) => (name === 'stdout' ? process.stdout : process.stderr).write(text));
  const created = ensurePackageJson(folder);
  if (created) write('stdout', `created ${created}\n`);
  write('stdout', `npm install ${specs.join(' ')} (in ${folder})\n`);
  const before = new Set(installedPackages(folder));
  const code = await runNpm(
    ['install', '--no-audit', '--no-fund', '--no-update-notifier', '--prefix', folder, ...specs],
    folder,
    write,
  );
  if (code !== 0)
    throw new Error(
      `npm install ${specs.join(' ')} failed (exit code ${code}); npm's output is above`,
    );
  const added = installedPackages(folder).filter((name) => !before.has(name));
  for (const listener of [...installListeners()]) listener(folder, added);
}

export type InstallListener = (folder: string, added: string[]) => void;

/** Shared through globalThis, like context.ts, in case the SDK is loaded from two paths. */
function installListeners(): Set<InstallListener> {
  const global = globalThis as Record<symbol, Set<InstallListener> | undefined>;
  return (global[Symbol.for('labbook.sdk.installListeners')] ??= new Set());
}

/** The kernel learns of every install, to have the type checker look again. */
export function onInstalled(listener: InstallListener): () => void {
  installListeners().add(listener);
  return () => installListeners().delete(listener);
}

/** Package names in `folder/node_modules` (`@scope/name` for scoped ones). */
function installedPackages(folder: string): string[] {
  const list = (dir: string): string[] => {
    try {
      return readdirSync(dir).filter((name) => !name.startsWith('.'));
    } catch {
      return [];
    }
  };
  const modules = path.join(folder, 'node_modules');
  return list(modules).flatMap((name) =>
    name.startsWith('@') ? list(path.join(modules, name)).map((sub) => `${name}/${sub}`) : [name],
  );
}

/** Writes a minimal package.json into `folder` if it has none; returns its path when it did. */
export function ensurePackageJson(folder: string): string | undefined {
  const file = path.join(folder, 'package.json');
  if (existsSync(file)) return undefined;
  const name =
    path
      .basename(folder)
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[._-]+/, '') || 'notebooks';
  writeFileSync(file, JSON.stringify({ name, private: true }, null, 2) + '\n', { flag: 'wx' });
  return file;
}

/** npm beside the `node` that runs the kernel, else `npm` on the PATH. */
function npmCommand(): { command: string; args: string[]; shell: boolean } {
  const bin = path.dirname(process.execPath);
  for (const cli of [
    path.join(bin, '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'),
    path.join(bin, 'node_modules', 'npm', 'bin', 'npm-cli.js'),
  ]) {
    if (existsSync(cli)) return { command: process.execPath, args: [cli], shell: false };
  }
  return { command: 'npm', args: [], shell: process.platform === 'win32' };
}

function runNpm(
  args: string[],
  cwd: string,
  write: (name: 'stdout' | 'stderr', text: string) => void,
): Promise<number> {
  const npm = npmCommand();
  return new Promise((resolve, reject) => {
    const child = spawn(npm.command, [...npm.args, ...args], {
      cwd,
      shell: npm.shell,
      stdio: ['ignore', 'pipe', 'pipe'],
      // No colours or progress bar: the cell is not a terminal.
      env: {
        ...process.env,
        NO_COLOR: '1',
        npm_config_color: 'false',
        npm_config_progress: 'false',
      },
    });
    child.stdout.setEncoding('utf8').on('data', (text: string) => write('stdout', text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => write('stderr', text));
    child.on('error', (error) =>
      reject(new Error(`install: could not start npm (${npm.command}): ${error.message}`)),
    );
    child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/**
 * The npm package a module specifier names, or undefined when it names a file, a Node
 * built-in or a URL: `lodash/fp` is `lodash`, `@scope/pkg/sub` is `@scope/pkg`.
 */
export function packageOfSpecifier(specifier: string): string | undefined {
  if (/^(\.|\/|[a-zA-Z]:[\\/]|node:|[a-z]+:\/\/)/.test(specifier)) return undefined;
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
  if (!/^(@[a-z0-9][\w.-]*\/)?[a-z0-9][\w.-]*$/i.test(name)) return undefined;
  return name;
}
