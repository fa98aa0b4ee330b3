/**
 * The notebook SDK against a real store file: runs, params, tags, metrics with steps,
 * artifacts, tfjs callbacks, validation messages, run events, buffering and the flush on
 * process exit.
 */
import tfjsPackage from '@tensorflow/tfjs/package.json';
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Store } from '../../core/store';
import {
  clearExecutedCells,
  onRunEvent,
  recordExecutedCell,
  setExecutionContext,
  type RunEvent,
} from '../../kernel/sdk/context';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir, sha256, sleep } from './temp';
import { readStore } from './store-reader';

const fixtures = join(__dirname, '..', 'fixtures');

describe('sdk', () => {
  let dir: string;
  let dbPath: string;
  const read = <T>(fn: (store: Store) => T): T => readStore(dbPath, fn);
  const values = (runId: string, key: string) =>
    read((s) => s.metricHistory(runId, key).map((m) => [m.step, m.value]));

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => {
    setExecutionContext({});
    clearExecutedCells();
    removeDir(dir);
  });

  it('withRun records params, tags, metrics with steps and artifacts, then finishes the run', async () => {
    const events: RunEvent[] = [];
    const unsubscribe = onRunEvent((e) => events.push(e));
    setExecutionContext({ notebook: join(dir, 'train.ipynb'), cell: 4 });
    let id = '';
    let sha = '';
    const returned = await lab.withRun(
      {
        experiment: 'mnist',
        name: 'baseline',
        store: dbPath,
        params: { lr: 0.01, layers: [128, 64], optimizer: 'adam', decay: NaN },
        tags: { stage: 'draft' },
      },
      async (run) => {
        id = run.id;
        assert.equal(run.status, 'running');
        run.logParam('batchSize', 32);
        run.logParams({ shuffle: true, seed: 7n });
        run.setTag('stage', 'final');
        for (const loss of [0.9, 0.5, 0.3]) run.logMetric('loss', loss);
        run.logMetric('acc', 0.8, { step: 10 });
        run.logMetric('acc', 0.85);
        run.logMetrics({ val_loss: 0.4, val_acc: 0.82 }, { step: 2 });
        sha = run.logArtifact('reports/summary.json', '{"ok":true}');
        return 'trained';
      },
    );
    unsubscribe();
    assert.equal(returned, 'trained');

    const run = read((s) => s.getRun(id))!;
    assert.equal(run.status, 'finished');
    assert.equal(run.experimentName, 'mnist');
    assert.equal(run.name, 'baseline');
    assert.equal(run.sourceNotebook, join(dir, 'train.ipynb'));
    assert.equal(run.sourceCell, '4');
    assert.equal(run.gitCommit, null, 'a temp folder is not a git repository');
    assert.equal(run.environment?.node, process.version);
    assert.ok(run.endTime !== null && run.endTime >= run.startTime);
    assert.deepEqual(
      read((s) => s.getParams(id)),
      {
        batchSize: '32',
        decay: 'NaN',
        layers: '[128,64]',
        lr: '0.01',
        optimizer: 'adam',
        seed: '7',
        shuffle: 'true',
      },
    );
    assert.deepEqual(
      read((s) => s.getTags(id)),
      { stage: 'final' },
    );
    assert.deepEqual(values(id, 'loss'), [
      [0, 0.9],
      [1, 0.5],
      [2, 0.3],
    ]);
    assert.deepEqual(values(id, 'acc'), [
      [10, 0.8],
      [11, 0.85],
    ]);
    assert.deepEqual(values(id, 'val_acc'), [[2, 0.82]]);
    assert.equal(sha, sha256('{"ok":true}'));
    assert.equal(
      read((s) => s.readArtifact(id, 'reports/summary.json').toString()),
      '{"ok":true}',
    );
    assert.deepEqual(events, [
      { kind: 'started', runId: id, experiment: 'mnist', name: 'baseline', status: 'running' },
      { kind: 'ended', runId: id, experiment: 'mnist', name: 'baseline', status: 'finished' },
    ]);
  });

  it('withRun marks the run failed with the error message and rethrows the same error', async () => {
    const boom = new RangeError('learning rate too high');
    let id = '';
    await assert.rejects(
      lab.withRun({ experiment: 'e', store: dbPath }, async (run) => {
        id = run.id;
        run.logMetric('loss', Infinity);
        throw boom;
      }),
      (error) => error === boom,
    );
    const run = read((s) => s.getRun(id))!;
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'RangeError: learning rate too high');
    assert.deepEqual(values(id, 'loss'), [[0, Infinity]]);
  });

  it('names runs run-<n> by default and refuses logging after the end', () => {
    const first = lab.startRun({ experiment: 'e', store: dbPath });
    first.end();
    first.end(); // idempotent
    const second = lab.startRun({ experiment: 'e', store: dbPath });
    second.fail(new Error('x'));
    assert.equal(first.name, 'run-1');
    assert.equal(second.name, 'run-2');
    assert.equal(second.status, 'failed');
    assert.throws(
      () => first.logMetric('loss', 1),
      /logMetric: run "run-1" \(.*\) has already finished; start a new run/,
    );
    assert.throws(() => second.setTag('a', 'b'), /has already failed/);
  });

  it('accepts NaN and infinities and rejects non-numbers with a message naming the key and the value', () => {
    const run = lab.startRun({ experiment: 'e', store: dbPath });
    run.logMetric('loss', NaN);
    run.logMetric('loss', Infinity);
    run.logMetric('loss', -Infinity);
    const bad: Array<[unknown, string]> = [
      ['abc', `logMetric('loss'): value must be a number, got string "abc"`],
      [undefined, `logMetric('loss'): value must be a number, got undefined`],
      [null, `logMetric('loss'): value must be a number, got null`],
      [5n, `logMetric('loss'): value must be a number, got bigint 5n`],
      [{ v: 1 }, `logMetric('loss'): value must be a number, got object {"v":1}`],
      [[1], `logMetric('loss'): value must be a number, got array [1]`],
      [true, `logMetric('loss'): value must be a number, got boolean true`],
      [
        { dataSync: () => [1] },
        `logMetric('loss'): value must be a number, got a tensor (pass a plain number, e.g. (await t.data())[0] or t.dataSync()[0])`,
      ],
    ];
    for (const [value, message] of bad) {
      assert.throws(
        () => run.logMetric('loss', value as number),
        (e: unknown) => e instanceof TypeError && e.message === message,
      );
    }
    assert.throws(() => run.logMetric('', 1), /logMetric: key must not be empty/);
    assert.throws(() => run.logMetric('k'.repeat(251), 1), /251 characters long; the limit is 250/);
    assert.throws(
      () => run.logMetric(7 as unknown as string, 1),
      /key must be a string, got number 7/,
    );
    assert.throws(
      () => run.logMetric('loss', 1, { step: 1.5 }),
      /logMetric\('loss'\): step must be a non-negative integer, got number 1.5/,
    );
    assert.throws(() => run.logMetric('loss', 1, { step: -1 }), /non-negative integer/);
    // logMetrics checks every value before recording any.
    assert.throws(
      () => run.logMetrics({ good: 1, bad: 'x' as unknown as number }),
      /logMetrics\('bad'\): value must be a number, got string "x"/,
    );
    assert.throws(
      () => run.logParam('p', undefined as unknown as string),
      /logParam\('p'\): value must be .* got undefined/,
    );
    assert.throws(
      () => run.setTag('t', {} as unknown as string),
      /setTag\('t'\): value must be a string, number or boolean, got object/,
    );
    run.end();
    const history = read((s) => s.metricHistory(run.id, 'loss'));
    assert.deepEqual(
      history.map((m) => m.step),
      [0, 1, 2],
    );
    assert.ok(Number.isNaN(history[0].value));
    assert.equal(history[1].value, Infinity);
    assert.equal(history[2].value, -Infinity);
    assert.deepEqual(
      read((s) => s.metricHistory(run.id, 'good')),
      [],
    );
  });

  it('refuses to change a param once logged', () => {
    const run = lab.startRun({ experiment: 'e', store: dbPath, params: { lr: 0.1 } });
    run.logParam('lr', 0.1);
    assert.throws(
      () => run.logParam('lr', 0.2),
      /param "lr" .* is already "0.1"; params cannot change/,
    );
    run.end();
  });

  it("tfCallback logs every key of each epoch's logs with the epoch as step", async () => {
    const run = lab.startRun({ experiment: 'e', store: dbPath });
    const callback = run.tfCallback();
    const epochs: Array<Record<string, number>> = [
      { loss: 1.2, acc: 0.4 },
      { loss: 0.7, acc: 0.6 },
      { loss: 0.5, acc: 0.7, val_loss: 0.6 },
    ];
    for (const [epoch, logs] of epochs.entries()) {
      await callback.onEpochEnd(epoch, logs);
      // Each epoch is written right away so views can show it during training.
      assert.equal(read((s) => s.metricHistory(run.id, 'loss')).length, epoch + 1);
    }
    await callback.onTrainEnd();
    run.end();
    assert.deepEqual(values(run.id, 'loss'), [
      [0, 1.2],
      [1, 0.7],
      [2, 0.5],
    ]);
    assert.deepEqual(values(run.id, 'acc'), [
      [0, 0.4],
      [1, 0.6],
      [2, 0.7],
    ]);
    assert.deepEqual(values(run.id, 'val_loss'), [[2, 0.6]]);
  });

  it('records a real @tensorflow/tfjs model.fit through tfCallback', async function () {
    this.timeout(60_000);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tf = require('@tensorflow/tfjs') as typeof import('@tensorflow/tfjs');
    await tf.setBackend('cpu');
    const model = tf.sequential();
    model.add(tf.layers.dense({ units: 1, inputShape: [1] }));
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', metrics: ['mse'] });
    const xs = tf.tensor2d([[0], [1], [2], [3]]);
    const ys = tf.tensor2d([[1], [3], [5], [7]]);
    const history = await lab.withRun({ experiment: 'tfjs', store: dbPath }, async (run) => {
      const h = await model.fit(xs, ys, {
        epochs: 2,
        batchSize: 4,
        verbose: 0,
        callbacks: run.tfCallback(),
      });
      return { id: run.id, loss: h.history.loss as number[] };
    });
    tf.dispose([xs, ys]);
    model.dispose();
    const logged = values(history.id, 'loss');
    assert.deepEqual(
      logged.map(([step]) => step),
      [0, 1],
    );
    logged.forEach(([, value], i) =>
      assert.ok(
        Math.abs(value - history.loss[i]) < 1e-6,
        `epoch ${i}: ${value} vs ${history.loss[i]}`,
      ),
    );
    assert.equal(values(history.id, 'mse').length, 2);
    assert.equal(
      read((s) => s.getRun(history.id))!.environment?.packages['@tensorflow/tfjs'],
      tfjsPackage.version,
    );
  });

  it('writes buffered points when the buffer fills and on the timer', async () => {
    const run = lab.startRun({
      experiment: 'e',
      store: dbPath,
      flushEveryPoints: 10,
      flushIntervalMs: 50,
    });
    for (let i = 0; i < 25; i++) run.logMetric('x', i);
    assert.equal(
      read((s) => s.metricHistory(run.id, 'x')).length,
      20,
      'two full buffers written, five waiting',
    );
    await sleep(300);
    assert.equal(read((s) => s.metricHistory(run.id, 'x')).length, 25, 'the timer wrote the rest');
    run.end();
  });

  it('uses LABBOOK_STORE when no store is given', () => {
    const saved = process.env.LABBOOK_STORE;
    process.env.LABBOOK_STORE = dbPath;
    try {
      const run = lab.startRun({ experiment: 'env' });
      assert.equal(run.storeLocation, dbPath);
      run.end();
    } finally {
      if (saved === undefined) delete process.env.LABBOOK_STORE;
      else process.env.LABBOOK_STORE = saved;
    }
    assert.equal(read((s) => s.listRuns({ experiment: 'env' })).length, 1);
  });

  it('keeps every point logged before a normal exit that never called end(), and finishes the run', () => {
    const n = 7777; // more than one buffer, not a multiple of it
    const out = execFileSync(
      process.execPath,
      [join(fixtures, 'log-without-end.js'), dbPath, String(n)],
      { encoding: 'utf8' },
    );
    const id = out.trim();
    const history = read((s) => s.metricHistory(id, 'x'));
    assert.equal(history.length, n);
    assert.ok(history.every((m, i) => m.step === i && m.value === i));
    assert.equal(read((s) => s.getRun(id))!.status, 'finished');
  });

  it('marks the run failed when the process exits with a non-zero code, still keeping the points', () => {
    const child = spawnSync(
      process.execPath,
      [join(fixtures, 'log-without-end.js'), dbPath, '12', '3'],
      { encoding: 'utf8' },
    );
    assert.equal(child.status, 3);
    const id = child.stdout.trim();
    const run = read((s) => s.getRun(id))!;
    assert.equal(run.status, 'failed');
    assert.equal(run.error, 'the process exited with code 3 before the run ended');
    assert.equal(read((s) => s.metricHistory(id, 'x')).length, 12);
  });

  it("nests runs under a parent Run or run id, in the parent's experiment and store by default", async () => {
    const parent = lab.startRun({ experiment: 'outer', store: dbPath });
    const child = lab.startRun({ parent, name: 'inner' });
    assert.equal(child.parentRunId, parent.id);
    assert.equal(child.experiment, 'outer');
    assert.equal(child.storeLocation, dbPath);
    child.end();
    const byId = lab.startRun({ parent: parent.id, store: dbPath, experiment: 'elsewhere' });
    byId.end();
    const viaWithRun = await lab.withRun({ parent }, (run) => run.id);
    parent.end();
    assert.equal(read((s) => s.getRun(child.id))!.parentRunId, parent.id);
    assert.equal(read((s) => s.getRun(byId.id))!.parentRunId, parent.id);
    assert.equal(read((s) => s.getRun(byId.id))!.experimentName, 'elsewhere');
    assert.equal(read((s) => s.getRun(viaWithRun))!.parentRunId, parent.id);
    assert.equal(read((s) => s.getRun(viaWithRun))!.experimentName, 'outer');
    assert.equal(read((s) => s.getRun(parent.id))!.parentRunId, null);
    assert.equal(parent.parentRunId, null);
  });

  it('explains a missing experiment, a bad parent and a parent from another store', () => {
    assert.throws(
      () => lab.startRun({ store: dbPath } as unknown as lab.StartRunOptions),
      /startRun: experiment is required .*only a nested run \(\{ parent: run \}\) may leave it out/,
    );
    assert.throws(
      () => lab.startRun({ parent: 42 } as unknown as lab.StartRunOptions),
      /startRun: parent must be a Run or a run id, got number 42/,
    );
    assert.throws(
      () => lab.startRun({ parent: 'f'.repeat(32), store: dbPath }),
      /startRun: parent run "f{32}" is not in .*labbook\.db/,
    );
    assert.equal(
      read((s) => s.listRuns({ includeDeleted: true })).length,
      0,
      'nothing was created',
    );
  });

  it('records the cells executed in the kernel session as labbook/source.ipynb (nbformat 4.5)', () => {
    setExecutionContext({ notebook: join(dir, 'train.ipynb'), cell: 3 });
    recordExecutedCell({ index: 0, executionCount: 1, source: 'const lr = 0.1;' });
    recordExecutedCell({
      index: 1,
      executionCount: 2,
      source: 'import * as lab from "labbook";\nconsole.log(lr);\n',
    });
    recordExecutedCell({ index: 0, executionCount: 3, source: 'const lr = 0.01;' }); // re-run: replaces index 0
    recordExecutedCell({
      index: 3,
      executionCount: 4,
      source: 'lab.startRun({ experiment: "e" });',
    });
    const run = lab.startRun({ experiment: 'e', store: dbPath });
    run.end();
    const artifacts = read((s) => s.listArtifacts(run.id));
    const snapshot = artifacts.find((a) => a.name === 'labbook/source.ipynb');
    assert.ok(snapshot, JSON.stringify(artifacts));
    assert.equal(snapshot.mediaType, 'application/x-ipynb+json');
    const nb = JSON.parse(
      read((s) => s.readArtifact(run.id, 'labbook/source.ipynb').toString('utf8')),
    );
    assert.equal(nb.nbformat, 4);
    assert.equal(nb.nbformat_minor, 5);
    assert.equal(nb.metadata.kernelspec.language, 'typescript');
    assert.equal(nb.metadata.language_info.name, 'typescript');
    assert.equal(nb.metadata.labbook.notebook, join(dir, 'train.ipynb'));
    assert.deepEqual(
      nb.cells.map((c: { source: string[] }) => c.source.join('')),
      [
        'import * as lab from "labbook";\nconsole.log(lr);\n',
        'const lr = 0.01;',
        'lab.startRun({ experiment: "e" });',
      ],
    );
    assert.deepEqual(
      nb.cells.map((c: { execution_count: number }) => c.execution_count),
      [2, 3, 4],
    );
    assert.deepEqual(
      nb.cells.map((c: { metadata: { labbook: { index: number } } }) => c.metadata.labbook.index),
      [1, 0, 3],
    );
    for (const cell of nb.cells) {
      assert.equal(cell.cell_type, 'code');
      assert.deepEqual(cell.outputs, []);
      assert.match(cell.id, /^[a-zA-Z0-9_-]{1,64}$/);
    }
    assert.equal(
      new Set(nb.cells.map((c: { id: string }) => c.id)).size,
      nb.cells.length,
      'cell ids are unique',
    );
  });

  it('logs no source snapshot outside a kernel (no executed cells), and no git diff outside a repository', () => {
    // A notebook in the temp folder: the working folder may be a checkout with changes.
    setExecutionContext({ notebook: join(dir, 'plain.ipynb') });
    const run = lab.startRun({ experiment: 'e', store: dbPath });
    run.end();
    assert.deepEqual(
      read((s) => s.listArtifacts(run.id)),
      [],
    );
  });

  it('logs labbook/git-diff.txt when the checkout has uncommitted changes', () => {
    const repo = join(dir, 'repo');
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.com', ...args], {
        cwd: repo,
        encoding: 'utf8',
      });
    mkdirSync(repo);
    git('init', '-q');
    writeFileSync(join(repo, 'model.ts'), 'one\n');
    git('add', 'model.ts');
    git('commit', '-q', '-m', 'first');
    setExecutionContext({ notebook: join(repo, 'nb.ipynb') });
    const clean = lab.startRun({ experiment: 'e', store: dbPath });
    clean.end();
    assert.equal(read((s) => s.getRun(clean.id))!.gitDirty, false);
    assert.deepEqual(
      read((s) => s.listArtifacts(clean.id)).map((a) => a.name),
      [],
    );
    writeFileSync(join(repo, 'model.ts'), 'two\nthree\n');
    const dirty = lab.startRun({ experiment: 'e', store: dbPath });
    dirty.end();
    assert.equal(read((s) => s.getRun(dirty.id))!.gitDirty, true);
    const diff = read((s) => s.listArtifacts(dirty.id)).find(
      (a) => a.name === 'labbook/git-diff.txt',
    );
    assert.ok(diff);
    assert.equal(diff.mediaType, 'text/plain');
    const text = read((s) => s.readArtifact(dirty.id, 'labbook/git-diff.txt').toString('utf8'));
    assert.match(text, /model\.ts \| 3 \+\+-/);
    assert.match(text, /1 file changed, 2 insertions\(\+\), 1 deletion\(-\)/);
  });
});
