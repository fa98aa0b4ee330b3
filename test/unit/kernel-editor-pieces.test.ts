/**
 * The pure parts of issue 16 items 5 and 6 on the editor's side: the output budget both the
 * kernel and the editor keep, what the editor says when a kernel died, and the mapping of
 * debugger sources between notebook cells and the files their source maps name.
 */
import { strict as assert } from 'node:assert';
import {
  OutputBudget,
  bundleChars,
  formatMegabytes,
  truncationNote,
} from '../../core/common/output-limit';
import { PROCESS_EXIT_NOTICE } from '../../kernel/protocol';
import { describeKernelExit } from '../../extension/notebook/kernelExit';
import {
  toDebugger,
  toEditor,
  type CellFiles,
  type DapMessage,
} from '../../extension/notebook/debugSources';

const MB = 1024 * 1024;

describe('output budget of a cell run', () => {
  it('keeps text up to the limit, cuts the chunk that crosses it, drops the rest and counts it', () => {
    const budget = new OutputBudget(10);
    assert.equal(budget.takeText('abcd'), 'abcd');
    assert.equal(budget.takeText('efghij-k'), 'efghij');
    assert.equal(budget.takeText('more'), '');
    assert.equal(budget.dropped, 6);
    assert.equal(budget.note(), truncationNote(6, 10));
  });

  it('keeps or drops a display whole, and says nothing when nothing was dropped', () => {
    const budget = new OutputBudget(100);
    assert.equal(budget.note(), undefined);
    assert.equal(budget.takeWhole(bundleChars({ 'text/plain': 'x'.repeat(60) })), true);
    assert.equal(budget.takeWhole(bundleChars({ 'text/html': 'y'.repeat(50) })), false);
    assert.equal(budget.takeText('z'.repeat(40)), 'z'.repeat(40));
    assert.equal(budget.dropped, 50);
  });

  it('sizes a bundle by its strings and JSON values', () => {
    assert.equal(bundleChars({ 'text/plain': 'abc', 'application/json': { a: 1 } }), 3 + 7);
  });

  it('names the megabytes in the note, never "0 MB"', () => {
    assert.equal(formatMegabytes(96 * MB), '96.0');
    assert.equal(formatMegabytes(10), '0.1');
    assert.match(
      truncationNote(96 * MB + 1, 4 * MB),
      /output truncated: 96\.0 MB more \(a cell shows at most 4\.0 MB of output\)/,
    );
  });

  it('refuses a limit that is not a positive number', () => {
    assert.throws(() => new OutputBudget(0), /output limit must be a positive number/);
    assert.throws(() => new OutputBudget(Number.NaN), /output limit/);
  });
});

describe('why a kernel died, in words', () => {
  it('names process.exit() and the cell that called it', () => {
    const said = describeKernelExit(
      { code: 3, signal: null, stderrTail: `\n${PROCESS_EXIT_NOTICE}(3)\n` },
      'train.ipynb',
      4,
    );
    assert.equal(said.ename, 'KernelExited');
    assert.match(
      said.message,
      /^Cell 4 called process\.exit\(3\), which ends the TypeScript kernel of train\.ipynb\./,
    );
    assert.match(said.message, /Labbook: Restart Kernel/);
  });

  it('says the heap ran out, with what to do', () => {
    const stderr =
      '<--- Last few GCs --->\n[123:0x5] 3000 ms: Mark-Compact 250.1 (258.0) -> 249.8 (258.3) MB\n' +
      'FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n';
    const said = describeKernelExit(
      { code: null, signal: 'SIGABRT', stderrTail: stderr },
      'big.ipynb',
      2,
    );
    assert.equal(said.ename, 'KernelOutOfMemory');
    assert.match(
      said.message,
      /ran out of memory \(JavaScript heap out of memory\) while cell 2 ran/,
    );
    assert.match(said.message, /--max-old-space-size/);
  });

  it('falls back to the signal or exit code, and the last lines of stderr', () => {
    const killed = describeKernelExit({ code: null, signal: 'SIGKILL', stderrTail: '' }, 'a.ipynb');
    assert.equal(killed.ename, 'KernelDied');
    assert.match(killed.message, /^The TypeScript kernel of a\.ipynb was killed \(SIGKILL\)\./);
    const crashed = describeKernelExit(
      { code: 7, signal: null, stderrTail: 'one\ntwo\nSegmentation in native code\n' },
      'a.ipynb',
      1,
    );
    assert.match(crashed.message, /exited \(exit code 7\) while cell 1 ran/);
    assert.match(crashed.message, /Its last output: one \| two \| Segmentation in native code/);
  });
});

describe('debugger sources between cells and files', () => {
  const cellUri = 'vscode-notebook-cell:/work/nb/train.ipynb#W2sZmlsZQ%3D%3D';
  const file = '/tmp/labbook-debug-1/train-abc.ts';
  const files: CellFiles = {
    fileOf: (uri) => (uri === cellUri ? file : undefined),
    cellOf: (f) => (f === file ? { uri: cellUri, name: 'train.ipynb, cell 3' } : undefined),
  };

  it('sends breakpoints set in a cell to the debugger as breakpoints in its file', () => {
    const request: DapMessage = {
      type: 'request',
      command: 'setBreakpoints',
      arguments: { source: { path: cellUri, name: 'train.ipynb' }, breakpoints: [{ line: 4 }] },
    };
    toDebugger(request, files);
    assert.deepEqual(request.arguments?.source, { path: file, name: 'train.ipynb' });
    const other: DapMessage = {
      type: 'request',
      command: 'setBreakpoints',
      arguments: { source: { path: '/work/nb/util.js' } },
    };
    toDebugger(other, files);
    assert.deepEqual(other.arguments?.source, { path: '/work/nb/util.js' });
  });

  it('shows stack frames, bound breakpoints and loaded sources in the file as the cell', () => {
    const trace: DapMessage = {
      type: 'response',
      command: 'stackTrace',
      success: true,
      body: {
        stackFrames: [
          { id: 1, line: 4, source: { path: file, name: 'train-abc.ts', sourceReference: 7 } },
          { id: 2, line: 9, source: { path: '/lib/other.js', name: 'other.js' } },
          { id: 3, line: 1 },
        ],
      },
    };
    toEditor(trace, files);
    const frames = trace.body?.stackFrames as { source?: object }[];
    assert.deepEqual(frames[0].source, {
      path: cellUri,
      name: 'train.ipynb, cell 3',
      sourceReference: 0,
    });
    assert.deepEqual(frames[1].source, { path: '/lib/other.js', name: 'other.js' });
    const bound: DapMessage = {
      type: 'event',
      event: 'breakpoint',
      body: { reason: 'changed', breakpoint: { verified: true, line: 4, source: { path: file } } },
    };
    toEditor(bound, files);
    assert.equal((bound.body?.breakpoint as { source: { path: string } }).source.path, cellUri);
    const loaded: DapMessage = {
      type: 'response',
      command: 'loadedSources',
      success: true,
      body: { sources: [{ path: file }] },
    };
    toEditor(loaded, files);
    assert.equal((loaded.body?.sources as { path: string }[])[0].path, cellUri);
  });
});
