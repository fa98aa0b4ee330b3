/**
 * A deployment being served: its loaded models (primary and candidate), the live traffic
 * split, the prediction log, the metrics and the control operations. The HTTP layer
 * (server.ts) only parses, authenticates and calls into this.
 */
import { randomUUID } from 'node:crypto';
import type { LayersModel } from '@tensorflow/tfjs';
import { Registry } from '../registry/registry';
import { loadModelArtifacts, tfjs, type Tfjs } from '../registry/model-io';
import { classKey, predictedClasses } from '../registry/evaluate';
import { RegistryError, type FeatureSpec, type ModelSignature } from '../registry/types';
import { whoAmI } from '../who';
import {
  deploymentStore,
  predictionLogStore,
  type DeploymentStore,
  type OpenStore,
  type PredictionLogStore,
} from '../store';
import { parseModelRef, resolveModelRef, type ModelRef } from '../registry/refs';
import { Batcher, type BatchResult } from './batcher';
import { resolveCandidate, splitOf } from './deployments';
import { ServeMetrics } from './metrics';
import { PredictionLogWriter } from './prediction-log';
import { checkSplit, route, seededRandom, type Route } from './router';
import {
  CONTROL_TYPES,
  DEFAULT_SERVE_CONFIG,
  ServeError,
  describeSplit,
  type ControlMessage,
  type Deployment,
  type DeploymentEventKind,
  type DeploymentStatusReport,
  type PredictionLog,
  type TrafficSplit,
  type Variant,
} from '../common/serve-types';
import { featuresOf, type FeatureValue } from './validate';

/** One scored row. */
interface RowScore {
  output: number[];
  predicted: string;
}

/**
 * A loaded version. Requests hold it from routing to their answer (`inFlight`), so a change
 * of split never moves a request already started; once no split uses it (`retired`) it is
 * disposed when the last of them is done.
 */
export interface Loaded {
  version: number;
  model: LayersModel;
  signature: ModelSignature;
  batcher: Batcher<FeatureValue[], RowScore>;
  inFlight: number;
  retired: boolean;
  disposed: boolean;
}

export interface Scored {
  /** Output row per instance. */
  outputs: number[][];
  /** Class name or value (as text) per instance. */
  predicted: string[];
  ms: number;
}

export interface PredictResult {
  requestId: string;
  ids: string[];
  variant: Variant;
  version: number;
  outputs: number[][];
  /** Class names (classification). */
  classes: string[] | null;
}

/** What feedback is judged against: kept for recent predictions (bounded), so sampled-out ones count too. */
interface Recent {
  variant: Variant;
  predicted: string;
  value: number;
  shadowPredicted: string | null;
  shadowValue: number | null;
  judged: boolean;
}

const RECENT_LIMIT = 100_000;

export interface RuntimeOptions {
  tf?: Tfjs;
  /** Random numbers for unkeyed routing and log sampling (default: seeded from the config, else Math.random). */
  random?: () => number;
  /** Called after a stop control message was recorded: the process entry closes the server. */
  onStop?: () => void;
  onLogError?: (error: Error, dropped: number) => void;
  /**
   * How often (ms) the server reads where the deployment's alias or stage points
   * (`NAME@production`, `NAME@champion`) to follow it; 0 turns following off. Default 1000.
   */
  followMs?: number;
  /** Awaited before each batch is scored (tests hold a request in flight with it). */
  beforeScore?: (version: number, rows: number) => Promise<void> | void;
  /** Called after each batch is scored (the metrics count them). */
  onBatch?: (version: number, rows: number) => void;
}

export class ServingRuntime {
  readonly registry: Registry;
  readonly metrics: ServeMetrics;
  readonly log: PredictionLogWriter;
  readonly features: FeatureSpec[];
  private readonly tf: Tfjs;
  private readonly random: () => number;
  private readonly recent = new Map<string, Recent>();
  private models: { primary: Loaded; candidate: Loaded | null };
  private split: TrafficSplit;
  private pendingShadows = new Set<Promise<void>>();
  private closed = false;
  private readonly deployments: DeploymentStore;
  private readonly predictions: PredictionLogStore;
  /** Changes run one at a time (control messages and alias moves). */
  private changing: Promise<unknown> = Promise.resolve();
  /** The alias or stage followed, and the version it pointed at when last read. */
  private followed: { ref: ModelRef; version: number | null } | null = null;
  private followTimer: NodeJS.Timeout | null = null;

