/**
 * Messages between the model registry panel (webview) and the extension host
 * (extension/models/registryPanel.ts). Both sides import this module and check what they
 * receive at runtime: the other side is another program.
 *
 * Handshake: the webview posts `ready`; only then does the host post `model` (or `error`).
 * The host posts `model` again whenever the store changes; the webview keeps the selected
 * version, and the gates editor keeps unsaved edits across those.
 */
import type { GatesConfig, ModelDetails } from '../../core/service/protocol';
import type { HoldoutMetric, ModelCardTests, StageGates } from '../../core/registry/types';
import { isObject } from '../shared/guards';

export type { GatesConfig, HoldoutMetric, ModelDetails, StageGates };

export const HOLDOUT_METRICS: readonly HoldoutMetric[] = ['accuracy', 'f1_macro', 'rmse', 'mae'];

/** What the lineage of one version shows beyond ModelDetails (fetched when a version is selected). */
export interface VersionLineage {
  version: number;
  runId: string;
  runName: string | null;
  experiment: string | null;
  /** The run captured its notebook cells (`labbook/source.ipynb`). */
  hasSource: boolean;
  sourceNotebook: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  datasets: { name: string; role: string; fingerprint: string; rows: number | null }[];
  /** Why part of the lineage could not be read (e.g. the run was purged). */
  problem: string | null;
  /** The version's stored model test report, as its model card summarises it; null when none. */
  tests?: ModelCardTests | null;
}

/** Host to webview. */
export type ToRegistryView =
  | { type: 'model'; details: ModelDetails }
  | { type: 'lineage'; lineage: VersionLineage }
  /** The model is gone, the service is not running... */
  | { type: 'error'; message: string }
  | { type: 'gatesSaved' }
  /** The service refused the gates (e.g. a condition that does not parse). */
  | { type: 'gatesError'; message: string }
  | { type: 'notice'; message: string };

/** Webview to host. */
export type FromRegistryView =
  | { type: 'ready' }
  | { type: 'selectVersion'; version: number }
  | { type: 'openRun'; runId: string }
  | { type: 'reopenSource'; runId: string }
  /** Run `labbook.promoteModelVersion` / `labbook.setModelAlias` / `labbook.openModelCard` with `{ name, version }`. */
  | { type: 'promote'; version: number }
  | { type: 'setAlias'; version: number }
  | { type: 'modelCard'; version: number }
  | { type: 'saveGates'; gates: GatesConfig };

function isVersion(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) > 0;
}

function isRunId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 200;
}

export function isHoldoutMetric(v: unknown): v is HoldoutMetric {
  return (HOLDOUT_METRICS as readonly unknown[]).includes(v);
}

function isStageGates(v: unknown): v is StageGates {
  if (!isObject(v)) return false;
  if (
    v.metrics !== undefined &&
    !(
      Array.isArray(v.metrics) &&
      v.metrics.length <= 100 &&
      v.metrics.every((m) => typeof m === 'string' && m.length <= 2000)
    )
  )
    return false;
  const n = v.notWorseThanProduction;
  if (n !== undefined && n !== null) {
    if (
      !isObject(n) ||
      !isHoldoutMetric(n.metric) ||
      typeof n.tolerance !== 'number' ||
      !Number.isFinite(n.tolerance) ||
      n.tolerance < 0
    )
      return false;
  }
  return true;
}

export function isGatesConfig(v: unknown): v is GatesConfig {
  if (!isObject(v)) return false;
  return (
    (v.staging === undefined || isStageGates(v.staging)) &&
    (v.production === undefined || isStageGates(v.production))
  );
}

export function isFromRegistryView(message: unknown): message is FromRegistryView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'ready':
      return true;
    case 'selectVersion':
    case 'promote':
    case 'setAlias':
    case 'modelCard':
      return isVersion(message.version);
    case 'openRun':
    case 'reopenSource':
      return isRunId(message.runId);
    case 'saveGates':
      return isGatesConfig(message.gates);
    default:
      return false;
  }
}

/** Checks the shape the panel iterates and looks up. */
export function isModelDetails(v: unknown): v is ModelDetails {
  if (!isObject(v) || !isObject(v.model) || !Array.isArray(v.versions) || !Array.isArray(v.history))
    return false;
  if (typeof v.model.name !== 'string' || typeof v.gatesPath !== 'string') return false;
  if (v.gates !== null && !isGatesConfig(v.gates)) return false;
  const versionsOk = v.versions.every(
    (x) =>
      isObject(x) &&
      isVersion(x.version) &&
      typeof x.stage === 'string' &&
      Array.isArray(x.aliases) &&
      typeof x.runId === 'string' &&
      isObject(x.metrics),
  );
  const historyOk = v.history.every(
    (h) =>
      isObject(h) &&
      typeof h.kind === 'string' &&
      typeof h.at === 'number' &&
      (h.gates === null || Array.isArray(h.gates)),
  );
  return versionsOk && historyOk;
}

function isLineage(v: unknown): v is VersionLineage {
  return (
    isObject(v) &&
    isVersion(v.version) &&
    typeof v.runId === 'string' &&
    typeof v.hasSource === 'boolean' &&
    Array.isArray(v.datasets) &&
    v.datasets.every((d) => isObject(d) && typeof d.name === 'string') &&
    (v.tests === undefined ||
      v.tests === null ||
      (isObject(v.tests) &&
        Array.isArray(v.tests.robustness) &&
        Array.isArray(v.tests.fairness) &&
        v.tests.fairness.every((f) => isObject(f) && Array.isArray(f.groups)) &&
        Array.isArray(v.tests.importance)))
  );
}

export function isToRegistryView(message: unknown): message is ToRegistryView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'model':
      return isModelDetails(message.details);
    case 'lineage':
      return isLineage(message.lineage);
    case 'gatesSaved':
      return true;
    case 'error':
    case 'gatesError':
    case 'notice':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
