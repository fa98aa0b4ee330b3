// Bundles the two browser/editor runtimes with esbuild:
//   extension/extension.ts  -> dist/extension/extension.js     (CommonJS, Node, for the extension host)
//   webviews/renderers/NAME -> dist/webviews/renderers/NAME.js (ES modules, browser, notebook renderers; see RENDERERS)
// The extension host must load no native module (Electron's ABI differs from the user's
// node): the bundle is checked for any, and the build fails if one slipped in.
//
//   node -e "import('./scripts/build-extension.mjs').then(m => m.buildExtension(process.cwd()))"
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Modules with no `vscode` import, also emitted one file each so plain-Node unit tests can load them. */
const PURE_MODULES = [
  'extension/commands.ts',
  'extension/notebook/mime.ts',
  'extension/runs/runsTreeModel.ts',
  'extension/terminal/shim.ts',
  'extension/notebook/native.ts',
  'extension/notebook/node.ts',
  'extension/deployments/canaryText.ts',
  'extension/notebook/kernelExit.ts',
  'extension/notebook/debugSources.ts',
];

/**
 * The tsserver plugin that leaves notebook cells to Labbook (extension/tsserverPlugin/),
 * laid out as the package tsserver loads by name; scripts/package.mjs puts it in the
 * package's node_modules, the integration launcher beside the linked checkout.
 */
export const TSSERVER_PLUGIN = 'labbook-tsserver-plugin';

/** Packages with native parts; none may end up in the extension host. */
const NATIVE_PACKAGES = [
  'better-sqlite3',
  '@duckdb/',
  'duckdb',
  '@tensorflow/tfjs-node',
  'zeromq',
  'tslab',
  'bindings',
  'node-gyp-build',
];

/**
 * Notebook renderers (ES modules for the notebook webview), by file name under
 * webviews/renderers, with why each exists. Only vega-lite's is big: the others draw SVG.
 */
const RENDERERS = {
  vegalite: 'vega-lite charts; vega is large, loaded once per notebook webview',
  profile: 'the inline data profile of lab.profile(...), SVG bars only (a few KiB)',
  drift: 'the inline drift report of lab.drift(...), SVG bars only',
};

function buildRenderer(root, dist, name) {
  return build({
    entryPoints: [join(root, 'webviews', 'renderers', `${name}.ts`)],
    outfile: join(dist, 'webviews', 'renderers', `${name}.js`),
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
}

async function buildTsserverPlugin(root, dist) {
  const dir = join(dist, 'tsserver-plugin', TSSERVER_PLUGIN);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: TSSERVER_PLUGIN, version: '1.0.0', main: 'index.js' }, null, 2),
  );
  await build({
    entryPoints: [join(root, 'extension', 'tsserverPlugin', 'index.ts')],
    outfile: join(dir, 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node18',
    logLevel: 'warning',
  });
}

export async function buildExtension(root, { minify = false, log = console.log } = {}) {
  const dist = join(root, 'dist');
  const names = Object.keys(RENDERERS);
  const [, host, ...renderers] = await Promise.all([
    build({
      entryPoints: PURE_MODULES.map((f) => join(root, f)),
      outdir: dist,
      outbase: root,
      bundle: false,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      sourcemap: 'inline',
      logLevel: 'warning',
    }).then(() => undefined),
    build({
      entryPoints: [join(root, 'extension', 'extension.ts')],
      outfile: join(dist, 'extension', 'extension.js'),
      bundle: true,
      platform: 'node',
      format: 'cjs',
      // VS Code 1.90's extension host runs Node 18.
      target: 'node18',
      external: ['vscode'],
      // A `.node` file would be copied beside the bundle and loaded by Electron: refuse it.
      loader: { '.node': 'empty' },
      sourcemap: 'linked',
      minify,
      metafile: true,
      logLevel: 'warning',
    }),
    ...names.map((name) => buildRenderer(root, dist, name)),
  ]);
  await buildTsserverPlugin(root, dist);

  const inputs = Object.keys(host.metafile.inputs);
  const native = inputs.filter(
    (f) => f.endsWith('.node') || NATIVE_PACKAGES.some((p) => f.includes(`node_modules/${p}`)),
  );
  if (native.length > 0) {
    throw new Error(
      `the extension bundle would load native code in the extension host:\n  ${native.join('\n  ')}\n` +
        "Move that code into a child process run by the user's node (see kernel/client.ts).",
    );
  }
  const size = (meta) =>
    Object.values(meta.outputs)
      .filter((o) => o.entryPoint)
      .reduce((n, o) => n + o.bytes, 0);
  const kib = (meta) => `${(size(meta) / 1024).toFixed(0)} KiB`;
  log(
    `bundled ${relative(root, join(dist, 'extension', 'extension.js'))} (${kib(host.metafile)}, ${inputs.length} modules) and the renderers ` +
      names.map((name, i) => `${name}.js (${kib(renderers[i].metafile)})`).join(', '),
  );
  return {
    extension: host.metafile,
    renderers: Object.fromEntries(names.map((name, i) => [name, renderers[i].metafile])),
  };
}
