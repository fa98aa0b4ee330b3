/**
 * The model registry in the user's words: registered models, their numbered versions,
 * stages and aliases, the history of every transition, promotion gates and model cards.
 * Anchored on MLflow's registry (stages None → Staging → Production → Archived, aliases
 * such as `champion`). Nothing here depends on SQLite or tfjs; the SDK, the CLI, the
 * service and the views share these shapes.
 */

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];

/** One input feature of a model, in the order the model takes them. */
export interface FeatureSpec {
  name: string;
  dtype: 'float32' | 'int32' | 'bool' | 'string';
}

/** What a model takes and gives, inferred from the tfjs model (and the holdout) or given. */
export interface ModelSignature {
  features: FeatureSpec[];
  /** tfjs input shape, batch dimension as null, e.g. [null, 4]. */
  inputShape: (number | null)[];
  outputShape: (number | null)[];
  task: 'classification' | 'regression';
  /** Class names in output order (classification). */
  labels?: string[];
}

/**
 * Data a version is judged on, stored with it (artifact `<model>/holdout.json`): rows as
 * objects; `label` names the truth column; columns that are not features (e.g. `island`)
 * stay, so metrics can be sliced by them.
 */
export interface Holdout {
  rows: Record<string, number | string | boolean | null>[];
  label: string;
}

export interface HoldoutInfo {
  /** Artifact name in the source run. */
  artifact: string;
  rows: number;
  label: string;
  columns: string[];
  sha256: string;
}

export interface RegisteredModel {
  name: string;
  description: string | null;
  createdAt: number;
  /** Highest version number. */
  latestVersion: number;
  /** Version numbers by stage, for the tree's badges. */
  production: number | null;
  staging: number | null;
  aliases: Record<string, number>;
}

export interface ModelVersion {
  name: string;
  version: number;
  stage: Stage;
  aliases: string[];
  /** The run that produced it. */
  runId: string;
  /** Artifact folder in the run holding model.json and the weights, e.g. `model/`. */
  artifactPath: string;
  signature: ModelSignature | null;
  holdout: HoldoutInfo | null;
  description: string | null;
  /** Model card fields written by people (stored; the rest of the card is generated). */
  intendedUse: string | null;
  limitations: string | null;
  createdAt: number;
  createdBy: string;
}

/** One gate's verdict, stored with the transition it judged. */
export interface GateResult {
  /** e.g. `metrics.val_acc >= 0.9` or `not worse than Production v2 on the holdout (accuracy, tolerance 0.01)`. */
  gate: string;
  passed: boolean;
  /** The number that was judged (null when it could not be computed). */
  actual: number | null;
  /** What it was held against, as text, e.g. `>= 0.9` or `>= 0.951 (v2 0.961 - 0.01)`. */
  expected: string;
  /** Plain-language explanation, naming the numbers. */
  message: string;
}

export type TransitionKind = 'stage' | 'alias-set' | 'alias-removed' | 'registered';

/** An entry of a model's history: who moved which version where, when and why. */
export interface ModelTransition {
  id: number;
  name: string;
  version: number;
  kind: TransitionKind;
  from: Stage | null;
  to: Stage | null;
  /** For alias changes. */
  alias: string | null;
  at: number;
  /** OS user or git user.name. */
  by: string;
  reason: string | null;
  /** Gates were overridden (`--force`); a reason is then required. */
  forced: boolean;
  gates: GateResult[] | null;
}

/**
 * Promotion gates of a model: `.labbook/gates/<model name>.json`.
 *
 * ```json
 * { "production": { "metrics": ["metrics.val_acc >= 0.9"],
 *                   "notWorseThanProduction": { "metric": "accuracy", "tolerance": 0.01 } },
 *   "staging": { "metrics": ["metrics.val_acc >= 0.8"] } }
 * ```
 */
export interface GatesConfig {
  staging?: StageGates;
  production?: StageGates;
}

export interface StageGates {
  /** Conditions in the runs search language, evaluated on the version's source run. */
  metrics?: string[];
  /** Compare with the current Production version on this version's holdout set. */
  notWorseThanProduction?: { metric: HoldoutMetric; tolerance: number } | null;
}

export type HoldoutMetric = 'accuracy' | 'f1_macro' | 'rmse' | 'mae';

/** Metrics of a version on its holdout set, overall and per value of a slice column. */
export interface HoldoutEvaluation {
  rows: number;
  metrics: Partial<Record<HoldoutMetric, number>>;
  slices?: {
    column: string;
    groups: { value: string; rows: number; metrics: Partial<Record<HoldoutMetric, number>> }[];
  };
}

export class RegistryError extends Error {
  override name = 'RegistryError';
  constructor(
    readonly code: 'NOT_FOUND' | 'INVALID' | 'GATES_FAILED' | 'IN_USE' | 'CONFLICT',
    message: string,
    readonly gates?: GateResult[],
  ) {
    super(message);
  }
}

/** A model card (Mitchell et al. 2019), generated from the registry plus the stored human parts. */
export interface ModelCard {
  name: string;
  version: number;
  stage: Stage;
  aliases: string[];
  details: {
    description: string | null;
    createdAt: number;
    createdBy: string;
    runId: string;
    runName: string;
    experiment: string;
    gitCommit: string | null;
    framework: string;
    signature: ModelSignature | null;
  };
  intendedUse: string | null;
  limitations: string | null;
  trainingData: {
    /** Params of the source run (the training configuration). */
    params: Record<string, string>;
    /** Data sets logged with the run (filled once data sets are recorded; empty before). */
    datasets: { name: string; role: string; fingerprint: string; rows: number | null }[];
  };
  metrics: {
    /** Latest metrics of the source run; NaN/Infinity as strings. */
    run: Record<string, number | string>;
    holdout: HoldoutEvaluation | null;
  };
  /** Generated warnings, e.g. a slice much worse than overall, a small holdout, no holdout. */
  caveats: string[];
  /** The version's stored model test report, summarised (core/modeltest); null when it has none. */
  tests?: ModelCardTests | null;
}

/** The parts of a model test report a card shows. */
export interface ModelCardTests {
  createdAt: number;
  rows: number;
  metric: string;
  quality: number;
  /** Perturbation name (noise_0.1, fgsm_0.05, missing_<feature>) and quality under it. */
  robustness: { name: string; value: number }[];
  fairness: {
    column: string;
    positive: string;
    demographicParityDifference: number;
    demographicParityRatio: number;
    equalizedOddsDifference: number;
    fourFifthsViolated: boolean;
    groups: {
      group: string;
      count: number;
      selectionRate: number;
      accuracy: number;
      tpr: number;
      fpr: number;
    }[];
  }[];
  importance: { feature: string; mean: number; std: number }[];
  mutationScore: number | null;
  crossValidation: { k: number; metric: string; mean: number; std: number; gap: number } | null;
}
