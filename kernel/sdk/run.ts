/**
 * Runs as notebooks see them: start one, log params, metrics, tags and artifacts, end it.
 *
 * Metric logging is on the hot path of training loops, so `logMetric` only validates and
 * appends to an in-memory buffer. The buffer is written in one transaction when it holds
 * `flushEveryPoints` points, on a timer, at the end of each tfjs epoch, when the run ends,
 * and when the process exits normally.
 */
import { dirname } from 'node:path';
import { captureEnvironment, gitDiffSummary } from '../../core/environment';
import { whoAmI } from '../../core/who';
import {
  HEARTBEAT_INTERVAL_MS,
  isBusy,
  isOpenStore,
  type ArtifactData,
  type EndStatus,
  type MetricPoint,
  type RunStatus,
  type SyncRunStore,
} from '../../core/store';
import { emitRunEvent, executedCells, getExecutionContext } from './context';
import {
  logModelForRun,
  type LoggableModel,
  type LogModelOptions,
  type ModelVersion,
} from './model';
import {
  logDatasetForRun,
  type DatasetInput,
  type LogDatasetOptions,
  type LoggedDataset,
} from './dataset';
import { logDriftForRun, type DriftReport, type LogDriftOptions, type LogDriftSpec } from './drift';
import {
  buildSourceNotebook,
  SOURCE_SNAPSHOT_ARTIFACT,
  SOURCE_SNAPSHOT_MEDIA_TYPE,
} from './snapshot';
import { DEFAULT_PLOT_EVERY_MS, TrainingChart } from './training-chart';
import { logModelTestsForRun } from './modeltest-log';
import type { ModelTestReport } from '../../core/modeltest/report';
import { leaseStore, trackRun, untrackRun, type ExitAware, type StoreLease } from './lifecycle';
import {
  checkAutoStep,
  checkKey,
  checkRecord,
  checkStep,
  describeValue,
  metricValueError,
  paramToText,
  tagToText,
  type ParamValue,
  type TagValue,
} from './validate';

export type { ParamValue, TagValue, RunStatus };

/** Artifact content: text (stored as UTF-8), bytes, or `{ path }` of a file to copy in. */
export type ArtifactInput = ArtifactData;

/** What every run accepts, top-level or nested. */
export interface RunOptionsBase {
  /** Display name; default `run-<n>`, n counting the experiment's runs. */
  name?: string;
  /** Hyperparameters, logged at start (see {@link Run.logParams}). */
  params?: Record<string, ParamValue>;
  /** Tags, set at start (see {@link Run.setTag}). */
  tags?: Record<string, TagValue>;
  /**
   * Where to record the run: a database file path, or an open store. Default: the parent
   * run's store for a nested run, else the `LABBOOK_STORE` environment variable, else
   * `.labbook/labbook.db` in the working folder.
   */
  store?: string | SyncRunStore;
  /** Write buffered metric points once this many are waiting. Default 5000. */
  flushEveryPoints?: number;
  /** Write buffered metric points at least this often, in ms. Default 1000. */
  flushIntervalMs?: number;
}

/** A top-level run (or a nested one in an experiment of its own). */
export interface TopLevelRunOptions extends RunOptionsBase {
  /** Experiment the run belongs to; created on first use. */
  experiment: string;
  /** Nests the run under this run (a {@link Run} or a run id). */
  parent?: Run | string;
}

/** A nested run: it belongs to its parent's experiment unless `experiment` says otherwise. */
export interface ChildRunOptions extends RunOptionsBase {
  /** Default: the parent's experiment. */
  experiment?: string;
  /** The run this one is nested under: a {@link Run} or a run id (the run must be in the same store). */
  parent: Run | string;
}

/**
 * Options of {@link startRun} and {@link withRun}: `experiment` is required unless a
 * `parent` is given.
 */
export type StartRunOptions = TopLevelRunOptions | ChildRunOptions;