  private constructor(
    readonly store: OpenStore,
    private deployment: Deployment,
    models: { primary: Loaded; candidate: Loaded | null },
    tf: Tfjs,
    private readonly options: RuntimeOptions,
  ) {
    this.tf = tf;
    this.registry = new Registry(store);
    this.deployments = deploymentStore(store);
    this.predictions = predictionLogStore(store);
    this.models = models;
    this.split = splitOf(deployment);
    this.features = featuresOf(models.primary.signature);
    this.random =
      options.random ??
      (deployment.config.seed !== null ? seededRandom(deployment.config.seed) : Math.random);
    this.metrics = new ServeMetrics(deployment.name, models.primary.signature.task);
    this.log = new PredictionLogWriter(this.predictions, {
      flushRows: deployment.config.logFlushRows,
      flushMs: deployment.config.logFlushMs,
      sampling: deployment.config.logSampling,
      retention: {
        rows: deployment.config.logRetentionRows,
        days: deployment.config.logRetentionDays,
      },
      random: this.random,
      onError: (error, dropped) => {
        this.metrics.logDropped.inc({}, dropped);
        options.onLogError?.(error, dropped);
      },
    });
  }

  /** Loads the deployment's models from the store (the row must exist). */
  static async open(
    store: OpenStore,
    deploymentId: number,
    options: RuntimeOptions = {},
  ): Promise<ServingRuntime> {
    const found = deploymentStore(store).get(deploymentId);
    if (!found)
      throw new ServeError(
        'NOT_FOUND',
        `no deployment with id ${deploymentId} in ${store.location}`,
      );
    // Rows written before a setting existed take its default.
    const deployment = { ...found, config: { ...DEFAULT_SERVE_CONFIG, ...found.config } };
    const tf = options.tf ?? tfjs();
    const registry = new Registry(store);
    // The metrics exist once the runtime does; batches are counted from then on.
    let counted: ServeMetrics | null = null;
    const onBatch = (version: number, rows: number) => {
      counted?.batches.inc({ version: String(version) });
      counted?.batchedRows.inc({ version: String(version) }, rows);
    };
    const load = (version: number) =>
      loadVersion(store, registry, tf, deployment.modelName, version, deployment.config, {
        ...options,
        onBatch,
      });
    const primary = await load(deployment.primaryVersion);
    let candidate: Loaded | null = null;
    try {
      if (deployment.candidateVersion !== null) candidate = await load(deployment.candidateVersion);
    } catch (error) {
      primary.model.dispose();
      throw error;
    }
    const runtime = new ServingRuntime(store, deployment, { primary, candidate }, tf, {
      ...options,
      onBatch,
    });
    counted = runtime.metrics;
    runtime.startFollowing(registry);
    return runtime;
  }

  get name(): string {
    return this.deployment.name;
  }

  get modelName(): string {
    return this.deployment.modelName;
  }

  get deploymentId(): number {
    return this.deployment.id;
  }

  /** The server settings (limits, logging, batching), fixed for the deployment's life. */
  get config(): Deployment['config'] {
    return this.deployment.config;
  }

  get currentSplit(): TrafficSplit {
    return { ...this.split };
  }

  get signature(): ModelSignature {
    return this.models.primary.signature;
  }

  versionOf(variant: Variant): number | null {
    return variant === 'primary'
      ? this.models.primary.version
      : (this.models.candidate?.version ?? null);
  }

  /** Variants being served, with their versions. */
  variants(): { variant: Variant; version: number }[] {
    const out: { variant: Variant; version: number }[] = [
      { variant: 'primary', version: this.models.primary.version },
    ];
    if (this.models.candidate)
      out.push({ variant: 'candidate', version: this.models.candidate.version });
    return out;
  }

