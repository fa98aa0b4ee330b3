/**
 * tfjs models and holdout sets as run artifacts.
 *
 * A model is saved the way `tf.io` writes it to files: `<path>model.json` (the Layers
 * topology, the training config and a weights manifest pointing at `weights.bin`) and
 * `<path>weights.bin` (every weight, concatenated). Both are ordinary content-addressed
 * artifacts of the run, so the same weights logged twice are stored once.
 *
 * Saving needs no tfjs here (a save handler is a plain object); loading requires
 * `@tensorflow/tfjs` lazily, so importing this module costs nothing until a model is
 * loaded. Whatever backend is active stays active.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import type { SyncRunStore } from '../store';
import { tfjs as loadTfjs } from '../engines';
import {
  RegistryError,
  type FeatureSpec,
  type Holdout,
  type HoldoutInfo,
  type ModelSignature,
} from './types';

export type Tfjs = typeof import('@tensorflow/tfjs');

/**
 * `@tensorflow/tfjs`, loaded on first use (core/engines.ts). Declared here with its own
 * type so that the SDK's declarations (which notebooks type-check) do not reach engines.ts.
 */
export const tfjs: () => Tfjs = loadTfjs;

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const HOLDOUT_JSON = 'holdout.json';
export const DEFAULT_MODEL_PATH = 'model/';
/** A holdout set is stored as one JSON artifact and read whole; keep it to this many rows. */
export const MAX_HOLDOUT_ROWS = 1_000_000;

/** The parts of a tfjs LayersModel this module reads (checked at run time). */
interface LayersModelShape {
  save(handler: unknown, config?: unknown): Promise<unknown>;
  inputs: { shape: (number | null)[]; dtype?: string; name?: string }[];
  outputs: { shape: (number | null)[]; dtype?: string; name?: string }[];
  layers: { getConfig(): Record<string, unknown>; getClassName?(): string }[];
}

/** What tfjs hands a save handler (tf.io.ModelArtifacts, the fields used here). */
interface SavedArtifacts {
  modelTopology?: unknown;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  userDefinedMetadata?: unknown;
  weightSpecs?: unknown[];
  weightData?: ArrayBuffer | ArrayBuffer[];
}

/** `model/`, `model` → `model/`. Checked like artifact names. */
export function normalizeArtifactPath(path: string | undefined): string {
  if (path === undefined) return DEFAULT_MODEL_PATH;
  if (typeof path !== 'string')
    throw new RegistryError(
      'INVALID',
      `artifactPath must be a string such as "model/", got ${typeof path}`,
    );
  const folder = path.endsWith('/') ? path : `${path}/`;
  if (
    folder === '/' ||
    folder.startsWith('/') ||
    folder.includes('\\') ||
    folder
      .split('/')
      .slice(0, -1)
      .some((s) => s === '' || s === '.' || s === '..')
  ) {
    throw new RegistryError(
      'INVALID',
      `artifactPath ${JSON.stringify(path)} must be a relative folder such as "model/" (no "..", "." or empty segments, no backslashes)`,
    );
  }
  return folder;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') {
    const name = (value as { constructor?: { name?: string } }).constructor?.name;
    return name && name !== 'Object' ? `a ${name}` : 'a plain object';
  }
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    : `${typeof value} ${String(value)}`;
}

/** Throws unless `model` looks like a tfjs LayersModel (tf.sequential / tf.model / tf.loadLayersModel). */
export function assertLayersModel(
  model: unknown,
  method = 'logModel',
): asserts model is LayersModelShape {
  const m = model as Partial<LayersModelShape> | null;
  if (!m || typeof m !== 'object' || typeof m.save !== 'function') {
    throw new RegistryError(
      'INVALID',
      `${method}: expected a tfjs LayersModel (from tf.sequential(), tf.model() or tf.loadLayersModel()), got ${describe(model)}`,
    );
  }
  if (!Array.isArray(m.layers) || !Array.isArray(m.inputs) || !Array.isArray(m.outputs)) {
    throw new RegistryError(
      'INVALID',
      `${method}: expected a tfjs LayersModel; this ${describe(model)} has no layers/inputs/outputs (a GraphModel from tf.loadGraphModel cannot be registered)`,
    );
  }
  if (m.inputs.length === 0 || m.outputs.length === 0 || m.layers.length === 0) {
    throw new RegistryError(
      'INVALID',
      `${method}: the model has no layers yet; give the first layer an inputShape (or call model.build) before logging it`,
    );
  }
}

function concatBuffers(data: ArrayBuffer | ArrayBuffer[] | undefined): Uint8Array {
  if (data === undefined) return new Uint8Array(0);
  const parts = Array.isArray(data) ? data : [data];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const part of parts) {
    out.set(new Uint8Array(part), at);
    at += part.byteLength;
  }
  return out;
}