export interface MetricOptions {
  /**
   * Training step (epoch, batch, iteration): a non-negative integer. Default: one more
   * than the last step logged for this key in this run, starting at 0.
   */
  step?: number;
}

export interface ArtifactOptions {
  /** Media type such as `application/json`. Default: guessed from the name's extension. */
  mediaType?: string;
}

/** Options of `run.tfCallback()`. */
export interface TfCallbackOptions {
  /**
   * Draw the loss and metric curves in the cell's output, updated in place each epoch while
   * `fit` runs (default false).
   */
  plot?: boolean;
  /** Least time between two redraws of the chart, in milliseconds (default 250). */
  plotEveryMs?: number;
}

/** What `run.tfCallback()` returns: pass it to `model.fit(x, y, { callbacks: … })`. */
export interface TfCallback {
  onEpochEnd(epoch: number, logs?: Record<string, number>): Promise<void>;
  onTrainEnd(logs?: Record<string, number>): Promise<void>;
}

/**
 * Thrown by `run.tfCallback()` in a shared study's trial when the study's pruner stops it:
 * tfjs gives a plain callback no handle on the model, so ending `fit` by an error (as
 * Optuna's TrialPruned does) is the one way; `lab.sweep` ends the trial `pruned`.
 */
export class TrialPruned extends Error {
  override name = 'TrialPruned';
}

/** Artifact with `git diff --stat HEAD` when the checkout had uncommitted changes at run start. */
export const GIT_DIFF_ARTIFACT = 'labbook/git-diff.txt';

const DEFAULT_FLUSH_EVERY_POINTS = 5000;
const DEFAULT_FLUSH_INTERVAL_MS = 1000;

/** Duck-typed: errors thrown from another realm (a vm context) are not `instanceof Error` here. */
function errorMessage(error: unknown): string {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  if (typeof message === 'string')
    return typeof name === 'string' && name && name !== 'Error' ? `${name}: ${message}` : message;
  return String(error);
}

/** A tfjs `logs` entry is a number, but accept a scalar tensor too rather than fail mid-training. */
function scalarOf(value: unknown): unknown {
  if (
    value &&
    typeof value === 'object' &&
    typeof (value as { dataSync?: unknown }).dataSync === 'function'
  ) {
    return (value as { dataSync(): ArrayLike<number> }).dataSync()[0];
  }
  return value;
}

/** One experiment run being recorded. Create it with {@link startRun} or {@link withRun}. */
/** Points a run keeps in memory while the store is locked before logMetric gives up. */
const MAX_BUFFERED_POINTS = 1_000_000;
/** How long the training loop runs on before a flush is tried again on a locked store. */
const BUSY_RETRY_MS = 1000;
/** Flush attempts (each waits the busy timeout) when a run ends while the store is locked. */
const END_FLUSH_ATTEMPTS = 6;

export class Run implements ExitAware {
  /** Unique id of the run (32 hex digits). */
  readonly id: string;
  /** Name of the experiment the run belongs to. */
  readonly experiment: string;
  /** Display name of the run. */
  readonly name: string;
  /** Id of the run this one is nested under, or null for a top-level run. */
  readonly parentRunId: string | null;

  private currentStatus: RunStatus = 'running';
  private buffer: MetricPoint[] = [];
  private readonly nextStep = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private lastHeartbeat = Date.now();
  private warnedAboutFlush = false;
  private warnedAboutBusy = false;
  /** After a flush found the store locked: no new attempt from the loop before this time. */
  private retryFlushAt = 0;
  private readonly store: SyncRunStore;
  /** What nested runs use when they name no store: the caller's store object, or the file path. */
  private readonly storeOption: string | SyncRunStore;
  /**
   * A shared study's trial (lab.sweep({ study })): where intermediate values go for the
   * pruner, and whether it stopped the trial.
   */
  private trial?: {
    metric: string;
    report(step: number, value: number): boolean;
    readonly pruned: boolean;
  };

