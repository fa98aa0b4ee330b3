/**
 * Model tests in notebooks: `lab.testModel(model | "name@stage", rows, { label, sensitive })`
 * runs robustness, fairness, importance, explanation and mutation tests (core/modeltest),
 * draws the report inline and, for a registered version, stores it with the version so
 * promotion gates can demand `tests.*` numbers; `lab.explain(model, row)` draws one row's
 * integrated gradients; `lab.crossValidate(trainFn, rows, { k, label })` runs the folds,
 * as child runs of `run` when one is given.
 */
import type { LayersModel } from '@tensorflow/tfjs';
import { loadModelArtifacts, tfjs, type Tfjs } from '../../core/registry/model-io';
import { Registry } from '../../core/registry/registry';
import { resolveModelRef } from '../../core/registry/refs';
import type { ModelVersion } from '../../core/registry/types';
import { isOpenStore } from '../../core/store/stores';
import type { SyncRunStore } from '../../core/store';
import {
  crossValidate as runFolds,
  explanationChart,
  importanceChart,
  integratedGradients,
  modelTestHtmlBody,
  ModelTestError,
  robustnessChart,
  saveVersionTests,
  specFromSignature,
  testModel as runTests,
  type CrossValidationResult,
  type Explanation,
  type ModelSpec,
  type ModelTestReport,
  type Row,
  type TestData,
  type TestModelOptions,
  type TestName,
} from '../../core/modeltest';
import { display } from './display';
import { leaseStore } from './lifecycle';
import { startRun, type Run } from './run';

export type { CrossValidationResult, Explanation, ModelTestReport, TestName };

/** What the tests need to know about a model given as an object (a registered version knows it). */
export interface ModelDescription {
  /** Input columns in the model's order; default: the numeric columns other than the label and sensitive ones. */
  features?: string[];
  /** Class names in output order; default: the label's distinct values, sorted. */
  labels?: string[];
  task?: 'classification' | 'regression';
}

export interface TestModelSdkOptions extends ModelDescription {
  label: string;
  sensitive?: string[];
  tests?: TestName[];
  /** The positive class for fairness; default each class one-vs-rest. */
  positive?: string;
  seed?: number;
  repeats?: number;
  thresholds?: string[];
  /** Training rows: imputation values and noise scale; with `train`, label mutants. */
  trainData?: readonly object[];
  train?: (rows: TestData) => Promise<LayersModel>;
  crossValidation?: CrossValidationResult;
  /** Draw the report in the cell's output (default true). */
  display?: boolean;
  /** Store the report with the registered version (default true when a reference is given). */
  save?: boolean;
  store?: string | SyncRunStore;
  tf?: unknown;
}

function asRows(data: unknown, method: string): Row[] {
  if (!Array.isArray(data) || data.some((r) => !r || typeof r !== 'object'))
    throw new ModelTestError(`${method}: data must be an array of row objects`);
  return data as Row[];
}

function describeModel(
  rows: Row[],
  o: ModelDescription & { label: string; sensitive?: string[] },
): ModelSpec {
  const first = rows[0] ?? {};
  const features =
    o.features ??
    Object.keys(first).filter(
      (k) => k !== o.label && !(o.sensitive ?? []).includes(k) && typeof first[k] === 'number',
    );
  const values = rows.map((r) => r[o.label]);
  const task =
    o.task ??
    (values.every((v) => typeof v === 'number') && !o.labels ? 'regression' : 'classification');
  const labels =
    o.labels ?? (task === 'classification' ? [...new Set(values.map(String))].sort() : []);
  return { features, task, labels };
}

async function resolveModel(
  model: LayersModel | string,
  rows: Row[],
  options: TestModelSdkOptions,
  method: string,
): Promise<{
  model: LayersModel;
  spec: ModelSpec;
  version: ModelVersion | null;
  dispose: boolean;
  store?: SyncRunStore;
  release?: () => void;
}> {
  if (typeof model !== 'string') {
    if (!model || typeof (model as { predict?: unknown }).predict !== 'function')
      throw new ModelTestError(
        `${method}: expected a tfjs LayersModel or a reference such as "penguins@production"`,
      );
    return { model, spec: describeModel(rows, options), version: null, dispose: false };
  }
  const lease = leaseStore(options.store);
  if (!isOpenStore(lease.store)) {
    lease.release();
    throw new ModelTestError(
      `${method}: the store at ${lease.store.location} has no model registry`,
    );
  }
  const version = resolveModelRef(new Registry(lease.store), model.trim());
  if (!version.signature) {
    lease.release();
    throw new ModelTestError(
      `${method}: ${version.name} v${version.version} has no signature (feature names), so it cannot be tested`,
    );
  }
  const loaded = await loadModelArtifacts(lease.store, version.runId, version.artifactPath, {
    tf: options.tf as Tfjs | undefined,
  });
  return {
    model: loaded,
    spec: specFromSignature(version.signature, { rows, label: options.label }),
    version,
    dispose: true,
    store: lease.store,
    release: () => lease.release(),
  };
}

/**
 * Tests a model on labelled rows and draws the report:
 *
 * ```ts
 * const report = await lab.testModel("penguins-classifier/2", holdoutRows, { label: "Species", sensitive: ["Sex", "Island"] });
 * report.fairness.columns[0].demographic_parity_ratio;
 * ```
 */
