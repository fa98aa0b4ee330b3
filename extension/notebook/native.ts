/**
 * Native modules and the user's node. The .vsix ships better-sqlite3 built for one Node ABI
 * (process.versions.modules) and DuckDB's binding for one platform; `npm run package`
 * records which in dist/native.json. A node with another ABI or platform would fail with a
 * cryptic dlopen / NODE_MODULE_VERSION error, so Labbook compares first, says exactly what
 * differs, and offers to install the two packages for that node into its global storage;
 * a `--require` hook then makes kernels and the service load them from there.
 *
 * No `vscode` import here, so plain-Node tests can load this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What `npm run package` built the native modules for (dist/native.json). */
export interface NativeBuild {
  node: string;
  modules: string;
  platform: string;
  arch: string;
  /** The native packages and their versions. */
  packages: Record<string, string>;
}

/** What the user's node reports. */
export interface NodeRuntime {
  version: string;
  modules: string;
  platform: string;
  arch: string;
  /** The node binary itself; the rebuild runs npm with it. */
  execPath?: string;
}

/** Arguments that make a node print its NodeRuntime as JSON. */
export const PROBE_ARGS = [
  '-p',
  'JSON.stringify({version:process.version,modules:process.versions.modules,platform:process.platform,arch:process.arch,execPath:process.execPath})',
];

/** Parses the probe's output; undefined when it is not what PROBE_ARGS prints. */
export function parseProbe(stdout: string): NodeRuntime | undefined {
  try {
    const value = JSON.parse(stdout.trim()) as Partial<NodeRuntime>;
    if (
      [value.version, value.modules, value.platform, value.arch].every((v) => typeof v === 'string')
    )
      return value as NodeRuntime;
  } catch {
    /* not JSON: an old or odd node */
  }
  return undefined;
}

export function readNativeBuild(file: string): NativeBuild | undefined {
  if (!existsSync(file)) return undefined; // a checkout: npm install built them for this node
  return JSON.parse(readFileSync(file, 'utf8')) as NativeBuild;
}

/** A folder name per ABI and platform, so two nodes never share a rebuild. */
export function runtimeKey(runtime: NodeRuntime): string {
  return `node-abi${runtime.modules}-${runtime.platform}-${runtime.arch}`;
}

/** The sentence that tells the user what differs, or undefined when the bundled modules load in this node. */
export function nativeMismatch(
  build: NativeBuild,
  runtime: NodeRuntime,
  nodePath: string,
): string | undefined {
  const samePlatform = build.platform === runtime.platform && build.arch === runtime.arch;
  if (samePlatform && build.modules === runtime.modules) return undefined;
  const built = `Node.js ${build.node} (ABI ${build.modules}) on ${build.platform}-${build.arch}`;
  const found = `Node.js ${runtime.version} (ABI ${runtime.modules}) on ${runtime.platform}-${runtime.arch}`;
  const what = samePlatform ? 'better-sqlite3' : 'better-sqlite3 and DuckDB';
  return (
    `Labbook's native modules (${what}) were built for ${built}, but "${nodePath}" is ${found}. ` +
    `Install them for this node into Labbook's storage (needs npm and the npm registry), ` +
    `or set "labbook.nodePath" to a Node.js with ABI ${build.modules} on ${build.platform}-${build.arch}.`
  );
}

/** package.json of the folder the rebuild installs into: the shipped versions, nothing else. */
export function rebuildManifest(build: NativeBuild): string {
  return JSON.stringify(
    { name: 'labbook-native', private: true, dependencies: build.packages },
    null,
    2,
  );
}

/**
 * The `--require` hook that makes `require('better-sqlite3')` (and the other rebuilt
 * packages) resolve in `dir`, wherever the requiring file is.
 */
export function redirectHookSource(dir: string, packages: string[]): string {
  return [
    '// Written by Labbook: native packages rebuilt for this node (see extension/notebook/native.ts).',
    "'use strict';",
    "const Module = require('module');",
    "const path = require('path');",
    `const dir = ${JSON.stringify(dir)};`,
    `const names = new Set(${JSON.stringify(packages)});`,
    'const original = Module._resolveFilename;',
    'Module._resolveFilename = function (request, parent, ...rest) {',
    "  const name = request.startsWith('@') ? request.split('/').slice(0, 2).join('/') : request.split('/')[0];",
    "  if (names.has(name)) return original.call(this, request, { id: dir, filename: path.join(dir, 'index.js'), paths: [path.join(dir, 'node_modules')] }, ...rest);",
    '  return original.call(this, request, parent, ...rest);',
    '};',
    '',
  ].join('\n');
}

export const REDIRECT_HOOK_FILE = 'redirect.js';

/** The hook of a finished rebuild for this runtime under `root`, if there is one. */
export function rebuiltHook(root: string, runtime: NodeRuntime): string | undefined {
  const file = join(root, runtimeKey(runtime), REDIRECT_HOOK_FILE);
  return existsSync(file) ? file : undefined;
}