  /** @internal Use startRun(). */
  constructor(
    private readonly lease: StoreLease,
    record: { id: string; experiment: string; name: string; parentRunId?: string | null },
    private readonly flushEveryPoints: number,
    flushIntervalMs: number,
    storeOption?: string | SyncRunStore,
  ) {
    this.store = lease.store;
    this.storeOption = storeOption ?? storeAddress(lease.store);
    this.id = record.id;
    this.experiment = record.experiment;
    this.name = record.name;
    this.parentRunId = record.parentRunId ?? null;
    this.timer = setInterval(() => this.tick(), flushIntervalMs);
    // The timer must never keep a finished script alive; the exit handler flushes instead.
    this.timer.unref();
    trackRun(this);
  }

  /** @internal Makes this run a shared study's trial (kernel/sdk/sweep.ts). */
  attachTrial(trial: {
    metric: string;
    report(step: number, value: number): boolean;
    readonly pruned: boolean;
  }): void {
    this.trial = trial;
  }

  /**
   * In a shared study's trial: records an intermediate value of the study's metric (per
   * epoch, say) for its pruner, and says whether the trial should stop now (it then ends
   * `pruned`). Outside a study it records nothing and returns false.
   */
  report(step: number, value: number): boolean {
    if (!Number.isSafeInteger(step) || step < 0)
      throw new TypeError(`report: step must be a whole number >= 0, got ${describeValue(step)}`);
    if (typeof value !== 'number')
      throw new TypeError(`report: value must be a number, got ${describeValue(value)}`);
    return this.trial ? this.trial.report(step, value) : false;
  }

  /** True when this run is a study's trial that its pruner stopped. */
  get pruned(): boolean {
    return this.trial?.pruned ?? false;
  }

  /** `running` until the run is ended, then `finished` or `failed`. */
  get status(): RunStatus {
    return this.currentStatus;
  }

  /** Where the run is recorded (the database file). */
  get storeLocation(): string {
    return this.store.location;
  }

  private assertRunning(method: string): void {
    if (this.currentStatus !== 'running') {
      throw new Error(
        `${method}: run "${this.name}" (${this.id}) has already ${this.currentStatus}; start a new run to log more`,
      );
    }
  }

  /**
   * Records one hyperparameter. Params are fixed once logged: logging the same key again
   * with a different value throws.
   */
  logParam(key: string, value: ParamValue): void {
    this.logParams({ [checkKey('logParam', key)]: value });
  }

