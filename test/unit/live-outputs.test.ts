/**
 * Live outputs from the SDK side: what `lab.display.updatable`, `lab.progress` and
 * `run.tfCallback({ plot: true })` emit to the kernel's display sink (first a display, then
 * updates of the same display id), and that updates are rate-limited.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as lab from '../../kernel/sdk';
import { installDisplaySink, VEGALITE_MIME } from '../../kernel/sdk/display';
import { progressBundle } from '../../kernel/sdk/progress';
import { makeTempDir, removeDir, sleep } from './temp';

interface Emitted {
  data: Record<string, unknown>;
  displayId: string | undefined;
  update: boolean;
}

describe('live outputs (SDK)', function () {
  this.timeout(60_000);
  let emitted: Emitted[];
  let dir: string;
  before(() => {
    dir = makeTempDir('labbook-live-');
  });
  after(() => removeDir(dir));
  beforeEach(() => {
    emitted = [];
    installDisplaySink((data, _metadata, displayId, update) =>
      emitted.push({ data, displayId, update }),
    );
  });
  afterEach(() => installDisplaySink(undefined));

  it('display.updatable shows a value, then update() replaces it under the same display id', () => {
    const d = lab.display.updatable('starting');
    d.update({ step: 1, loss: 0.5 });
    d.html('<b>done</b>');
    lab.display.updatable(42);
    assert.equal(emitted.length, 4);
    const [first, second, third, fourth] = emitted;
    assert.deepEqual(first, { data: { 'text/plain': 'starting' }, displayId: d.id, update: false });
    assert.deepEqual(second, {
      data: { 'text/plain': '{ step: 1, loss: 0.5 }' },
      displayId: d.id,
      update: true,
    });
    assert.deepEqual(third, {
      data: { 'text/html': '<b>done</b>' },
      displayId: d.id,
      update: true,
    });
    assert.equal(fourth.update, false);
    assert.notEqual(fourth.displayId, d.id, 'each updatable display has its own id');
    assert.match(d.id, /^[0-9a-f]{16}$/);
  });

  it('display.updatable uses a value’s own MIME bundle', () => {
    const chart = { [Symbol.for('labbook.mimeBundle')]: () => ({ 'text/html': '<i>x</i>' }) };
    lab.display.updatable(chart);
    assert.equal(emitted[0].data['text/html'], '<i>x</i>');
    assert.equal(typeof emitted[0].data['text/plain'], 'string');
  });

  it('progress draws a bar once at the start, rate-limited while the loop runs, and the final state', () => {
    const items = Array.from({ length: 200_000 }, (_, i) => i);
    let sum = 0;
    const started = performance.now();
    for (const i of lab.progress(items, { label: 'rows' })) sum += i;
    const elapsed = performance.now() - started;
    assert.equal(sum, (200_000 * 199_999) / 2, 'every item is yielded, in order');
    const ids = new Set(emitted.map((e) => e.displayId));
    assert.equal(ids.size, 1, 'one output, updated in place');
    assert.equal(emitted[0].update, false);
    assert.ok(emitted.slice(1).every((e) => e.update));
    // At most one update per 100 ms, plus the first and the last.
    assert.ok(
      emitted.length <= 2 + Math.ceil(elapsed / 100),
      `${emitted.length} updates in ${elapsed.toFixed(0)} ms`,
    );
    const last = emitted[emitted.length - 1].data as Record<string, string>;
    assert.match(last['text/plain'], /^\[#{30}\] rows 200000\/200000 · 100% · .* · done in /);
    assert.match(last['text/html'], /<progress value="200000" max="200000"/);
  });

  it('progress draws the last state when the loop breaks, and works with async iterables', async () => {
    // Like tqdm, an item counts when the loop's body is done with it: breaking in the second leaves 1.
    for (const i of lab.progress([1, 2, 3, 4])) if (i === 2) break;
    assert.match(
      (emitted.at(-1)!.data as Record<string, string>)['text/plain'],
      /1\/4 · 25% · .* done in/,
    );
    emitted = [];
    async function* ticks() {
      for (let i = 0; i < 5; i++) {
        await sleep(30);
        yield i;
      }
    }
    const seen: number[] = [];
    for await (const i of lab.progress(ticks(), { total: 5, everyMs: 0 })) seen.push(i);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    // everyMs 0: the start, each item, the end.
    assert.equal(emitted.length, 7);
    assert.match((emitted.at(-1)!.data as Record<string, string>)['text/plain'], /5\/5 · 100%/);
    assert.throws(() => lab.progress(5 as never), /progress: expected an iterable/);
    assert.throws(() => lab.progress([1], { total: -1 }), /total must be a non-negative number/);
  });

  it('progress escapes its label in HTML', () => {
    const html = progressBundle({
      done: 1,
      total: 2,
      elapsedMs: 1000,
      label: '<script>alert(1)</script>',
      finished: false,
    })['text/html'];
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, /&#60;script&#62;/);
  });

  it('tfCallback({ plot: true }) draws the curves while fit runs, points growing, and the last epoch at the end', async () => {
    const run = lab.startRun({ experiment: 'live', name: 'plot', store: join(dir, 'labbook.db') });
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu' }));
    model.add(tf.layers.dense({ units: 1, activation: 'sigmoid' }));
    model.compile({ optimizer: 'adam', loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const xs = tf.randomNormal([64, 3]);
    const ys = tf.randomUniform([64, 1]).round();
    // Epochs of 40 ms or more against a 200 ms redraw interval: some epochs are drawn, not all.
    const slow = { onEpochEnd: () => sleep(40) };
    await model.fit(xs, ys, {
      epochs: 12,
      validationSplit: 0.25,
      verbose: 0,
      callbacks: [run.tfCallback({ plot: true, plotEveryMs: 200 }), slow],
    });
    run.end();
    xs.dispose();
    ys.dispose();
    const charts = emitted.filter((e) => e.data[VEGALITE_MIME]);
    assert.ok(charts.length >= 2, `the chart was drawn ${charts.length} times`);
    assert.ok(charts.length < 12, `throttled: ${charts.length} draws for 12 epochs`);
    assert.equal(new Set(charts.map((c) => c.displayId)).size, 1, 'one chart, updated in place');
    assert.equal(charts[0].update, false);
    assert.ok(charts.slice(1).every((c) => c.update));
    const points = charts.map(
      (c) => (c.data[VEGALITE_MIME] as { data: { values: unknown[] } }).data.values.length,
    );
    for (let i = 1; i < points.length; i++)
      assert.ok(points[i] > points[i - 1], `points grow: ${points.join(', ')}`);
    const spec = charts.at(-1)!.data[VEGALITE_MIME] as {
      title: string;
      data: { values: { epoch: number; metric: string; panel: string }[] };
    };
    assert.equal(spec.title, 'live / plot');
    const values = spec.data.values;
    // 12 epochs × loss, acc, val_loss, val_acc.
    assert.equal(values.length, 48);
    assert.deepEqual([...new Set(values.map((v) => v.metric))].sort(), [
      'acc',
      'loss',
      'val_acc',
      'val_loss',
    ]);
    assert.equal(Math.max(...values.map((v) => v.epoch)), 12);
    assert.deepEqual(
      [...new Set(values.filter((v) => v.panel === 'loss').map((v) => v.metric))].sort(),
      ['loss', 'val_loss'],
    );
  });

  it('tfCallback without plot draws nothing and refuses bad options', () => {
    const run = lab.startRun({ experiment: 'live', store: join(dir, 'labbook.db') });
    try {
      run.tfCallback();
      assert.equal(emitted.length, 0);
      assert.throws(() => run.tfCallback({ plot: 'yes' as never }), /plot must be true or false/);
    } finally {
      run.end();
    }
  });
});
