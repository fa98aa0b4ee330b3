/**
 * Hyperparameter sweeps: one parent run, one child run per trial, the best trial recorded
 * on the parent.
 *
 * ```ts
 * const result = await lab.sweep(
 *   { experiment: "penguins", metric: "val_acc", grid: { lr: [0.01, 0.05], units: [8, 16] } },
 *   async (params, run) => {
 *     await model(params.units).fit(x, y, { epochs: 20, validationSplit: 0.2, callbacks: run.tfCallback() });
 *   },
 * );
 * result.best; // { runId, name, params: { lr: 0.05, units: 16 }, value: 0.97 }
 * ```
 */
import { higherIsBetterByName } from '../../core/common/comparison';
import { isOpenStore, studyStore, type Study, type SyncRunStore } from '../../core/store';
import { checkPruner, type PrunerSettings } from '../../core/sweep/pruners';
import { checkSpace, type SearchSpace } from '../../core/sweep/space';
import {
  plannedTrials,
  runStudyWorker,
  SWEEP_STUDY_ENV,
  SWEEP_TRIALS_ENV,
  type SamplerSettings,
} from '../../core/sweep/worker';
import { leaseStore } from './lifecycle';
import { BEST_RUN_TAG } from '../../core/store/types';
import { type Run, startRunWith, storeOfRun, TrialPruned } from './run';
import { checkKey, describeValue, paramToText, type ParamValue, type TagValue } from './validate';

/** A numeric range for random search: uniform in [min, max], or log-uniform with `log`. */
export interface SweepRange {
  min: number;
  max: number;
  /** Sample log-uniformly (learning rates, regularisation strengths); needs min > 0. */
  log?: boolean;
  /** Whole numbers only: the result is rounded and kept within [ceil(min), floor(max)]. */
  integer?: boolean;
}

/** A random-search dimension: a list to choose from (uniformly), or a numeric range. */
export type SweepDimension = readonly ParamValue[] | SweepRange;

export type SweepGoal = 'maximize' | 'minimize';

/** What every sweep spec has. */
export interface SweepSpecBase {
  /** Experiment of the parent run and of every trial. */
  experiment: string;
  /** Name of the parent run; default `sweep-<n>`. */
  name?: string;
  /**
   * The metric that ranks trials. A trial's value is what `fn` returns when it returns a
   * number, else the latest value of this metric logged on the trial's run.
   */
  metric: string;
  /**
   * Default: the experiment's own direction when `metric` is its key metric; otherwise
   * `minimize` for names that look like a loss or an error (loss, error, mse, mae, …),
   * else `maximize`.
   */
  goal?: SweepGoal;
  /** Where to record the runs (as in `startRun`). */
  store?: string | SyncRunStore;
  /** Tags set on the parent run. */
  tags?: Record<string, TagValue>;
}

/** Every combination of the listed values (cartesian product, the first key varying slowest). */
export interface GridSweepSpec<
  G extends Record<string, readonly ParamValue[]> = Record<string, readonly ParamValue[]>,
> extends SweepSpecBase {
  grid: G;
  random?: undefined;
}

/** `trials` random draws; the same `seed` gives the same trials. */
export interface RandomSweepSpec<
  R extends Record<string, SweepDimension> = Record<string, SweepDimension>,
> extends SweepSpecBase {
  random: R;
  trials: number;
  /** Integer seed of the generator. Default: a random one, recorded as param `sweep.seed`. */
  seed?: number;
  grid?: undefined;
}

export type SweepSpec = GridSweepSpec | RandomSweepSpec;

/** The params a trial receives for a grid. */
export type GridParams<G extends Record<string, readonly ParamValue[]>> = {
  [K in keyof G]: G[K][number];
};
/** The params a trial receives for a random search: ranges give numbers, lists their element type. */
export type RandomParams<R extends Record<string, SweepDimension>> = {
  [K in keyof R]: R[K] extends readonly (infer V)[] ? V : number;
};

/** A trial's work: train with `params`, log on `run`, return the objective or nothing. */
export type TrialFn<P> = (params: P, run: Run) => number | void | Promise<number | void>;

export interface SweepTrial<P = Record<string, ParamValue>> {
  /** 1-based; the child run is named `trial-<n>`. */
  trial: number;
  runId: string;
  name: string;
  params: P;
  status: 'finished' | 'failed';
  /** The objective; null when the trial failed. NaN is kept, but never best. */
  value: number | null;
  /** The error's message when the trial failed. */
  error: string | null;
}