  /** Records several hyperparameters at once. */
  logParams(params: Record<string, ParamValue>): void {
    this.assertRunning('logParams');
    // No prototype: a param called "__proto__" must be stored, not set the object's prototype.
    const texts: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(checkRecord('logParams', params))) {
      texts[checkKey('logParam', key)] = paramToText(key, value);
    }
    this.store.logParams(this.id, texts);
  }

  /**
   * Records one value of a metric. Any number is accepted, including NaN and ±Infinity
   * (a diverging loss is worth seeing); anything else throws a TypeError.
   */
  logMetric(key: string, value: number, options?: MetricOptions): void {
    this.assertRunning('logMetric');
    let next = this.nextStep.get(key);
    if (next === undefined) {
      checkKey('logMetric', key);
      next = 0;
    }
    if (typeof value !== 'number') throw metricValueError('logMetric', key, value);
    const step =
      options?.step === undefined
        ? checkAutoStep('logMetric', key, next)
        : checkStep('logMetric', key, options.step);
    this.nextStep.set(key, step + 1);
    this.buffer.push({ runId: this.id, key, step, timestamp: Date.now(), value });
    if (this.buffer.length >= this.flushEveryPoints) this.flushUnlessBusy();
  }

  /** Records several metrics at one step (each key auto-increments its own step if none is given). All are checked before any is recorded. */
  logMetrics(metrics: Record<string, number>, options?: MetricOptions): void {
    this.assertRunning('logMetrics');
    const entries = Object.entries(checkRecord('logMetrics', metrics));
    for (const [key, value] of entries) {
      checkKey('logMetrics', key);
      if (typeof value !== 'number') throw metricValueError('logMetrics', key, value);
      if (options?.step !== undefined) checkStep('logMetrics', key, options.step);
      else checkAutoStep('logMetrics', key, this.nextStep.get(key) ?? 0);
    }
    for (const [key, value] of entries) this.logMetric(key, value as number, options);
  }

  /** Sets a tag (a label you may change later, unlike a param). */
  setTag(key: string, value: TagValue): void {
    this.setTags({ [checkKey('setTag', key)]: value });
  }

  /** Sets several tags at once. */
  setTags(tags: Record<string, TagValue>): void {
    this.assertRunning('setTags');
    const texts: Record<string, string> = Object.create(null);
    for (const [key, value] of Object.entries(checkRecord('setTags', tags))) {
      texts[checkKey('setTag', key)] = tagToText(key, value);
    }
    this.store.setTags(this.id, texts);
  }

  /**
   * Stores a file produced by the run (a model, a plot, a report) under a relative name
   * such as `model/weights.bin`. Returns the SHA-256 of the content; identical content is
   * stored once. Logging the same name again replaces what the name points to.
   */
  logArtifact(name: string, data: ArtifactInput, options?: ArtifactOptions): string {
    this.assertRunning('logArtifact');
    if (
      options?.mediaType !== undefined &&
      (typeof options.mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(options.mediaType))
    ) {
      throw new TypeError(
        `logArtifact('${name}'): mediaType must be a media type such as "text/plain", got ${describeValue(options.mediaType)}`,
      );
    }
    return this.store.logArtifact(this.id, name, data, options).sha256;
  }

  /**
   * Registers a trained tfjs model as the next version (1, 2, 3…) of the registered model
   * `options.name`, linked to this run. The model is saved as artifacts
   * `model/model.json` and `model/weights.bin`; its signature (feature names, shapes, task,
   * class labels) is inferred or given; an optional holdout set is stored with it for
   * promotion gates and model cards. Tags the run `labbook.model` = `name/version`.
   *
   * ```ts
   * const version = await run.logModel(model, {
   *   name: "penguins-classifier",
   *   signature: { featureNames: ["Beak Length (mm)", "Beak Depth (mm)"], labels: ["Adelie", "Gentoo"] },
   *   holdout: { rows: testRows, label: "Species" },
   * });
   * version.version; // 1, 2, 3…
   * ```
   */
  async logModel(model: LoggableModel, options: LogModelOptions): Promise<ModelVersion> {
    this.assertRunning('logModel');
    return logModelForRun(this.id, this.store, model, options);
  }

  /**
   * Records a data set the run used: a file path (CSV, TSV, JSON, NDJSON, Parquet), an
   * array of row objects or an object of column arrays. Stores its content fingerprint
   * (the same content is the same version; new content the next version of `name`),
   * schema and profile, links it to this run with its role, and tags the run
   * `labbook.datasets` = `name@version:role` (comma-separated when several). With a suite
   * (a saved suite's name or a suite object) the validation result is stored and returned;
   * a failing suite does not throw.
   *
   * ```ts
   * const train = await run.logDataset("data/train.csv", { name: "penguins", role: "train", suite: "penguins" });
   * train.version; // 1, 2, 3…
   * train.validation?.passed;
   * ```
   */
  async logDataset(data: DatasetInput, options: LogDatasetOptions): Promise<LoggedDataset> {
    this.assertRunning('logDataset');
    return logDatasetForRun(this.id, this.store, data, options);
  }

  /**
   * Records a drift report with the run: a report from `lab.drift`, or `{ reference, current,
   * ...options }` to compute one. Stores it as the artifact `drift/<name>.json` (name default
   * "drift"), logs the metrics `drift.share` and `drift.drifted_columns` (the next step on
   * each call) and tags the run `labbook.drift.<name>` = `drifted` or `ok`.
   *
   * ```ts
   * await run.logDrift({ reference: "data/train.csv", current: "data/this-week.csv", name: "weekly" });
   * const report = await lab.drift(trainRows, liveRows);
   * await run.logDrift(report);
   * ```
   */
  logDrift(report: DriftReport, options?: LogDriftOptions): Promise<DriftReport>;
  logDrift(spec: LogDriftSpec): Promise<DriftReport>;
  async logDrift(
    first: DriftReport | LogDriftSpec,
    options?: LogDriftOptions,
  ): Promise<DriftReport> {
    this.assertRunning('logDrift');
    return logDriftForRun(this, first, options);
  }

  /**
   * Stores a model test report (from `lab.testModel`) with this run as the artifact
   * `model-tests.json`, and with a registered version when `version` names one (then gates
   * can judge its `tests.*` numbers):
   *
   * ```ts
   * const report = await lab.testModel(model, holdoutRows, { label: "Species", sensitive: ["Sex"] });
   * run.logModelTests(report, { version: "penguins-classifier/3" });
   * ```
   */
  logModelTests(report: ModelTestReport, options: { version?: string } = {}): void {
    this.assertRunning('logModelTests');
    logModelTestsForRun(this.id, this.store, report, options);
  }

  /** Writes buffered metric points to the store now. */
  private flushPointByPoint(points: MetricPoint[], firstError: unknown): void {
    const refused: { point: MetricPoint; error: unknown }[] = [];
    for (const [i, point] of points.entries()) {
      try {
        this.store.insertMetricPoints([point]);
      } catch (error) {
        if (isBusy(error)) {
          this.buffer = points.slice(i).concat(this.buffer);
          throw error;
        }
        refused.push({ point, error });
      }
    }
    if (refused.length === 0) return;
    const { point, error } = refused[0];
    throw new Error(
      `${refused.length} of ${points.length} metric points could not be stored and were dropped; the other ${points.length - refused.length} were stored. First: ${JSON.stringify(point.key)} at step ${point.step}: ${(error as Error).message ?? String(firstError)}`,
      { cause: error },
    );
  }

  flush(): void {
    if (this.buffer.length === 0) return;
    const points = this.buffer;
    this.buffer = [];
    try {
      this.store.insertMetricPoints(points);
    } catch (error) {
      if (isBusy(error)) {
        // Keep the points for the next attempt: a lock held past busy_timeout is transient.
        this.buffer = points.concat(this.buffer);
        throw error;
      }
      // Anything else is about a point, not the moment: store the others one by one, so
      // one bad point can never hold back (and, retried forever, lose) the whole buffer.
      this.flushPointByPoint(points, error);
    }
    this.lastHeartbeat = Date.now();
  }

  /**
   * A flush from inside the training loop: when another process holds the store's write
   * lock past the busy timeout, the points stay buffered for the next flush instead of
   * an SQLITE_BUSY thrown into the user's loop, up to a bound on memory.
   */
  private flushUnlessBusy(): void {
    // Each attempt waits the busy timeout: after one fails, let the loop run on for a while.
    if (Date.now() < this.retryFlushAt && this.buffer.length <= MAX_BUFFERED_POINTS) return;
    try {
      this.flush();
      this.retryFlushAt = 0;
    } catch (error) {
      if (!isBusy(error) || this.buffer.length > MAX_BUFFERED_POINTS) throw error;
      this.retryFlushAt = Date.now() + BUSY_RETRY_MS;
      if (!this.warnedAboutBusy) {
        this.warnedAboutBusy = true;
        process.emitWarning(
          `labbook: the store ${this.store.location} is locked by another process; run ${this.id} keeps its metrics in memory (${this.buffer.length} points so far) and retries`,
        );
      }
    }
  }

  private tick(): void {
    try {
      if (this.buffer.length > 0) this.flush();
      else if (Date.now() - this.lastHeartbeat >= HEARTBEAT_INTERVAL_MS) {
        this.store.heartbeat(this.id);
        this.lastHeartbeat = Date.now();
      }
    } catch (error) {
      if (!this.warnedAboutFlush) {
        this.warnedAboutFlush = true;
        process.emitWarning(
          `labbook: could not write metrics of run ${this.id} (will retry): ${errorMessage(error)}`,
        );
      }
    }
  }

  /** Ends the run as finished, after writing everything buffered. Calling it again does nothing. */
  end(): void {
    this.finish('finished', null);
  }

  /** Ends the run as failed, recording the error's message. */
  fail(error?: unknown): void {
    this.finish('failed', error === undefined ? 'failed' : errorMessage(error));
  }

  /** @internal Called from process.on('exit'): a normal exit finishes the run, a non-zero code fails it. */
  endAtExit(code: number): void {
    if (code === 0) this.finish('finished', null);
    else this.finish('failed', `the process exited with code ${code} before the run ended`);
  }

  /** @internal Called when Ctrl+C, SIGTERM or SIGHUP stops the process: the run is killed, its points kept. */
  endAtSignal(signal: NodeJS.Signals): void {
    this.finish('killed', `the process was stopped by ${signal} before the run ended`);
  }

  private finish(status: EndStatus, error: string | null): void {
    if (this.currentStatus !== 'running') return;
    // Ending must store everything: wait out a held lock a few busy timeouts long.
    for (let attempt = 1; ; attempt++) {
      try {
        this.flush();
        break;
      } catch (flushError) {
        if (!isBusy(flushError) || attempt >= END_FLUSH_ATTEMPTS) throw flushError;
      }
    }
    this.store.endRun(this.id, status, { error });
    this.currentStatus = status;
    clearInterval(this.timer);
    untrackRun(this);
    this.lease.release();
    emitRunEvent({
      kind: 'ended',
      runId: this.id,
      experiment: this.experiment,
      name: this.name,
      status,
    });
  }

  /**
   * A tfjs training callback: `model.fit(x, y, { epochs, callbacks: run.tfCallback() })`
   * logs every value of each epoch's logs (loss, acc, val_loss, …) with the epoch as step.
   * With `{ plot: true }` it also draws the curves live in the cell's output.
   */
  tfCallback(options: TfCallbackOptions = {}): TfCallback {
    if (options === null || typeof options !== 'object')
      throw new TypeError('tfCallback: options must be an object such as { plot: true }');
    const { plot, plotEveryMs } = options;
    if (plot !== undefined && typeof plot !== 'boolean')
      throw new TypeError(`tfCallback: plot must be true or false, got ${describeValue(plot)}`);
    if (plotEveryMs !== undefined && (!Number.isFinite(plotEveryMs) || plotEveryMs < 0))
      throw new TypeError(
        `tfCallback: plotEveryMs must be a non-negative number, got ${describeValue(plotEveryMs)}`,
      );
    const chart = plot
      ? new TrainingChart(`${this.experiment} / ${this.name}`, plotEveryMs ?? DEFAULT_PLOT_EVERY_MS)
      : undefined;
    // tfjs calls onEpochEnd on its own callback object, whose `model` is the one training:
    // a pruned trial stops fit through it.
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the function below needs both its own `this` (tfjs's) and the run
    const run = this;
    return {
      async onEpochEnd(
        this: { model?: { stopTraining: boolean } } | undefined,
        epoch: number,
        logs?: Record<string, number>,
      ) {
        if (logs) {
          const values: Record<string, number> = {};
          for (const [key, value] of Object.entries(logs)) values[key] = scalarOf(value) as number;
          run.logMetrics(values, { step: epoch });
          chart?.add(epoch, values);
          const trial = run.trial;
          const value = trial ? values[trial.metric] : undefined;
          if (trial && typeof value === 'number' && trial.report(epoch, value)) {
            // A tf.Callback subclass wrapping this has the model; a plain object does not.
            if (this?.model) this.model.stopTraining = true;
            else {
              run.flushUnlessBusy();
              throw new TrialPruned(
                `${run.name} was pruned at epoch ${epoch} (${trial.metric} ${value})`,
              );
            }
          }
        }
        // One write per epoch keeps the views live during long epochs of synchronous work.
        run.flushUnlessBusy();
      },
      onTrainEnd: async () => {
        chart?.finish();
        if (run.currentStatus === 'running') run.flushUnlessBusy();
      },
    };
  }
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(`startRun: ${name} must be a positive integer, got ${value}`);
  return value;
}

