/**
 * Packages on demand (issue 15, item 2): a cell importing a package that is not installed
 * fails with an error naming it; `lab.install` (code) and the kernel's Install request (the
 * editor's action) run npm in the notebook's folder, stream its output into the cell, and
 * the next cell imports the package with its types, in the same kernel. Offline: the
 * packages are tarballs made with `npm pack`.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import type { CellOutput, OutputParams } from '../../kernel/protocol';
import { packageOfSpecifier } from '../../kernel/sdk/install';

const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');

/** A one-function package with its own declarations, packed as npm would publish it. */
function packTarball(into: string, name: string, answer: number): string {
  const src = path.join(into, `${name}-src`);
  mkdirSync(src);
  writeFileSync(
    path.join(src, 'package.json'),
    JSON.stringify({ name, version: '1.0.0', main: 'index.js', types: 'index.d.ts' }),
  );
  writeFileSync(path.join(src, 'index.js'), `exports.answer = () => ${answer};\n`);
  writeFileSync(path.join(src, 'index.d.ts'), 'export declare function answer(): number;\n');
  const file = execFileSync('npm', ['pack', '--silent', '--pack-destination', into], {
    cwd: src,
    encoding: 'utf8',
  }).trim();
  return path.join(into, file.split('\n').pop()!);
}

describe('packages on demand', function () {
  this.timeout(180_000);
  let root: string;
  let dir: string;
  let kernel: KernelClient;
  let tarballA: string;
  let tarballB: string;
  const arrived: OutputParams[] = [];
  let count = 0;

  const run = async (code: string) => {
    const cellId = `c${++count}`;
    const { status } = await kernel.execute({ cellId, code, executionCount: count });
    await new Promise((r) => setImmediate(r));
    return { status, outputs: outputsOf(cellId) };
  };
  const outputsOf = (cellId: string) =>
    arrived.filter((o) => o.cellId === cellId).map((o) => o.output);
  const errorOf = (outputs: CellOutput[]) =>
    outputs.find((o): o is Extract<CellOutput, { kind: 'error' }> => o.kind === 'error');
  const textOf = (outputs: CellOutput[]) =>
    outputs.map((o) => (o.kind === 'stream' ? o.text : '')).join('');

  before(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'labbook-on-demand-'));
    tarballA = packTarball(root, 'tiny-answer', 42);
    tarballB = packTarball(root, 'tiny-other', 7);
    // The notebook's folder has no package.json and no node_modules.
    dir = path.join(root, 'notebooks');
    mkdirSync(dir);
    kernel = await KernelClient.start({ notebookPath: path.join(dir, 'nb.ipynb'), kernelMain });
    kernel.on('output', (o) => arrived.push(o));
  });

  after(async () => {
    await kernel?.shutdown();
    rmSync(root, { recursive: true, force: true });
  });

  it('names the package that is missing and says how to install it', async () => {
    const { status, outputs } = await run('import * as tiny from "tiny-answer";\ntiny.answer();');
    assert.equal(status, 'error');
    const error = errorOf(outputs);
    assert.deepEqual(error?.missingPackages, ['tiny-answer']);
    assert.match((error?.traceback ?? []).join('\n'), /lab\.install\("tiny-answer"\)/);
  });

  it('lab.install runs npm in the notebook folder, streams its output, and the next cell imports it with types', async () => {
    const install = await run(
      `import * as lab from "labbook";\nawait lab.install(${JSON.stringify(tarballA)});`,
    );
    assert.equal(install.status, 'ok', JSON.stringify(install.outputs));
    const text = textOf(install.outputs);
    assert.match(text, /created .*package\.json/);
    assert.match(text, /added 1 package/);
    assert.ok(existsSync(path.join(dir, 'node_modules', 'tiny-answer', 'index.d.ts')));
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    assert.ok(pkg.dependencies?.['tiny-answer'], JSON.stringify(pkg));

    const typed = await run(
      'import * as tiny from "tiny-answer";\nconst s: string = tiny.answer();',
    );
    assert.equal(typed.status, 'error');
    assert.match(errorOf(typed.outputs)!.evalue, /not assignable to type 'string'/);
    const used = await run(
      'import * as tiny from "tiny-answer";\nconst n: number = tiny.answer();\nconsole.log(`answer=${n}`);',
    );
    assert.equal(used.status, 'ok', JSON.stringify(used.outputs));
    assert.match(textOf(used.outputs), /answer=42/);
  });

  it("the kernel's Install request (the editor's action) does the same, its output in the cell", async () => {
    const failed = await run('import { answer } from "tiny-other";\nanswer();');
    assert.deepEqual(errorOf(failed.outputs)?.missingPackages, ['tiny-other']);
    const result = await kernel.install({ cellId: 'install-1', packages: [tarballB] });
    assert.deepEqual(result, { ok: true });
    assert.match(textOf(outputsOf('install-1')), /added 1 package/);
    const used = await run(
      'import { answer } from "tiny-other";\nconsole.log(`other=${answer()}`);',
    );
    assert.equal(used.status, 'ok', JSON.stringify(used.outputs));
    assert.match(textOf(used.outputs), /other=7/);
  });

  it('a failed install answers with npm’s reason, and the kernel keeps going', async () => {
    const result = await kernel.install({
      cellId: 'install-2',
      packages: [path.join(root, 'no-such-file.tgz')],
    });
    assert.equal(result.ok, false);
    assert.match(result.message ?? '', /npm install .*no-such-file\.tgz failed/);
    assert.match(textOf(outputsOf('install-2')), /ENOENT|no such file|Could not/i);
    const after = await run('1 + 1');
    assert.equal(after.status, 'ok');
  });

  it('tells package names from files and built-ins', () => {
    assert.equal(packageOfSpecifier('lodash/fp'), 'lodash');
    assert.equal(packageOfSpecifier('@scope/pkg/sub'), '@scope/pkg');
    assert.equal(packageOfSpecifier('./local'), undefined);
    assert.equal(packageOfSpecifier('node:fs'), undefined);
    assert.equal(packageOfSpecifier('/abs/file'), undefined);
  });
});