export interface SavedModelArtifacts {
  artifactPath: string;
  /** Artifact names in the run. */
  modelJson: string;
  weights: string;
  /** SHA-256 of model.json and weights.bin. */
  modelJsonSha256: string;
  weightsSha256: string;
  weightBytes: number;
}

/**
 * Saves a tfjs LayersModel as artifacts `<artifactPath>model.json` and
 * `<artifactPath>weights.bin` of the run.
 */
export async function saveModelArtifacts(
  store: SyncRunStore,
  runId: string,
  model: unknown,
  artifactPath = DEFAULT_MODEL_PATH,
): Promise<SavedModelArtifacts> {
  assertLayersModel(model, 'saveModelArtifacts');
  const folder = normalizeArtifactPath(artifactPath);
  let saved: SavedArtifacts | undefined;
  // tf.io.withSaveHandler(fn) is just { save: fn }: no tfjs needed to save.
  const handler = {
    save: async (artifacts: SavedArtifacts) => {
      saved = artifacts;
      const topologyBytes = Buffer.byteLength(JSON.stringify(artifacts.modelTopology ?? null));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: topologyBytes,
          weightSpecsBytes: Buffer.byteLength(JSON.stringify(artifacts.weightSpecs ?? [])),
          weightDataBytes: concatBuffersLength(artifacts.weightData),
        },
      };
    },
  };
  await model.save(handler);
  if (!saved || saved.modelTopology === undefined || saved.modelTopology === null) {
    throw new RegistryError(
      'INVALID',
      'saveModelArtifacts: the model saved no topology; only tfjs LayersModels can be registered',
    );
  }
  const weights = concatBuffers(saved.weightData);
  const modelJson: Record<string, unknown> = {
    format: saved.format ?? 'layers-model',
    generatedBy: saved.generatedBy ?? null,
    convertedBy: saved.convertedBy ?? null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: saved.weightSpecs ?? [] }],
  };
  if (saved.trainingConfig != null) modelJson.trainingConfig = saved.trainingConfig;
  if (saved.userDefinedMetadata != null) modelJson.userDefinedMetadata = saved.userDefinedMetadata;
  const weightsName = `${folder}${WEIGHTS_BIN}`;
  const jsonName = `${folder}${MODEL_JSON}`;
  // Weights first: model.json is what loaders look for, so it only appears once its weights exist.
  const weightsArtifact = store.logArtifact(runId, weightsName, weights, {
    mediaType: 'application/octet-stream',
  });
  const jsonArtifact = store.logArtifact(runId, jsonName, JSON.stringify(modelJson), {
    mediaType: 'application/json',
  });
  return {
    artifactPath: folder,
    modelJson: jsonName,
    weights: weightsName,
    modelJsonSha256: jsonArtifact.sha256,
    weightsSha256: weightsArtifact.sha256,
    weightBytes: weights.byteLength,
  };
}

function concatBuffersLength(data: ArrayBuffer | ArrayBuffer[] | undefined): number {
  if (data === undefined) return 0;
  return (Array.isArray(data) ? data : [data]).reduce((n, p) => n + p.byteLength, 0);
}

function readArtifact(store: SyncRunStore, runId: string, name: string, what: string): Buffer {
  try {
    return store.readArtifact(runId, name);
  } catch (error) {
    throw new RegistryError(
      'NOT_FOUND',
      `${what} "${name}" of run ${runId} cannot be read: ${(error as Error)?.message ?? String(error)}`,
    );
  }
}