/** @internal The store a run writes to (for the sweep, which reads its children's metrics). */
/** What opens the store again (a PostgreSQL URL with its password; `location` hides it). */
function storeAddress(store: SyncRunStore): string {
  return isOpenStore(store) ? store.address : store.location;
}

export function storeOfRun(run: Run): SyncRunStore {
  return run['store'];
}

function resolveParent(parent: unknown): { run?: Run; id: string } | undefined {
  if (parent === undefined || parent === null) return undefined;
  if (parent instanceof Run) return { run: parent, id: parent.id };
  if (typeof parent === 'string') {
    if (parent.trim() === '')
      throw new TypeError('startRun: parent must be a Run or a run id, got an empty string');
    return { id: parent };
  }
  // A Run from another copy of this module (a second load path) is still a run.
  const candidate = parent as { id?: unknown; experiment?: unknown; storeLocation?: unknown };
  if (
    candidate &&
    typeof candidate === 'object' &&
    typeof candidate.id === 'string' &&
    typeof candidate.experiment === 'string'
  ) {
    return { id: candidate.id };
  }
  throw new TypeError(`startRun: parent must be a Run or a run id, got ${describeValue(parent)}`);
}

/**
 * Records the code behind the run, best-effort: the cells executed so far in this kernel
 * session (`labbook/source.ipynb`), and the uncommitted changes of the git checkout
 * (`labbook/git-diff.txt`). Outside a kernel no cell has run, so no snapshot is logged.
 */
