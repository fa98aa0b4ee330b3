/**
 * `import * as lab from "labbook"`: experiment tracking and rich display for notebooks.
 *
 * ```ts
 * const run = lab.startRun({ experiment: "mnist", params: { lr: 0.01, layers: [128, 64] } });
 * await model.fit(xs, ys, { epochs: 5, callbacks: run.tfCallback() });
 * run.logArtifact("model/summary.txt", summaryText);
 * run.end();
 *
 * // Nested runs and sweeps: a parent run with one child run per trial.
 * const { best } = await lab.sweep({ experiment: "mnist", metric: "val_acc", grid: { lr: [0.01, 0.1] } },
 *   async (params, run) => { await model.fit(xs, ys, { epochs: 5, validationSplit: 0.2, callbacks: run.tfCallback() }); });
 *
 * // Model registry: register the trained model as a new version, load a version back.
 * await run.logModel(model, { name: "mnist-cnn", holdout: { rows: testRows, label: "digit" } });
 * const production = await lab.loadModel("mnist-cnn@production");
 *
 * // Drift: compare live data with the training data (drawn inline), log the report with a run.
 * await lab.drift("data/train.csv", "data/this-week.csv");
 * await run.logDrift({ reference: "data/train.csv", current: "data/this-week.csv", name: "weekly" });
 * ```
 */
export { Run, startRun, withRun } from './run';
export type {
  ArtifactInput,
  ArtifactOptions,
  ChildRunOptions,
  MetricOptions,
  ParamValue,
  RunOptionsBase,
  RunStatus,
  StartRunOptions,
  TagValue,
  TfCallback,
  TfCallbackOptions,
  TopLevelRunOptions,
} from './run';
/**
 * Model registry: `await run.logModel(model, { name, signature, holdout })` registers a
 * version; `await lab.loadModel("name@production")` (or `name@champion`, `name/3`, `name`
 * for the newest) loads one back as a tfjs LayersModel.
 */
export { loadModel, MODEL_TAG } from './model';
export type {
  FeatureSpec,
  Holdout,
  HoldoutInfo,
  LoadModelOptions,
  LoggableModel,
  LogModelOptions,
  ModelSignature,
  ModelVersion,
} from './model';
/**
 * Data sets: `await run.logDataset(data, { name, role: "train", suite? })` records the data
 * a run used (fingerprint, schema, profile, validation against a suite); the same content
 * is the same version.
 */
/**
 * Model tests before promotion: `await lab.testModel(model | "name@stage", rows, { label, sensitive })`
 * (robustness, fairness, importance, explanations, mutation adequacy; drawn inline),
 * `lab.explain(model, row)`, `lab.crossValidate(trainFn, rows, { k, label })`, `run.logModelTests(report)`.
 */
export { testModel, explain, crossValidate, showReport } from './modeltest';
export type {
  CrossValidateSdkOptions,
  CrossValidationResult,
  Explanation,
  ExplainSdkOptions,
  ModelDescription,
  ModelTestReport,
  TestModelSdkOptions,
  TestName,
} from './modeltest';
export { DATASETS_TAG } from './dataset';
export type {
  DatasetInput,
  DatasetRole,
  LogDatasetOptions,
  LoggedDataset,
  Suite,
  ValidationResult,
} from './dataset';
export { sweep, SweepError } from './sweep';
export { TrialPruned } from './run';
export type {
  GridParams,
  GridSweepSpec,
  RandomParams,
  RandomSweepSpec,
  SweepDimension,
  SweepGoal,
  SweepRange,
  SweepResult,
  SweepSpec,
  SweepSpecBase,
  SweepTrial,
  StudyParams,
  StudySweepResult,
  StudySweepSpec,
  StudyTrial,
  TrialFn,
} from './sweep';
/**
 * Display: `lab.display.html(…)`, `lab.display.vegalite(spec)`, …; live outputs with
 * `const d = lab.display.updatable(value)` and `d.update(value)` (also after the cell
 * ended); `lab.progress(iterable)` draws a progress bar updated in place.
 */
export * from './display';
export { progress, type ProgressOptions } from './progress';
export { profile, PROFILE_MIME, type ProfileDataOptions, type ProfileInput } from './profile';
/**
 * Drift: `await lab.drift(reference, current, options?)` compares two data sets column by
 * column (files, rows or columns) and draws the report inline; `run.logDrift(report)` or
 * `run.logDrift({ reference, current, name })` stores it with a run. `lab.detectors` has
 * streaming concept-drift detectors (river's ADWIN, DDM, Page-Hinkley, KSWIN).
 *
 * ```ts
 * const report = await lab.drift(trainRows, liveRows, { method: "psi" });
 * report.dataset.drifted;
 * const adwin = lab.detectors.adwin();
 * if (adwin.update(loss).drift) console.log("the loss changed");
 * ```
 */
export { drift, DRIFT_MIME } from './drift';
export type { DriftDataOptions, DriftInput, LogDriftOptions, LogDriftSpec } from './drift';
export type {
  ColumnDrift,
  DatasetDrift,
  DriftBin,
  DriftColumnType,
  DriftMethod,
  DriftOptions,
  DriftReport,
  TargetDrift,
} from '../../core/common/drift-types';
export * as detectors from './detectors';
/**
 * Packages on demand: `await lab.install("danfojs")` runs npm in the notebook's folder
 * (a name, name@version or a path to a .tgz); the next cell imports it, with its types.
 */
export { install, type InstallOptions } from './install';
/**
 * Data-centric tools: `await lab.findAnomalies(data)` (Isolation Forest and robust rules),
 * `await lab.findLabelIssues(data, { label })` (confident learning),
 * `await lab.suggestCleaningPlan(data, { label })`, `await lab.clean(data, plan, { run, from })`
 * and `await lab.augment(data, { method: "smote", label, run, from })`; derived versions
 * record their lineage.
 */
export { augment, clean, findAnomalies, findLabelIssues, suggestCleaningPlan } from './datacentric';
export type {
  AnomalyReport,
  AugmentOptions,
  AugmentResult,
  CleaningPlan,
  CleaningResult,
  DataInput,
  DeriveOptions,
  FindAnomaliesOptions,
  FindLabelIssuesOptions,
  LabelIssueReport,
} from './datacentric';
