/**
 * Two stores in one folder share one artifact root (the location rule puts `artifacts/`
 * beside the database). Purging a run in one must not delete a file the other still
 * references: identical model weights are one file for both (issue 14, item 11).
 */
import { strict as assert } from 'node:assert';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../core/store';
import { makeTempDir, removeDir } from './temp';

describe('stores sharing an artifact root', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  it('keeps a blob another store in the folder references, and frees it when the last one goes', () => {
    const a = Store.open({ path: join(dir, 'a.db') });
    const b = Store.open({ path: join(dir, 'b.db') });
    assert.equal(a.artifactsDir, b.artifactsDir, 'the premise: one root');
    // Not a store: a sibling file that is no SQLite database must not stop the purge.
    writeFileSync(join(dir, 'notes.txt'), 'hello');
    const runA = a.createRun({ experiment: 'e', name: 'in a' });
    const runB = b.createRun({ experiment: 'e', name: 'in b' });
    const weights = 'identical model weights';
    const sha = a.logArtifact(runA.id, 'model/weights.bin', weights).sha256;
    assert.equal(b.logArtifact(runB.id, 'model/weights.bin', weights).sha256, sha);
    const own = a.logArtifact(runA.id, 'only-a.txt', 'only a has this');
    const file = a.artifactPath(sha);

    a.deleteRun(runA.id);
    const first = a.purgeRuns([runA.id]);
    assert.equal(
      first.artifactBytesFreed,
      Buffer.byteLength('only a has this'),
      'only the blob no store references is freed',
    );
    assert.equal(existsSync(a.artifactPath(own.sha256)), false);
    assert.equal(existsSync(file), true, 'b still references the weights');
    assert.equal(b.readArtifact(runB.id, 'model/weights.bin').toString(), weights);

    b.deleteRun(runB.id);
    assert.equal(b.purgeRuns([runB.id]).artifactBytesFreed, Buffer.byteLength(weights));
    assert.equal(existsSync(file), false);
    a.close();
    b.close();
  });
});
