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
import { splitOf } from './deployments';
import { ServeMetrics } from './metrics';
import { PredictionLogWriter } from './prediction-log';
import { checkSplit, route, seededRandom, type Route } from './router';
import {
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

interface Loaded {
  version: number;
  model: LayersModel;
  signature: ModelSignature;
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
    const deployment = deploymentStore(store).get(deploymentId);
    if (!deployment)
      throw new ServeError(
        'NOT_FOUND',
        `no deployment with id ${deploymentId} in ${store.location}`,
      );
    const tf = options.tf ?? tfjs();
    const registry = new Registry(store);
    const primary = await loadVersion(
      store,
      registry,
      tf,
      deployment.modelName,
      deployment.primaryVersion,
    );
    let candidate: Loaded | null = null;
    try {
      if (deployment.candidateVersion !== null)
        candidate = await loadVersion(
          store,
          registry,
          tf,
          deployment.modelName,
          deployment.candidateVersion,
        );
    } catch (error) {
      primary.model.dispose();
      throw error;
    }
    return new ServingRuntime(store, deployment, { primary, candidate }, tf, options);
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

  /** The server settings (limits, logging), fixed for the deployment's life. */
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

  route(key: string | null): Route {
    return route(this.split, { key, salt: this.deployment.name, random: this.random });
  }

  /** Runs a variant's model on validated rows. */
  async score(variant: Variant, rows: FeatureValue[][]): Promise<Scored> {
    const loaded = variant === 'primary' ? this.models.primary : this.models.candidate;
    if (!loaded) throw new ServeError('NOT_FOUND', 'this deployment has no candidate');
    const started = performance.now();
    const width = this.features.length;
    const input = new Float32Array(rows.length * width);
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r];
      for (let c = 0; c < width; c++) {
        const v = row[c];
        input[r * width + c] =
          typeof v === 'number' ? v : typeof v === 'boolean' ? Number(v) : Number(v);
      }
    }
    const x = this.tf.tensor2d(input, [rows.length, width], 'float32');
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
    const outputs: number[][] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++)
      outputs[r] = Array.from({ length: outWidth }, (_, k) => values[r * outWidth + k]);
    let predicted: string[];
    if (loaded.signature.task === 'classification') {
      const labels = loaded.signature.labels;
      predicted = predictedClasses(values, rows.length, outWidth).map(
        (c) => labels?.[c] ?? String(c),
      );
    } else {
      predicted = outputs.map((o) => String(o[0]));
    }
    return { outputs, predicted, ms: performance.now() - started };
  }

  /**
   * Scores a request: the routed variant answers; a shadow candidate scores the same rows
   * afterwards (never delaying or changing the answer). Every instance gets an id.
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
    const version = this.versionOf(chosen.answer)!;
    const scored = await this.score(chosen.answer, rows);
    const at = Date.now();
    const classification = this.signature.task === 'classification';
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
    if (chosen.shadow) {
      const shadow = chosen.shadow;
      const task = this.shadowScore(shadow, ids, rows, scored.predicted, logged, at);
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
    ids: string[],
    rows: FeatureValue[][],
    answered: string[],
    logged: boolean,
    at: number,
  ): Promise<void> {
    await new Promise<void>((r) => setImmediate(r));
    const version = this.versionOf(variant);
    if (version === null || this.closed) return;
    try {
      const scored = await this.score(variant, rows);
      this.metrics.shadowPredictions.inc({ variant, version: String(version) }, rows.length);
      if (this.signature.task === 'classification') {
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

  /** Applies a control message: checked, applied to the live split, written to the row and recorded as an event. */
  async control(message: ControlMessage): Promise<DeploymentStatusReport> {
    if (!message || typeof message !== 'object')
      throw new ServeError('INVALID', 'a control message is a JSON object with a "type"');
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
      default:
        throw new ServeError(
          'INVALID',
          `unknown control message type ${JSON.stringify((message as { type?: unknown }).type)}: one of shift, switch, promote, rollback, stop, status`,
        );
    }
  }

  private async apply(
    kind: DeploymentEventKind,
    before: TrafficSplit,
    after: TrafficSplit,
    by: string,
    reason: string | null,
  ): Promise<DeploymentStatusReport> {
    checkSplit(after);
    // Load a model the new split needs before anything changes.
    let primary = this.models.primary;
    let candidate = this.models.candidate;
    if (after.primary !== primary.version) {
      primary =
        candidate?.version === after.primary
          ? candidate
          : await loadVersion(this.store, this.registry, this.tf, this.modelName, after.primary);
    }
    if (after.candidate === null) candidate = null;
    else if (after.candidate !== candidate?.version)
      candidate = await loadVersion(
        this.store,
        this.registry,
        this.tf,
        this.modelName,
        after.candidate,
      );
    this.deployments.transaction(() => {
      this.deployments.update(this.deployment.id, {
        strategy: after.strategy,
        primaryVersion: after.primary,
        candidateVersion: after.candidate,
        weight: after.weight,
        candidateRef: after.candidate === null ? null : undefined,
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
    const old = [this.models.primary, this.models.candidate].filter(
      (m): m is Loaded => m !== null && m !== primary && m !== candidate,
    );
    this.models = { primary, candidate };
    this.split = after;
    this.deployment = this.deployments.get(this.deployment.id) ?? this.deployment;
    // Shadow scoring in flight may still use an old model: dispose once it is done.
    void this.settle().then(() => {
      for (const m of old) m.model.dispose();
    });
    return this.status(`${kind}: ${describeSplit(before)} -> ${describeSplit(after)}`);
  }

  /** Flushes the log and frees the models. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.settle();
    this.closed = true;
    this.log.close();
    this.models.primary.model.dispose();
    this.models.candidate?.model.dispose();
  }
}

async function loadVersion(
  store: OpenStore,
  registry: Registry,
  tf: Tfjs,
  name: string,
  version: number,
): Promise<Loaded> {
  const v = registry.requireVersion(name, version);
  let signature: ModelSignature;
  try {
    featuresOf(v.signature);
    signature = v.signature!;
  } catch (error) {
    throw new ServeError('INVALID', `${name} v${version}: ${(error as Error).message}`);
  }
  try {
    const model = await loadModelArtifacts(store, v.runId, v.artifactPath, { tf });
    return { version, model, signature };
  } catch (error) {
    if (error instanceof RegistryError)
      throw new ServeError('NOT_FOUND', `${name} v${version}: ${error.message}`);
    throw error;
  }
}
