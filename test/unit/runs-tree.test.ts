/**
 * The Experiments → Runs tree (issue 14, item 4): "… ago" labels on fixed clocks and the
 * timer that keeps them fresh, an experiment's count against the rows under it, a sweep's
 * trials showing the sweep's metric with its best starred (from a real sweep in a real
 * store), and the metric a comparison defaults to.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import * as lab from '../../kernel/sdk';
import { startRun } from '../../kernel/sdk';
import { comparisonKeyMetric, experimentItems, runItems } from '../../core/service/queries';
import { defaultMetric } from '../../core/common/comparison';
import type { ExperimentItem, RunItem } from '../../core/service/protocol';
import {
  childNodes,
  experimentDescription,
  labelRefreshMs,
  RelabelTimer,
  relativeTime,
  rootNodes,
  runNodeDescription,
  startTimesUnder,
  treeRefreshMs,
  type RunNode,
  type RunsTreeNode,
} from '../../extension/runs/runsTreeModel';
import { makeTempDir, removeDir } from './temp';
import { readRunStore } from './store-reader';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const S = 1000;
const MIN = 60 * S;

function runItem(overrides: Partial<RunItem> & { id: string }): RunItem {
  return {
    experimentId: 1,
    experiment: 'e',
    name: overrides.id,
    status: 'finished',
    startTime: T0,
    endTime: T0 + 10 * S,
    parentRunId: null,
    sourceNotebook: null,
    keyMetric: null,
    pinned: false,
    deletedAt: null,
    sweep: null,
    user: null,
    ...overrides,
  };
}

const EXPERIMENT: ExperimentItem = {
  id: 1,
  name: 'e',
  runCount: 0,
  keyMetric: null,
  keyMetricHigherIsBetter: null,
};

type Node = Exclude<RunsTreeNode, { kind: 'message' }>;
const asRun = (n: RunsTreeNode): RunNode => {
  assert.equal(n.kind, 'run');
  return n;
};

describe('runs tree: time labels', () => {
  it('says how long ago on fixed clocks, by the unit the age reaches', async () => {
    assert.equal(relativeTime(T0, T0), 'just now');
    assert.equal(relativeTime(T0, T0 + 44 * S), 'just now');
    assert.equal(relativeTime(T0, T0 + 45 * S), '1 min ago');
    assert.equal(relativeTime(T0, T0 + 7 * MIN), '7 min ago');
    assert.equal(relativeTime(T0, T0 + 3 * 3600 * S), '3 h ago');
    assert.equal(relativeTime(T0, T0 + 2 * 86400 * S), '2 d ago');
    // A clock a little behind the writer's never shows a negative age.
    assert.equal(relativeTime(T0 + 5 * S, T0), 'just now');
  });

  it('asks for a redraw often enough for the finest label shown', async () => {
    assert.equal(labelRefreshMs(10 * S), 15 * S);
    assert.equal(labelRefreshMs(7 * MIN), 30 * S);
    assert.equal(labelRefreshMs(5 * 3600 * S), 10 * MIN);
    assert.equal(labelRefreshMs(3 * 86400 * S), 60 * MIN);
    const now = T0 + 2 * 86400 * S;
    assert.equal(treeRefreshMs([T0, now - 3 * MIN], now), 30 * S, 'one label in minutes');
    assert.equal(treeRefreshMs([T0], now), 60 * MIN, 'only days');
    assert.equal(treeRefreshMs([], now), undefined, 'no label, no timer');
  });

  it('measures a sweep and its trials from the same clock and the same field (start time)', async () => {
    const sweep = runItem({
      id: 'sweep',
      startTime: T0,
      endTime: null,
      status: 'running',
      sweep: { metric: 'val_loss', goal: 'minimize', bestRunId: null },
    });
    const trials = [1, 2].map((i) =>
      runItem({ id: `trial-${i}`, parentRunId: 'sweep', startTime: T0 + i * 20 * S }),
    );
    const now = T0 + 4 * MIN;
    const [experiment] = rootNodes([EXPERIMENT], new Map([[1, [sweep, ...trials]]]), [], now);
    const [parent] = childNodes(experiment as Node).map(asRun);
    const children = childNodes(parent).map(asRun);
    // Read once: a later read of the children does not move their clock ahead of the parent's.
    assert.ok([parent, ...children].every((n) => n.now === now));
    assert.match(runNodeDescription(parent), /4 min ago$/);
    assert.match(runNodeDescription(children[0]), /4 min ago$/);
    assert.match(runNodeDescription(children[1]), /3 min ago$/);
    assert.equal(treeRefreshMs(startTimesUnder([experiment]), now), 30 * S);
  });
});

describe('runs tree: the relabel timer', () => {
  function fakeTimers() {
    const pending = new Map<number, { fn: () => void; ms: number }>();
    let next = 0;
    return {
      pending,
      set: (fn: () => void, ms: number) => {
        pending.set(++next, { fn, ms });
        return next;
      },
      clear: (handle: unknown) => void pending.delete(handle as number),
      fire() {
        const [[id, t]] = [...pending];
        pending.delete(id);
        t.fn();
      },
    };
  }

  it('redraws after the period asked for, stops while hidden, redraws when shown, ends on dispose', async () => {
    const timers = fakeTimers();
    let redraws = 0;
    const timer = new RelabelTimer(() => redraws++, timers);
    timer.schedule(30 * S);
    assert.deepEqual(
      [...timers.pending.values()].map((t) => t.ms),
      [30 * S],
    );
    timer.schedule(15 * S); // a new read replaces the waiting redraw
    assert.equal(timers.pending.size, 1);
    timers.fire();
    assert.equal(redraws, 1);
    assert.equal(timer.armed, false);

    timer.schedule(30 * S);
    timer.setVisible(false);
    assert.equal(timers.pending.size, 0, 'hidden: no timer');
    timer.schedule(30 * S); // a store change while hidden arms nothing
    assert.equal(timers.pending.size, 0);
    timer.setVisible(true);
    assert.equal(redraws, 2, 'shown again: stale labels redrawn at once');

    timer.schedule(30 * S);
    timer.dispose();
    assert.equal(timers.pending.size, 0);
    timer.schedule(30 * S);
    timer.setVisible(false);
    timer.setVisible(true);
    assert.equal(timers.pending.size, 0);
    assert.equal(redraws, 2);
  });

  it('arms no timer when no run shows a time', async () => {
    const timers = fakeTimers();
    const timer = new RelabelTimer(() => undefined, timers);
    timer.schedule(undefined);
    assert.equal(timer.armed, false);
  });
});

describe('runs tree: counts', () => {
  it('counts the rows under an experiment from the runs it shows, trials apart', async () => {
    const runs = [
      runItem({ id: 'a' }),
      runItem({ id: 'sweep' }),
      runItem({ id: 't1', parentRunId: 'sweep' }),
      runItem({ id: 't2', parentRunId: 'sweep' }),
      // Its parent is in another experiment: shown (and counted) at the top level.
      runItem({ id: 'orphan', parentRunId: 'elsewhere' }),
    ];
    const [experiment] = rootNodes([{ ...EXPERIMENT, runCount: 1 }], new Map([[1, runs]]), [], T0);
    const rows = childNodes(experiment as Node);
    assert.equal(rows.length, 3);
    assert.equal(
      experimentDescription((experiment as { runs: RunItem[] }).runs),
      '3 runs · 2 trials',
    );
    assert.equal(experimentDescription([runItem({ id: 'x' })]), '1 run');
    assert.equal(experimentDescription([]), '0 runs');
  });
});

describe('runs tree: sweeps in a real store', () => {
  let dir: string;
  let dbPath: string;
  let stderrWrite: typeof process.stderr.write;

  beforeEach(() => {
    dir = makeTempDir();
    dbPath = join(dir, 'labbook.db');
    stderrWrite = process.stderr.write;
    process.stderr.write = () => true;
  });
  afterEach(() => {
    process.stderr.write = stderrWrite;
    removeDir(dir);
  });

  async function sweepMinimizingLoss() {
    return lab.sweep(
      { experiment: 'tune', metric: 'val_loss', store: dbPath, grid: { lr: [0.1, 0.01, 0.001] } },
      async (params, run) => {
        // Accuracy is logged too, and alphabetically before loss: the trials must still show val_loss.
        run.logMetric('val_acc', 0.9 - params.lr);
        run.logMetric('val_loss', Math.abs(params.lr - 0.01) + 0.2);
      },
    );
  }

  it("shows the sweep's metric on each trial and stars the best trial", async () => {
    const result = await sweepMinimizingLoss();
    const runs = await readRunStore(dbPath, async (s, sync) =>
      runItems(s, sync.getExperiment('tune')!.id),
    );
    const parent = runs.find((r) => r.id === result.parent.id)!;
    assert.deepEqual(parent.sweep, {
      metric: 'val_loss',
      goal: 'minimize',
      bestRunId: result.best!.runId,
    });
    const trials = runs.filter((r) => r.parentRunId === parent.id);
    assert.equal(trials.length, 3);
    assert.deepEqual(
      trials.map((t) => t.keyMetric?.key),
      ['val_loss', 'val_loss', 'val_loss'],
    );

    const experiment = (await readRunStore(dbPath, (s) => experimentItems(s)))[0];
    const [root] = rootNodes([experiment], new Map([[experiment.id, runs]]), [], Date.now());
    const [sweepNode] = childNodes(root as Node).map(asRun);
    const trialNodes = childNodes(sweepNode).map(asRun);
    const starred = trialNodes.filter((n) => n.best);
    assert.deepEqual(
      starred.map((n) => n.run.name),
      ['trial-2'],
    );
    assert.match(runNodeDescription(starred[0]), /^★ best · val_loss 0\.2000 · /);
    assert.ok(trialNodes.every((n) => n.trialOf?.metric === 'val_loss'));
  });

  it('stars the best finished trial so far while a sweep runs (nothing recorded yet)', async () => {
    const sweep = runItem({
      id: 'sweep',
      status: 'running',
      endTime: null,
      sweep: { metric: 'val_loss', goal: 'minimize', bestRunId: null },
    });
    const metric = (value: number) => ({ key: 'val_loss', value });
    const trials = [
      runItem({ id: 't1', parentRunId: 'sweep', keyMetric: metric(0.5) }),
      runItem({ id: 't2', parentRunId: 'sweep', keyMetric: metric(0.3) }),
      runItem({ id: 't3', parentRunId: 'sweep', keyMetric: metric(0.1), status: 'running' }),
    ];
    const [root] = rootNodes([EXPERIMENT], new Map([[1, [sweep, ...trials]]]), [], T0);
    const [sweepNode] = childNodes(root as Node).map(asRun);
    assert.deepEqual(
      childNodes(sweepNode)
        .map(asRun)
        .filter((n) => n.best)
        .map((n) => n.run.id),
      ['t2'],
    );
  });

  it("compares a sweep's trials by the sweep's metric, other runs by the experiment's", async () => {
    const result = await sweepMinimizingLoss();
    const trialIds = result.trials.map((t) => t.runId);
    await readRunStore(dbPath, async (s) => {
      assert.equal(await comparisonKeyMetric(s, trialIds), 'val_loss');
      assert.equal(await comparisonKeyMetric(s, [result.parent.id, ...trialIds]), 'val_loss');
    });
    const loose = ['a', 'b'].map((name) => {
      const run = startRun({ experiment: 'plain', name, store: dbPath });
      run.logMetric('loss', 0.4);
      run.logMetric('val_acc', 0.8);
      run.end();
      return run.id;
    });
    await readRunStore(dbPath, async (s) =>
      assert.equal(await comparisonKeyMetric(s, loose), null),
    );
    // Its own trials and a run elsewhere are not "one sweep's trials".
    await readRunStore(dbPath, async (s) =>
      assert.equal(await comparisonKeyMetric(s, [trialIds[0], loose[0]]), null),
    );
  });

  it('defaults a chart to the named metric, else the most telling common one, never loss first', async () => {
    assert.equal(defaultMetric(['loss', 'val_acc', 'val_loss'], 'val_loss'), 'val_loss');
    assert.equal(defaultMetric(['loss', 'val_acc', 'val_loss'], null), 'val_acc');
    assert.equal(defaultMetric(['loss', 'val_loss'], 'gone'), 'val_loss');
    assert.equal(defaultMetric(['f1', 'rmse'], null), 'f1');
    assert.equal(defaultMetric([], null), null);
  });
});
