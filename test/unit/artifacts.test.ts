/** Artifacts: content-addressed files under artifacts/ab/cdef…, and names that cannot escape. */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store, StoreError, validateArtifactName } from '../../core/store';
import { makeTempDir, removeDir, sha256 } from './temp';

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath ?? e.path, e.name))
    .sort();
}

describe('artifacts', () => {
  let dir: string;
  let store: Store;
  let runId: string;
  beforeEach(() => {
    dir = makeTempDir();
    store = Store.open({ path: join(dir, 'labbook.db') });
    runId = store.createRun({ experiment: 'e', name: 'r' }).id;
  });
  afterEach(() => {
    store.close();
    removeDir(dir);
  });

  it('stores content once, at artifacts/<first two hex digits>/<rest of the SHA-256>', () => {
    const text = 'hello, artifacts\n';
    const a = store.logArtifact(runId, 'notes/readme.txt', text);
    const expected = sha256(text);
    assert.equal(a.sha256, expected);
    assert.equal(a.size, Buffer.byteLength(text));
    assert.equal(a.mediaType, 'text/plain');
    const file = join(dir, 'artifacts', expected.slice(0, 2), expected.slice(2));
    assert.equal(store.artifactPath(expected), file);
    assert.equal(readFileSync(file, 'utf8'), text);

    // The same bytes under another name and another run: one file on disk.
    const other = store.createRun({ experiment: 'e', name: 'r2' }).id;
    store.logArtifact(other, 'copy.bin', new TextEncoder().encode(text));
    assert.deepEqual(listFiles(join(dir, 'artifacts')), [file]);
    assert.equal(store.readArtifact(other, 'copy.bin').toString('utf8'), text);
    assert.equal(store.listArtifacts(other)[0].mediaType, 'application/octet-stream');
  });

  it('copies files given as { path } and replaces what a re-logged name points to', () => {
    const source = join(dir, 'weights.bin');
    const bytes = Buffer.alloc(3 * 1024 * 1024 + 17);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 31) % 251;
    writeFileSync(source, bytes);
    const fromFile = store.logArtifact(runId, 'model/weights.bin', { path: source });
    assert.equal(fromFile.sha256, sha256(bytes));
    assert.equal(fromFile.size, bytes.length);
    assert.ok(store.readArtifact(runId, 'model/weights.bin').equals(bytes));

    store.logArtifact(runId, 'model/weights.bin', '{"v":2}', { mediaType: 'application/json' });
    const listed = store.listArtifacts(runId);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].mediaType, 'application/json');
    assert.equal(store.readArtifact(runId, 'model/weights.bin').toString(), '{"v":2}');
    // Temp files never outlive a write.
    assert.deepEqual(listFiles(join(dir, 'artifacts', '.tmp')), []);
  });

  it('rejects names that could escape the artifact folder, saying why, and writes nothing', () => {
    const bad: Array<[string, RegExp]> = [
      ['../x', /"\.\.\/x": it contains a "\.\." segment/],
      ['/etc/passwd', /"\/etc\/passwd": it is an absolute path/],
      ['a/../../b', /"a\/\.\.\/\.\.\/b": it contains a "\.\." segment/],
      ['C:\\x', /"C:\\\\x": it contains a backslash/],
      ['C:/x', /starts with a drive letter/],
      ['a\\..\\b', /backslash/],
      ['a\0b', /"a\\u0000b": it contains a NUL character/],
      ['', /"": it is empty/],
      ['x'.repeat(256), /is 256 characters long; the limit is 255/],
      ['a//b', /empty or "\." path segment/],
      ['./a', /empty or "\." path segment/],
      ['dir/', /empty or "\." path segment/],
      ['line\nbreak', /control character/],
    ];
    for (const [name, why] of bad) {
      assert.throws(
        () => store.logArtifact(runId, name, 'data'),
        (error: unknown) => {
          assert.ok(error instanceof StoreError, String(error));
          assert.equal(error.code, 'INVALID_ARTIFACT_NAME');
          assert.match(error.message, /^invalid artifact name /);
          assert.match(error.message, why);
          return true;
        },
        `name ${JSON.stringify(name)} should be rejected`,
      );
    }
    assert.deepEqual(store.listArtifacts(runId), []);
    assert.deepEqual(listFiles(join(dir, 'artifacts')), []);
    assert.throws(() => validateArtifactName(42), /must be a string, got number/);
  });

  it('accepts ordinary relative names', () => {
    for (const name of [
      'model.json',
      'model/weights.bin',
      'plots/2024-01-01 loss curve.png',
      '..hidden',
      'a..b/c',
      'x'.repeat(255),
    ]) {
      assert.equal(validateArtifactName(name), name);
    }
    assert.equal(
      store.logArtifact(runId, 'plots/loss.png', new Uint8Array([137, 80])).mediaType,
      'image/png',
    );
    // Any typed array is stored as its bytes.
    const weights = new Float32Array([1.5, -2, 3]);
    store.logArtifact(runId, 'weights.f32', weights as unknown as Uint8Array);
    assert.ok(store.readArtifact(runId, 'weights.f32').equals(Buffer.from(weights.buffer)));
  });

  it('reports a missing source file and an unknown run clearly', () => {
    assert.throws(
      () => store.logArtifact(runId, 'x.bin', { path: join(dir, 'missing.bin') }),
      /cannot read artifact source .*missing\.bin/,
    );
    assert.throws(() => store.logArtifact('nope', 'x.txt', 'data'), /no run with id "nope"/);
    assert.throws(
      () => store.readArtifact(runId, 'never-logged'),
      /has no artifact "never-logged"/,
    );
  });
});
