/**
 * Messages between the compare panel (webview) and the extension host
 * (extension/runs/comparePanel.ts). Both sides import this module; each side checks what it
 * receives at runtime, because the other side is another program.
 *
 * Handshake: the webview posts `ready`; only then does the host post `comparison` (or
 * `error`). The host posts `comparison` again whenever the store changes; the webview keeps
 * its UI state (x axis, smoothing, chosen metrics, collapsed rows) across those.
 */
import type { RunComparisonData } from '../../core/service/protocol';
import { isObject } from '../shared/guards';

export type { RunComparisonData };

/** Host to webview. */
export type ToCompareView =
  /** The runs to compare; `keyMetric` is the experiment's key metric when it has one. */
  | { type: 'comparison'; data: RunComparisonData; keyMetric: string | null }
  /** Nothing to compare: no service, fewer than two runs, a run deleted... */
  | { type: 'error'; message: string }
  /** A short confirmation of what the host did (copied, saved). */
  | { type: 'notice'; message: string };

/** Webview to host. */
export type FromCompareView =
  | { type: 'ready' }
  /** The comparison as a markdown table (core/compare comparisonMarkdown), for the clipboard. */
  | { type: 'copyMarkdown'; markdown: string }
  /** The comparison as CSV (core/compare/csv), to be saved where the user says. */
  | { type: 'exportCsv'; csv: string; fileName: string }
  /** Open the run details panel of one of the runs. */
  | { type: 'openRun'; runId: string };

/** Text the host accepts from the webview for the clipboard or a file: at most this many characters. */
export const MAX_EXPORT_CHARS = 20_000_000;

function isText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length <= max;
}

export function isFromCompareView(message: unknown): message is FromCompareView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'ready':
      return true;
    case 'copyMarkdown':
      return isText(message.markdown, MAX_EXPORT_CHARS);
    case 'exportCsv':
      return (
        isText(message.csv, MAX_EXPORT_CHARS) &&
        isText(message.fileName, 200) &&
        message.fileName.length > 0
      );
    case 'openRun':
      return isText(message.runId, 200) && message.runId.length > 0;
    default:
      return false;
  }
}

/** Checks the shape the panel relies on (arrays where it iterates, objects where it looks up). */
export function isRunComparisonData(v: unknown): v is RunComparisonData {
  if (!isObject(v) || !isObject(v.comparison) || !isObject(v.histories) || !isObject(v.startTimes))
    return false;
  const c = v.comparison as { runs: unknown; params: unknown; metrics: unknown };
  if (!Array.isArray(c.runs) || !Array.isArray(c.params) || !Array.isArray(c.metrics)) return false;
  const runCount = c.runs.length;
  const runsOk = c.runs.every(
    (r) => isObject(r) && typeof r.id === 'string' && typeof r.name === 'string',
  );
  const paramsOk = c.params.every(
    (p) =>
      isObject(p) &&
      typeof p.key === 'string' &&
      Array.isArray(p.values) &&
      p.values.length === runCount,
  );
  const metricsOk = c.metrics.every(
    (m) =>
      isObject(m) &&
      typeof m.key === 'string' &&
      Array.isArray(m.values) &&
      m.values.length === runCount &&
      Array.isArray(m.best),
  );
  const historiesOk = Object.values(v.histories).every(
    (h) => isObject(h) && Object.values(h).every(Array.isArray),
  );
  return runsOk && paramsOk && metricsOk && historiesOk && isSweep(v.sweep);
}

const TRIAL_STATES: readonly unknown[] = ['finished', 'running', 'pruned', 'failed'];

/** The optional sweep of a comparison: absent, null, or its metric, goal and trials. */
function isSweep(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (!isObject(v) || typeof v.parentRunId !== 'string' || typeof v.metric !== 'string')
    return false;
  if (v.goal !== 'minimize' && v.goal !== 'maximize') return false;
  return (
    Array.isArray(v.trials) &&
    v.trials.every(
      (t) =>
        isObject(t) &&
        typeof t.runId === 'string' &&
        (t.number === null || typeof t.number === 'number') &&
        TRIAL_STATES.includes(t.state),
    )
  );
}

export function isToCompareView(message: unknown): message is ToCompareView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'comparison':
      return (
        isRunComparisonData(message.data) &&
        (message.keyMetric === null || typeof message.keyMetric === 'string')
      );
    case 'error':
    case 'notice':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
