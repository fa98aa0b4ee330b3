/**
 * The kernel as a real child process over its JSON-RPC channel, the way the CLI and the
 * editor drive it.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Store } from '../../core/store';
import { KernelClient } from '../../kernel/client';
import type { CellOutput } from '../../kernel/protocol';
import { KERNEL_MAIN, KernelSession as Session } from '../support/kernel';

function text(outputs: CellOutput[], name: 'stdout' | 'stderr' = 'stdout'): string {
  return outputs
    .filter(
      (o): o is Extract<CellOutput, { kind: 'stream' }> => o.kind === 'stream' && o.name === name,
    )
    .map((o) => o.text)
    .join('');
}

function result(outputs: CellOutput[]): Record<string, unknown> | undefined {
  const r = outputs.find((o) => o.kind === 'result');
  return r?.kind === 'result' ? r.data : undefined;
}

function error(outputs: CellOutput[]): Extract<CellOutput, { kind: 'error' }> {
  const e = outputs.find((o) => o.kind === 'error');
  assert.ok(e && e.kind === 'error', `expected an error output, got ${JSON.stringify(outputs)}`);
  return e;
}

describe('kernel process', function () {
  this.timeout(60_000);
  let dir: string;
  let session: Session;

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-kernel-'));
    // A package in the folder above the notebook's: resolution goes upward like Node's.
    mkdirSync(path.join(dir, 'node_modules', 'upward-pkg'), { recursive: true });
    writeFileSync(
      path.join(dir, 'node_modules', 'upward-pkg', 'package.json'),
      JSON.stringify({ name: 'upward-pkg', main: 'index.js', types: 'index.d.ts' }),
    );
    writeFileSync(
      path.join(dir, 'node_modules', 'upward-pkg', 'index.js'),
      'exports.answer = () => 42;\n',
    );
    writeFileSync(
      path.join(dir, 'node_modules', 'upward-pkg', 'index.d.ts'),
      'export declare function answer(): number;\n',
    );
    // An ES-module-only package shaped like sindresorhus's and d3's: "type": "module", "exports" only.
    const esm = path.join(dir, 'node_modules', 'esm-only-pkg');
    mkdirSync(esm, { recursive: true });
    writeFileSync(
      path.join(esm, 'package.json'),
      JSON.stringify({
        name: 'esm-only-pkg',
        type: 'module',
        exports: './index.js',
        types: './index.d.ts',
      }),
    );
    writeFileSync(
      path.join(esm, 'index.js'),
      'export const parseRow = (line) => Object.fromEntries(line.split(",").map((kv) => kv.split("=")));\n',
    );
    writeFileSync(
      path.join(esm, 'index.d.ts'),
      'export declare function parseRow(line: string): Record<string, string>;\n',
    );
    mkdirSync(path.join(dir, 'notebooks'));
    const started = performance.now();
    const kernel = await KernelClient.start({
      notebookPath: path.join(dir, 'notebooks', 'test.ipynb'),
      storePath: path.join(dir, 'store', 'labbook.db'),
      kernelMain: KERNEL_MAIN,
    });
    console.log(
      `      kernel ready in ${(performance.now() - started).toFixed(0)} ms (pid ${kernel.pid}, tslab ${kernel.info.tslabVersion})`,
    );
    session = new Session(kernel);
  });

  after(async () => {
    await session?.kernel.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps declarations across cells and returns the last expression as a result', async () => {
    assert.equal(
      (
        await session.run(
          'const base: number = 40;\nfunction add(a: number, b: number) { return a + b; }',
        )
      ).status,
      'ok',
    );
    const ran = await session.run('add(base, 2)');
    assert.equal(ran.status, 'ok');
    assert.deepEqual(result(ran.outputs), { 'text/plain': '42' });
    assert.equal(text(ran.outputs), '', 'the result is not console text');
  });

  it("resolves shorthand properties that name earlier cells' declarations (a tslab converter gap)", async () => {
    await session.run('const epochs = 30;\nconst seed = 7;');
    const ran = await session.run(
      'const config = { epochs, seed };\nconst { epochs: e2 = 0 } = config;\n[config, e2]',
    );
    assert.equal(ran.status, 'ok', JSON.stringify(ran.outputs));
    assert.deepEqual(result(ran.outputs), { 'text/plain': '[ { epochs: 30, seed: 7 }, 30 ]' });
  });

  it('awaits at top level', async () => {
    const ran = await session.run(
      'const later = await new Promise<string>((r) => setTimeout(() => r("done"), 20));\nlater',
    );
    assert.equal(ran.status, 'ok');
    assert.deepEqual(result(ran.outputs), { 'text/plain': "'done'" });
  });

  it('streams console output while the cell runs, not at the end', async () => {
    const before = session.arrivals.length;
    const started = performance.now();
    const ran = await session.run(
      'for (let i = 0; i < 3; i++) { console.log(`tick ${i}`); await new Promise((r) => setTimeout(r, 150)); }',
    );
    const finished = performance.now();
    assert.equal(text(ran.outputs), 'tick 0\ntick 1\ntick 2\n');
    const first = session.arrivals.slice(before).find((a) => a.output.kind === 'stream');
    assert.ok(first, 'no stream output arrived');
    assert.ok(
      finished - first.at >= 250,
      `first output arrived ${(first.at - started).toFixed(0)} ms after start, only ${(finished - first.at).toFixed(0)} ms before the end`,
    );
  });

  it('reports TypeScript errors with line and column, and runs nothing', async () => {
    const ran = await session.run('console.log("must not print");\nconst x: string = 1;', 1);
    assert.equal(ran.status, 'error');
    assert.equal(text(ran.outputs), '');
    const e = error(ran.outputs);
    assert.equal(e.ename, 'TypeScript');
    assert.equal(e.diagnostics?.length, 1);
    assert.deepEqual(
      {
        line: e.diagnostics[0].line,
        column: e.diagnostics[0].column,
        code: e.diagnostics[0].code,
      },
      { line: 2, column: 7, code: 2322 },
    );
    // Named by position in the notebook (index 1 is the second cell), not by execution count.
    assert.match(
      e.traceback[0],
      /^cell 2, line 2:7 - error TS2322: Type 'number' is not assignable to type 'string'/,
    );
  });

  it('maps runtime stack traces to the cell line that threw', async () => {
    // Declared in the second cell, called from the third. (Indexes 0-2 only: the snapshot
    // test below runs those cells again, which replaces these in the session's record.)
    await session.run(
      'import * as fs from "fs";\n\ninterface Shape { sides: number }\n\nfunction check(s: Shape) {\n  if (s.sides < 3) {\n    throw new RangeError(`not a polygon: ${s.sides}`);\n  }\n}',
      1,
    );
    const ran = await session.run('const ok = 1;\n\ncheck({ sides: 2 });', 2);
    assert.equal(ran.status, 'error');
    const e = error(ran.outputs);
    assert.equal(e.ename, 'RangeError');
    assert.equal(e.evalue, 'not a polygon: 2');
    const stack = e.traceback.join('\n');
    assert.match(stack, /at check \(cell 2, line 7:11\)/, stack);
    assert.match(stack, /at cell 3, line 3:1/, stack);
    assert.doesNotMatch(stack, /cell \[/, 'no cell named by its execution count');
    assert.doesNotMatch(stack, /executor|node:vm/, 'kernel frames are trimmed');
  });

  it('names a cell by its execution count only when the client sent no position', async () => {
    const ran = await session.run('throw new Error("where am I");');
    const stack = error(ran.outputs).traceback.join('\n');
    assert.match(stack, /the cell run as \[\d+\], line 1:7/, stack);
  });

  it('emits display data as MIME bundles, in the order the cell produced them', async () => {
    const ran = await session.run(
      [
        'import * as lab from "labbook";',
        'console.log("first");',
        'lab.display.html("<b>bold</b>");',
        'lab.display.markdown("# Title");',
        'lab.display.svg("<svg xmlns=\\"http://www.w3.org/2000/svg\\"/>");',
        'lab.display.png(new Uint8Array([137, 80, 78, 71]));',
        'lab.display.json({ a: [1, 2] });',
        'lab.display.vegalite({ mark: "point", data: { values: [{ x: 1 }] }, encoding: { x: { field: "x", type: "quantitative" } } });',
        'console.log("last");',
      ].join('\n'),
    );
    assert.equal(ran.status, 'ok');
    const kinds = ran.outputs.map((o) =>
      o.kind === 'display' ? Object.keys(o.data)[0] : o.kind === 'stream' ? o.text.trim() : o.kind,
    );
    assert.deepEqual(kinds, [
      'first',
      'text/html',
      'text/markdown',
      'image/svg+xml',
      'image/png',
      'application/json',
      'application/vnd.vegalite.v5+json',
      'last',
    ]);
    const png = ran.outputs[4];
    assert.ok(png.kind === 'display');
    assert.equal(png.data['image/png'], Buffer.from([137, 80, 78, 71]).toString('base64'));
    const chart = ran.outputs[6];
    assert.ok(chart.kind === 'display');
    assert.deepEqual(
      (chart.data['application/vnd.vegalite.v5+json'] as { mark: string }).mark,
      'point',
    );
  });

  it('runs tslab notebooks unchanged (import * as tslab from "tslab")', async () => {
    const ran = await session.run(
      'import * as tslab from "tslab";\ntslab.display.html("<i>from tslab</i>");\nconst d = tslab.newDisplay();\nd.text("one");\nd.text("two");\ntslab.versions.node',
    );
    assert.equal(ran.status, 'ok');
    const displays = ran.outputs.filter((o) => o.kind === 'display');
    assert.deepEqual(
      displays.map((o) => o.kind === 'display' && o.data),
      [{ 'text/html': '<i>from tslab</i>' }, { 'text/plain': 'one' }, { 'text/plain': 'two' }],
    );
    const [, first, second] = displays;
    assert.ok(first.kind === 'display' && second.kind === 'display');
    assert.equal(first.displayId, second.displayId);
    assert.deepEqual([first.update, second.update], [false, true]);
    assert.deepEqual(result(ran.outputs), { 'text/plain': `'${process.version}'` });
  });

  it('resolves packages from the notebook folder upward, and imports ES-module-only packages', async () => {
    const up = await session.run('import { answer } from "upward-pkg";\nanswer()');
    assert.equal(up.status, 'ok', JSON.stringify(up.outputs));
    assert.deepEqual(result(up.outputs), { 'text/plain': '42' });
    // tslab's users hit ERR_REQUIRE_ESM importing such packages (tslab issue #72).
    const esm = await session.run('import { parseRow } from "esm-only-pkg";\nparseRow("a=1,b=2")');
    assert.equal(esm.status, 'ok', JSON.stringify(esm.outputs));
    assert.deepEqual(result(esm.outputs), { 'text/plain': "{ a: '1', b: '2' }" });
    assert.equal(text(esm.outputs, 'stderr'), '', 'no ExperimentalWarning noise in the cell');
  });

  it('offers completions and hover from the TypeScript service', async () => {
    await session.run('const penguinCount = 344;');
    const code = 'penguinC';
    const completion = await session.kernel.complete(code, code.length);
    assert.ok(
      completion.candidates.includes('penguinCount'),
      JSON.stringify(completion.candidates.slice(0, 20)),
    );
    assert.equal(completion.start, 0);
    const hover = await session.kernel.hover('penguinCount + 1', 3);
    assert.ok(hover);
    assert.match(hover.text, /penguinCount: 344|penguinCount: number/);
  });

  it('interrupts a busy synchronous loop and a pending await, and keeps the kernel usable', async () => {
    await session.run('let spins = 0;');
    const busy = session.run('while (true) { spins++; }');
    setTimeout(() => session.kernel.interrupt(), 500);
    const stoppedLoop = await busy;
    assert.equal(stoppedLoop.status, 'interrupted');
    assert.equal(error(stoppedLoop.outputs).ename, 'KeyboardInterrupt');

    const waiting = session.run('await new Promise(() => {});');
    setTimeout(() => session.kernel.interrupt(), 300);
    const stoppedWait = await waiting;
    assert.equal(stoppedWait.status, 'interrupted');

    const after = await session.run('spins > 0');
    assert.equal(after.status, 'ok');
    assert.deepEqual(result(after.outputs), { 'text/plain': 'true' });
  });

  it('restart gives a fresh kernel without the old declarations', async () => {
    const notebookPath = path.join(dir, 'notebooks', 'restart.ipynb');
    const first = await Session.start({ notebookPath });
    await first.run('const survivor = 1;');
    await first.kernel.shutdown();
    assert.equal(first.kernel.running, false);
    await assert.rejects(
      first.kernel.execute({ cellId: 'x', code: '1', executionCount: 1 }),
      /not running/,
    );
    const second = await Session.start({ notebookPath });
    try {
      const ran = await second.run('survivor');
      assert.equal(ran.status, 'error');
      assert.match(error(ran.outputs).evalue, /Cannot find name 'survivor'/);
    } finally {
      await second.kernel.shutdown();
    }
  });

  it('names the missing node executable', async () => {
    await assert.rejects(
      KernelClient.start({
        notebookPath: path.join(dir, 'x.ipynb'),
        kernelMain: KERNEL_MAIN,
        nodePath: '/nonexistent/node',
      }),
      /"\/nonexistent\/node" was not found/,
    );
    assert.match(KernelClient.checkNodeVersion('v18.19.0') ?? '', /needs 20\.19\.0 or newer/);
    assert.equal(KernelClient.checkNodeVersion('v20.20.2'), undefined);
    assert.equal(KernelClient.checkNodeVersion('v22.1.0'), undefined);
  });

  it('snapshots the cells executed in the session, the running one included, when a run starts', async () => {
    const exec = async (code: string, cellIndex: number, executionCount: number) => {
      const { status } = await session.kernel.execute({
        cellId: `snap-${cellIndex}`,
        code,
        executionCount,
        cellIndex,
      });
      assert.equal(status, 'ok');
    };
    await exec('const snapUnits = 4;', 0, 101);
    await exec('const snapUnits2 = snapUnits * 2;', 1, 102);
    await exec('const snapUnits = 8;', 0, 103); // cell 0 run again: its latest source is kept, once
    await exec(
      'import * as lab from "labbook";\nconst snapRun = lab.startRun({ experiment: "snapshot" });\nsnapRun.end();\nconsole.log(snapRun.id);',
      2,
      104,
    );
    const store = Store.open({ path: path.join(dir, 'store', 'labbook.db'), readonly: true });
    try {
      const [run] = store.listRuns({ experiment: 'snapshot' });
      assert.ok(run);
      const nb = JSON.parse(store.readArtifact(run.id, 'labbook/source.ipynb').toString('utf8'));
      assert.equal(nb.nbformat, 4);
      assert.equal(nb.nbformat_minor, 5);
      const indexed = nb.cells.filter(
        (c: { metadata: { labbook: { index: number | null } } }) =>
          c.metadata.labbook.index !== null,
      );
      assert.deepEqual(
        indexed.map(
          (c: {
            source: string[];
            execution_count: number;
            metadata: { labbook: { index: number } };
          }) => [c.metadata.labbook.index, c.execution_count, c.source.join('')],
        ),
        [
          [1, 102, 'const snapUnits2 = snapUnits * 2;'],
          [0, 103, 'const snapUnits = 8;'],
          [
            2,
            104,
            'import * as lab from "labbook";\nconst snapRun = lab.startRun({ experiment: "snapshot" });\nsnapRun.end();\nconsole.log(snapRun.id);',
          ],
        ],
      );
      // Cells sent without an index (earlier tests) are kept in order before them.
      assert.ok(
        nb.cells.some(
          (c: { source: string[] }) => c.source.join('') === 'const penguinCount = 344;',
        ),
      );
    } finally {
      store.close();
    }
  });
});
