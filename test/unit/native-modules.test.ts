/**
 * Native modules against the user's node (extension/notebook/native.ts): the mismatch is
 * named exactly, the probe is parsed, and a rebuild's hook makes `require` load the
 * rebuilt package instead of the bundled one.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  nativeMismatch,
  parseProbe,
  PROBE_ARGS,
  rebuildManifest,
  rebuiltHook,
  redirectHookSource,
  runtimeKey,
  type NativeBuild,
} from '../../extension/notebook/native';
import {
  checkNode,
  NativeMismatchError,
  nodeEnvOverrides,
  setNativeRoot,
} from '../../extension/notebook/node';
import { makeTempDir, removeDir } from './temp';

const build: NativeBuild = {
  node: 'v20.20.2',
  modules: '115',
  platform: 'linux',
  arch: 'x64',
  packages: { 'better-sqlite3': '12.4.1', '@duckdb/node-api': '1.5.6-r.1' },
};

describe('native modules and the user’s node', () => {
  it('finds nothing to say when ABI and platform match', () => {
    const runtime = { version: 'v20.11.0', modules: '115', platform: 'linux', arch: 'x64' };
    assert.equal(nativeMismatch(build, runtime, 'node'), undefined);
  });

  it('names both ABIs when only the ABI differs', () => {
    const runtime = { version: 'v22.12.0', modules: '127', platform: 'linux', arch: 'x64' };
    assert.equal(
      nativeMismatch(build, runtime, '/opt/node22/bin/node'),
      `Labbook's native modules (better-sqlite3) were built for Node.js v20.20.2 (ABI 115) on linux-x64, ` +
        `but "/opt/node22/bin/node" is Node.js v22.12.0 (ABI 127) on linux-x64. Install them for this node ` +
        `into Labbook's storage (needs npm and the npm registry), or set "labbook.nodePath" to a Node.js ` +
        `with ABI 115 on linux-x64.`,
    );
  });

  it('names the platform, and DuckDB, when the platform differs', () => {
    const runtime = { version: 'v20.20.2', modules: '115', platform: 'darwin', arch: 'arm64' };
    const message = nativeMismatch(build, runtime, 'node') ?? '';
    assert.match(
      message,
      /\(better-sqlite3 and DuckDB\) were built for .* on linux-x64, but "node" is .* on darwin-arm64/,
    );
  });

  it('reads what the real node prints for PROBE_ARGS, and refuses anything else', () => {
    const out = execFileSync(process.execPath, PROBE_ARGS, { encoding: 'utf8' });
    assert.deepEqual(parseProbe(out), {
      version: process.version,
      modules: process.versions.modules,
      platform: process.platform,
      arch: process.arch,
      execPath: process.execPath,
    });
    assert.equal(parseProbe('v20.20.2\n'), undefined);
    assert.equal(parseProbe('{"version":"v20"}'), undefined);
  });

  it('a rebuild folder per runtime; its hook redirects require to the rebuilt packages', () => {
    const dir = makeTempDir('labbook-native-');
    try {
      const runtime = { version: process.version, modules: '999', platform: 'linux', arch: 'x64' };
      assert.equal(runtimeKey(runtime), 'node-abi999-linux-x64');
      assert.equal(rebuiltHook(dir, runtime), undefined);
      const rebuilt = path.join(dir, runtimeKey(runtime));
      // The "bundled" copies, beside the requiring file, and the "rebuilt" ones.
      for (const [where, label] of [
        [path.join(dir, 'extension'), 'bundled'],
        [rebuilt, 'rebuilt'],
      ] as const) {
        for (const name of ['better-sqlite3', '@duckdb/node-api', 'other']) {
          const pkgDir = path.join(where, 'node_modules', name);
          mkdirSync(pkgDir, { recursive: true });
          writeFileSync(
            path.join(pkgDir, 'index.js'),
            `module.exports = ${JSON.stringify(label)};`,
          );
        }
      }
      writeFileSync(path.join(rebuilt, 'package.json'), rebuildManifest(build));
      writeFileSync(
        path.join(rebuilt, 'redirect.js'),
        redirectHookSource(rebuilt, Object.keys(build.packages)),
      );
      assert.equal(rebuiltHook(dir, runtime), path.join(rebuilt, 'redirect.js'));
      const script = path.join(dir, 'extension', 'main.js');
      writeFileSync(
        script,
        "console.log([require('better-sqlite3'), require('@duckdb/node-api'), require('other')].join(','))",
      );
      const run = (env: NodeJS.ProcessEnv) =>
        execFileSync(process.execPath, [script], {
          encoding: 'utf8',
          env: { ...process.env, ...env },
        }).trim();
      assert.equal(run({}), 'bundled,bundled,bundled');
      assert.equal(
        run({ NODE_OPTIONS: `--require ${JSON.stringify(path.join(rebuilt, 'redirect.js'))}` }),
        'rebuilt,rebuilt,bundled',
      );
      assert.deepEqual(JSON.parse(rebuildManifest(build)).dependencies, build.packages);
    } finally {
      removeDir(dir);
    }
  });
});

describe('checkNode: the messages a user sees', function () {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('labbook-checknode-');
  });
  afterEach(() => removeDir(dir));

  function fakeNode(name: string, script: string): string {
    const file = path.join(dir, name);
    writeFileSync(file, `#!/bin/sh\n${script}\n`, { mode: 0o755 });
    return file;
  }

  it('says node is missing and names the setting', async () => {
    const missing = path.join(dir, 'no-such-node');
    await assert.rejects(checkNode(missing), (error: Error) => {
      assert.equal(error.name, 'NodeSetupError');
      assert.match(
        error.message,
        /^Node\.js was not found: ".*no-such-node" is not on PATH or does not exist\. Labbook runs notebooks with Node\.js 20\.19\.0 or newer; install it, or set "labbook\.nodePath" to its path\.$/,
      );
      return true;
    });
  });

  it('says node is too old (a node that cannot print the probe)', async function () {
    if (process.platform === 'win32') this.skip();
    const old = fakeNode('node18', 'echo v18.19.0');
    await assert.rejects(
      checkNode(old),
      /is Node\.js v18\.19\.0; Labbook needs 20\.19\.0 or newer\. Set labbook\.nodePath/,
    );
  });

  it('says what differs from the bundled native modules, until a rebuild exists', async () => {
    const buildFile = path.join(dir, 'native.json');
    writeFileSync(buildFile, JSON.stringify({ ...build, modules: '1', node: 'v0.0.1' }));
    const root = path.join(dir, 'native');
    setNativeRoot(root, buildFile);
    await assert.rejects(checkNode(process.execPath), (error: Error) => {
      assert.ok(error instanceof NativeMismatchError);
      assert.match(
        error.message,
        new RegExp(
          `built for Node\\.js v0\\.0\\.1 \\(ABI 1\\) on linux-x64, but ".*" is Node\\.js ${process.version.replace(/\./g, '\\.')} \\(ABI ${process.versions.modules}\\)`,
        ),
      );
      return true;
    });
    assert.equal(nodeEnvOverrides({}).NODE_OPTIONS, undefined);
    const hookDir = path.join(
      root,
      `node-abi${process.versions.modules}-${process.platform}-${process.arch}`,
    );
    mkdirSync(hookDir, { recursive: true });
    writeFileSync(path.join(hookDir, 'redirect.js'), '');
    assert.equal(await checkNode(process.execPath), process.version);
    assert.equal(
      nodeEnvOverrides({}).NODE_OPTIONS,
      `--require ${JSON.stringify(path.join(hookDir, 'redirect.js'))}`,
    );
    // The bundled build matches again (a checkout has no native.json): no hook, no error.
    setNativeRoot(root, path.join(dir, 'absent.json'));
    rmSync(hookDir, { recursive: true });
    assert.equal(await checkNode(process.execPath), process.version);
    assert.equal(nodeEnvOverrides({}).NODE_OPTIONS, undefined);
  });
});