function captureSources(
  run: Run,
  notebook: string | undefined,
  folder: string,
  gitDirty: boolean | null,
): void {
  try {
    const ipynb = buildSourceNotebook(executedCells(), {
      notebook: notebook ?? null,
      runId: run.id,
    });
    if (ipynb !== null)
      run.logArtifact(SOURCE_SNAPSHOT_ARTIFACT, ipynb, { mediaType: SOURCE_SNAPSHOT_MEDIA_TYPE });
  } catch (error) {
    process.emitWarning(
      `labbook: could not record the source snapshot of run ${run.id}: ${errorMessage(error)}`,
    );
  }
  if (gitDirty !== true) return;
  try {
    const diff = gitDiffSummary(folder);
    if (diff !== null) run.logArtifact(GIT_DIFF_ARTIFACT, diff, { mediaType: 'text/plain' });
  } catch (error) {
    process.emitWarning(
      `labbook: could not record the git changes of run ${run.id}: ${errorMessage(error)}`,
    );
  }
}

/** @internal Options only the SDK itself passes (the sweep names its parent run `sweep-<n>`). */
export interface InternalRunOptions {
  defaultNamePrefix?: string;
}

/**
 * Starts recording a run. Records where it runs from (notebook and cell, git commit and a
 * summary of uncommitted changes, Node and package versions, the cells run so far in the
 * kernel). End it with `run.end()` or `run.fail(error)`; a run still open when the process
 * exits normally is ended then.
 *
 * Nested runs: `startRun({ parent: run })` (or a run id) records the new run as a child of
 * that run, in the parent's experiment and store unless given.
 */
