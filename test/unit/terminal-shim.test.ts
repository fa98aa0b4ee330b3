/**
 * The integrated terminal's `labbook` command (extension/terminal/shim.ts): the script runs
 * the extension's own CLI with the configured node from any folder, so users never need
 * `npx labbook`, which inside a checkout rebuilds the project (issue 14, item 2).
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, statSync, symlinkSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { posixShim, windowsShim, writeShims } from '../../extension/terminal/shim';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const { version } = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  version: string;
};

describe('terminal labbook command', function () {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir('labbook-shim-');
  });
  afterEach(() => removeDir(dir));

  function runInEmptyFolder(binDir: string, args: string[], env: NodeJS.ProcessEnv = {}) {
    const cwd = path.join(dir, 'empty folder');
    mkdirSync(cwd, { recursive: true });
    return spawnSync('sh', ['-c', `labbook ${args.join(' ')}`], {
      cwd,
      encoding: 'utf8',
      env: { ...process.env, ...env, PATH: `${binDir}${path.delimiter}${process.env.PATH}` },
    });
  }

  it('runs the CLI from a folder with no package.json, through a path that needs quoting', function () {
    if (process.platform === 'win32') this.skip();
    // A path with a space and a single quote: the script must quote both.
    const extension = path.join(dir, "it's an extension");
    symlinkSync(root, extension, 'dir');
    const binDir = path.join(dir, 'global storage', 'bin');
    assert.equal(
      writeShims(binDir, {
        nodePath: process.execPath,
        cliPath: path.join(extension, 'bin', 'labbook.js'),
      }),
      true,
    );
    assert.equal(statSync(path.join(binDir, 'labbook')).mode & 0o111, 0o111, 'executable');
    const result = runInEmptyFolder(binDir, ['--version']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), version);
  });

  it('passes arguments and the environment through (LABBOOK_STORE picks the store)', function () {
    if (process.platform === 'win32') this.skip();
    const binDir = path.join(dir, 'bin');
    writeShims(binDir, { nodePath: 'node', cliPath: path.join(root, 'bin', 'labbook.js') });
    const store = path.join(dir, 'sidebar store', 'labbook.db');
    const result = runInEmptyFolder(binDir, ['runs', '--experiment', '"two words"'], {
      LABBOOK_STORE: store,
    });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), `No runs yet: there is no Labbook store at ${store}`);
  });

  it('rewrites the script only when its content changes', () => {
    const binDir = path.join(dir, 'bin');
    const target = { nodePath: '/opt/node/bin/node', cliPath: '/ext/bin/labbook.js' };
    assert.equal(writeShims(binDir, target, 'linux'), true);
    assert.equal(writeShims(binDir, target, 'linux'), false);
    assert.equal(writeShims(binDir, { ...target, nodePath: '/usr/bin/node' }, 'linux'), true);
    assert.match(readFileSync(path.join(binDir, 'labbook'), 'utf8'), /exec '\/usr\/bin\/node' /);
  });

  it('quotes for sh and for cmd.exe, and refuses what cmd.exe cannot quote', () => {
    const sh = posixShim({ nodePath: "/a b/it's/node", cliPath: '/x/$HOME/`y`.js' });
    assert.match(sh, /^#!\/bin\/sh\n/);
    assert.ok(sh.includes(`exec '/a b/it'\\''s/node' '/x/$HOME/\`y\`.js' "$@"`), sh);
    // The quoted words come back unchanged from a real shell.
    const echoed = execFileSync(
      'sh',
      ['-c', sh.split('\n')[2].replace(/^exec /, 'printf "%s|" ')],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(echoed, "/a b/it's/node|/x/$HOME/`y`.js|");
    assert.equal(
      windowsShim({
        nodePath: 'C:\\Program Files\\nodejs\\node.exe',
        cliPath: 'C:\\ext\\bin\\labbook.js',
      }),
      '@echo off\r\n"C:\\Program Files\\nodejs\\node.exe" "C:\\ext\\bin\\labbook.js" %*\r\n',
    );
    assert.throws(
      () => windowsShim({ nodePath: 'C:\\50%\\node.exe', cliPath: 'C:\\ext\\bin\\labbook.js' }),
      /nodePath "C:\\50%\\node.exe" holds a character a \.cmd file cannot quote/,
    );
  });
});
