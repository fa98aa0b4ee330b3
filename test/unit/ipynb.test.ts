/**
 * Stream outputs as `labbook run` saves them: merged in time linear in what a cell prints
 * (it was quadratic: 40,000 printed lines never finished), and capped to the head and the
 * tail with a note, so a cell that prints 100 MB does not write a 100 MB notebook.
 */
import * as assert from 'node:assert/strict';
import {
  appendOutput,
  finalizeOutputs,
  STREAM_KEEP_CHARS,
  type NbOutput,
} from '../../core/notebook/ipynb';

function textOf(outputs: NbOutput[]): string {
  const [stream] = finalizeOutputs(outputs);
  assert.equal(stream.output_type, 'stream');
  return stream.output_type === 'stream' ? stream.text.join('') : '';
}

describe('notebook stream outputs', () => {
  it('merges consecutive writes, continuing a line that had no newline yet', () => {
    const outputs: NbOutput[] = [];
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: 'epoch 1 ' });
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: 'loss 0.5\nepoch 2' });
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: ' loss 0.4\n' });
    appendOutput(outputs, { kind: 'stream', name: 'stderr', text: 'warning\n' });
    const [out, err] = finalizeOutputs(outputs);
    assert.deepEqual(out, {
      output_type: 'stream',
      name: 'stdout',
      text: ['epoch 1 loss 0.5\n', 'epoch 2 loss 0.4\n'],
    });
    assert.deepEqual(err, { output_type: 'stream', name: 'stderr', text: ['warning\n'] });
  });

  it('takes 10,000 single-line writes in linear time (was quadratic)', function () {
    // Quadratic merging took about 20 s for 10,000 lines (24 s through `labbook run`); linear
    // takes milliseconds.
    // The generous timeout only catches a return of the quadratic behaviour.
    this.timeout(5_000);
    const outputs: NbOutput[] = [];
    for (let i = 0; i < 10_000; i++)
      appendOutput(outputs, { kind: 'stream', name: 'stdout', text: `step ${i}\n` });
    const text = textOf(outputs);
    assert.ok(text.startsWith('step 0\nstep 1\n'));
    assert.ok(text.endsWith('step 9999\n'));
    assert.equal(outputs.length, 1);
  });

  it('keeps the first and last MB of a 100 MB stream, with a note of what was left out', function () {
    this.timeout(20_000);
    const outputs: NbOutput[] = [];
    const line = `${'x'.repeat(99)}\n`; // 100 characters
    const chunk = line.repeat(10_000); // 1 MB per write
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: 'first line\n' });
    for (let i = 0; i < 100; i++)
      appendOutput(outputs, { kind: 'stream', name: 'stdout', text: chunk });
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: 'last line\n' });
    const text = textOf(outputs);
    const kept = STREAM_KEEP_CHARS.head + STREAM_KEEP_CHARS.tail;
    assert.ok(text.length < kept + 1000, `kept ${text.length} characters of 100 MB`);
    assert.ok(text.length > kept - 1000, 'the head and the tail are both kept in full');
    assert.ok(text.startsWith('first line\n'));
    assert.ok(text.endsWith(`${line}last line\n`));
    const note = /\[Labbook: ([\d,]+) lines \(([\d.]+) MB\) of output left out here/.exec(text);
    assert.ok(note, 'the note says what was left out');
    const omittedLines = Number(note[1].replace(/,/g, ''));
    const keptLines = text.split('\n').length;
    // 1,000,002 lines were printed: the omitted ones plus the kept ones add up to them.
    assert.ok(
      Math.abs(omittedLines + keptLines - 1_000_002) < 10,
      `${omittedLines} + ${keptLines}`,
    );
  });

  it('caps one endless line too (a progress bar redrawn with \\r), in pieces or in one write', () => {
    const kept = STREAM_KEEP_CHARS.head + STREAM_KEEP_CHARS.tail;
    const frame = '\r[=====>    ] 50% 🙂'; // an astral character, so a cut could split a pair
    const chunk = frame.repeat(4096);
    for (const writes of [[chunk.repeat(64)], Array.from({ length: 64 }, () => chunk)]) {
      const outputs: NbOutput[] = [];
      for (const text of writes) appendOutput(outputs, { kind: 'stream', name: 'stdout', text });
      appendOutput(outputs, { kind: 'stream', name: 'stdout', text: ' done\n' });
      const text = textOf(outputs);
      assert.ok(text.length < kept + 1000, `kept ${text.length} of ${chunk.length * 64} chars`);
      assert.ok(text.startsWith(frame), 'the head is kept');
      assert.ok(text.endsWith(`${frame} done\n`), 'the tail is kept');
      assert.match(text, /\[Labbook: [\d.]+ MB of one line of output left out here/);
      assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])/.test(text), 'no pair is cut');
      assert.ok(!/(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text), 'no pair is cut');
    }
  });

  it('leaves a stream under the cap unchanged', () => {
    const outputs: NbOutput[] = [];
    appendOutput(outputs, { kind: 'stream', name: 'stdout', text: 'a\nb\n' });
    assert.equal(textOf(outputs), 'a\nb\n');
    assert.ok(!textOf(outputs).includes('[Labbook:'));
  });
});