export interface SweepResult<P = Record<string, ParamValue>> {
  /** The parent run (already ended). */
  parent: Run;
  metric: string;
  goal: SweepGoal;
  /** The trial with the best finite value; null when no trial has one. */
  best: { runId: string; name: string; params: P; value: number } | null;
  trials: SweepTrial<P>[];
}

/** Thrown when every trial failed; the parent run is marked failed. */
export class SweepError extends Error {
  override name = 'SweepError';
  /** @internal */
  constructor(
    message: string,
    readonly result: SweepResult<unknown>,
  ) {
    super(message);
  }
}

/** The direction a metric's name suggests: the rule of the run comparison (losses, errors, times: minimize). */
export function goalForMetricName(metric: string): SweepGoal {
  return higherIsBetterByName(metric) ? 'maximize' : 'minimize';
}

/** Deterministic uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MAX_TRIALS = 100_000;
const STUDY_FIELDS = ['study', 'tpe', 'pruner', 'retries', 'leaseMs', 'workerTrials'] as const;
const SPEC_FIELDS = new Set<string>([
  ...STUDY_FIELDS,
  'experiment',
  'name',
  'metric',
  'goal',
  'store',
  'tags',
  'grid',
  'random',
  'trials',
  'seed',
]);

function fail(message: string): never {
  throw new TypeError(`sweep: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return !!value && typeof value === 'object' && !Array.isArray(value);
}

function checkValues(where: string, values: unknown): readonly ParamValue[] {
  if (!Array.isArray(values))
    fail(`${where} must be an array of values, got ${describeValue(values)}`);
  if (values.length === 0) fail(`${where} must list at least one value`);
  values.forEach((v, i) => {
    try {
      paramToText(`${where}[${i}]`, v);
    } catch (error) {
      fail(`${where}[${i}] is not a param value: ${(error as Error).message}`);
    }
  });
  return values as ParamValue[];
}

interface Dimension {
  key: string;
  values?: readonly ParamValue[];
  range?: Required<SweepRange>;
}

function checkRange(where: string, value: Record<string, unknown>): Required<SweepRange> {
  for (const field of Object.keys(value)) {
    if (!['min', 'max', 'log', 'integer'].includes(field))
      fail(`${where} has unknown field "${field}" (a range has min, max, log, integer)`);
  }
  const { min, max, log = false, integer = false } = value;
  if (typeof min !== 'number' || !Number.isFinite(min))
    fail(`${where}.min must be a finite number, got ${describeValue(min)}`);
  if (typeof max !== 'number' || !Number.isFinite(max))
    fail(`${where}.max must be a finite number, got ${describeValue(max)}`);
  if (min > max) fail(`${where}.min (${min}) must not be greater than max (${max})`);
  if (typeof log !== 'boolean')
    fail(`${where}.log must be true or false, got ${describeValue(log)}`);
  if (typeof integer !== 'boolean')
    fail(`${where}.integer must be true or false, got ${describeValue(integer)}`);
  if (log && min <= 0) fail(`${where}.min must be greater than 0 for a log range, got ${min}`);
  if (integer && Math.ceil(min) > Math.floor(max))
    fail(`${where} holds no integer between ${min} and ${max}`);
  return { min, max, log, integer };
}

interface Plan {
  kind: 'grid' | 'random';
  trials: Record<string, ParamValue>[];
  seed?: number;
  space: Record<string, unknown>;
}

function gridPlan(grid: unknown): Plan {
  if (!isPlainObject(grid))
    fail(`grid must be an object of param name to values, got ${describeValue(grid)}`);
  const keys = Object.keys(grid);
  if (keys.length === 0) fail('grid must name at least one param');
  const dims = keys.map((key) => ({
    key: checkKey('sweep: grid', key),
    values: checkValues(`grid.${key}`, grid[key]),
  }));
  const count = dims.reduce((n, d) => n * d.values.length, 1);
  if (count > MAX_TRIALS) fail(`grid has ${count} combinations; the limit is ${MAX_TRIALS}`);
  let trials: Record<string, ParamValue>[] = [{}];
  for (const { key, values } of dims) {
    trials = trials.flatMap((partial) => values.map((v) => ({ ...partial, [key]: v })));
  }
  return { kind: 'grid', trials, space: grid };
}

function sample(dim: Dimension, random: () => number): ParamValue {
  if (dim.values)
    return dim.values[Math.min(dim.values.length - 1, Math.floor(random() * dim.values.length))];
  const { min, max, log, integer } = dim.range!;
  const u = random();
  let x = log
    ? Math.exp(Math.log(min) + (Math.log(max) - Math.log(min)) * u)
    : min + (max - min) * u;
  if (integer) {
    const lo = Math.ceil(min);
    const hi = Math.floor(max);
    // Uniform ranges give each integer an equal share; log ranges round the log-uniform draw.
    x = log ? Math.round(x) : lo + Math.floor(u * (hi - lo + 1));
    x = Math.min(hi, Math.max(lo, x));
  } else {
    x = Math.min(max, Math.max(min, x));
  }
  return x;
}

function randomPlan(spec: Record<string, unknown>): Plan {
  const { random, trials, seed } = spec;
  if (!isPlainObject(random))
    fail(
      `random must be an object of param name to values or { min, max }, got ${describeValue(random)}`,
    );
  const keys = Object.keys(random);
  if (keys.length === 0) fail('random must name at least one param');
  if (trials === undefined) fail('trials is required with random (e.g. trials: 10)');
  if (typeof trials !== 'number' || !Number.isSafeInteger(trials) || trials <= 0)
    fail(`trials must be a positive integer, got ${describeValue(trials)}`);
  if (trials > MAX_TRIALS) fail(`trials is ${trials}; the limit is ${MAX_TRIALS}`);
  if (seed !== undefined && (typeof seed !== 'number' || !Number.isSafeInteger(seed)))
    fail(`seed must be an integer, got ${describeValue(seed)}`);
  const dims: Dimension[] = keys.map((key) => {
    checkKey('sweep: random', key);
    const value = random[key];
    if (Array.isArray(value)) return { key, values: checkValues(`random.${key}`, value) };
    if (isPlainObject(value)) return { key, range: checkRange(`random.${key}`, value) };
    return fail(
      `random.${key} must be an array of values or { min, max }, got ${describeValue(value)}`,
    );
  });
  const actualSeed = seed ?? Math.floor(Math.random() * 2 ** 32);
  const next = mulberry32(actualSeed);
  const planned: Record<string, ParamValue>[] = [];
  for (let i = 0; i < trials; i++) {
    const params: Record<string, ParamValue> = {};
    for (const dim of dims) params[dim.key] = sample(dim, next);
    planned.push(params);
  }
  return { kind: 'random', trials: planned, seed: actualSeed, space: random };
}

/** Checks a spec and lists its trials' params, in order (exported for tests and previews). */
export function planSweep(spec: SweepSpec): {
  kind: 'grid' | 'random';
  trials: Record<string, ParamValue>[];
  seed?: number;
} {
  const { kind, trials, seed } = checkSpec(spec).plan;
  return seed === undefined ? { kind, trials } : { kind, trials, seed };
}

