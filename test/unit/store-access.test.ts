/**
 * Stores that cannot be written, empty files and mistyped paths (issue 14, item 18):
 * reading works with read-only access, an empty file is refused rather than turned into a
 * store, and a mistyped path fails naming itself instead of leaving folders behind.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, StoreError } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'labbook.js');

/** Runs a command as the unprivileged user `nobody`: root ignores file modes. */
function asNobody(args: string[]) {
  return spawnSync(
    'setpriv',
    ['--reuid', '65534', '--regid', '65534', '--clear-groups', process.execPath, ...args],
    { encoding: 'utf8', env: { ...process.env, LABBOOK_STORE: '' } },
  );
}
const canDropPrivileges =
  process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;

describe('store access', function () {
  this.timeout(60_000);
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => {
    chmodSync(dir, 0o700);
    removeDir(dir);
  });

  function storeWithOneRun(): string {
    const path = join(dir, 'labbook.db');
    const store = Store.open({ path });
    store.endRun(store.createRun({ experiment: 'e', name: 'only' }).id, 'finished');
    store.close();
    chmodSync(dir, 0o755);
    chmodSync(path, 0o644);
    return path;
  }

  it('lists runs of a store in a folder this user cannot write', function () {
    if (!canDropPrivileges) this.skip(); // needs root and setpriv to become a user without write access
    const path = storeWithOneRun();
    const before = statSync(path).mtimeMs;
    const r = asNobody([bin, 'runs', '--json', '--store', path]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      (JSON.parse(r.stdout) as { name: string }[]).map((x) => x.name),
      ['only'],
    );
    assert.equal(statSync(path).mtimeMs, before, 'the file is untouched');
    assert.deepEqual(readdirSync(dir).sort(), ['labbook.db'], 'no -wal or -shm left behind');
  });

  it('says clearly that recording needs write access', function () {
    if (!canDropPrivileges) this.skip();
    const path = storeWithOneRun();
    const r = asNobody([join(root, 'dist', 'test', 'fixtures', 'start-runs.js'), path, '1']);
    assert.notEqual(r.status, 0);
    // The script does not catch it, so Node prints the error: a StoreError that names the file.
    assert.ok(
      r.stderr.includes(`StoreError: ${path} cannot be written (a read-only file or folder?)`),
      r.stderr,
    );
  });

  it('refuses an empty file instead of turning it into a store', () => {
    const path = join(dir, 'empty.db');
    writeFileSync(path, '');
    const r = spawnSync(process.execPath, [bin, 'runs', '--store', path], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /empty\.db is an empty file, not a Labbook store/);
    assert.equal(statSync(path).size, 0);
  });

  it('fails on a mistyped store path naming it, creating no folders', () => {
    const path = join(dir, 'tpyo', 'deep', 'labbook.db');
    assert.throws(
      () => lab.startRun({ experiment: 'e', store: path }),
      (e: unknown) => {
        assert.ok(e instanceof StoreError, String(e));
        assert.match(e.message, /the folder .*tpyo does not exist \(a mistyped path\?\)/);
        return true;
      },
    );
    assert.equal(existsSync(join(dir, 'tpyo')), false);
    // The store's own folder is still made when its parent exists (the default .labbook/).
    const run = lab.startRun({ experiment: 'e', store: join(dir, '.labbook', 'labbook.db') });
    run.end();
    assert.ok(existsSync(join(dir, '.labbook', 'labbook.db')));
  });
});