/** Loads a model saved by {@link saveModelArtifacts} (or any tfjs layers-model folder logged as artifacts). */
export async function loadModelArtifacts(
  store: SyncRunStore,
  runId: string,
  artifactPath = DEFAULT_MODEL_PATH,
  options: { tf?: Tfjs } = {},
): Promise<LayersModel> {
  const folder = normalizeArtifactPath(artifactPath);
  const tf = options.tf ?? tfjs();
  const jsonName = `${folder}${MODEL_JSON}`;
  let json: {
    modelTopology?: unknown;
    format?: string;
    generatedBy?: string;
    convertedBy?: string | null;
    trainingConfig?: unknown;
    userDefinedMetadata?: unknown;
    weightsManifest?: { paths: string[]; weights: unknown[] }[];
  };
  try {
    json = JSON.parse(readArtifact(store, runId, jsonName, 'model').toString('utf8'));
  } catch (error) {
    if (error instanceof RegistryError) throw error;
    throw new RegistryError(
      'INVALID',
      `model "${jsonName}" of run ${runId} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!json || typeof json !== 'object' || !json.modelTopology) {
    throw new RegistryError(
      'INVALID',
      `"${jsonName}" of run ${runId} is not a tfjs layers model (no modelTopology)`,
    );
  }
  const weightSpecs: unknown[] = [];
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths)
      parts.push(readArtifact(store, runId, `${folder}${path}`, 'weights'));
  }
  const weightData = concatBuffers(
    parts.map((p) => p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength) as ArrayBuffer),
  );
  const handler = tf.io.fromMemory({
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    trainingConfig: json.trainingConfig as never,
    userDefinedMetadata: json.userDefinedMetadata as never,
    weightSpecs: weightSpecs as never,
    weightData: weightData.buffer as ArrayBuffer,
  });
  return tf.loadLayersModel(handler);
}

export interface InferSignatureOptions {
  /** Names of the input columns, in the order the model takes them. */
  featureNames?: readonly string[];
  /** Class names in output order (makes the task classification). */
  labels?: readonly string[];
  /** Feature names default to the holdout's columns other than the label, when their count matches. */
  holdout?: Holdout;
}

const DTYPES: readonly FeatureSpec['dtype'][] = ['float32', 'int32', 'bool', 'string'];

/** Columns of a holdout set: every key of every row, in order of first appearance. */
export function holdoutColumns(rows: readonly Record<string, unknown>[]): string[] {
  const seen = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) seen.add(key);
  return [...seen];
}

function activationOf(layer: LayersModelShape['layers'][number]): string | null {
  try {
    const activation = layer.getConfig().activation;
    return typeof activation === 'string' ? activation : null;
  } catch {
    return null;
  }
}

/**
 * Infers what a model takes and gives: shapes from `model.inputs` / `model.outputs`; the
 * task is classification when the last layer's activation is softmax or sigmoid or labels
 * are given, else regression; feature names as given, else the holdout's columns minus
 * the label when their count matches the input width, else `x0 … x(n-1)`.
 */
export function inferSignature(
  model: unknown,
  options: InferSignatureOptions = {},
): ModelSignature {
  assertLayersModel(model, 'inferSignature');
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new RegistryError(
      'INVALID',
      `inferSignature: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; only single-input, single-output models are supported`,
    );
  }
  const input = model.inputs[0];
  const output = model.outputs[0];
  const inputShape = [...input.shape];
  const outputShape = [...output.shape];
  const dtype: FeatureSpec['dtype'] = DTYPES.includes(input.dtype as FeatureSpec['dtype'])
    ? (input.dtype as FeatureSpec['dtype'])
    : 'float32';
  const width = inputShape.length === 2 ? inputShape[1] : null;
  const outWidth = outputShape[outputShape.length - 1];

  let features: FeatureSpec[];
  if (options.featureNames !== undefined) {
    const names = checkNames('featureNames', options.featureNames);
    if (width === null) {
      throw new RegistryError(
        'INVALID',
        `featureNames: the model takes input of shape [${inputShape.join(', ')}], not rows of features ([null, n]); leave featureNames out`,
      );
    }
    if (names.length !== width) {
      throw new RegistryError(
        'INVALID',
        `featureNames has ${names.length} names (${names.join(', ')}) but the model takes ${width} input features (input shape [${inputShape.map(String).join(', ')}])`,
      );
    }
    features = names.map((name) => ({ name, dtype }));
  } else if (width === null) {
    features = [{ name: input.name ?? 'input', dtype }];
  } else {
    const fromHoldout =
      options.holdout && Array.isArray(options.holdout.rows)
        ? holdoutColumns(options.holdout.rows).filter((c) => c !== options.holdout?.label)
        : [];
    const names =
      fromHoldout.length === width ? fromHoldout : Array.from({ length: width }, (_, i) => `x${i}`);
    features = names.map((name) => ({ name, dtype }));
  }

  const lastActivation = activationOf(model.layers[model.layers.length - 1]);
  const labels = options.labels === undefined ? undefined : checkNames('labels', options.labels);
  const task: ModelSignature['task'] =
    labels !== undefined || lastActivation === 'softmax' || lastActivation === 'sigmoid'
      ? 'classification'
      : 'regression';
  if (labels !== undefined && typeof outWidth === 'number') {
    const expected = outWidth === 1 ? 2 : outWidth;
    if (labels.length !== expected) {
      throw new RegistryError(
        'INVALID',
        `labels has ${labels.length} class names (${labels.join(', ')}) but the model's output has ${outWidth} unit${outWidth === 1 ? '' : 's'}, so ${expected} classes`,
      );
    }
  }
  const signature: ModelSignature = { features, inputShape, outputShape, task };
  if (labels !== undefined) signature.labels = labels;
  return signature;
}

