/**
 * `import * as lab from "labbook"`: experiment tracking and rich display for notebooks.
 *
 * ```ts
 * const run = lab.startRun({ experiment: "mnist", params: { lr: 0.01, layers: [128, 64] } });
 * await model.fit(xs, ys, { epochs: 5, callbacks: run.tfCallback() });
 * run.logArtifact("model/summary.txt", summaryText);
 * run.end();
 * ```
 */
export { Run, startRun, withRun } from './run';
export type {
  ArtifactInput, ArtifactOptions, MetricOptions, ParamValue, RunStatus, StartRunOptions, TagValue, TfCallback,
} from './run';
export * from './display';