  /** Batches scored and the rows in them, per loaded version (tests, bench). */
  batching(): { version: number; batches: number; rows: number }[] {
    return [this.models.primary, this.models.candidate]
      .filter((m): m is Loaded => m !== null)
      .map((m) => ({ version: m.version, batches: m.batcher.batches, rows: m.batcher.rowsScored }));
  }

  route(key: string | null): Route {
    return route(this.split, { key, salt: this.deployment.name, random: this.random });
  }

  private loadedOf(variant: Variant): Loaded {
    const loaded = variant === 'primary' ? this.models.primary : this.models.candidate;
    if (!loaded) throw new ServeError('NOT_FOUND', 'this deployment has no candidate');
    return loaded;
  }

  /** Holds a loaded version for one request: it stays loaded until `release`. */
  private acquire(variant: Variant): Loaded {
    const loaded = this.loadedOf(variant);
    loaded.inFlight++;
    return loaded;
  }

  private release(loaded: Loaded): void {
    loaded.inFlight--;
    if (loaded.retired && loaded.inFlight === 0) disposeLoaded(loaded);
  }

  /** Takes a version out of service: disposed now if idle, else after its last request. */
  private retire(loaded: Loaded): void {
    loaded.retired = true;
    if (loaded.inFlight === 0) disposeLoaded(loaded);
  }

  /** Runs a variant's model on validated rows (batched with concurrent requests). */
  async score(variant: Variant, rows: FeatureValue[][]): Promise<Scored> {
    const loaded = this.acquire(variant);
    try {
      return await this.scoreOn(loaded, rows);
    } finally {
      this.release(loaded);
    }
  }

  /** Scores rows on a version a request holds, in a batch with concurrent requests to it. */
  async scoreOn(loaded: Loaded, rows: FeatureValue[][]): Promise<Scored> {
    return toScored(await loaded.batcher.submit(rows));
  }

  /**
   * Scores a request: the routed variant answers; a shadow candidate scores the same rows
   * afterwards (never delaying or changing the answer). Every instance gets an id. The
   * versions are chosen when the request arrives and answer it to the end, whatever changes
   * meanwhile.
   */
  async predict(
    rows: FeatureValue[][],
    options: { key?: string | null; requestId?: string; version?: number },
  ): Promise<PredictResult> {
    let chosen: Route;
    if (options.version !== undefined) {
      const variant = this.variants().find((v) => v.version === options.version)?.variant;
      if (!variant)
        throw new ServeError(
          'NOT_FOUND',
          `${this.name} does not serve version ${options.version} (serving ${this.variants()
            .map((v) => `v${v.version}`)
            .join(', ')})`,
        );
      chosen = { answer: variant, shadow: null };
    } else {
      chosen = this.route(options.key ?? null);
    }
    const requestId = options.requestId ?? randomUUID();
    const ids = rows.length === 1 ? [requestId] : rows.map((_, i) => `${requestId}.${i}`);
    const answering = this.acquire(chosen.answer);
    const shadowing = chosen.shadow ? this.acquire(chosen.shadow) : null;
    let scored: Scored;
    try {
      scored = await this.scoreOn(answering, rows);
    } catch (error) {
      if (shadowing) this.release(shadowing);
      throw error;
    } finally {
      this.release(answering);
    }
    const version = answering.version;
    const at = Date.now();
    const classification = answering.signature.task === 'classification';
    this.metrics.predictions.inc({ variant: chosen.answer, version: String(version) }, rows.length);
    for (let i = 0; i < ids.length; i++) {
      this.remember(ids[i], {
        variant: chosen.answer,
        predicted: scored.predicted[i],
        value: scored.outputs[i][0],
        shadowPredicted: null,
        shadowValue: null,
        judged: false,
      });
    }
    const logged = this.log.sample();
    if (logged) this.log.add(this.logRows(ids, rows, scored, chosen.answer, version, false, at));
    if (chosen.shadow && shadowing) {
      const task = this.shadowScore(
        chosen.shadow,
        shadowing,
        ids,
        rows,
        scored.predicted,
        logged,
        at,
      );
      this.pendingShadows.add(task);
      void task.finally(() => this.pendingShadows.delete(task));
    }
    return {
      requestId,
      ids,
      variant: chosen.answer,
      version,
      outputs: scored.outputs,
      classes: classification ? scored.predicted : null,
    };
  }

