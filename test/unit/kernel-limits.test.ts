/**
 * What a notebook can do to its kernel process (issue 16, item 6): print 100 MB, call
 * process.exit(), exhaust the heap. The kernel caps output per cell before sending it and
 * says how much it cut; when it dies, what it left on stderr tells the editor why; and it
 * opens the Node inspector only when asked (Debug Cell).
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import { PROCESS_EXIT_NOTICE, type CellOutput, type OutputParams } from '../../kernel/protocol';
import { OUTPUT_LIMIT_CHARS } from '../../core/common/output-limit';
import { describeKernelExit } from '../../extension/notebook/kernelExit';
import { makeTempDir, removeDir } from './temp';

const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');

function streamText(outputs: CellOutput[]): string {
  return outputs.map((o) => (o.kind === 'stream' ? o.text : '')).join('');
}

describe('kernel limits', function () {
  this.timeout(180_000);
  let dir: string;
  let kernel: KernelClient;
  const arrived: OutputParams[] = [];
  let count = 0;

  const run = async (code: string, on = kernel) => {
    const cellId = `c${++count}`;
    const started = performance.now();
    const { status } = await on.execute({ cellId, code, executionCount: count });
    await new Promise((r) => setImmediate(r));
    const outputs = arrived.filter((o) => o.cellId === cellId).map((o) => o.output);
    return { status, outputs, ms: performance.now() - started };
  };

  before(async () => {
    dir = makeTempDir('labbook-limits-');
    kernel = await KernelClient.start({ notebookPath: path.join(dir, 'limits.ipynb'), kernelMain });
    kernel.on('output', (o) => arrived.push(o));
  });

  after(async () => {
    await kernel?.shutdown();
    removeDir(dir);
  });

  it('sends at most the limit of a 100 MB console.log, and a note of how much more there was', async () => {
    const { status, outputs, ms } = await run('console.log("x".repeat(100 * 1024 * 1024));');
    assert.equal(status, 'ok');
    const text = streamText(outputs);
    const xs = text.replace(/[^x]/g, '').length;
    assert.equal(xs, OUTPUT_LIMIT_CHARS);
    // 100 MiB and a newline, less the 1 MiB kept.
    assert.match(
      text,
      /output truncated: 99\.0 MB more \(a cell shows at most 1\.0 MB of output\)/,
    );
    assert.ok(text.length < OUTPUT_LIMIT_CHARS + 1000, `sent ${text.length} characters`);
    console.log(`      100 MB console.log: ${ms.toFixed(0)} ms, ${text.length} characters sent`);
  });

  it('caps a loop that prints a lot, and a huge result, and the next cell has its own budget', async () => {
    const loop = await run(
      'for (let i = 0; i < 600_000; i++) console.log(`line ${i} of a chatty loop`);',
    );
    assert.equal(loop.status, 'ok');
    const text = streamText(loop.outputs);
    assert.ok(text.length <= OUTPUT_LIMIT_CHARS + 200, `sent ${text.length}`);
    assert.match(text, /^line 0 of a chatty loop\n/);
    assert.match(text, /output truncated: \d+\.\d MB more/);
    assert.ok(!text.includes('line 599999 '), 'the end of the flood was not sent');

    // A string result is already cut by util.inspect; a rich representation is not.
    const big = await run(
      '({ [Symbol.for("labbook.mimeBundle")]() { return { "text/html": "<b>" + "z".repeat(20 * 1024 * 1024) }; } })',
    );
    assert.equal(big.status, 'ok');
    assert.equal(big.outputs.filter((o) => o.kind === 'result').length, 0);
    assert.match(streamText(big.outputs), /output truncated: 20\.0 MB more/);

    const small = await run('console.log("fits"); 6 * 7');
    assert.equal(streamText(small.outputs), 'fits\n');
    const result = small.outputs.find((o) => o.kind === 'result');
    assert.equal(result?.kind === 'result' && result.data['text/plain'], '42');
  });

  it('opens the inspector on 127.0.0.1 only when asked, and closes it', async () => {
    const { url, port } = await kernel.openInspector();
    assert.match(url, /^ws:\/\/127\.0\.0\.1:\d+\//);
    assert.ok(port > 0);
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    assert.deepEqual(
      targets.map((t) => t.webSocketDebuggerUrl),
      [url],
    );
    // Asked twice (a second Debug Cell), the same inspector answers.
    assert.equal((await kernel.openInspector()).url, url);
    await kernel.closeInspector();
    await assert.rejects(fetch(`http://127.0.0.1:${port}/json/list`));
    // The kernel keeps its state across the debugger coming and going.
    assert.equal((await run('const kept = 5; kept * 2')).status, 'ok');
  });

  it('says a cell called process.exit(3): the kernel leaves a notice on stderr', async () => {
    const doomed = await KernelClient.start({
      notebookPath: path.join(dir, 'exit.ipynb'),
      kernelMain,
    });
    await assert.rejects(
      doomed.execute({
        cellId: 'x',
        code: 'console.log("bye"); process.exit(3);',
        executionCount: 1,
      }),
      /died/,
    );
    const exit = await doomed.closed;
    assert.equal(exit.code, 3);
    assert.ok(exit.stderrTail.includes(`${PROCESS_EXIT_NOTICE}(3)`), exit.stderrTail);
    const said = describeKernelExit(exit, 'exit.ipynb', 2);
    assert.equal(said.ename, 'KernelExited');
    assert.match(
      said.message,
      /^Cell 2 called process\.exit\(3\), which ends the TypeScript kernel of exit\.ipynb\./,
    );
    assert.match(said.message, /Restart Kernel/);
  });

  it('leaves no notice when it is shut down: a shutdown is no process.exit()', async () => {
    const calm = await KernelClient.start({
      notebookPath: path.join(dir, 'calm.ipynb'),
      kernelMain,
    });
    await calm.shutdown();
    const exit = await calm.closed;
    assert.equal(exit.code, 0);
    assert.ok(!exit.stderrTail.includes(PROCESS_EXIT_NOTICE), exit.stderrTail);
  });

  it('says the kernel ran out of memory when a cell exhausts the heap', async () => {
    const greedy = await KernelClient.start({
      notebookPath: path.join(dir, 'oom.ipynb'),
      kernelMain,
      // A small heap, so the test is quick; the kernel itself needs about 100 MB.
      env: { NODE_OPTIONS: '--max-old-space-size=256' },
    });
    const started = performance.now();
    await assert.rejects(
      greedy.execute({
        cellId: 'oom',
        code: 'const hoard: number[][] = [];\nwhile (true) hoard.push(new Array(100_000).fill(1.5));',
        executionCount: 1,
      }),
      /died/,
    );
    const exit = await greedy.closed;
    console.log(
      `      out of memory after ${(performance.now() - started).toFixed(0)} ms (${exit.signal ?? exit.code})`,
    );
    const said = describeKernelExit(exit, 'oom.ipynb', 1);
    assert.equal(said.ename, 'KernelOutOfMemory', exit.stderrTail);
    assert.match(
      said.message,
      /ran out of memory \(JavaScript heap out of memory\) while cell 1 ran/,
    );
  });
});