export async function testModel(
  model: LayersModel | string,
  data: readonly object[],
  options: TestModelSdkOptions,
): Promise<ModelTestReport> {
  if (!options || typeof options.label !== 'string')
    throw new ModelTestError(
      'testModel: options.label must name the truth column, e.g. { label: "Species" }',
    );
  const rows = asRows(data, 'testModel');
  const tf = (options.tf as Tfjs | undefined) ?? tfjs();
  const resolved = await resolveModel(model, rows, options, 'testModel');
  try {
    const testOptions: TestModelOptions = {
      sensitive: options.sensitive,
      tests: options.tests,
      positive: options.positive,
      seed: options.seed,
      repeats: options.repeats,
      thresholds: options.thresholds,
      crossValidation: options.crossValidation,
      trainData: options.trainData
        ? { rows: asRows(options.trainData, 'testModel'), label: options.label }
        : undefined,
      train: options.train,
      model: resolved.version ? `${resolved.version.name}/${resolved.version.version}` : undefined,
    };
    const report = await runTests(
      tf,
      resolved.model,
      resolved.spec,
      { rows, label: options.label },
      testOptions,
    );
    if (resolved.version && resolved.store && options.save !== false)
      saveVersionTests(resolved.store, resolved.version, report);
    if (options.display !== false) showReport(report);
    return report;
  } finally {
    if (resolved.dispose) resolved.model.dispose();
    resolved.release?.();
  }
}

/** Draws a report: its tables as HTML, then quality against perturbation and importance as charts. */
export function showReport(report: ModelTestReport): void {
  display.bundle({
    'text/html': modelTestHtmlBody(report),
    'text/plain': `model test report: ${report.quality.metric} ${report.quality.value}`,
  });
  const charts = [robustnessChart(report), importanceChart(report)];
  for (const chart of charts) if (chart) display.vegalite(chart);
}

export interface ExplainSdkOptions extends ModelDescription {
  baseline?: number[];
  target?: string;
  steps?: number;
  display?: boolean;
  store?: string | SyncRunStore;
  tf?: unknown;
}

/**
 * Integrated gradients of one row, drawn as a bar chart: which features pushed the
 * prediction up or down from the baseline.
 *
 * ```ts
 * lab.explain(model, { "Beak Length (mm)": 0.3, ... }, { features, labels: species });
 * ```
 */
export async function explain(
  model: LayersModel | string,
  row: Record<string, unknown> | number[],
  options: ExplainSdkOptions = {},
): Promise<Explanation> {
  const tf = (options.tf as Tfjs | undefined) ?? tfjs();
  const asRow = Array.isArray(row) ? null : (row as Row);
  if (!Array.isArray(row) && (!row || typeof row !== 'object'))
    throw new ModelTestError(
      'explain: row must be an object of feature values or an array of numbers',
    );
  const resolved = await resolveModel(
    model,
    asRow ? [asRow] : [],
    { ...options, label: '' },
    'explain',
  );
  try {
    const spec = resolved.spec;
    if (!asRow && !options.features && typeof model !== 'string')
      spec.features = (row as number[]).map((_, j) => `x${j}`);
    const values = Array.isArray(row)
      ? row
      : spec.features.map((f) => {
          const v = (row as Row)[f];
          if (typeof v !== 'number' || !Number.isFinite(v))
            throw new ModelTestError(
              `explain: feature ${JSON.stringify(f)} of the row must be a finite number, got ${JSON.stringify(v)}`,
            );
          return v;
        });
    if (spec.task === 'classification' && spec.labels.length === 0)
      spec.labels = options.labels ?? [];
    const e = integratedGradients(tf, resolved.model, spec, values, options);
    if (options.display !== false) display.vegalite(explanationChart(e));
    return e;
  } finally {
    if (resolved.dispose) resolved.model.dispose();
    resolved.release?.();
  }
}

export interface CrossValidateSdkOptions extends ModelDescription {
  label: string;
  k?: number;
  stratify?: boolean;
  slice?: string;
  order?: ArrayLike<number>;
  /** Log each fold as a child run of this run (metrics train_<metric>, test_<metric>). */
  run?: Run;
  display?: boolean;
  tf?: unknown;
}

/**
 * k-fold cross-validation: `trainFn(trainRows, fold)` trains a model per fold; the result
 * has the mean ± std over folds, the train-to-holdout gap and, with `slice`, quality per value.
 */
export async function crossValidate(
  trainFn: (train: TestData, fold: number) => Promise<LayersModel> | LayersModel,
  data: readonly object[],
  options: CrossValidateSdkOptions,
): Promise<CrossValidationResult> {
  if (!options || typeof options.label !== 'string')
    throw new ModelTestError('crossValidate: options.label must name the truth column');
  const rows = asRows(data, 'crossValidate');
  const tf = (options.tf as Tfjs | undefined) ?? tfjs();
  const spec = describeModel(rows, options);
  const parent = options.run;
  const result = await runFolds(
    tf,
    spec,
    trainFn,
    { rows, label: options.label },
    {
      k: options.k,
      stratify: options.stratify,
      slice: options.slice,
      order: options.order,
      onFold: parent
        ? (fold) => {
            const child = startRun({
              parent,
              name: `fold-${fold.fold}`,
              params: { fold: fold.fold, k: options.k ?? 5 },
            });
            const metric = spec.task === 'classification' ? 'accuracy' : 'rmse';
            child.logMetrics({ [`train_${metric}`]: fold.train, [`test_${metric}`]: fold.test });
            child.end();
          }
        : undefined,
    },
  );
  if (parent)
    parent.logMetrics({
      [`cv_${result.metric}_mean`]: result.mean,
      [`cv_${result.metric}_std`]: result.std,
      cv_gap: result.gap,
    });
  if (options.display !== false)
    display.html(
      `<p>${result.k}-fold cross-validation: ${result.metric} ${result.mean.toFixed(4)} ± ${result.std.toFixed(4)} (train ${result.trainMean.toFixed(4)}, gap ${result.gap.toFixed(4)})</p>`,
    );
  return result;
}