  private async shadowScore(
    variant: Variant,
    loaded: Loaded,
    ids: string[],
    rows: FeatureValue[][],
    answered: string[],
    logged: boolean,
    at: number,
  ): Promise<void> {
    try {
      await new Promise<void>((r) => setImmediate(r));
      if (this.closed) return;
      const version = loaded.version;
      const scored = await this.scoreOn(loaded, rows);
      this.metrics.shadowPredictions.inc({ variant, version: String(version) }, rows.length);
      if (loaded.signature.task === 'classification') {
        const differing = scored.predicted.filter((p, i) => p !== answered[i]).length;
        if (differing) this.metrics.shadowDisagreements.inc({ variant }, differing);
      }
      ids.forEach((id, i) => {
        const r = this.recent.get(id);
        if (r) {
          r.shadowPredicted = scored.predicted[i];
          r.shadowValue = scored.outputs[i][0];
        }
      });
      if (logged) this.log.add(this.logRows(ids, rows, scored, variant, version, true, at));
    } catch (error) {
      this.metrics.requests.inc({ variant: `shadow-${variant}`, code: '500' });
      this.options.onLogError?.(error as Error, rows.length);
    } finally {
      this.release(loaded);
    }
  }

  /** Waits for shadow scoring in flight (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.pendingShadows.size) await Promise.all([...this.pendingShadows]);
  }

  private logRows(
    ids: string[],
    rows: FeatureValue[][],
    scored: Scored,
    variant: Variant,
    version: number,
    shadow: boolean,
    at: number,
  ): PredictionLog[] {
    const perRow = scored.ms / rows.length;
    return ids.map((id, i) => ({
      id,
      deploymentId: this.deployment.id,
      at,
      variant,
      modelVersion: version,
      shadow,
      inputs: Object.fromEntries(this.features.map((f, c) => [f.name, rows[i][c]])),
      outputs: scored.outputs[i],
      predicted: scored.predicted[i],
      latencyMs: perRow,
    }));
  }

  private remember(id: string, entry: Recent): void {
    if (this.recent.size >= RECENT_LIMIT) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.set(id, entry);
  }

  /**
   * Ground truth for a prediction: stored (joined to the log by id) and, the first time,
   * counted into the live accuracy or error of the variant that answered (and the shadow's).
   */
  feedback(
    id: string,
    label: string | number | boolean,
  ): { id: string; variant: Variant; correct: boolean | null; error: number | null } {
    let entry = this.recent.get(id);
    if (!entry) {
      const row = this.predictions.answered(this.deployment.id, id);
      if (!row)
        throw new ServeError(
          'NOT_FOUND',
          `no prediction with id ${JSON.stringify(id)} in deployment ${this.name} (ids are returned by :predict; feedback must come while the server keeps them or when they were logged)`,
        );
      entry = {
        variant: row.variant,
        predicted: row.predicted ?? '',
        value: row.outputs[0],
        shadowPredicted: null,
        shadowValue: null,
        judged: false,
      };
      this.remember(id, entry);
    }
    this.predictions.recordFeedback({
      id,
      deploymentId: this.deployment.id,
      label,
      at: Date.now(),
    });
    const classification = this.signature.task === 'classification';
    const judge = (predicted: string, value: number) => {
      if (classification)
        return { correct: classKey(label, this.signature.labels) === predicted, error: null };
      const truth = Number(label);
      return { correct: null, error: Number.isFinite(truth) ? Math.abs(value - truth) : null };
    };
    const verdict = judge(entry.predicted, entry.value);
    if (!entry.judged) {
      entry.judged = true;
      const count = (variant: string, v: { correct: boolean | null; error: number | null }) => {
        this.metrics.feedback.inc({ variant });
        if (v.correct) this.metrics.feedbackCorrect.inc({ variant });
        if (v.error !== null) this.metrics.feedbackAbsError.inc({ variant }, v.error);
      };
      count(entry.variant, verdict);
      if (entry.shadowPredicted !== null)
        count('shadow', judge(entry.shadowPredicted, entry.shadowValue ?? NaN));
    }
    return { id, variant: entry.variant, ...verdict };
  }

