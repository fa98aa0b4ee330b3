// `npm run package`: builds the extension and packs it into labbook-VERSION.vsix.
//
//   node scripts/package.mjs [--out FILE] [--no-build] [--stage-only]
//
// The extension host bundle is self-contained (esbuild); the kernel, the workspace service
// and the CLI run in the user's node and load their packages from node_modules, so the
// staged folder gets the run-time dependency closure of package.json, pruned of what never
// runs (sources, maps, docs, browser bundles, build intermediates, zeromq: tslab's Jupyter
// mode only). The native modules are the ones built on this machine; native.json records
// their ABI so the extension can tell a mismatched node (extension/notebook/native.ts).
// Packs with @vscode/vsce when it is installed, else writes the same zip layout itself.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TSSERVER_PLUGIN } from './build-extension.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const stage = join(root, '.package', 'extension');
// Absolute: vsce runs in the staging folder.
const out = resolve(option('--out') ?? join(root, `${pkg.name}-${pkg.version}.vsix`));

/**
 * Dependencies never loaded at run time, by the package that declares them: tslab's Jupyter
 * mode (zeromq) and bundler (rollup), which notebooks in VS Code never use; the tfjs
 * package's converter CLI and browser polyfills (its Node bundle requires none of them).
 */
const LEFT_OUT = {
  tslab: [
    'zeromq',
    'rollup',
    '@rollup/plugin-commonjs',
    '@rollup/plugin-node-resolve',
    '@rollup/plugin-replace',
  ],
  '@tensorflow/tfjs': ['core-js', 'regenerator-runtime', 'yargs', 'chalk', 'argparse'],
};
/** Packages whose declarations notebooks type-check against; every other package ships without its .d.ts. */
const TYPED = /^(@tensorflow\/|@types\/|@webgpu\/types$|tslab$|@tslab\/|undici-types$|long$)/;
const DROP_DIRS = new Set([
  'test',
  'tests',
  '__tests__',
  'docs',
  'doc',
  'example',
  'examples',
  '.github',
  'benchmark',
  'bench',
  'scripts',
]);

function findPackage(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return undefined;
  }
}

/** Folders of every package the run time needs, from package.json `dependencies` down. */
function runtimeClosure() {
  const found = new Set();
  const visit = (dir) => {
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const deps = { ...manifest.dependencies, ...manifest.optionalDependencies };
    for (const name of Object.keys(deps)) {
      if (LEFT_OUT[manifest.name]?.includes(name)) continue;
      const at = findPackage(name, dir);
      if (!at) {
        if (manifest.optionalDependencies?.[name]) continue;
        throw new Error(
          `${name}, a dependency of ${manifest.name}, is not installed: run npm install`,
        );
      }
      if (found.has(at)) continue;
      found.add(at);
      visit(at);
    }
  };
  visit(root);
  return [...found];
}