function checkNames(what: string, names: unknown): string[] {
  if (!Array.isArray(names))
    throw new RegistryError(
      'INVALID',
      `${what} must be an array of strings, got ${describe(names)}`,
    );
  const out: string[] = [];
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0)
      throw new RegistryError(
        'INVALID',
        `${what}[${i}] must be a non-empty string, got ${describe(name)}`,
      );
    out.push(name);
  });
  const duplicate = out.find((n, i) => out.indexOf(n) !== i);
  if (duplicate !== undefined)
    throw new RegistryError('INVALID', `${what} names "${duplicate}" twice`);
  return out;
}

/**
 * Checks a holdout set: rows are plain objects, the label column has a value in every row,
 * every feature (when given) is a finite number in every row, at most MAX_HOLDOUT_ROWS rows.
 * Returns its columns.
 */
export function checkHoldout(
  holdout: unknown,
  featureNames?: readonly string[],
): { columns: string[] } {
  const h = holdout as Partial<Holdout> | null;
  if (!h || typeof h !== 'object' || Array.isArray(h))
    throw new RegistryError(
      'INVALID',
      `holdout must be { rows: [...], label: "column" }, got ${describe(holdout)}`,
    );
  if (typeof h.label !== 'string' || h.label.length === 0)
    throw new RegistryError(
      'INVALID',
      `holdout.label must name the column holding the truth, got ${describe(h.label)}`,
    );
  if (!Array.isArray(h.rows))
    throw new RegistryError(
      'INVALID',
      `holdout.rows must be an array of row objects, got ${describe(h.rows)}`,
    );
  if (h.rows.length === 0)
    throw new RegistryError(
      'INVALID',
      'holdout.rows is empty: a holdout set needs at least one row',
    );
  if (h.rows.length > MAX_HOLDOUT_ROWS) {
    throw new RegistryError(
      'INVALID',
      `holdout has ${h.rows.length} rows; the limit is ${MAX_HOLDOUT_ROWS} (sample it)`,
    );
  }
  const label = h.label;
  h.rows.forEach((row, i) => {
    if (!row || typeof row !== 'object' || Array.isArray(row))
      throw new RegistryError(
        'INVALID',
        `holdout.rows[${i}] must be an object of column values, got ${describe(row)}`,
      );
    const truth = row[label];
    if (
      truth === undefined ||
      truth === null ||
      (typeof truth === 'number' && !Number.isFinite(truth))
    ) {
      throw new RegistryError(
        'INVALID',
        `holdout.rows[${i}] has no value for the label column "${label}"`,
      );
    }
    for (const feature of featureNames ?? []) {
      const value = row[feature];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RegistryError(
          'INVALID',
          `holdout.rows[${i}]: feature "${feature}" must be a finite number, got ${value === undefined ? 'nothing (the column is missing)' : describe(value)}`,
        );
      }
    }
  });
  const columns = holdoutColumns(h.rows);
  return { columns };
}

/**
 * Stores a holdout set as `<artifactPath>holdout.json` of the run (`{ label, columns, rows }`).
 * `featureNames`, when given, must be finite numbers in every row.
 */
export function saveHoldout(
  store: SyncRunStore,
  runId: string,
  holdout: Holdout,
  artifactPath = DEFAULT_MODEL_PATH,
  featureNames?: readonly string[],
): HoldoutInfo {
  const { columns } = checkHoldout(holdout, featureNames);
  const name = `${normalizeArtifactPath(artifactPath)}${HOLDOUT_JSON}`;
  const body = JSON.stringify({ label: holdout.label, columns, rows: holdout.rows });
  const artifact = store.logArtifact(runId, name, body, { mediaType: 'application/json' });
  return {
    artifact: name,
    rows: holdout.rows.length,
    label: holdout.label,
    columns,
    sha256: artifact.sha256,
  };
}

/** Reads a holdout set stored by {@link saveHoldout}. */
export function loadHoldout(
  store: SyncRunStore,
  runId: string,
  info: Pick<HoldoutInfo, 'artifact'>,
): Holdout {
  const bytes = readArtifact(store, runId, info.artifact, 'holdout set');
  let parsed: { label?: unknown; rows?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new RegistryError(
      'INVALID',
      `holdout set "${info.artifact}" of run ${runId} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!parsed || typeof parsed.label !== 'string' || !Array.isArray(parsed.rows)) {
    throw new RegistryError(
      'INVALID',
      `holdout set "${info.artifact}" of run ${runId} is not { label, rows }`,
    );
  }
  return { label: parsed.label, rows: parsed.rows as Holdout['rows'] };
}
