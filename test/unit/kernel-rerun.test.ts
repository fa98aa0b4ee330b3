/**
 * Re-running cells in the real kernel process: a cell that declares const/let/class/function
 * names runs again (tslab's behaviour), and what a cell declared before it threw stays
 * there to be inspected.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { KernelSession } from '../support/kernel';
import { makeTempDir, removeDir } from './temp';

describe('kernel: re-runnable cells', function () {
  this.timeout(60_000);
  let dir: string;
  let session: KernelSession;
  const run = (code: string) => session.run(code);
  const value = (code: string) => session.value(code);

  before(async () => {
    dir = makeTempDir('labbook-rerun-');
    session = await KernelSession.start({
      notebookPath: path.join(dir, 'rerun.ipynb'),
      storePath: path.join(dir, 'store', 'labbook.db'),
    });
  });

  after(async () => {
    await session?.kernel.shutdown();
    removeDir(dir);
  });

  it('runs a cell declaring const, let, class and function names again, and later cells see the new ones', async () => {
    const cell = (n: number) =>
      `const size = ${n};\nlet total = size * 2;\nclass Point { constructor(readonly x: number) {} }\nfunction double(v: number) { return v * 2; }\ntotal`;
    assert.equal(await value(cell(1)), '2');
    assert.equal(await value(cell(1)), '2', 'the same cell run a second time');
    assert.equal(await value(cell(5)), '10', 'edited and run again');
    assert.equal(await value('[size, total, new Point(size).x, double(size)]'), '[ 5, 10, 5, 10 ]');
  });

  it('lets a re-run cell give a name another type', async () => {
    assert.equal(await value('const label = 3;\nlabel + 1'), '4');
    assert.equal(await value('const label = "three";\nlabel.toUpperCase()'), "'THREE'");
    assert.equal(await value('label.length'), '5');
  });

  it('keeps the declarations a cell made before it threw, with their types', async () => {
    const ran = await run('const a = 1;\nconst rows: number[] = [1, 2, 3];\nthrow new Error("x");');
    assert.equal(ran.status, 'error');
    const e = ran.outputs.find((o) => o.kind === 'error');
    assert.ok(e?.kind === 'error' && e.evalue === 'x', JSON.stringify(ran.outputs));
    assert.equal(await value('a'), '1');
    // Type-checked against the failed cell's declarations: `rows` is a number[].
    assert.equal(await value('rows.map((r) => r * 10)'), '[ 10, 20, 30 ]');
  });

  it('keeps earlier cells\u2019 declarations when a cell throws, and the failed cell can run again', async () => {
    assert.equal(await value('const kept = "earlier";\nkept'), "'earlier'");
    const failing = 'const attempt = kept.length;\nif (attempt > 0) throw new RangeError("once");';
    assert.equal((await run(failing)).status, 'error');
    assert.equal(
      (await run(failing)).status,
      'error',
      'the same cell again: no redeclaration error',
    );
    assert.equal(await value('[kept, attempt]'), "[ 'earlier', 7 ]");
  });

  it('still blocks a cell with a type error, after a cell that threw', async () => {
    assert.equal((await run('const n = 2;\nthrow new Error("boom");')).status, 'error');
    const ran = await run('const s: string = n;');
    assert.equal(ran.status, 'error');
    const e = ran.outputs.find((o) => o.kind === 'error');
    assert.ok(
      e?.kind === 'error' && e.diagnostics?.[0]?.code === 2322,
      JSON.stringify(ran.outputs),
    );
    assert.deepEqual([e.diagnostics[0].line, e.diagnostics[0].column], [1, 7]);
  });
});