/** Whether a file of package `name` (path relative to the package) runs or types notebooks. */
function keepFile(name, rel, manifest) {
  const parts = rel.split(sep);
  const base = parts[parts.length - 1];
  if (parts.slice(0, -1).some((p) => DROP_DIRS.has(p))) return false;
  if (/\.d\.[mc]?ts$/.test(base) && !TYPED.test(name)) return false;
  // apache-arrow ships ES-module twins and browser bundles; Node requires the CommonJS files.
  if (name === 'apache-arrow' && (base.endsWith('.mjs') || /\.(min|dom)\.js$/.test(base)))
    return false;
  if (
    /\.(map|md|markdown|tsbuildinfo|gyp|gypi|cc|cpp|c|h|hpp|o|a|mk)$/i.test(base) &&
    !/^license/i.test(base)
  )
    return false;
  if (
    base.endsWith('.ts') &&
    !base.endsWith('.d.ts') &&
    !base.endsWith('.d.mts') &&
    !base.endsWith('.d.cts')
  )
    return false;
  if (name.startsWith('@tensorflow/')) {
    // Node loads the one CommonJS bundle `main`; the type checker reads the .d.ts files.
    if (parts[0] === 'dist') {
      const main = (manifest.main ?? '').replace(/^\.\//, '');
      return (
        rel === main ||
        base.endsWith('.d.ts') ||
        base.endsWith('.wasm') ||
        (name.endsWith('backend-wasm') &&
          parts.length === 2 &&
          /^tfjs-backend-wasm.*\.js$/.test(base))
      );
    }
    return parts.length === 1 || parts[0] === 'dist';
  }
  if (name === 'better-sqlite3')
    return (
      parts.length === 1 ||
      parts[0] === 'lib' ||
      rel === join('build', 'Release', 'better_sqlite3.node')
    );
  if (name === '@tslab/typescript-for-tslab') {
    if (parts[0] !== 'lib') return parts.length === 1;
    // The compiler API and its lib.*.d.ts; not the servers, the tsc CLI or translations.
    return (
      parts.length === 2 &&
      (base === 'typescript.js' ||
        base === 'typescript.d.ts' ||
        /^lib\..*\.d\.ts$/.test(base) ||
        base === 'lib.d.ts')
    );
  }
  return true;
}

function copyPackage(from, to, name) {
  const manifest = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      const rel = relative(from, full);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' && dir === from) continue; // nested packages come on their own
        walk(full);
      } else if (keepFile(name, rel, manifest)) {
        mkdirSync(dirname(join(to, rel)), { recursive: true });
        cpSync(full, join(to, rel), { dereference: true });
      }
    }
  };
  walk(from);
  // The shipped manifest must not promise what was left out: vsce lists the dependencies
  // with `npm list`, which fails on a missing one.
  const omitted = LEFT_OUT[manifest.name];
  if (omitted && manifest.dependencies) {
    for (const dep of omitted) delete manifest.dependencies[dep];
    writeFileSync(join(to, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  }
}

function packageName(dir) {
  return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
}

/** The manifest as shipped: no scripts or devDependencies (vsce would run `vscode:prepublish`). */
function shippedManifest() {
  const rest = { ...pkg };
  for (const key of ['devDependencies', 'scripts', 'files']) delete rest[key];
  return { ...rest, scripts: {} };
}

function nativeInfo() {
  const version = (name) =>
    JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')).version;
  return {
    // better-sqlite3 is built against node's own ABI; DuckDB's binding is N-API (any node of the platform).
    node: process.version,
    modules: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
    packages: {
      'better-sqlite3': version('better-sqlite3'),
      '@duckdb/node-api': version('@duckdb/node-api'),
    },
  };
}

function stageExtension() {
  rmSync(join(root, '.package'), { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  for (const file of ['README.md', 'CHANGELOG.md', 'LICENSE', 'media', 'bin'])
    if (existsSync(join(root, file)))
      cpSync(join(root, file), join(stage, file), { recursive: true });
  cpSync(join(root, 'dist'), join(stage, 'dist'), {
    recursive: true,
    filter: (src) => !relative(join(root, 'dist'), src).startsWith('test') && !src.endsWith('.map'),
  });
  // The Node-side files carry inline source maps (for tests); the package does without.
  for (const file of listFiles(join(stage, 'dist')))
    if (file.endsWith('.js')) {
      const text = readFileSync(file, 'utf8');
      const stripped = text.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, '\n');
      if (stripped !== text) writeFileSync(file, stripped);
    }
  writeFileSync(join(stage, 'package.json'), JSON.stringify(shippedManifest(), null, 2));
  writeFileSync(join(stage, 'dist', 'native.json'), JSON.stringify(nativeInfo(), null, 2));
  for (const dir of runtimeClosure()) {
    const rel = relative(root, dir);
    copyPackage(dir, join(stage, rel), packageName(dir));
  }
  // tsserver loads plugins by package name from the extension's node_modules.
  cpSync(
    join(root, 'dist', 'tsserver-plugin', TSSERVER_PLUGIN),
    join(stage, 'node_modules', TSSERVER_PLUGIN),
    { recursive: true },
  );
}

function listFiles(dir, out = []) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) listFiles(full, out);
    else out.push(full);
  }
  return out;
}

function vscePath() {
  try {
    return createRequire(join(root, 'package.json')).resolve('@vscode/vsce/vsce');
  } catch {
    return undefined;
  }
}