export function startRun(options: StartRunOptions): Run {
  return startRunWith(options, {});
}

/** @internal */
export function startRunWith(options: StartRunOptions, internal: InternalRunOptions): Run {
  if (!options || typeof options !== 'object')
    throw new TypeError('startRun: expected options such as { experiment: "mnist" }');
  const parent = resolveParent((options as { parent?: unknown }).parent);
  if (options.experiment === undefined && !parent) {
    throw new TypeError(
      'startRun: experiment is required (e.g. { experiment: "mnist" }); only a nested run ({ parent: run }) may leave it out',
    );
  }
  if (options.experiment !== undefined) checkKey('startRun: experiment', options.experiment);
  if (options.name !== undefined) checkKey('startRun: name', options.name);
  const flushEveryPoints = positiveInteger(
    'flushEveryPoints',
    options.flushEveryPoints,
    DEFAULT_FLUSH_EVERY_POINTS,
  );
  const flushIntervalMs = positiveInteger(
    'flushIntervalMs',
    options.flushIntervalMs,
    DEFAULT_FLUSH_INTERVAL_MS,
  );
  const params =
    options.params === undefined ? undefined : checkRecord('startRun: params', options.params);
  const tags = options.tags === undefined ? undefined : checkRecord('startRun: tags', options.tags);

  const context = getExecutionContext();
  const folder = context.notebook ? dirname(context.notebook) : process.cwd();
  const { git, runtime } = captureEnvironment(folder);
  const storeOption = options.store ?? (parent?.run ? parent.run['storeOption'] : undefined);
  const lease = leaseStore(storeOption);
  let run: Run;
  try {
    const store = lease.store;
    let experiment: string;
    if (parent) {
      const parentRecord = store.getRun(parent.id);
      if (!parentRecord)
        throw new Error(`startRun: parent run "${parent.id}" is not in ${store.location}`);
      experiment = options.experiment ?? parentRecord.experimentName;
    } else {
      experiment = options.experiment as string;
    }
    const record = store.createRun({
      experiment,
      name: options.name,
      namePrefix: internal.defaultNamePrefix ?? 'run',
      sourceNotebook: context.notebook ?? null,
      sourceCell: context.cell ?? null,
      gitCommit: git.commit,
      gitDirty: git.dirty,
      environment: runtime,
      parentRunId: parent?.id ?? null,
      user: whoAmI(folder),
    });
    run = new Run(
      lease,
      { id: record.id, experiment, name: record.name, parentRunId: parent?.id ?? null },
      flushEveryPoints,
      flushIntervalMs,
      storeOption,
    );
  } catch (error) {
    lease.release();
    throw error;
  }
  emitRunEvent({
    kind: 'started',
    runId: run.id,
    experiment: run.experiment,
    name: run.name,
    status: 'running',
  });
  try {
    if (params) run.logParams(params as Record<string, ParamValue>);
    if (tags) run.setTags(tags as Record<string, TagValue>);
  } catch (error) {
    run.fail(error);
    throw error;
  }
  captureSources(run, context.notebook, folder, git.dirty);
  return run;
}

/**
 * Runs `fn` inside a new run: the run ends as finished when `fn` returns, or as failed
 * (with the error's message) when it throws, and the error is rethrown.
 *
 * ```ts
 * const history = await lab.withRun({ experiment: "mnist", params: { lr: 0.01 } }, async (run) => {
 *   return model.fit(xs, ys, { epochs: 10, callbacks: run.tfCallback() });
 * });
 * ```
 */
export async function withRun<T>(
  options: StartRunOptions,
  fn: (run: Run) => T | Promise<T>,
): Promise<T> {
  const run = startRun(options);
  let result: T;
  try {
    result = await fn(run);
  } catch (error) {
    try {
      run.fail(error);
    } catch (storeError) {
      // The user's error matters more; the store's problem is still reported.
      process.emitWarning(
        `labbook: could not mark run ${run.id} as failed: ${errorMessage(storeError)}`,
      );
    }
    throw error;
  }
  run.end();
  return result;
}
