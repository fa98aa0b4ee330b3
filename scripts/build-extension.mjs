// Bundles the two browser/editor runtimes with esbuild:
//   extension/extension.ts      -> dist/extension/extension.js        (CommonJS, Node, for the extension host)
//   webviews/renderers/vegalite -> dist/webviews/renderers/vegalite.js (ES module, browser, notebook renderer)
//   webviews/renderers/profile  -> dist/webviews/renderers/profile.js  (ES module, browser, notebook renderer)
//   webviews/renderers/drift    -> dist/webviews/renderers/drift.js    (ES module, browser, notebook renderer)
// The extension host must load no native module (Electron's ABI differs from the user's
// node): the bundle is checked for any, and the build fails if one slipped in.
//
//   node -e "import('./scripts/build-extension.mjs').then(m => m.buildExtension(process.cwd()))"
import { build } from 'esbuild';
import { join, relative } from 'node:path';

/** Modules with no `vscode` import, also emitted one file each so plain-Node unit tests can load them. */
const PURE_MODULES = ['extension/commands.ts', 'extension/notebook/mime.ts'];

/** Packages with native parts; none may end up in the extension host. */
const NATIVE_PACKAGES = ['better-sqlite3', '@duckdb/', 'duckdb', '@tensorflow/tfjs-node', 'zeromq', 'tslab', 'bindings', 'node-gyp-build'];

export async function buildExtension(root, { minify = false, log = console.log } = {}) {
  const dist = join(root, 'dist');
  const [, host, renderer, profileRenderer, driftRenderer] = await Promise.all([
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
    build({
      entryPoints: [join(root, 'webviews', 'renderers', 'vegalite.ts')],
      outfile: join(dist, 'webviews', 'renderers', 'vegalite.js'),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      // vega and vega-lite are large; the renderer is loaded once per notebook webview.
      minify: true,
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    }),
    build({
      // The inline data profile of `lab.profile(...)`: no vega, SVG bars only (a few KiB).
      entryPoints: [join(root, 'webviews', 'renderers', 'profile.ts')],
      outfile: join(dist, 'webviews', 'renderers', 'profile.js'),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    }),
    build({
      // The inline drift report of `lab.drift(...)`: no vega either, SVG bars only.
      entryPoints: [join(root, 'webviews', 'renderers', 'drift.ts')],
      outfile: join(dist, 'webviews', 'renderers', 'drift.js'),
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      minify: true,
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    }),
  ]);

  const inputs = Object.keys(host.metafile.inputs);
  const native = inputs.filter((f) => f.endsWith('.node') ||
    NATIVE_PACKAGES.some((p) => f.includes(`node_modules/${p}`)));
  if (native.length > 0) {
    throw new Error(`the extension bundle would load native code in the extension host:\n  ${native.join('\n  ')}\n` +
      'Move that code into a child process run by the user\'s node (see kernel/client.ts).');
  }
  const size = (meta) => Object.values(meta.outputs).filter((o) => o.entryPoint).reduce((n, o) => n + o.bytes, 0);
  log(`bundled ${relative(root, join(dist, 'extension', 'extension.js'))} (${(size(host.metafile) / 1024).toFixed(0)} KiB, ${inputs.length} modules)` +
    `, ${relative(root, join(dist, 'webviews', 'renderers', 'vegalite.js'))} (${(size(renderer.metafile) / 1024).toFixed(0)} KiB) ` +
    `, ${relative(root, join(dist, 'webviews', 'renderers', 'profile.js'))} (${(size(profileRenderer.metafile) / 1024).toFixed(0)} KiB) ` +
    `and ${relative(root, join(dist, 'webviews', 'renderers', 'drift.js'))} (${(size(driftRenderer.metafile) / 1024).toFixed(0)} KiB)`);
  return { extension: host.metafile, renderer: renderer.metafile, profileRenderer: profileRenderer.metafile, driftRenderer: driftRenderer.metafile };
}