const xmlEscape = (s) => String(s).replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The .vsix layout vsce writes (an OPC zip): [Content_Types].xml, extension.vsixmanifest, extension/. */
async function writeVsix(file) {
  const JSZip = createRequire(join(root, 'package.json'))('jszip');
  const zip = new JSZip();
  const files = listFiles(stage);
  const exts = new Set(files.map((f) => (f.match(/\.[^./\\]+$/) ?? ['.bin'])[0].toLowerCase()));
  exts.add('.vsixmanifest');
  zip.file(
    '[Content_Types].xml',
    `<?xml version="1.0" encoding="utf-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">${[...exts].map((e) => `<Default Extension="${xmlEscape(e)}" ContentType="application/octet-stream"/>`).join('')}</Types>`,
  );
  zip.file(
    'extension.vsixmanifest',
    `<?xml version="1.0" encoding="utf-8"?>
<PackageManifest Version="2.0.0" xmlns="http://schemas.microsoft.com/developer/vsx-schema/2011">
  <Metadata>
    <Identity Language="en-US" Id="${xmlEscape(pkg.name)}" Version="${xmlEscape(pkg.version)}" Publisher="${xmlEscape(pkg.publisher)}"/>
    <DisplayName>${xmlEscape(pkg.displayName)}</DisplayName>
    <Description xml:space="preserve">${xmlEscape(pkg.description)}</Description>
    <Tags>${xmlEscape((pkg.keywords ?? []).join(','))}</Tags>
    <Categories>${xmlEscape(pkg.categories.join(','))}</Categories>
    <GalleryFlags>Public</GalleryFlags>
    <Properties>
      <Property Id="Microsoft.VisualStudio.Code.Engine" Value="${xmlEscape(pkg.engines.vscode)}"/>
      <Property Id="Microsoft.VisualStudio.Code.ExtensionKind" Value="workspace"/>
    </Properties>
    <License>extension/LICENSE</License>
    <Icon>extension/${xmlEscape(pkg.icon)}</Icon>
  </Metadata>
  <Installation><InstallationTarget Id="Microsoft.VisualStudio.Code"/></Installation>
  <Dependencies/>
  <Assets>
    <Asset Type="Microsoft.VisualStudio.Code.Manifest" Path="extension/package.json" Addressable="true"/>
    <Asset Type="Microsoft.VisualStudio.Services.Content.Details" Path="extension/README.md" Addressable="true"/>
    <Asset Type="Microsoft.VisualStudio.Services.Content.License" Path="extension/LICENSE" Addressable="true"/>
    <Asset Type="Microsoft.VisualStudio.Services.Icons.Default" Path="extension/${xmlEscape(pkg.icon)}" Addressable="true"/>
  </Assets>
</PackageManifest>
`,
  );
  for (const f of files) {
    const mode = statSync(f).mode;
    zip.file(`extension/${relative(stage, f).split(sep).join('/')}`, readFileSync(f), {
      createFolders: false,
      unixPermissions: mode,
    });
  }
  const buffer = await zip.generateAsync({
    type: 'nodebuffer',
    compression: 'DEFLATE',
    compressionOptions: { level: 6 },
    platform: 'UNIX',
  });
  writeFileSync(file, buffer);
}

const started = Date.now();
if (!flag('--no-build'))
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], {
    stdio: 'inherit',
    cwd: root,
  });
stageExtension();
const staged = listFiles(stage);
console.log(`staged ${staged.length} files in ${relative(root, stage)}`);
if (!flag('--stage-only')) {
  const vsce = vscePath();
  if (vsce) {
    execFileSync(
      process.execPath,
      [
        vsce,
        'package',
        // vsce takes the staged node_modules through `npm list --production`.
        '--dependencies',
        '--allow-missing-repository',
        '--no-rewrite-relative-links',
        '--out',
        out,
      ],
      {
        stdio: 'inherit',
        cwd: stage,
      },
    );
  } else {
    console.log(
      '@vscode/vsce is not installed (npm install -D @vscode/vsce): writing the .vsix layout with jszip',
    );
    await writeVsix(out);
  }
  const mb = (statSync(out).size / 1024 / 1024).toFixed(1);
  console.log(
    `${relative(process.cwd(), out)}: ${mb} MB, ${staged.length} files, in ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
}