function checkSpec(spec: unknown): {
  plan: Plan;
  experiment: string;
  metric: string;
  goal?: SweepGoal;
} {
  if (!isPlainObject(spec))
    fail(
      `expected a spec such as { experiment: "e", metric: "val_acc", grid: { lr: [0.01, 0.1] } }, got ${describeValue(spec)}`,
    );
  for (const field of Object.keys(spec)) {
    if (!SPEC_FIELDS.has(field))
      fail(`unknown field "${field}" in the spec (known: ${[...SPEC_FIELDS].join(', ')})`);
  }
  if (spec.experiment === undefined) fail('experiment is required');
  const experiment = checkKey('sweep: experiment', spec.experiment);
  if (spec.metric === undefined)
    fail('metric is required: the metric that ranks the trials, e.g. metric: "val_acc"');
  const metric = checkKey('sweep: metric', spec.metric);
  if (spec.name !== undefined) checkKey('sweep: name', spec.name);
  if (spec.goal !== undefined && spec.goal !== 'maximize' && spec.goal !== 'minimize') {
    fail(`goal must be "maximize" or "minimize", got ${describeValue(spec.goal)}`);
  }
  const hasGrid = spec.grid !== undefined;
  const hasRandom = spec.random !== undefined;
  if (hasGrid && hasRandom) fail('give either grid or random, not both');
  if (!hasGrid && !hasRandom)
    fail(
      'give the search space as grid: { name: [values] } or random: { name: [values] | { min, max } } with trials',
    );
  if (hasGrid && (spec.trials !== undefined || spec.seed !== undefined)) {
    fail(
      `${spec.trials !== undefined ? 'trials' : 'seed'} only applies to random search; a grid runs every combination`,
    );
  }
  const plan = hasGrid ? gridPlan(spec.grid) : randomPlan(spec);
  return { plan, experiment, metric, goal: spec.goal };
}

