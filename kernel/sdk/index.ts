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
 * ```
 */
export { Run, startRun, withRun } from './run';
export type {
  ArtifactInput, ArtifactOptions, ChildRunOptions, MetricOptions, ParamValue, RunOptionsBase, RunStatus, StartRunOptions,
  TagValue, TfCallback, TopLevelRunOptions,
} from './run';
/**
 * Model registry: `await run.logModel(model, { name, signature, holdout })` registers a
 * version; `await lab.loadModel("name@production")` (or `name@champion`, `name/3`, `name`
 * for the newest) loads one back as a tfjs LayersModel.
 */
export { loadModel, MODEL_TAG } from './model';
export type {
  FeatureSpec, Holdout, HoldoutInfo, LoadModelOptions, LoggableModel, LogModelOptions, ModelSignature, ModelVersion,
} from './model';
/**
 * Data sets: `await run.logDataset(data, { name, role: "train", suite? })` records the data
 * a run used (fingerprint, schema, profile, validation against a suite); the same content
 * is the same version.
 */
export { DATASETS_TAG } from './dataset';
export type { DatasetInput, DatasetRole, LogDatasetOptions, LoggedDataset, Suite, ValidationResult } from './dataset';
export { sweep, SweepError } from './sweep';
export type {
  GridParams, GridSweepSpec, RandomParams, RandomSweepSpec, SweepDimension, SweepGoal, SweepRange, SweepResult, SweepSpec,
  SweepSpecBase, SweepTrial, TrialFn,
} from './sweep';
export * from './display';
export { profile, PROFILE_MIME, type ProfileDataOptions, type ProfileInput } from './profile';
