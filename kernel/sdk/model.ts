/**
 * Models in notebooks: `run.logModel(model, { name })` registers a trained tfjs model as
 * the next version of `name`; `lab.loadModel("name@production")` loads one back.
 *
 * tfjs is loaded only by `loadModel` (saving needs none), so `import * as lab from
 * "labbook"` stays cheap.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import {
  inferSignature,
  loadModelArtifacts,
  normalizeArtifactPath,
  saveHoldout,
  saveModelArtifacts,
  checkHoldout,
  assertLayersModel,
  type Tfjs,
} from '../../core/registry/model-io';
import { Registry, validateModelName } from '../../core/registry/registry';
import { resolveModelRef } from '../../core/registry/refs';
import {
  RegistryError,
  type FeatureSpec,
  type Holdout,
  type HoldoutInfo,
  type ModelSignature,
  type ModelVersion,
} from '../../core/registry/types';
import type { SyncRunStore } from '../../core/store';
import { isOpenStore, type OpenStore } from '../../core/store/stores';
import { leaseStore } from './lifecycle';

export type { FeatureSpec, Holdout, HoldoutInfo, ModelSignature, ModelVersion };

/** Run tag naming the model versions a run registered: `name/version` (comma-separated when several). */
export const MODEL_TAG = 'labbook.model';

/**
 * A tfjs LayersModel (`tf.sequential()`, `tf.model()`, `tf.loadLayersModel()`). Typed
 * loosely so any copy of `@tensorflow/tfjs` fits; checked when logged.
 */
export interface LoggableModel {
  save(handlerOrUrl: unknown, config?: unknown): Promise<unknown>;
}

/** What {@link Run.logModel} takes. */
export interface LogModelOptions {
  /** Registered model name, e.g. `penguins-classifier`; versions are numbered 1, 2, 3… */
  name: string;
  /**
   * What the model takes and gives. Inferred from the model (shapes; classification for a
   * softmax/sigmoid output or when labels are given); `featureNames` and `labels` name the
   * input columns and the classes; any other field given replaces the inferred one.
   */
  signature?: Partial<ModelSignature> & { featureNames?: string[]; labels?: string[] };
  /**
   * Data to judge the version on (promotion gates, model cards): rows as objects holding
   * every feature (by name) and the `label` column; other columns (e.g. `Island`) are kept
   * for sliced metrics. Stored with the version as `<artifactPath>holdout.json`.
   */
  holdout?: Holdout;
  /** What this version is, in a sentence. */
  description?: string;
  /** Artifact folder of the run for the model files. Default `model/`. */
  artifactPath?: string;
}

export interface LoadModelOptions {
  /** The database file or an open store; default as for runs (`LABBOOK_STORE`, else `.labbook/labbook.db`). */
  store?: string | SyncRunStore;
  /** The tfjs module to build the model with (default: `@tensorflow/tfjs` as the SDK resolves it). */
  tf?: unknown;
}

function registryStore(store: SyncRunStore, method: string): OpenStore {
  if (!isOpenStore(store)) {
    throw new RegistryError(
      'INVALID',
      `${method}: the store at ${store.location} has no model registry (it is not a Labbook SQLite store)`,
    );
  }
  return store;
}

function mergeSignature(model: unknown, options: LogModelOptions): ModelSignature {
  const given = options.signature ?? {};
  if (typeof given !== 'object' || given === null)
    throw new RegistryError(
      'INVALID',
      'logModel: signature must be an object such as { featureNames: [...], labels: [...] }',
    );
  const featureNames = given.featureNames ?? given.features?.map((f) => f.name);
  const inferred = inferSignature(model, {
    featureNames,
    labels: given.labels,
    holdout: options.holdout,
  });
  const merged: ModelSignature = { ...inferred };
  if (given.features) {
    // Given specs keep their dtypes (names were checked against the input width above).
    merged.features = given.features.map((f) => ({ name: f.name, dtype: f.dtype ?? 'float32' }));
  }
  if (given.inputShape) merged.inputShape = [...given.inputShape];
  if (given.outputShape) merged.outputShape = [...given.outputShape];
  if (given.task) {
    if (given.task !== 'classification' && given.task !== 'regression') {
      throw new RegistryError(
        'INVALID',
        `logModel: signature.task must be "classification" or "regression", got ${JSON.stringify(given.task)}`,
      );
    }
    merged.task = given.task;
  }
  return merged;
}

/**
 * @internal The body of `Run.logModel`: saves the model and holdout as artifacts of the
 * run, registers the next version of `options.name`, tags the run.
 */
export async function logModelForRun(
  runId: string,
  store: SyncRunStore,
  model: LoggableModel,
  options: LogModelOptions,
): Promise<ModelVersion> {
  if (!options || typeof options !== 'object')
    throw new TypeError('logModel: expected options such as { name: "penguins-classifier" }');
  const registry = new Registry(registryStore(store, 'logModel'));
  // Check everything before writing anything.
  validateModelName(options.name);
  assertLayersModel(model, 'logModel');
  const artifactPath = normalizeArtifactPath(options.artifactPath);
  const signature = mergeSignature(model, options);
  if (options.holdout !== undefined)
    checkHoldout(
      options.holdout,
      signature.features.map((f) => f.name),
    );

  await saveModelArtifacts(store, runId, model, artifactPath);
  let holdout: HoldoutInfo | null = null;
  if (options.holdout !== undefined)
    holdout = saveHoldout(
      store,
      runId,
      options.holdout,
      artifactPath,
      signature.features.map((f) => f.name),
    );
  const version = registry.registerVersion({
    name: options.name,
    runId,
    artifactPath,
    signature,
    holdout,
    description: options.description ?? null,
  });
  const entry = `${version.name}/${version.version}`;
  const previous = store.getTags(runId)[MODEL_TAG];
  store.setTags(runId, { [MODEL_TAG]: previous ? `${previous},${entry}` : entry });
  return version;
}

/**
 * Loads a registered model version as a tfjs LayersModel:
 *
 * ```ts
 * const model = await lab.loadModel("penguins-classifier@production"); // or @champion, /3, or the name (latest)
 * model.predict(tf.tensor2d([[0.1, -0.3, 1.2, 0.8]]));
 * ```
 */
export async function loadModel(ref: string, options: LoadModelOptions = {}): Promise<LayersModel> {
  if (typeof ref !== 'string' || ref.trim() === '') {
    throw new TypeError(
      'loadModel: expected a model reference such as "penguins-classifier@production", "name@champion" or "name/3"',
    );
  }
  const lease = leaseStore(options.store);
  try {
    const store = registryStore(lease.store, 'loadModel');
    const version = resolveModelRef(new Registry(store), ref.trim());
    return await loadModelArtifacts(store, version.runId, version.artifactPath, {
      tf: options.tf as Tfjs | undefined,
    });
  } finally {
    lease.release();
  }
}