function errorMessage(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message === 'string')
    return typeof name === 'string' && name && name !== 'Error' ? `${name}: ${message}` : message;
  return String(error);
}

/** A kernel interrupt stops the whole sweep rather than one trial. */
function isInterrupt(error: unknown): boolean {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  return (
    name === 'InterruptedError' ||
    (typeof message === 'string' && /Script execution was interrupted by `SIGINT`/.test(message))
  );
}

function better(goal: SweepGoal, a: number, b: number): boolean {
  return goal === 'maximize' ? a > b : a < b;
}

/**
 * Runs a hyperparameter sweep: a parent run, and for each trial a child run named
 * `trial-<n>` with the trial's params logged on it, inside which `fn(params, run)` runs.
 *
 * - `grid`: every combination, the first key varying slowest. `random`: `trials` draws
 *   from lists (uniform choice) and ranges `{ min, max, log?, integer? }`, reproducible
 *   with `seed`.
 * - A trial's value is what `fn` returns when it is a number, else the latest value of
 *   `metric` on the trial's run. A trial that throws (or yields no value) is marked failed
 *   and the sweep goes on; when every trial fails the parent is marked failed and a
 *   {@link SweepError} is thrown. Trials run one after another.
 * - The parent gets params `sweep.kind`, `sweep.trials`, `sweep.metric`, `sweep.goal`,
 *   `sweep.space` (and `sweep.seed`) at start; at the end, the best trial's params as
 *   params `best.<name>`, its id as tag `labbook.best_run`, and its value as the metric
 *   `<metric>` itself (so the parent ranks by the experiment's key metric like any run).
 */
export function sweep<S extends StudySweepSpec>(
  spec: S,
  fn: TrialFn<StudyParams<S>>,
): Promise<StudySweepResult>;
export function sweep<G extends Record<string, readonly ParamValue[]>>(
  spec: GridSweepSpec<G>,
  fn: TrialFn<GridParams<G>>,
): Promise<SweepResult<GridParams<G>>>;
export function sweep<R extends Record<string, SweepDimension>>(
  spec: RandomSweepSpec<R>,
  fn: TrialFn<RandomParams<R>>,
): Promise<SweepResult<RandomParams<R>>>;
export async function sweep(
  spec: SweepSpec | StudySweepSpec,
  fn: TrialFn<Record<string, ParamValue>>,
): Promise<unknown> {
  if ('study' in spec && spec.study !== undefined) return studySweep(spec, fn);
  return localSweep(spec as SweepSpec, fn);
}