  status(message?: string): DeploymentStatusReport {
    return {
      deployment: this.deployments.get(this.deployment.id) ?? this.deployment,
      split: this.currentSplit,
      ...(message ? { message } : {}),
    };
  }

  /**
   * Applies a control message: checked, applied to the live split, written to the row and
   * recorded as an event. Changes run one after another; a version the new split needs is
   * loaded and warmed up while the old split keeps serving, then traffic moves at once.
   */
  async control(message: ControlMessage): Promise<DeploymentStatusReport> {
    if (!message || typeof message !== 'object')
      throw new ServeError('INVALID', 'a control message is a JSON object with a "type"');
    if (message.type === 'status') return this.status();
    return this.serialized(() => this.controlNow(message));
  }

  private serialized<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.changing.then(fn, fn);
    this.changing = run.catch(() => undefined);
    return run;
  }

  private async controlNow(message: ControlMessage): Promise<DeploymentStatusReport> {
    const by =
      'by' in message && typeof message.by === 'string' && message.by.trim() !== ''
        ? message.by.slice(0, 200)
        : whoAmI();
    const reason =
      'reason' in message && typeof message.reason === 'string' && message.reason.trim() !== ''
        ? message.reason
        : null;
    const before = this.currentSplit;
    switch (message.type) {
      case 'status':
        return this.status();
      case 'shift': {
        if (before.candidate === null)
          throw new ServeError('CONFLICT', `${this.name} has no candidate to shift traffic to`);
        if (
          before.strategy !== 'canary' &&
          before.strategy !== 'ab' &&
          before.strategy !== 'bluegreen'
        ) {
          throw new ServeError(
            'CONFLICT',
            `${this.name} runs a ${before.strategy} deployment; traffic shifts apply to canary, ab and bluegreen`,
          );
        }
        const after = checkSplit({ ...before, weight: message.weight });
        return this.apply('shift', before, after, by, reason);
      }
      case 'switch': {
        if (before.strategy !== 'bluegreen')
          throw new ServeError(
            'CONFLICT',
            `${this.name} runs a ${before.strategy} deployment; switch is for bluegreen (use shift for canary and ab)`,
          );
        return this.apply(
          'switch',
          before,
          { ...before, weight: before.weight >= 100 ? 0 : 100 },
          by,
          reason,
        );
      }
      case 'rollback': {
        if (before.candidate === null)
          throw new ServeError(
            'CONFLICT',
            `${this.name} serves v${before.primary} alone: nothing to roll back`,
          );
        if (before.strategy === 'bluegreen') {
          if (before.weight < 100)
            throw new ServeError(
              'CONFLICT',
              `blue v${before.primary} is already live: nothing to roll back`,
            );
          return this.apply('rollback', before, { ...before, weight: 0 }, by, reason);
        }
        return this.apply(
          'rollback',
          before,
          { strategy: 'single', primary: before.primary, candidate: null, weight: 0 },
          by,
          reason,
        );
      }
      case 'promote': {
        if (before.candidate === null)
          throw new ServeError('CONFLICT', `${this.name} has no candidate to promote`);
        const to = message.to ?? 'Production';
        const result = await this.registry.promote({
          name: this.modelName,
          version: before.candidate,
          to,
          force: message.force === true,
          reason,
          by,
        });
        const stage = result.transition.to;
        if (stage !== 'Production') {
          return {
            ...this.status(
              `${this.modelName} v${before.candidate} promoted to ${stage}; traffic unchanged (${describeSplit(before)})`,
            ),
            gates: result.gates,
          };
        }
        const report = await this.apply(
          'promote',
          before,
          { strategy: 'single', primary: before.candidate, candidate: null, weight: 0 },
          by,
          reason ?? `v${before.candidate} promoted to Production`,
        );
        return { ...report, gates: result.gates };
      }
      case 'stop': {
        const d = this.deployments.get(this.deployment.id);
        if (d) {
          this.deployments.transaction(() => {
            this.deployments.update(d.id, {
              status: 'stopped',
              pid: null,
              stoppedAt: Date.now(),
            });
            this.deployments.recordEvent({
              deploymentId: d.id,
              kind: 'stopped',
              at: Date.now(),
              by,
              reason,
              before,
              after: null,
            });
          });
        }
        const report = this.status('stopping');
        setImmediate(() => this.options.onStop?.());
        return report;
      }
      case 'candidate': {
        if (before.candidate !== null)
          throw new ServeError(
            'CONFLICT',
            `${this.name} already has candidate v${before.candidate} (${before.strategy}); roll it back, stop it or promote it first`,
          );
        if (typeof message.ref !== 'string' || message.ref.trim() === '')
          throw new ServeError(
            'INVALID',
            '"ref" must name the candidate version: 4, NAME/4 or @staging',
          );
        const primary = this.models.primary;
        const { candidate, candidateRef } = resolveCandidate(
          this.registry,
          { name: this.modelName, version: primary.version, signature: primary.signature },
          message.ref,
        );
        if (candidate.version === primary.version)
          throw new ServeError(
            'INVALID',
            `${candidateRef} is v${primary.version}, the version ${this.name} already serves`,
          );
        const strategy = message.strategy ?? 'canary';
        const weight = message.weight ?? (strategy === 'canary' ? 10 : strategy === 'ab' ? 50 : 0);
        const after = checkSplit({
          strategy,
          primary: primary.version,
          candidate: candidate.version,
          weight,
        });
        return this.apply('candidate', before, after, by, reason, candidateRef);
      }
      case 'stop-candidate': {
        if (before.candidate === null)
          throw new ServeError(
            'CONFLICT',
            `${this.name} serves v${before.primary} alone: no candidate to stop`,
          );
        if (before.strategy === 'bluegreen' && before.weight >= 100)
          throw new ServeError(
            'CONFLICT',
            `green v${before.candidate} is live: switch back to blue v${before.primary} or promote green first`,
          );
        return this.apply(
          'stop-candidate',
          before,
          { strategy: 'single', primary: before.primary, candidate: null, weight: 0 },
          by,
          reason,
        );
      }
      default:
        throw new ServeError(
          'INVALID',
          `unknown control message type ${JSON.stringify((message as { type?: unknown }).type)}: one of ${CONTROL_TYPES.join(', ')}`,
        );
    }
  }

  private async apply(
    kind: DeploymentEventKind,
    before: TrafficSplit,
    after: TrafficSplit,
    by: string,
    reason: string | null,
    candidateRef?: string,
  ): Promise<DeploymentStatusReport> {
    checkSplit(after);
    // Load and warm up what the new split needs while the old one keeps serving.
    const current = [this.models.primary, this.models.candidate].filter(
      (m): m is Loaded => m !== null,
    );
    const loadedNow: Loaded[] = [];
    const need = async (version: number): Promise<Loaded> => {
      const have = [...current, ...loadedNow].find((m) => m.version === version);
      if (have) return have;
      const fresh = await loadVersion(
        this.store,
        this.registry,
        this.tf,
        this.modelName,
        version,
        this.config,
        this.options,
      );
      loadedNow.push(fresh);
      return fresh;
    };
    let primary: Loaded;
    let candidate: Loaded | null;
    try {
      primary = await need(after.primary);
      candidate = after.candidate === null ? null : await need(after.candidate);
      if (this.closed) throw new ServeError('NOT_RUNNING', `${this.name} is stopping`);
    } catch (error) {
      for (const m of loadedNow) disposeLoaded(m);
      const message = `${kind} to ${describeSplit(after)} refused: ${(error as Error).message}; ${describeSplit(before)} keeps serving`;
      try {
        this.deployments.recordEvent({
          deploymentId: this.deployment.id,
          kind: 'change-failed',
          at: Date.now(),
          by,
          reason: message,
          before,
          after,
        });
      } catch {
        // the refusal is still answered
      }
      throw new ServeError(error instanceof ServeError ? error.code : 'INVALID', message);
    }
    this.deployments.transaction(() => {
      this.deployments.update(this.deployment.id, {
        strategy: after.strategy,
        primaryVersion: after.primary,
        candidateVersion: after.candidate,
        weight: after.weight,
        candidateRef: after.candidate === null ? null : candidateRef,
      });
      this.deployments.recordEvent({
        deploymentId: this.deployment.id,
        kind,
        at: Date.now(),
        by,
        reason,
        before,
        after,
      });
    });
    // The switch itself: one synchronous step, so every request routes on the old split or the new.
    const old = current.filter((m) => m !== primary && m !== candidate);
    this.models = { primary, candidate };
    this.split = after;
    const row = this.deployments.get(this.deployment.id);
    if (row) this.deployment = { ...row, config: this.deployment.config };
    for (const m of old) this.retire(m);
    return this.status(`${kind}: ${describeSplit(before)} -> ${describeSplit(after)}`);
  }

  /**
   * A deployment of `NAME@alias` or `NAME@stage` follows it: the registry is read every
   * `followMs` and, when the alias has moved, the new version is loaded and swapped in.
   */
  private startFollowing(registry: Registry): void {
    let ref: ModelRef;
    try {
      ref = parseModelRef(this.deployment.modelRef);
    } catch {
      return;
    }
    if (ref.selector.kind !== 'alias' && ref.selector.kind !== 'stage') return;
    this.followed = { ref, version: targetOf(registry, ref) };
    const every = this.options.followMs ?? 1000;
    if (every <= 0) return;
    this.followTimer = setInterval(() => void this.follow(), every);
    this.followTimer.unref();
  }

  /** Reads where the followed alias points and swaps to it if it moved (the timer calls this). */
  async follow(): Promise<void> {
    const followed = this.followed;
    if (!followed || this.closed) return;
    const target = targetOf(this.registry, followed.ref);
    // Only a move counts: a promote of the candidate, or an alias taken away, changes nothing here.
    if (target === null || target === followed.version) return;
    followed.version = target;
    const refText = this.deployment.modelRef;
    await this.serialized(async () => {
      const before = this.currentSplit;
      if (target === before.primary || this.closed) return;
      const after: TrafficSplit =
        target === before.candidate
          ? { strategy: 'single', primary: target, candidate: null, weight: 0 }
          : { ...before, primary: target };
      await this.apply('follow', before, after, whoAmI(), `${refText} moved to v${target}`);
    }).catch((error: Error) => this.options.onLogError?.(error, 0));
  }

  /** Flushes the log and frees the models. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.followTimer) clearInterval(this.followTimer);
    await this.changing;
    await this.settle();
    this.closed = true;
    this.log.close();
    disposeLoaded(this.models.primary);
    if (this.models.candidate) disposeLoaded(this.models.candidate);
  }
}

function targetOf(registry: Registry, ref: ModelRef): number | null {
  try {
    return resolveModelRef(registry, ref).version;
  } catch {
    return null;
  }
}

function disposeLoaded(loaded: Loaded): void {
  if (loaded.disposed) return;
  loaded.disposed = true;
  loaded.model.dispose();
}

function toScored(result: BatchResult<RowScore>): Scored {
  return {
    outputs: result.rows.map((r) => r.output),
    predicted: result.rows.map((r) => r.predicted),
    ms: result.ms,
  };
}

/** Scores rows as one tensor. */
async function scoreRows(
  tf: Tfjs,
  loaded: Pick<Loaded, 'model' | 'signature' | 'disposed' | 'version'>,
  width: number,
  rows: FeatureValue[][],
): Promise<BatchResult<RowScore>> {
  if (loaded.disposed) throw new ServeError('NOT_FOUND', `v${loaded.version} is unloaded`);
  const started = performance.now();
  const input = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < width; c++) {
      const v = row[c];
      input[r * width + c] = typeof v === 'number' ? v : Number(v);
    }
  }
  const x = tf.tensor2d(input, [rows.length, width], 'float32');
  let y: { data(): Promise<ArrayLike<number>>; dispose(): void; shape: number[] } | undefined;
  let values: ArrayLike<number>;
  let outWidth: number;
  try {
    const out = loaded.model.predict(x);
    if (Array.isArray(out)) {
      for (const t of out) t.dispose();
      throw new ServeError('INVALID', 'the model has several outputs; serving needs one');
    }
    y = out;
    values = await y.data();
    outWidth = y.shape.length > 1 ? y.shape[y.shape.length - 1] : 1;
  } finally {
    x.dispose();
    y?.dispose();
  }
  const labels = loaded.signature.labels;
  const classes =
    loaded.signature.task === 'classification'
      ? predictedClasses(values, rows.length, outWidth)
      : null;
  const scored: RowScore[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const output = Array.from({ length: outWidth }, (_, k) => values[r * outWidth + k]);
    scored[r] = {
      output,
      predicted: classes ? (labels?.[classes[r]] ?? String(classes[r])) : String(output[0]),
    };
  }
  return { rows: scored, ms: performance.now() - started };
}

