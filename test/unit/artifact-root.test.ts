/**
 * Artifacts for a team (issue 17, item 4): an artifact root that can be a shared folder
 * (`artifactRoot`, LABBOOK_ARTIFACTS), content-addressed by SHA-256, safe under writers in
 * several processes (temp file in the root, then rename; the same content twice is fine),
 * and each artifact records the root it was written to, so reads find it from any store.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, SCHEMA_VERSION } from '../../core/store';
import { MIGRATIONS } from '../../core/store/schema';
import { makeTempDir, removeDir, sha256 } from './temp';

const storeModule = join(__dirname, '..', '..', 'core', 'store', 'index.js');

/** One writer process: its own store, the shared root, `count` artifacts (even ones shared by all). */
const WRITER = `
const { Store } = require(process.argv[1]);
const [, , path, root, who, count] = process.argv;
const store = Store.open({ path, artifactRoot: root });
const run = store.createRun({ experiment: 'team', name: who });
for (let i = 0; i < Number(count); i++) {
  const body = i % 2 === 0 ? 'shared ' + i + ' '.repeat(20000) : who + ' own ' + i;
  store.logArtifact(run.id, 'a' + i + '.txt', body);
}
store.close();
`;

function writer(args: string[]): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['-e', WRITER, storeModule, ...args], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) =>
      code === 0 ? done() : fail(new Error(`writer ${args[2]} exited ${code}: ${stderr}`)),
    );
  });
}

function blobsUnder(root: string): string[] {
  return readdirSync(root)
    .filter((d) => /^[0-9a-f]{2}$/.test(d))
    .flatMap((d) => readdirSync(join(root, d)).map((f) => d + f));
}

describe('an artifact root for a team', function () {
  this.timeout(120_000);
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    dir = makeTempDir();
    saved = process.env.LABBOOK_ARTIFACTS;
    delete process.env.LABBOOK_ARTIFACTS;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.LABBOOK_ARTIFACTS;
    else process.env.LABBOOK_ARTIFACTS = saved;
    removeDir(dir);
  });

  it('writes under the given root, records it, and any store reads it back', () => {
    const shared = join(dir, 'team-share');
    const path = join(dir, 'a', 'labbook.db');
    mkdirSync(dirname(path));
    const a = Store.open({ path, artifactRoot: shared });
    const run = a.createRun({ experiment: 'e' });
    const logged = a.logArtifact(run.id, 'model/weights.bin', 'weights');
    assert.equal(logged.root, shared);
    assert.equal(
      a.artifactPath(logged.sha256),
      join(shared, logged.sha256.slice(0, 2), logged.sha256.slice(2)),
    );
    assert.equal(readFileSync(a.artifactPath(logged.sha256), 'utf8'), 'weights');
    a.close();
    // Opened without the option (its new artifacts go beside the database), it still finds it.
    const again = Store.open({ path });
    try {
      assert.equal(again.readArtifact(run.id, 'model/weights.bin').toString(), 'weights');
      const local = again.logArtifact(run.id, 'notes.txt', 'local');
      assert.equal(local.root, join(dir, 'a', 'artifacts'));
      assert.equal(again.readArtifact(run.id, 'notes.txt').toString(), 'local');
    } finally {
      again.close();
    }
    process.env.LABBOOK_ARTIFACTS = join(dir, 'from-env');
    const env = Store.open({ path });
    try {
      assert.equal(env.artifactsDir, join(dir, 'from-env'));
      assert.equal(env.logArtifact(run.id, 'env.txt', 'env').root, join(dir, 'from-env'));
    } finally {
      env.close();
    }
  });

  it('migration 7 keeps older artifacts readable where they were', () => {
    const path = join(dir, 'old', 'labbook.db');
    const old = Store.open({ path });
    const run = old.createRun({ experiment: 'e' });
    const logged = old.logArtifact(run.id, 'x.txt', 'old content');
    old.close();
    const raw = new Database(path);
    raw.exec('ALTER TABLE artifacts DROP COLUMN root');
    // Back to schema 6: what later migrations created goes too (they only create).
    for (const m of MIGRATIONS.filter((m) => m.version > 7))
      for (const [, kind, name] of m.sql.matchAll(/CREATE (TABLE|INDEX) (\w+)/g))
        raw.exec(`DROP ${kind} IF EXISTS ${name}`);
    raw.pragma('user_version = 6');
    raw.close();
    assert.ok(MIGRATIONS.some((m) => m.version === 7));
    const store = Store.open({ path, artifactRoot: join(dir, 'elsewhere') });
    try {
      assert.equal(store.schemaVersion, SCHEMA_VERSION);
      const artifact = store.getArtifact(run.id, 'x.txt')!;
      assert.deepEqual(
        [artifact.sha256, artifact.size, artifact.root],
        [logged.sha256, logged.size, join(dir, 'old', 'artifacts')],
      );
      assert.equal(store.readArtifact(run.id, 'x.txt').toString(), 'old content');
    } finally {
      store.close();
    }
  });

  it('several processes write the same and different artifacts into one root at once', async () => {
    const shared = join(dir, 'share');
    const writers = ['w1', 'w2', 'w3', 'w4'];
    const count = 40;
    await Promise.all(
      writers.map((w) => writer([join(dir, w, 'labbook.db'), shared, w, String(count)])),
    );
    const bodies = new Map<string, string>();
    for (const w of writers) {
      for (let i = 0; i < count; i++) {
        const body = i % 2 === 0 ? `shared ${i}${' '.repeat(20000)}` : `${w} own ${i}`;
        bodies.set(sha256(body), body);
      }
    }
    // 20 shared contents stored once, 4 × 20 own ones.
    assert.equal(bodies.size, count / 2 + writers.length * (count / 2));
    assert.deepEqual(blobsUnder(shared).sort(), [...bodies.keys()].sort());
    for (const [hash, body] of bodies) {
      assert.equal(readFileSync(join(shared, hash.slice(0, 2), hash.slice(2)), 'utf8'), body);
    }
    assert.deepEqual(readdirSync(join(shared, '.tmp')), [], 'no temp file left behind');
    for (const w of writers) {
      const store = Store.open({ path: join(dir, w, 'labbook.db'), forReading: true });
      try {
        const run = store.listRuns()[0];
        assert.equal(store.listArtifacts(run.id).length, count);
        assert.ok(store.listArtifacts(run.id).every((a) => a.root === shared));
        assert.equal(store.readArtifact(run.id, 'a1.txt').toString(), `${w} own 1`);
      } finally {
        store.close();
      }
    }
  });
});