async function localSweep(
  spec: SweepSpec,
  fn: TrialFn<Record<string, ParamValue>>,
): Promise<SweepResult> {
  for (const field of STUDY_FIELDS)
    if ((spec as unknown as Record<string, unknown>)[field] !== undefined)
      fail(`${field} only applies to a shared study: give study: "name" too`);
  const { plan, experiment, metric, goal: givenGoal } = checkSpec(spec);
  if (typeof fn !== 'function')
    fail(
      `the second argument must be the trial function (params, run) => …, got ${describeValue(fn)}`,
    );

  const parent = startRunWith(
    { experiment, name: spec.name, store: spec.store, tags: spec.tags },
    { defaultNamePrefix: 'sweep' },
  );
  const store = storeOfRun(parent);
  let goal: SweepGoal;
  const trials: SweepTrial[] = [];
  try {
    const known = store.getExperiment(experiment);
    goal =
      givenGoal ??
      (known?.keyMetric === metric && known.keyMetricHigherIsBetter !== null
        ? known.keyMetricHigherIsBetter
          ? 'maximize'
          : 'minimize'
        : goalForMetricName(metric));
    parent.logParams({
      'sweep.kind': plan.kind,
      'sweep.trials': plan.trials.length,
      'sweep.metric': metric,
      'sweep.goal': goal,
      'sweep.space': plan.space as ParamValue,
      ...(plan.seed === undefined ? {} : { 'sweep.seed': plan.seed }),
    });
  } catch (error) {
    parent.fail(error);
    throw error;
  }

  for (const [i, params] of plan.trials.entries()) {
    const n = i + 1;
    let child: Run | undefined;
    try {
      child = startRunWith({ parent, name: `trial-${n}`, params, store: spec.store }, {});
      const returned = await fn({ ...params }, child);
      if (child.status === 'failed')
        throw new Error(`${child.name} was marked failed by the trial function`);
      let value: number | undefined = typeof returned === 'number' ? returned : undefined;
      if (value === undefined) {
        if (child.status === 'running') child.flush();
        value = store.latestMetrics(child.id)[metric]?.value;
        if (value === undefined) {
          throw new Error(`trial-${n} returned no number and logged no metric "${metric}"`);
        }
      }
      child.end();
      trials.push({
        trial: n,
        runId: child.id,
        name: child.name,
        params,
        status: 'finished',
        value,
        error: null,
      });
    } catch (error) {
      const message = errorMessage(error);
      if (child) {
        try {
          child.fail(error);
        } catch (storeError) {
          process.emitWarning(
            `labbook: could not mark ${child.name} (${child.id}) as failed: ${errorMessage(storeError)}`,
          );
        }
      }
      if (isInterrupt(error) || !child) {
        // Interrupted, or the trial's run could not even start (store gone): stop here.
        parent.fail(error);
        throw error;
      }
      process.stderr.write(`sweep: ${child.name} failed: ${message}\n`);
      trials.push({
        trial: n,
        runId: child.id,
        name: child.name,
        params,
        status: 'failed',
        value: null,
        error: message,
      });
    }
  }

  let best: SweepResult['best'] = null;
  for (const t of trials) {
    if (t.value === null || !Number.isFinite(t.value)) continue;
    if (best === null || better(goal, t.value, best.value))
      best = { runId: t.runId, name: t.name, params: t.params, value: t.value };
  }
  const result: SweepResult = { parent, metric, goal, best, trials };
  const failed = trials.filter((t) => t.status === 'failed');
  if (failed.length === trials.length) {
    const error = new SweepError(
      `all ${trials.length} trial${trials.length === 1 ? '' : 's'} failed; first error (${failed[0].name}): ${failed[0].error}`,
      result,
    );
    parent.fail(error);
    throw error;
  }
  try {
    if (best) {
      const bestParams: Record<string, ParamValue> = {};
      for (const [k, v] of Object.entries(best.params)) bestParams[`best.${k}`] = v;
      parent.logParams(bestParams);
      parent.setTag(BEST_RUN_TAG, best.runId);
      parent.logMetric(metric, best.value, { step: 0 });
    }
    if (failed.length > 0) parent.setTag('sweep.failed_trials', failed.length);
    parent.end();
  } catch (error) {
    parent.fail(error);
    throw error;
  }
  return result;
}

/**
 * A shared study (issue 19): trials live in the store, and every process that runs
 * `lab.sweep({ study: "name", … }, fn)` (or `labbook sweep worker`) takes trials from it.
 * The first one creates the study (and its parent run) from the spec; later ones join it
 * and use the study's space and settings.
 */
export interface StudySweepSpec {
  study: string;
  experiment: string;
  metric: string;
  goal?: SweepGoal;
  name?: string;
  store?: string | SyncRunStore;
  tags?: Record<string, TagValue>;
  /** Every combination (each param lists its values). */
  grid?: Record<string, readonly ParamValue[]>;
  /** `trials` random draws from lists and ranges, reproducible with `seed`. */
  random?: Record<string, SweepDimension>;
  /** `trials` trials sampled by TPE (Optuna's defaults: 10 random startup trials, 24 candidates). */
  tpe?: Record<string, SweepDimension>;
  trials?: number;
  seed?: number;
  /** Stops weak trials from the metric logged per epoch: { kind: "median" } or { kind: "asha" }. */
  pruner?: PrunerSettings;
  /** How many times a trial whose worker stopped heartbeating is queued again (default 1). */
  retries?: number;
  /** How long a claimed trial holds without a heartbeat (default 60 000 ms). */
  leaseMs?: number;
  /** Run at most this many trials in this process. */
  workerTrials?: number;
}

