/**
 * Local TypeScript files a cell imports are type-checked and compiled with the cell (tslab's
 * "side outputs"), through the kernel's own cell program (kernel/cell-program.ts), which
 * finds them by walking the cell's imports.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { KernelSession } from '../support/kernel';
import { makeTempDir, removeDir } from './temp';

describe('kernel: local modules a cell imports', function () {
  this.timeout(60_000);
  let dir: string;
  let session: KernelSession;
  const run = (code: string) => session.run(code);

  before(async () => {
    dir = makeTempDir('labbook-local-modules-');
    writeFileSync(path.join(dir, 'inner.ts'), 'export const factor: number = 2;\n');
    writeFileSync(
      path.join(dir, 'helpers.ts'),
      'import { factor } from "./inner";\nexport function double(n: number): number {\n  return n * factor;\n}\n',
    );
    writeFileSync(path.join(dir, 'broken.ts'), 'export const bad: string = 1;\n');
    session = await KernelSession.start({
      notebookPath: path.join(dir, 'local.ipynb'),
      storePath: path.join(dir, 'store', 'labbook.db'),
    });
  });

  after(async () => {
    await session?.kernel.shutdown();
    removeDir(dir);
  });

  it('compiles a local module and the module it imports, and runs them', async () => {
    const ran = await run('import { double } from "./helpers";\ndouble(21)');
    assert.equal(ran.status, 'ok', JSON.stringify(ran.outputs));
    const r = ran.outputs.find((o) => o.kind === 'result');
    assert.deepEqual(r?.kind === 'result' && r.data, { 'text/plain': '42' });
  });

  it('reports a type error in an imported local module by its file, line and column', async () => {
    const ran = await run('import { bad } from "./broken";\nbad');
    assert.equal(ran.status, 'error');
    const e = ran.outputs.find((o) => o.kind === 'error');
    assert.ok(e?.kind === 'error', JSON.stringify(ran.outputs));
    assert.equal(e.diagnostics?.[0]?.code, 2322);
    assert.match(e.traceback[0], /^broken\.ts 1:14 - error TS2322/);
  });
});
