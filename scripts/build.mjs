// Builds every runtime with esbuild. Node-side code (core/, kernel/, test/) is transpiled
// file by file into dist/ (no bundling: native modules and tslab resolve from node_modules);
// the SDK's type declarations are emitted by tsc so notebooks type-check `import "labbook"`.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');

function tsFiles(dir) {
  const out = [];
  for (const name of readdirSync(join(root, dir))) {
    const rel = join(dir, name);
    if (statSync(join(root, rel)).isDirectory()) out.push(...tsFiles(rel));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(rel);
  }
  return out;
}

const nodeEntries = ['core', 'kernel', 'cli', 'test'].flatMap(tsFiles);
await build({
  entryPoints: nodeEntries.map((f) => join(root, f)),
  outdir: dist,
  outbase: root,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: 'inline',
  bundle: false,
  logLevel: 'warning',
});

// Declarations of the notebook-facing modules (`labbook`), laid out as a package that
// the kernel maps to `node_modules/labbook` for the TypeScript checker of each cell.
const typesDir = join(dist, 'sdk-types');
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.sdk.json')],
  { stdio: 'inherit' },
);
mkdirSync(join(typesDir, 'labbook'), { recursive: true });
writeFileSync(
  join(typesDir, 'labbook', 'package.json'),
  JSON.stringify({ name: 'labbook', types: 'kernel/sdk/index.d.ts' }, null, 2),
);
// The editor: the extension host bundle (no native module) and the notebook renderer.
const { buildExtension } = await import('./build-extension.mjs');
await buildExtension(root);

// Panels (webviews): one browser bundle each, with their stylesheet beside it.
for (const panel of [
  'run-details',
  'runs-table',
  'compare',
  'registry',
  'model-card',
  'data-quality',
  'drift',
  'monitoring',
  'variable-table',
]) {
  await build({
    entryPoints: [join(root, 'webviews', panel, 'main.ts')],
    outfile: join(dist, 'webviews', panel, 'main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  // One stylesheet per panel (webviewHtml.ts links main.css alone): the shared base first, so the panel's own rules win.
  const css = ['shared/base.css', `${panel}/main.css`].map((f) =>
    readFileSync(join(root, 'webviews', f), 'utf8'),
  );
  writeFileSync(join(dist, 'webviews', panel, 'main.css'), css.join('\n'));
}
console.log(`built ${nodeEntries.length} files into dist/`);