/** The params a study's trial receives, from the space the spec gives (a joined study's are untyped). */
export type StudyParams<S> = S extends {
  grid: infer G extends Record<string, readonly ParamValue[]>;
}
  ? GridParams<G>
  : S extends { random: infer R extends Record<string, SweepDimension> }
    ? RandomParams<R>
    : S extends { tpe: infer T extends Record<string, SweepDimension> }
      ? RandomParams<T>
      : Record<string, ParamValue>;

export interface StudyTrial {
  trial: number;
  runId: string | null;
  params: Record<string, unknown>;
  status: 'finished' | 'pruned' | 'failed' | 'lost';
  value: number | null;
  error: string | null;
}

export interface StudySweepResult {
  study: string;
  /** The study's parent run id (every trial's run is its child). */
  parentRunId: string;
  metric: string;
  goal: SweepGoal;
  /** The study's best finished trial so far (any worker's). */
  best: {
    trial: number;
    runId: string | null;
    params: Record<string, unknown>;
    value: number;
  } | null;
  /** The trials this process ran. */
  trials: StudyTrial[];
}

function positiveWhole(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0)
    fail(`${field} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

function studySettings(spec: StudySweepSpec): {
  space: SearchSpace;
  sampler: SamplerSettings;
  maxTrials: number | null;
} {
  const kinds = (['grid', 'random', 'tpe'] as const).filter((k) => spec[k] !== undefined);
  if (kinds.length !== 1)
    fail(
      kinds.length === 0
        ? `study "${spec.study}" does not exist yet: give its space as grid, random or tpe to create it`
        : `give one of grid, random and tpe, not ${kinds.join(' and ')}`,
    );
  const kind = kinds[0];
  const space = spec[kind] as SearchSpace;
  checkSpace(space);
  if (kind === 'grid') {
    if (spec.trials !== undefined || spec.seed !== undefined)
      fail('trials and seed only apply to random and tpe; a grid runs every combination');
    return { space, sampler: { kind: 'grid' }, maxTrials: null };
  }
  if (spec.trials === undefined) fail(`trials is required with ${kind} (e.g. trials: 20)`);
  const trials = positiveWhole('trials', spec.trials);
  if (trials > MAX_TRIALS) fail(`trials is ${trials}; the limit is ${MAX_TRIALS}`);
  if (
    spec.seed !== undefined &&
    (typeof spec.seed !== 'number' || !Number.isSafeInteger(spec.seed))
  )
    fail(`seed must be an integer, got ${describeValue(spec.seed)}`);
  const seed = spec.seed ?? Math.floor(Math.random() * 2 ** 32);
  return kind === 'random'
    ? { space, sampler: { kind: 'random', seed, trials }, maxTrials: null }
    : { space, sampler: { kind: 'tpe', seed }, maxTrials: trials };
}

async function studySweep(
  spec: StudySweepSpec,
  fn: TrialFn<Record<string, ParamValue>>,
): Promise<StudySweepResult> {
  if (!isPlainObject(spec))
    fail(
      `expected a spec such as { study: "s", experiment: "e", metric: "val_loss", tpe: { … }, trials: 20 }`,
    );
  for (const field of Object.keys(spec))
    if (!SPEC_FIELDS.has(field))
      fail(`unknown field "${field}" in the spec (known: ${[...SPEC_FIELDS].join(', ')})`);
  const studyName = checkKey('sweep: study', spec.study);
  const experiment = checkKey('sweep: experiment', spec.experiment);
  const metric = checkKey('sweep: metric', spec.metric);
  if (spec.goal !== undefined && spec.goal !== 'maximize' && spec.goal !== 'minimize')
    fail(`goal must be "maximize" or "minimize", got ${describeValue(spec.goal)}`);
  if (typeof fn !== 'function')
    fail(
      `the second argument must be the trial function (params, run) => …, got ${describeValue(fn)}`,
    );
  if (spec.pruner !== undefined) checkPruner(spec.pruner);
  const retries = spec.retries ?? 1;
  if (!Number.isSafeInteger(retries) || retries < 0)
    fail(`retries must be a whole number >= 0, got ${describeValue(retries)}`);
  const leaseMs = spec.leaseMs === undefined ? 60_000 : positiveWhole('leaseMs', spec.leaseMs);
  // Under `labbook sweep worker STUDY --trials N`, N bounds this process's trials.
  const fromWorker =
    process.env[SWEEP_STUDY_ENV] === studyName ? process.env[SWEEP_TRIALS_ENV] : undefined;
  const workerTrials =
    spec.workerTrials !== undefined
      ? positiveWhole('workerTrials', spec.workerTrials)
      : fromWorker !== undefined
        ? positiveWhole(SWEEP_TRIALS_ENV, Number(fromWorker))
        : undefined;

  const lease = leaseStore(spec.store);
  try {
    const store = lease.store;
    if (!isOpenStore(store))
      fail('a shared study needs a Labbook store (a database path or a PostgreSQL URL)');
    const studies = studyStore(store);
    let study: Study | undefined = studies.study(studyName);
    let parent: Run | undefined;
    if (!study) {
      const { space, sampler, maxTrials } = studySettings(spec);
      const goal = spec.goal ?? goalForMetricName(metric);
      parent = startRunWith(
        {
          experiment,
          name: spec.name ?? studyName,
          store: spec.store,
          tags: { ...spec.tags, 'labbook.study': studyName },
        },
        { defaultNamePrefix: 'sweep' },
      );
      parent.logParams({
        'sweep.kind': sampler.kind,
        'sweep.study': studyName,
        'sweep.metric': metric,
        'sweep.goal': goal,
        'sweep.space': space as ParamValue,
        ...(sampler.kind === 'grid' ? {} : { 'sweep.seed': sampler.seed }),
      });
      const settings = { space, sampler, maxTrials };
      try {
        study = studies.createStudy({
          name: studyName,
          direction: goal,
          metric,
          ...settings,
          pruner: spec.pruner ?? null,
          parentRunId: parent.id,
          maxRetries: retries,
          leaseMs,
        });
        studies.enqueueTrials(study.id, plannedTrials(space, sampler));
      } catch (error) {
        // Another process created it first: join theirs.
        parent.fail(error);
        parent = undefined;
        study = studies.study(studyName);
        if (!study) throw error;
      }
    }
    const joined = study;
    const parentRunId = joined.parentRunId;
    if (!parentRunId) fail(`study "${studyName}" has no parent run`);
    const outcomes = await runStudyWorker(
      studies,
      studyName,
      async (context) => {
        const params = context.trial.params as Record<string, ParamValue>;
        const child = startRunWith(
          { parent: parentRunId, name: `trial-${context.trial.number}`, params, store: spec.store },
          {},
        );
        studies.setTrialRun(context.lease, child.id);
        child.attachTrial({
          metric: joined.metric,
          report: context.report,
          get pruned() {
            return context.pruned;
          },
        });
        try {
          const returned = await fn({ ...params }, child);
          let value = typeof returned === 'number' ? returned : undefined;
          if (value === undefined) {
            if (child.status === 'running') child.flush();
            value = store.latestMetrics(child.id)[joined.metric]?.value;
          }
          if (context.pruned) child.setTag('labbook.trial_state', 'pruned');
          if (value === undefined && !context.pruned)
            throw new Error(
              `trial-${context.trial.number} returned no number and logged no metric "${joined.metric}"`,
            );
          child.end();
          return value;
        } catch (error) {
          if (context.pruned && (error as Error)?.name === TrialPruned.name) {
            // The pruner stopped fit: the trial ends pruned, its run finished with what it logged.
            child.setTag('labbook.trial_state', 'pruned');
            child.end();
            return undefined;
          }
          if (child.status === 'running') child.fail(error);
          throw error;
        }
      },
      { maxTrials: workerTrials },
    );
    const bestTrial = studies.bestTrial(joined.id);
    const best =
      bestTrial && bestTrial.value !== null
        ? {
            trial: bestTrial.number,
            runId: bestTrial.runId,
            params: bestTrial.params,
            value: bestTrial.value,
          }
        : null;
    if (parent) {
      if (best) {
        const bestParams: Record<string, ParamValue> = {};
        for (const [k, v] of Object.entries(best.params)) bestParams[`best.${k}`] = v as ParamValue;
        parent.logParams(bestParams);
        if (best.runId) parent.setTag(BEST_RUN_TAG, best.runId);
        parent.logMetric(joined.metric, best.value, { step: 0 });
      }
      parent.end();
    }
    return {
      study: studyName,
      parentRunId,
      metric: joined.metric,
      goal: joined.direction,
      best,
      trials: outcomes.map((o) => ({
        trial: o.trial.number,
        runId: o.trial.runId,
        params: o.trial.params,
        status: o.state,
        value: o.value,
        error: o.error,
      })),
    };
  } finally {
    lease.release();
  }
}
