/**
 * The store contract: what every RunStore backend must do, run against SQLite and against
 * a real PostgreSQL server from one suite (test/support/backends.ts). File-level SQLite
 * behaviour (WAL, foreign files, locations) stays in store.test.ts.
 *
 * Includes MLflow's store behaviours: the same param twice with another value is refused;
 * a batch that fails writes nothing; writes to a deleted run are refused until it is
 * restored; concurrent writers on shared runs never deadlock and lose nothing.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import {
  SCHEMA_VERSION,
  STALE_HEARTBEAT_MS,
  StoreError,
  type MetricPoint,
  type RunStore,
} from '../../core/store';
import { ArtifactFiles } from '../../core/store/artifacts';
import { MIGRATIONS } from '../../core/store/schema';
import { PG_MIGRATIONS } from '../../core/store/postgres/schema';
import { parseFilter, parseOrderBy } from '../../core/search/parse';
import { listRunsCommand, type RunSummary } from '../../cli/runs';
import { USER_ENV_VAR } from '../../core/who';
import { forEachBackend } from '../support/backends';

const bin = join(__dirname, '..', '..', '..', 'bin', 'labbook.js');

async function expectStoreError(
  promise: Promise<unknown>,
  code: string,
  pattern: RegExp,
): Promise<StoreError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof StoreError, `expected a StoreError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code);
  assert.match(caught.message, pattern);
  return caught;
}

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  assert.ok(child.pid);
  return child.pid;
}

const point = (
  runId: string,
  key: string,
  step: number,
  value: number,
  timestamp = 1000 + step,
): MetricPoint => ({
  runId,
  key,
  step,
  timestamp,
  value,
});

forEachBackend('store contract', (backend) => {
  let store: RunStore;
  beforeEach(async () => {
    store = await backend().open();
  });

  it('creates, reads, lists, ends and soft-deletes runs', async () => {
    const a = await store.createRun({
      experiment: 'mnist',
      name: 'first',
      user: 'ana',
      sourceNotebook: '/nb/train.ipynb',
      sourceCell: 3,
      gitCommit: 'a'.repeat(40),
      gitDirty: true,
      environment: {
        node: 'v20',
        platform: 'linux',
        arch: 'x64',
        packages: { '@tensorflow/tfjs': '4.22.0' },
      },
    });
    const b = await store.createRun({
      experiment: 'mnist',
      name: 'second',
      startTime: a.startTime + 10,
    });
    const c = await store.createRun({ experiment: 'other', name: 'elsewhere' });
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.deepEqual(
      { ...(await store.getRun(a.id))!, startTime: 0, heartbeatAt: 0 },
      {
        id: a.id,
        experimentId: (await store.getExperiment('mnist'))!.id,
        experimentName: 'mnist',
        name: 'first',
        status: 'running',
        startTime: 0,
        endTime: null,
        sourceNotebook: '/nb/train.ipynb',
        sourceCell: '3',
        gitCommit: 'a'.repeat(40),
        gitDirty: true,
        environment: {
          node: 'v20',
          platform: 'linux',
          arch: 'x64',
          packages: { '@tensorflow/tfjs': '4.22.0' },
        },
        pid: process.pid,
        host: hostname(),
        heartbeatAt: 0,
        error: null,
        parentRunId: null,
        deletedAt: null,
        user: 'ana',
      },
    );
    assert.deepEqual(
      (await store.listRuns({ experiment: 'mnist' })).map((r) => r.name),
      ['second', 'first'],
    );
    assert.deepEqual((await store.listRuns()).map((r) => r.id).sort(), [a.id, b.id, c.id].sort());
    assert.deepEqual(
      (await store.listExperiments()).map((e) => e.name),
      ['mnist', 'other'],
    );
    assert.equal(await store.countRuns({ experiment: 'mnist' }), 2);

    await store.endRun(a.id, 'failed', { error: 'boom' });
    const ended = (await store.getRun(a.id))!;
    assert.equal(ended.status, 'failed');
    assert.equal(ended.error, 'boom');
    assert.ok(ended.endTime !== null && ended.endTime >= ended.startTime);
    assert.deepEqual(
      (await store.listRuns({ status: 'failed' })).map((r) => r.id),
      [a.id],
    );

    await store.deleteRun(b.id);
    assert.deepEqual(
      (await store.listRuns({ experiment: 'mnist' })).map((r) => r.name),
      ['first'],
    );
    assert.equal((await store.listRuns({ experiment: 'mnist', includeDeleted: true })).length, 2);
    assert.deepEqual(
      (await store.listRuns({ deletedOnly: true })).map((r) => r.id),
      [b.id],
    );
    await expectStoreError(store.endRun('missing', 'finished'), 'NOT_FOUND', /missing/);
  });

  it('names runs <prefix>-<n> by the runs the experiment ever had, and renames them', async () => {
    const one = await store.createRun({ experiment: 'e' });
    const two = await store.createRun({ experiment: 'e', namePrefix: 'sweep' });
    await store.deleteRun(two.id);
    const three = await store.createRun({ experiment: 'e' });
    assert.deepEqual([one.name, two.name, three.name], ['run-1', 'sweep-2', 'run-3']);
    await store.renameRun(one.id, 'baseline');
    assert.equal((await store.getRun(one.id))!.name, 'baseline');
    await expectStoreError(
      store.renameRun(one.id, '   '),
      'INVALID_ARGUMENT',
      /run name must be a non-empty string, got " {3}"/,
    );
    await expectStoreError(
      store.renameRun(one.id, 'x'.repeat(501)),
      'INVALID_ARGUMENT',
      /501 characters long; the limit is 500/,
    );
    await expectStoreError(store.renameRun('missing', 'x'), 'NOT_FOUND', /"missing"/);
    await store.renameRun(one.id, 'y'.repeat(500));
    assert.equal((await store.getRun(one.id))!.name.length, 500);
    assert.deepEqual(await store.runIdsWithPrefix(one.id.slice(0, 6)), [one.id]);
    assert.deepEqual(await store.runIdsWithPrefix('zz%_'), []);
  });

  it('finds runs by id prefix, literally', async () => {
    const a = await store.createRun({ experiment: 'e', name: 'a', id: 'abcd1234' });
    await store.createRun({ experiment: 'e', name: 'b', id: 'abcd9999' });
    await store.createRun({ experiment: 'e', name: 'c', id: 'ab*d0000' });
    assert.deepEqual(await store.runIdsWithPrefix('abcd'), ['abcd1234', 'abcd9999']);
    assert.deepEqual(await store.runIdsWithPrefix('abcd1'), [a.id]);
    assert.deepEqual(await store.runIdsWithPrefix('ab*'), ['ab*d0000']);
    assert.deepEqual(await store.runIdsWithPrefix('ABCD'), []);
    assert.deepEqual(await store.runIdsWithPrefix('ab', 1), ['ab*d0000']);
  });

  it('refuses bad input naming it: an experiment name, an end status, artifact data', async () => {
    await expectStoreError(
      store.getOrCreateExperiment(' '),
      'INVALID_ARGUMENT',
      /experiment name must be a non-empty string, got " "/,
    );
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    await expectStoreError(
      store.endRun(run.id, 'done' as 'finished'),
      'INVALID_ARGUMENT',
      /ends as finished, failed or killed, not "done"/,
    );
    assert.equal((await store.getRun(run.id))!.status, 'running');
    await expectStoreError(
      store.logArtifact(run.id, 'a.bin', 42 as unknown as string),
      'INVALID_ARGUMENT',
      /artifact "a.bin": data must be a string, a Uint8Array or \{ path \}/,
    );
    await expectStoreError(store.setKeyMetric('nope', 'acc'), 'NOT_FOUND', /no experiment "nope"/);
  });

  it('deletes tags, and restores a soft-deleted run; deletedOnly lists only deleted runs', async () => {
    const a = await store.createRun({ experiment: 'e', name: 'a' });
    const b = await store.createRun({ experiment: 'e', name: 'b' });
    await store.setTags(a.id, { stage: 'draft', owner: 'ada', 'labbook.pinned': 'true' });
    await store.deleteTags(a.id, ['stage', 'labbook.pinned', 'never-set']);
    assert.deepEqual(await store.getTags(a.id), { owner: 'ada' });
    await expectStoreError(store.deleteTags('missing', ['x']), 'NOT_FOUND', /missing/);

    await store.deleteRun(b.id);
    const deleted = await store.listRuns({ deletedOnly: true });
    assert.deepEqual(
      deleted.map((r) => r.id),
      [b.id],
    );
    assert.ok(deleted[0].deletedAt! > 0);
    assert.equal(await store.countRuns({ deletedOnly: true }), 1);
    await store.restoreRun(b.id);
    assert.equal((await store.getRun(b.id))!.deletedAt, null);
    assert.deepEqual(await store.listRuns({ deletedOnly: true }), []);
    assert.deepEqual((await store.listRuns()).map((r) => r.name).sort(), ['a', 'b']);
    await expectStoreError(store.restoreRun('missing'), 'NOT_FOUND', /missing/);
  });

  it('keeps the key metric of an experiment', async () => {
    await store.getOrCreateExperiment('mnist');
    await store.setKeyMetric('mnist', 'val_acc', true);
    const found = (await store.getExperiment('mnist'))!;
    assert.equal(found.keyMetric, 'val_acc');
    assert.equal(found.keyMetricHigherIsBetter, true);
    assert.deepEqual(await store.getExperiment(found.id), found);
    await store.setKeyMetric('mnist', null);
    assert.equal((await store.getExperiment('mnist'))!.keyMetricHigherIsBetter, null);
  });

  it('refuses the same param twice with another value, keeping the first (MLflow)', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    await store.logParams(run.id, { lr: '0.01', layers: '[64,32]' });
    await store.logParams(run.id, { lr: '0.01' });
    await expectStoreError(
      store.logParams(run.id, { lr: '0.1' }),
      'PARAM_CONFLICT',
      /"lr" .* already "0.01".*"0.1"/,
    );
    // The conflicting batch writes nothing, not even its new keys.
    await expectStoreError(
      store.logParams(run.id, { seed: '1', lr: '0.2' }),
      'PARAM_CONFLICT',
      /"lr"/,
    );
    assert.deepEqual(await store.getParams(run.id), { layers: '[64,32]', lr: '0.01' });
    await store.setTags(run.id, { stage: 'draft' });
    await store.setTags(run.id, { stage: 'final', owner: 'ada' });
    assert.deepEqual(await store.getTags(run.id), { owner: 'ada', stage: 'final' });
    await store.deleteTags(run.id, ['owner']);
    assert.deepEqual(await store.getTags(run.id), { stage: 'final' });
    await expectStoreError(store.setTags('missing', { a: 'b' }), 'NOT_FOUND', /missing/);
    await expectStoreError(store.logParams('missing', { a: 'b' }), 'NOT_FOUND', /missing/);
  });

  it('round-trips NaN, +Infinity and -Infinity exactly, through a second connection', async () => {
    const values = [
      NaN,
      Infinity,
      -Infinity,
      0,
      1.5,
      -2,
      Number.MAX_VALUE,
      Number.MIN_VALUE,
      1 / 3,
      -0.1,
    ];
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    await store.insertMetricPoints(values.map((value, step) => point(run.id, 'loss', step, value)));
    await store.insertMetricPoints([point(run.id, 'last', 0, NaN, 1)]);
    await store.close();
    const again = await backend().open();
    const history = await again.metricHistory(run.id, 'loss');
    assert.equal(history.length, values.length);
    history.forEach((p, i) => {
      assert.ok(Object.is(p.value, values[i]), `step ${i}: expected ${values[i]}, got ${p.value}`);
      assert.equal(p.step, i);
      assert.equal(p.timestamp, 1000 + i);
    });
    const latest = await again.latestMetrics(run.id);
    assert.ok(Object.is(latest.loss.value, -0.1));
    assert.ok(Number.isNaN(latest.last.value));
    // Ranges leave NaN out; an all-NaN series has none.
    const ranges = (await again.metricRangesOfRuns([run.id])).get(run.id)!;
    assert.deepEqual(ranges.loss, { min: -Infinity, max: Infinity });
    assert.deepEqual(ranges.last, { min: null, max: null });
  });

  it('keeps every point, including repeated steps, and the latest point per key across batches', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    const other = await store.createRun({ experiment: 'e', name: 'other' });
    const p = (key: string, step: number, timestamp: number, value: number, runId = run.id) =>
      point(runId, key, step, value, timestamp);
    await store.insertMetricPoints([
      p('acc', 0, 1, 0.5),
      p('acc', 2, 2, 0.7),
      p('acc', 1, 3, 0.6),
      p('loss', 0, 1, 9, other.id),
    ]);
    await store.insertMetricPoints([p('acc', 1, 4, 0.65), p('acc', 2, 5, 0.75)]);
    assert.deepEqual(
      (await store.metricHistory(run.id, 'acc')).map((m) => [m.step, m.value]),
      [
        [0, 0.5],
        [1, 0.6],
        [1, 0.65],
        [2, 0.7],
        [2, 0.75],
      ],
    );
    assert.deepEqual(await store.latestMetrics(run.id), {
      acc: { step: 2, timestamp: 5, value: 0.75 },
    });
    assert.deepEqual(await store.latestMetrics(other.id), {
      loss: { step: 0, timestamp: 1, value: 9 },
    });
    await store.insertMetricPoints([p('acc', 0, 6, 0.1)]);
    assert.equal((await store.latestMetrics(run.id)).acc.value, 0.75);
    assert.deepEqual((await store.metricRangesOfRuns([run.id])).get(run.id), {
      acc: { min: 0.1, max: 0.75 },
    });
    assert.deepEqual(await store.metricHistory(run.id, 'missing'), []);
  });

  it('writes nothing of a batch that fails (a malformed point, an unknown run)', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    await store.insertMetricPoints([point(run.id, 'k', 0, 1)]);
    await expectStoreError(
      store.insertMetricPoints([
        point(run.id, 'k', 1, 2),
        { ...point(run.id, 'k', 0, 1), step: 0.5 },
      ]),
      'INVALID_ARGUMENT',
      /integer step/,
    );
    await expectStoreError(
      store.insertMetricPoints([
        point(run.id, 'k', 1, 2),
        point(run.id, 'fresh', 0, 1),
        point('no-such-run', 'k', 0, 1),
      ]),
      'NOT_FOUND',
      /no-such-run/,
    );
    assert.deepEqual(
      (await store.metricHistory(run.id, 'k')).map((m) => m.value),
      [1],
    );
    assert.deepEqual(Object.keys(await store.latestMetrics(run.id)), ['k']);
    assert.equal((await store.latestMetrics(run.id)).k.step, 0);
  });

  it('refuses writes to a deleted run until it is restored (MLflow)', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    await store.deleteRun(run.id);
    await expectStoreError(store.logParams(run.id, { a: '1' }), 'RUN_DELETED', /deleted; restore/);
    await expectStoreError(store.setTags(run.id, { a: '1' }), 'RUN_DELETED', /deleted/);
    await expectStoreError(
      store.insertMetricPoints([point(run.id, 'k', 0, 1)]),
      'RUN_DELETED',
      /deleted/,
    );
    assert.deepEqual(await store.getParams(run.id), {});
    assert.deepEqual(await store.getTags(run.id), {});
    assert.deepEqual(await store.metricHistory(run.id, 'k'), []);
    await store.restoreRun(run.id);
    await store.logParams(run.id, { a: '1' });
    await store.setTags(run.id, { a: '1' });
    await store.insertMetricPoints([point(run.id, 'k', 0, 1)]);
    assert.deepEqual(await store.getParams(run.id), { a: '1' });
    assert.equal((await store.metricHistory(run.id, 'k')).length, 1);
  });

  it('never deadlocks 4 writers on 2 runs with mixed single and batch logging, and loses nothing', async function () {
    this.timeout(120_000);
    const a = await store.createRun({ experiment: 'e', name: 'a' });
    const b = await store.createRun({ experiment: 'e', name: 'b' });
    const writers = await Promise.all([0, 1, 2, 3].map(() => backend().open()));
    const rounds = 40;
    await Promise.all(
      writers.map(async (writer, w) => {
        // Each writer touches both runs, in opposite orders for odd and even writers.
        const runs = w % 2 === 0 ? [a.id, b.id] : [b.id, a.id];
        for (let i = 0; i < rounds; i++) {
          if (i % 2 === 0) {
            await writer.insertMetricPoints([
              point(runs[0], `w${w}`, i, i),
              point(runs[1], `w${w}`, i, i),
              point(runs[0], 'shared', w * 1000 + i, i),
              point(runs[1], 'shared', w * 1000 + i, i),
            ]);
          } else {
            await writer.insertMetricPoints([point(runs[0], `w${w}`, i, i)]);
            await writer.insertMetricPoints([point(runs[1], `w${w}`, i, i)]);
            await writer.setTags(runs[0], { [`w${w}`]: String(i) });
            await writer.logParams(runs[1], { [`w${w}.${i}`]: String(i) });
          }
        }
      }),
    );
    for (const id of [a.id, b.id]) {
      for (let w = 0; w < 4; w++) {
        const history = await store.metricHistory(id, `w${w}`);
        assert.deepEqual(
          history.map((p) => p.step),
          [...Array(rounds).keys()],
          `run ${id} writer ${w}`,
        );
      }
      const shared = await store.metricHistory(id, 'shared');
      assert.equal(shared.length, 4 * (rounds / 2));
      assert.equal((await store.latestMetrics(id)).shared.step, 3000 + rounds - 2);
    }
    assert.equal(
      Object.keys(await store.getParams(b.id)).filter(
        (k) => k.startsWith('w0.') || k.startsWith('w2.'),
      ).length,
      2 * (rounds / 2),
    );
    assert.equal(Object.keys(await store.getParams(a.id)).length, 2 * (rounds / 2));
  });

  it('orders runs newest first, ties by insertion, pinned first, grouped by a param', async () => {
    const t = 1_700_000_000_000;
    const r1 = await store.createRun({ experiment: 'e', name: 'r1', startTime: t });
    const r2 = await store.createRun({ experiment: 'e', name: 'r2', startTime: t });
    const r3 = await store.createRun({ experiment: 'e', name: 'r3', startTime: t + 1 });
    assert.deepEqual(
      (await store.listRuns()).map((r) => r.name),
      ['r3', 'r2', 'r1'],
    );
    assert.deepEqual(
      (await store.listRuns({ startTimeAscending: true })).map((r) => r.name),
      ['r1', 'r2', 'r3'],
    );
    assert.deepEqual(
      (await store.listRuns({ limit: 1, offset: 1 })).map((r) => r.name),
      ['r2'],
    );
    await store.setTags(r1.id, { 'labbook.pinned': 'true' });
    assert.deepEqual(
      (await store.listRuns({ pinnedFirst: true })).map((r) => r.name),
      ['r1', 'r3', 'r2'],
    );
    await store.logParams(r3.id, { opt: 'sgd' });
    await store.logParams(r1.id, { opt: 'adam' });
    assert.deepEqual(
      (await store.listRuns({ groupByParam: 'opt' })).map((r) => r.name),
      ['r1', 'r3', 'r2'],
    );
    assert.deepEqual(await store.paramValueCounts({}, 'opt'), [
      { value: 'adam', count: 1 },
      { value: 'sgd', count: 1 },
      { value: null, count: 1 },
    ]);
    const child = await store.createRun({ experiment: 'e', name: 'child', parentRunId: r2.id });
    assert.deepEqual([...(await store.childCounts([r2.id, r1.id])).entries()], [[r2.id, 1]]);
    assert.deepEqual(
      (await store.listRuns({ parentRunId: r2.id })).map((r) => r.id),
      [child.id],
    );
    assert.equal((await store.listRuns({ topLevelOnly: true })).length, 3);
  });

  it('searches with MLflow syntax: metrics (NaN never matches, sorts last), params, tags, LIKE, ILIKE', async () => {
    const mk = async (name: string, loss: number | null, opt: string, tag: string) => {
      const r = await store.createRun({ experiment: 'e', name });
      if (loss !== null) await store.insertMetricPoints([point(r.id, 'loss', 0, loss)]);
      await store.logParams(r.id, { opt });
      await store.setTags(r.id, { team: tag });
      return r;
    };
    await mk('a', 0.5, 'adam', 'Vision');
    await mk('b', NaN, 'sgd', 'vision');
    await mk('c', 0.1, 'adamw', 'nlp');
    await mk('d', null, 'sgd', 'nlp');
    const names = async (filter: string, order = '') =>
      (
        await store.listRuns({
          search: { clauses: parseFilter(filter), order: parseOrderBy(order) },
        })
      ).map((r) => r.name);
    assert.deepEqual(await names('metrics.loss < 1'), ['c', 'a']);
    assert.deepEqual(await names('metrics.loss > 0.2'), ['a']);
    // Missing (d) and NaN (b) last either way, then newest first.
    assert.deepEqual(await names('', 'metrics.loss DESC'), ['a', 'c', 'd', 'b']);
    assert.deepEqual(await names('', 'metrics.loss ASC'), ['c', 'a', 'd', 'b']);
    assert.deepEqual(await names("params.opt LIKE 'adam%'"), ['c', 'a']);
    assert.deepEqual(await names("tags.team LIKE 'v%'"), ['b']);
    assert.deepEqual(await names("tags.team ILIKE 'v%'"), ['b', 'a']);
    assert.deepEqual(await names("params.opt IN ('sgd')", 'attributes.run_name ASC'), ['b', 'd']);
    assert.deepEqual(await names("attributes.status = 'RUNNING' AND params.opt != 'sgd'"), [
      'c',
      'a',
    ]);
    assert.equal(
      await store.countRuns({ search: { clauses: parseFilter('metrics.loss >= 0') } }),
      2,
    );
  });

  it('pages pinned runs first, and reads the same columns and ranges with and without a search', async () => {
    const runs = [];
    for (let i = 0; i < 9; i++) {
      const run = await store.createRun({
        experiment: `x${i % 3}`,
        name: `run${i}`,
        startTime: 1_000 + i * 10,
      });
      await store.logParams(run.id, { [`p${i % 4}`]: String(i), shared: 'yes' });
      await store.insertMetricPoints([
        point(run.id, 'loss', 0, [NaN, -Infinity, 3, 0.5, 7, NaN, 2, 9, 1][i]),
        point(run.id, i % 2 ? 'odd' : 'even', 0, i),
      ]);
      if (i % 3 === 1) await store.setTags(run.id, { 'labbook.pinned': 'true' });
      if (i === 4) await store.setTags(run.id, { 'labbook.pinned': 'false', note: 'not pinned' });
      runs.push(run);
    }
    const child = await store.createRun({
      experiment: 'x0',
      name: 'child',
      parentRunId: runs[0].id,
    });
    await store.logParams(child.id, { onlyChild: '1' });
    const gone = await store.createRun({ experiment: 'x1', name: 'gone' });
    await store.logParams(gone.id, { onlyDeleted: '1' });
    await store.insertMetricPoints([point(gone.id, 'loss', 0, -100)]);
    await store.deleteRun(gone.id);

    const top = { topLevelOnly: true };
    // The reference: newest first, then the pinned ones moved to the front, order kept.
    const newest = (await store.listRuns(top)).map((r) => r.name);
    const pinned = new Set(['run1', 'run7']); // run4's tag says false
    const expected = [
      ...newest.filter((n) => pinned.has(n)),
      ...newest.filter((n) => !pinned.has(n)),
    ];
    for (const limit of [1, 2, 3, 5, undefined])
      for (let offset = 0; offset <= expected.length; offset++)
        assert.deepEqual(
          (await store.listRuns({ ...top, pinnedFirst: true, offset, limit })).map((r) => r.name),
          expected.slice(offset, limit === undefined ? undefined : offset + limit),
          `offset ${offset}, limit ${limit}`,
        );
    assert.deepEqual(
      (await store.listRuns({ ...top, pinnedFirst: true, experiment: 'x1' })).map((r) => r.name),
      ['run7', 'run1', 'run4'],
    );

    // No search: the key indexes; a search that matches every run: a pass over the runs.
    const everyRun = { search: { clauses: parseFilter('attributes.start_time >= 0') } };
    for (const filter of [top, { experiment: 'x0' }, { experimentIds: [], ...top }, {}]) {
      const byIndex = await store.runKeys(filter);
      assert.deepEqual(byIndex, await store.runKeys({ ...filter, ...everyRun }));
      const ranges = await store.latestMetricRanges(filter);
      assert.deepEqual(ranges, await store.latestMetricRanges({ ...filter, ...everyRun }));
    }
    const keys = await store.runKeys(top);
    assert.deepEqual(keys.params, ['p0', 'p1', 'p2', 'p3', 'shared']);
    assert.deepEqual(keys.tags, ['labbook.pinned', 'note']);
    assert.deepEqual((await store.runKeys({})).params, [
      'onlyChild',
      'p0',
      'p1',
      'p2',
      'p3',
      'shared',
    ]);
    assert.deepEqual(await store.latestMetricRanges(top), {
      even: { min: 0, max: 8 },
      loss: { min: 0.5, max: 9 },
      odd: { min: 1, max: 7 },
    });
    assert.deepEqual((await store.latestMetricRanges({ experiment: 'x0' })).loss, {
      min: 0.5,
      max: 2,
    });
  });

  it('answers the table queries: keys, latest ranges and set-based reads', async () => {
    const a = await store.createRun({ experiment: 'e', name: 'a' });
    const b = await store.createRun({ experiment: 'f', name: 'b' });
    await store.insertMetricPoints([
      point(a.id, 'loss', 0, 2),
      point(a.id, 'loss', 1, 1),
      point(b.id, 'loss', 0, Infinity),
      point(b.id, 'acc', 0, 0.9),
    ]);
    await store.logParams(a.id, { lr: '0.1', Z: 'z' });
    await store.setTags(b.id, { team: 'x' });
    assert.deepEqual(await store.runKeys(), {
      params: ['Z', 'lr'],
      metrics: ['acc', 'loss'],
      tags: ['team'],
    });
    assert.deepEqual(await store.runKeys({ experiment: 'e' }, ['metrics']), {
      params: [],
      metrics: ['loss'],
      tags: [],
    });
    assert.deepEqual(await store.latestMetricRanges(), {
      acc: { min: 0.9, max: 0.9 },
      loss: { min: 1, max: 1 },
    });
    assert.deepEqual(
      [...(await store.paramsOfRuns([a.id, b.id])).entries()],
      [[a.id, { Z: 'z', lr: '0.1' }]],
    );
    assert.deepEqual(
      [...(await store.tagsOfRuns([a.id, b.id])).entries()],
      [[b.id, { team: 'x' }]],
    );
    const latest = await store.latestMetricsOfRuns([a.id, b.id, a.id]);
    assert.deepEqual(latest.get(a.id), { loss: { step: 1, timestamp: 1001, value: 1 } });
    assert.equal(latest.get(b.id)!.loss.value, Infinity);
  });

  it('stores artifacts by content and purges only soft-deleted runs', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    const artifact = await store.logArtifact(run.id, 'notes/a.txt', 'hello');
    assert.equal(artifact.size, 5);
    assert.equal(artifact.mediaType, 'text/plain');
    assert.deepEqual(
      (await store.listArtifacts(run.id)).map((x) => x.name),
      ['notes/a.txt'],
    );
    assert.equal((await store.readArtifact(run.id, 'notes/a.txt')).toString(), 'hello');
    await expectStoreError(store.readArtifact(run.id, 'none'), 'NOT_FOUND', /none/);
    await store.insertMetricPoints([point(run.id, 'k', 0, 1)]);
    await store.logParams(run.id, { a: '1' });
    await expectStoreError(store.purgeRuns([run.id]), 'INVALID_ARGUMENT', /not deleted/);
    await expectStoreError(store.purgeRuns(['missing']), 'NOT_FOUND', /not found: missing/);
    await store.deleteRun(run.id);
    assert.equal((await store.purgeRuns([run.id])).purged, 1);
    assert.equal(await store.getRun(run.id), undefined);
    assert.deepEqual(await store.metricHistory(run.id, 'k'), []);
    assert.deepEqual(await store.getParams(run.id), {});
  });

  it('purges soft-deleted runs with all their data, keeping content other runs share', async () => {
    const gone = await store.createRun({ experiment: 'e', name: 'gone' });
    const kept = await store.createRun({ experiment: 'e', name: 'kept' });
    const child = await store.createRun({ experiment: 'e', name: 'child', parentRunId: gone.id });
    await store.logParams(gone.id, { lr: '0.1' });
    await store.setTags(gone.id, { owner: 'ada' });
    await store.insertMetricPoints([
      point(gone.id, 'loss', 0, 1),
      point(gone.id, 'loss', 1, 0.5),
      point(kept.id, 'loss', 0, 2),
    ]);
    const shared = await store.logArtifact(gone.id, 'shared.txt', 'both runs have this');
    await store.logArtifact(kept.id, 'copy.txt', 'both runs have this');
    const sharedPath = new ArtifactFiles(shared.root).pathOf(shared.sha256);
    await store.deleteRun(gone.id);

    // Whether a blob no run uses is freed is the backend's (SQLite frees its own root's,
    // PostgreSQL leaves a shared root to a collector: store.test.ts, core/store/postgres/store.ts).
    assert.equal((await store.purgeRuns([gone.id])).purged, 1);
    assert.equal(await store.getRun(gone.id), undefined);
    assert.deepEqual(await store.getParams(gone.id), {});
    assert.deepEqual(await store.getTags(gone.id), {});
    assert.deepEqual(await store.latestMetrics(gone.id), {});
    assert.deepEqual(await store.listArtifacts(gone.id), []);
    assert.equal(existsSync(sharedPath), true);
    assert.equal((await store.readArtifact(kept.id, 'copy.txt')).toString(), 'both runs have this');
    assert.deepEqual(
      (await store.metricHistory(kept.id, 'loss')).map((p) => p.value),
      [2],
    );
    assert.equal((await store.getRun(child.id))!.parentRunId, null);
    assert.deepEqual((await store.listRuns()).map((r) => r.name).sort(), ['child', 'kept']);
  });

  it('refuses to purge runs that are not soft-deleted, naming them, and loses nothing', async () => {
    const deleted = await store.createRun({ experiment: 'e', name: 'deleted' });
    const live = await store.createRun({ experiment: 'e', name: 'live' });
    await store.insertMetricPoints([point(deleted.id, 'loss', 0, 1), point(live.id, 'loss', 0, 1)]);
    const blob = await store.logArtifact(deleted.id, 'a.txt', 'unique content');
    await store.deleteRun(deleted.id);

    const error = await expectStoreError(
      store.purgeRuns([deleted.id, live.id]),
      'INVALID_ARGUMENT',
      /nothing was purged/,
    );
    assert.match(error.message, new RegExp(`not deleted \\(delete them first\\): ${live.id}`));
    assert.doesNotMatch(error.message.split('not deleted')[1], new RegExp(deleted.id));
    await expectStoreError(store.purgeRuns([deleted.id, 'nope']), 'NOT_FOUND', /not found: nope/);
    assert.ok(await store.getRun(deleted.id));
    assert.equal((await store.metricHistory(deleted.id, 'loss')).length, 1);
    assert.ok(existsSync(new ArtifactFiles(blob.root).pathOf(blob.sha256)));
    assert.deepEqual(await store.purgeRuns([]), { purged: 0, artifactBytesFreed: 0 });
  });

  it('purges a parent together with its child in one call', async () => {
    const parent = await store.createRun({ experiment: 'e', name: 'parent' });
    const child = await store.createRun({ experiment: 'e', name: 'child', parentRunId: parent.id });
    await store.deleteRun(parent.id);
    await store.deleteRun(child.id);
    assert.deepEqual(await store.purgeRuns([parent.id, child.id, parent.id]), {
      purged: 2,
      artifactBytesFreed: 0,
    });
    assert.deepEqual(await store.listRuns({ includeDeleted: true }), []);
  });

  it('records the artifact root each artifact was written to, and reads it under any root', async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    const own = await store.logArtifact(run.id, 'a.txt', 'under the own root');
    const shared = join(backend().dir, 'shared');
    const teammate = await backend().open({ artifactRoot: shared });
    const written = await teammate.logArtifact(run.id, 'b.txt', 'under the shared root');
    assert.equal(written.root, shared);
    assert.ok(existsSync(shared), 'content written under the shared root');
    // A third machine writing elsewhere still finds each artifact where it was written.
    const elsewhere = await backend().open({ artifactRoot: join(backend().dir, 'elsewhere') });
    assert.deepEqual(
      (await elsewhere.listArtifacts(run.id)).map((a) => [a.name, a.root]),
      [
        ['a.txt', own.root],
        ['b.txt', shared],
      ],
    );
    assert.equal((await elsewhere.readArtifact(run.id, 'a.txt')).toString(), 'under the own root');
    assert.equal(
      (await elsewhere.readArtifact(run.id, 'b.txt')).toString(),
      'under the shared root',
    );
    // Logged again from another root, the artifact moves there.
    const moved = await elsewhere.logArtifact(run.id, 'a.txt', 'rewritten');
    assert.equal(moved.root, join(backend().dir, 'elsewhere'));
    assert.equal((await store.readArtifact(run.id, 'a.txt')).toString(), 'rewritten');
  });

  it('records who started each run, and filters, searches and orders by it', async () => {
    const ana = await store.createRun({ experiment: 'e', name: 'ana-run', user: 'ana' });
    await store.createRun({ experiment: 'e', name: 'ben-run', user: 'ben' });
    const before = await store.createRun({ experiment: 'e', name: 'old-run' });
    assert.equal((await store.getRun(ana.id))!.user, 'ana');
    assert.equal(before.user, null, 'a run without a user records none');
    assert.deepEqual(
      (await store.listRuns({ user: 'ana' })).map((r) => r.id),
      [ana.id],
    );
    assert.equal(await store.countRuns({ user: 'ben' }), 1);
    assert.equal(await store.countRuns({ user: 'nobody' }), 0);
    const names = async (filter: string, order = '') =>
      (
        await store.listRuns({
          search: { clauses: parseFilter(filter), order: parseOrderBy(order) },
        })
      ).map((r) => r.name);
    assert.deepEqual(await names("attributes.user = 'ben'"), ['ben-run']);
    assert.deepEqual(await names("attributes.user LIKE 'a%'"), ['ana-run']);
    assert.deepEqual(await names("attributes.user != 'ana'"), ['ben-run']);
    // A run without a user sorts as SQLite sorts a missing value: first ascending, last descending.
    assert.deepEqual(await names('', 'attributes.user'), ['old-run', 'ana-run', 'ben-run']);
    assert.deepEqual(await names('', 'attributes.user DESC'), ['ben-run', 'ana-run', 'old-run']);
  });

  it('labbook runs --mine lists the runs of LABBOOK_USER only', async () => {
    await store.createRun({ experiment: 'e', name: 'ana-run', user: 'ana' });
    await store.createRun({ experiment: 'e', name: 'ben-run', user: 'ben' });
    const location = backend().location;
    const runs = (...args: string[]) => {
      const r = spawnSync(
        process.execPath,
        [
          bin,
          '--store',
          location.backend === 'sqlite' ? location.path : location.url,
          'runs',
          ...args,
        ],
        {
          cwd: backend().dir,
          encoding: 'utf8',
          env: { ...process.env, LABBOOK_STORE: '', [USER_ENV_VAR]: 'ana' },
        },
      );
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const mine = JSON.parse(runs('--mine', '--json')) as RunSummary[];
    assert.deepEqual(
      mine.map((r) => [r.name, r.user]),
      [['ana-run', 'ana']],
    );
    assert.match(runs(), /ben-run\s.*ben/);
    assert.doesNotMatch(runs('--mine'), /ben-run/);
  });

  it('marks runs whose writer is gone as killed, and a heartbeat revives one', async () => {
    const gone = await store.createRun({ experiment: 'e', name: 'gone', pid: deadPid() });
    const alive = await store.createRun({ experiment: 'e', name: 'alive' });
    assert.deepEqual(await store.markKilledRuns(), [gone.id]);
    const killed = (await store.getRun(gone.id))!;
    assert.equal(killed.status, 'killed');
    assert.match(killed.error!, /ended without ending the run/);
    assert.equal((await store.getRun(alive.id))!.status, 'running');
    await store.heartbeat(gone.id);
    const revived = (await store.getRun(gone.id))!;
    assert.equal(revived.status, 'running');
    assert.equal(revived.error, null);
  });

  it('marks runs of dead local processes and silent remote hosts as killed on open, and leaves live ones alone', async () => {
    const now = Date.now();
    const deadLocal = await store.createRun({
      experiment: 'e',
      name: 'dead-local',
      pid: deadPid(),
    });
    const aliveLocal = await store.createRun({ experiment: 'e', name: 'alive-local' });
    const silentRemote = await store.createRun({
      experiment: 'e',
      name: 'silent-remote',
      host: 'elsewhere',
      pid: 1,
      startTime: now - STALE_HEARTBEAT_MS - 60_000,
    });
    const freshRemote = await store.createRun({
      experiment: 'e',
      name: 'fresh-remote',
      host: 'elsewhere',
      pid: 1,
    });
    // Our own (live) pid, but silent for two hours: the pid was reused by another process.
    const reusedPid = await store.createRun({
      experiment: 'e',
      name: 'reused-pid',
      startTime: now - 2 * 60 * 60_000,
    });
    const finished = await store.createRun({ experiment: 'e', name: 'finished', pid: deadPid() });
    await store.endRun(finished.id, 'finished');

    // A second connection detects them as it opens.
    const reopened = await backend().open();
    const status = async (id: string) => (await reopened.getRun(id))!.status;
    assert.equal(await status(deadLocal.id), 'killed');
    const dead = (await reopened.getRun(deadLocal.id))!;
    assert.match(dead.error!, /process \d+ on .* ended without ending the run/);
    assert.equal(dead.endTime, dead.heartbeatAt);
    assert.equal(await status(aliveLocal.id), 'running');
    assert.equal(await status(silentRemote.id), 'killed');
    assert.equal(await status(freshRemote.id), 'running');
    assert.equal(await status(reusedPid.id), 'killed');
    assert.equal(await status(finished.id), 'finished');

    // A run wrongly presumed dead comes back when its writer shows signs of life.
    await reopened.insertMetricPoints([
      { runId: silentRemote.id, key: 'k', step: 0, timestamp: Date.now(), value: 1 },
    ]);
    assert.equal(await status(silentRemote.id), 'running');
    assert.equal((await reopened.getRun(silentRemote.id))!.endTime, null);
  });

  it('migrates to the one schema version, and refuses a newer schema writing nothing', async () => {
    assert.deepEqual(
      PG_MIGRATIONS.map((m) => m.version),
      MIGRATIONS.map((m) => m.version),
    );
    assert.equal(await backend().schemaVersion(), SCHEMA_VERSION);
    const gone = await store.createRun({ experiment: 'e', name: 'gone', pid: deadPid() });
    await store.close();
    await backend().setSchemaVersion(SCHEMA_VERSION + 1);
    await expectStoreError(backend().open(), 'NEWER_SCHEMA', /newer Labbook.*not modified/);
    assert.equal(await backend().schemaVersion(), SCHEMA_VERSION + 1);
    await backend().setSchemaVersion(SCHEMA_VERSION);
    // The refused open did not even mark the dead writer's run as killed.
    const reader = await backend().open({ detectKilledRuns: false });
    assert.equal((await reader.getRun(gone.id))!.status, 'running');
  });

  it('lists runs for `labbook runs` (the CLI) with a search, NaN spelled out', async () => {
    const a = await store.createRun({ experiment: 'penguins', name: 'a' });
    const b = await store.createRun({ experiment: 'penguins', name: 'b' });
    await store.logParams(a.id, { lr: '0.01' });
    await store.insertMetricPoints([point(a.id, 'acc', 0, 0.8), point(b.id, 'acc', 0, NaN)]);
    const listed = JSON.parse(
      await listRunsCommand(backend().location, { json: true, orderBy: 'metrics.acc DESC' }),
    ) as RunSummary[];
    assert.deepEqual(
      listed.map((r) => [r.name, r.metrics.acc, r.params]),
      [
        ['a', 0.8, { lr: '0.01' }],
        ['b', 'NaN', {}],
      ],
    );
    const table = await listRunsCommand(backend().location, { filter: "params.lr = '0.01'" });
    assert.match(table, /penguins\s+a\s+running/);
    assert.doesNotMatch(table, /penguins\s+b\s/);
  });

  it("tells a watcher about another connection's commits, and stops when told", async () => {
    const run = await store.createRun({ experiment: 'e', name: 'r' });
    let changes = 0;
    const stop = await store.watch(() => (changes += 1));
    const writer = await backend().open();
    const waitFor = async (what: string, done: () => boolean) => {
      for (let waited = 0; !done(); waited += 50) {
        if (waited > 5000) assert.fail(`no change notice after ${what}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    await writer.insertMetricPoints([point(run.id, 'loss', 0, 1)]);
    await waitFor('a metric batch', () => changes > 0);
    const afterBatch = changes;
    await writer.setTags(run.id, { stage: 'x' });
    await waitFor('a tag', () => changes > afterBatch);
    const afterTag = changes;
    await expectStoreError(
      writer.logParams(run.id, { a: '1' }).then(() => writer.logParams(run.id, { a: '2' })),
      'PARAM_CONFLICT',
      /"a"/,
    );
    await waitFor('a param', () => changes > afterTag);
    await stop();
    const stopped = changes;
    await writer.endRun(run.id, 'finished');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    assert.equal(changes, stopped, 'a stopped watcher is not called');
  });
});
