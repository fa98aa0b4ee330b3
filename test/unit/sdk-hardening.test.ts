/**
 * SDK inputs a hostile tester found to lose data (issue 14): a param or tag called
 * `__proto__` stored nothing, and one automatic step past the largest safe integer
 * poisoned the flush buffer, so every buffered point was lost and the run never ended.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Store } from '../../core/store';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';
import { readStore } from './store-reader';

describe('sdk: inputs that used to lose data', () => {
  let dir: string;
  let dbPath: string;
  const read = <T>(fn: (store: Store) => T): T => readStore(dbPath, fn);

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  it('stores a param and a tag called __proto__', async () => {
    const id = await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      run.logParam('__proto__', 1);
      run.logParams({ constructor: 'c' });
      run.setTag('__proto__', 'tag');
      return run.id;
    });
    assert.deepEqual(
      read((s) => Object.entries(s.getParams(id)).sort()),
      [
        ['__proto__', '1'],
        ['constructor', 'c'],
      ],
    );
    assert.deepEqual(
      read((s) => Object.entries(s.getTags(id)).filter(([k]) => !k.startsWith('labbook.'))),
      [['__proto__', 'tag']],
    );
  });

  it('refuses an automatic step past the largest safe integer at logMetric, keeping every other point', async () => {
    let caught: unknown;
    const id = await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      for (let i = 0; i < 2000; i++) run.logMetric('loss', 1 / (i + 1));
      run.logMetric('big', 1, { step: Number.MAX_SAFE_INTEGER });
      try {
        run.logMetric('big', 2);
      } catch (error) {
        caught = error;
      }
      run.logMetric('acc', 0.5);
      return run.id;
    });
    assert.ok(caught instanceof RangeError, String(caught));
    assert.match(
      String(caught),
      /logMetric\('big'\): the next automatic step, 9007199254740992, is past the largest safe integer/,
    );
    const run = read((s) => s.getRun(id));
    assert.equal(run?.status, 'finished');
    assert.equal(read((s) => s.metricHistory(id, 'loss')).length, 2000);
    assert.deepEqual(
      read((s) => s.metricHistory(id, 'big').map((p) => p.step)),
      [Number.MAX_SAFE_INTEGER],
    );
    assert.equal(read((s) => s.metricHistory(id, 'acc')).length, 1);
  });

  it('keeps -0 as a param, and refuses keys with lone surrogates and media types that are not text', async () => {
    await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      run.logParam('zero', -0);
      assert.equal(read((s) => s.getParams(run.id)).zero, '-0');
      assert.throws(() => run.logParam('a\uD800', 1), /key "a\\ud800" contains a lone surrogate/);
      assert.throws(() => run.setTag('\uDC00b', 'x'), /lone surrogate/);
      assert.throws(() => run.logMetric('\uD83D', 1), /lone surrogate/);
      run.logParam('emoji 😀', 1); // a whole pair is fine
      assert.throws(
        () => run.logArtifact('a.txt', 'x', { mediaType: 5 as unknown as string }),
        /mediaType must be a media type such as "text\/plain", got number 5/,
      );
      assert.equal(run.logArtifact('b.txt', 'x', { mediaType: 'text/plain' }).length, 64);
    });
  });

  it('keeps points buffered while another process holds the write lock, instead of throwing SQLITE_BUSY', async () => {
    const store = Store.open({ path: dbPath, busyTimeoutMs: 50 });
    const locker = new Database(dbPath);
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on('warning', onWarning);
    try {
      const run = lab.startRun({ experiment: 'locked', store, flushEveryPoints: 10 });
      locker.exec('BEGIN IMMEDIATE');
      for (let i = 0; i < 100; i++) run.logMetric('x', i);
      await run.tfCallback().onEpochEnd?.(0, { loss: 1 });
      locker.exec('COMMIT');
      run.end();
      assert.equal(store.metricHistory(run.id, 'x').length, 100);
      assert.equal(store.getRun(run.id)?.status, 'finished');
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(
        warnings.filter((w) =>
          /is locked by another process; run .* keeps its metrics in memory/.test(w),
        ).length,
        1,
        'one warning, not one per flush',
      );
    } finally {
      process.off('warning', onWarning);
      locker.close();
      store.close();
    }
  });

  it('gives runs started at once by several processes distinct default names', async () => {
    const fixture = join(__dirname, '..', 'fixtures', 'start-runs.js');
    const children = Array.from({ length: 3 }, () =>
      spawn(process.execPath, [fixture, dbPath, '10'], { stdio: 'inherit' }),
    );
    const codes = await Promise.all(
      children.map((c) => new Promise((resolve) => c.on('exit', resolve))),
    );
    assert.deepEqual(codes, [0, 0, 0]);
    const names = read((s) => s.listRuns({ experiment: 'crowd' }).map((r) => r.name));
    assert.equal(names.length, 30);
    assert.equal(
      new Set(names).size,
      30,
      `duplicate names: ${names.filter((n, i) => names.indexOf(n) !== i).join(', ')}`,
    );
    assert.deepEqual(
      [...names].sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)))[29],
      'run-30',
    );
  });

  it('checks automatic steps of logMetrics before recording any', async () => {
    await lab.withRun({ experiment: 'hostile', store: dbPath }, (run) => {
      run.logMetric('a', 1, { step: Number.MAX_SAFE_INTEGER });
      assert.throws(
        () => run.logMetrics({ b: 1, a: 2 }),
        /logMetrics\('a'\): the next automatic step/,
      );
      run.flush();
      assert.equal(
        read((s) => s.metricHistory(run.id, 'b')).length,
        0,
        'nothing of the refused call was recorded',
      );
    });
  });
});

describe('sdk: a script stopped by a signal keeps its buffered points', function () {
  this.timeout(30_000);
  let dir: string;
  let dbPath: string;
  const fixture = join(__dirname, '..', 'fixtures', 'log-until-signal.js');

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
  });
  afterEach(() => removeDir(dir));

  /** Starts the fixture and resolves with the run id once its points are buffered. */
  function start(
    args: string[],
  ): Promise<{ child: ChildProcess; id: string; output: () => string }> {
    const child = spawn(process.execPath, [fixture, dbPath, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    return new Promise((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const id = /^([0-9a-f]{32})\n/.exec(out)?.[1];
        if (id) resolve({ child, id, output: () => out });
      });
      child.on('exit', (code) => reject(new Error(`fixture exited early with ${code}: ${out}`)));
    });
  }
  const exited = (child: ChildProcess) =>
    new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, signal) => resolve(signal)),
    );
  const stored = (id: string) => {
    const store = Store.open({ path: dbPath, readonly: true });
    try {
      return { points: store.metricHistory(id, 'x').length, run: store.getRun(id)! };
    } finally {
      store.close();
    }
  };

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    it(`${signal}: stores every point, marks the run killed, and still ends by the signal`, async () => {
      const { child, id } = await start(['12345']);
      const ended = exited(child);
      child.kill(signal);
      assert.equal(await ended, signal, 'the exit status still says the signal');
      const { points, run } = stored(id);
      assert.equal(points, 12345);
      assert.equal(run.status, 'killed');
      assert.equal(run.error, `the process was stopped by ${signal} before the run ended`);
    });
  }

  it('leaves a process that handles SIGINT itself running, and flushes its points', async () => {
    const { child, id, output } = await start(['500', 'own-handler']);
    const ended = exited(child);
    child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.match(output(), /handled/);
    assert.equal(child.exitCode, null, 'still running');
    const { points, run } = stored(id);
    assert.equal(points, 500);
    assert.equal(run.status, 'running');
    child.kill('SIGKILL');
    await ended;
  });
});
