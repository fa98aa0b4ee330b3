/**
 * The kernel's idle warm-up (kernel/declaration-warmup.ts): while no cell runs, it parses
 * the declarations of the packages the notebook's cells import. A cell sent meanwhile runs
 * at once; the import cell after it finds the declarations read; type errors still block.
 * The kernel runs with LABBOOK_KERNEL_PHASES=1, so each answer says what the cell parsed.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import type { CellOutput, ExecuteResult } from '../../kernel/protocol';
import { makeTempDir, removeDir } from './temp';

const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');
const IMPORTS = 'import * as tf from "@tensorflow/tfjs";\nimport * as lab from "labbook";';

describe('kernel idle warm-up of the notebook’s declarations', function () {
  this.timeout(180_000);
  let dir: string;
  let kernel: KernelClient;
  let count = 0;
  const outputs = new Map<string, CellOutput[]>();

  async function run(code: string): Promise<ExecuteResult & { outputs: CellOutput[] }> {
    const cellId = `c${++count}`;
    outputs.set(cellId, []);
    const answer = await kernel.execute({ cellId, code, executionCount: count });
    await new Promise((r) => setImmediate(r));
    return { ...answer, outputs: outputs.get(cellId)! };
  }

  before(async () => {
    dir = makeTempDir('labbook-warmup-');
    const notebookPath = path.join(dir, 'warm.ipynb');
    const cell = (source: string) => ({
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    });
    writeFileSync(
      notebookPath,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [cell(IMPORTS), cell('tf.tensor([1, 2]).shape')],
      }),
    );
    kernel = await KernelClient.start({
      notebookPath,
      storePath: path.join(dir, 'store', 'labbook.db'),
      kernelMain,
      env: { LABBOOK_KERNEL_PHASES: '1' },
    });
    kernel.on('output', ({ cellId, output }) => outputs.get(cellId)?.push(output));
  });

  after(async () => {
    await kernel?.shutdown();
    removeDir(dir);
  });

  it('runs a cell sent while it reads, then reads on', async () => {
    // The first cell waits for the compiler's warm-up; the declaration warm-up starts after it.
    assert.equal((await run('undefined')).status, 'ok');
    const during = await run('40 + 2');
    assert.equal(during.status, 'ok');
    const shown = during.outputs.find((o) => o.kind === 'result');
    assert.equal(shown?.kind === 'result' && shown.data['text/plain'], '42');
    const early = during.phases?.prewarmedFiles;
    assert.ok(early !== undefined, 'the kernel reports the warm-up');
    // tfjs alone is hundreds of declaration files: the warm-up had not finished them.
    assert.ok(early < 300, `the warm-up was still reading when the cell ran (${early} files)`);
    const settled = await warmedUp();
    assert.ok(settled > early + 100, `the warm-up went on after the cell (${settled} files)`);
  });

  it('leaves the import cell little to parse, and type errors still block with line and column', async () => {
    await warmedUp();
    const failed = await run(`${IMPORTS}\nconst t: string = tf.tensor([1]);`);
    assert.equal(failed.status, 'error');
    const error = failed.outputs.find((o) => o.kind === 'error');
    assert.ok(error?.kind === 'error' && error.diagnostics, 'a TypeScript error');
    assert.equal(error.ename, 'TypeScript');
    assert.deepEqual(
      error.diagnostics.map((d) => [d.line, d.column, d.code]),
      [[3, 7, 2322]],
      error.traceback.join('\n'),
    );
    const ok = await run(`${IMPORTS}\ntf.tensor([1, 2]).shape`);
    assert.equal(ok.status, 'ok', JSON.stringify(ok.outputs));
    const shown = ok.outputs.find((o) => o.kind === 'result');
    assert.equal(shown?.kind === 'result' && shown.data['text/plain'], '[ 2 ]');
    // The failed cell above was the first to import tfjs; what it parsed itself is what the
    // warm-up had not (about 640 files without it).
    assert.ok(
      failed.phases!.filesParsed < 60,
      `the import cell parsed ${failed.phases!.filesParsed} files itself`,
    );
  });

  /** Runs trivial cells until the warm-up's count stops growing; returns it. */
  async function warmedUp(): Promise<number> {
    let last = -1;
    for (let i = 0; i < 300; i++) {
      const files = (await run('0')).phases?.prewarmedFiles ?? 0;
      if (files === last && files > 0) return files;
      last = files;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`the warm-up did not settle (${last} files)`);
  }
});