/** One predict on a row of zeros: a version that cannot answer it never takes traffic. */
async function warmUp(
  tf: Tfjs,
  loaded: Pick<Loaded, 'model' | 'signature' | 'disposed' | 'version'>,
  width: number,
): Promise<void> {
  const { rows } = await scoreRows(tf, loaded, width, [new Array<number>(width).fill(0)]);
  const expected = loaded.signature.outputShape[loaded.signature.outputShape.length - 1];
  const got = rows[0].output.length;
  if (typeof expected === 'number' && expected !== got)
    throw new Error(`it answers ${got} values per row where its signature says ${expected}`);
  if (!rows[0].output.every(Number.isFinite))
    throw new Error('it answers values that are not finite numbers');
}

async function loadVersion(
  store: OpenStore,
  registry: Registry,
  tf: Tfjs,
  name: string,
  version: number,
  config: Deployment['config'],
  options: Pick<RuntimeOptions, 'beforeScore'> & {
    onBatch?: (version: number, rows: number) => void;
  },
): Promise<Loaded> {
  const v = registry.requireVersion(name, version);
  let signature: ModelSignature;
  let width: number;
  try {
    width = featuresOf(v.signature).length;
    signature = v.signature!;
  } catch (error) {
    throw new ServeError('INVALID', `${name} v${version}: ${(error as Error).message}`);
  }
  let model: LayersModel;
  try {
    model = await loadModelArtifacts(store, v.runId, v.artifactPath, { tf });
  } catch (error) {
    if (error instanceof RegistryError)
      throw new ServeError('NOT_FOUND', `${name} v${version}: ${error.message}`);
    throw error;
  }
  const loaded: Loaded = {
    version,
    model,
    signature,
    inFlight: 0,
    retired: false,
    disposed: false,
    batcher: new Batcher(
      async (rows) => {
        await options.beforeScore?.(version, rows.length);
        const scored = await scoreRows(tf, loaded, width, rows);
        options.onBatch?.(version, rows.length);
        return scored;
      },
      { maxBatchSize: config.maxBatchSize, batchTimeoutMs: config.batchTimeoutMs },
    ),
  };
  try {
    await warmUp(tf, loaded, width);
  } catch (error) {
    disposeLoaded(loaded);
    throw new ServeError(
      'INVALID',
      `${name} v${version} did not warm up (one predict on a row of zeros): ${(error as Error).message}`,
    );
  }
  return loaded;
}
