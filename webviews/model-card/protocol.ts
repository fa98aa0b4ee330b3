/**
 * Messages between the model card panel (webview) and the extension host
 * (extension/models/modelCardPanel.ts). Both sides import this module and check what they
 * receive at runtime.
 *
 * Handshake: the webview posts `ready`; the host posts `card` (or `error`), and again when
 * the store changes or the webview asks for another slice column. The webview keeps unsaved
 * edits of the intended use and limitations across refreshes.
 */
import type { ModelCard } from '../../core/service/protocol';
import { isObject } from '../shared/guards';

export type { ModelCard };

/** Text the host accepts from the webview for a field, the clipboard or a file. */
export const MAX_FIELD_CHARS = 100_000;
export const MAX_EXPORT_CHARS = 20_000_000;

/** Host to webview. */
export type ToModelCardView =
  /** `columns`: the holdout's columns the card can be sliced by (the label left out); `sliceColumn`: the one shown. */
  | {
      type: 'card';
      card: ModelCard;
      markdown: string;
      columns: string[];
      sliceColumn: string | null;
    }
  | { type: 'error'; message: string }
  /** The intended use and limitations were stored. */
  | { type: 'saved' }
  | { type: 'saveError'; message: string }
  | { type: 'notice'; message: string };

/** Webview to host. */
export type FromModelCardView =
  | { type: 'ready' }
  /** Show the per-slice metrics by this holdout column (null: no slices). */
  | { type: 'selectSlice'; column: string | null }
  | { type: 'save'; intendedUse: string | null; limitations: string | null }
  | { type: 'exportMarkdown'; markdown: string; fileName: string }
  | { type: 'copyMarkdown'; markdown: string }
  | { type: 'openRun'; runId: string };

function isText(v: unknown, max: number): v is string {
  return typeof v === 'string' && v.length <= max;
}

function isField(v: unknown): v is string | null {
  return v === null || isText(v, MAX_FIELD_CHARS);
}

export function isFromModelCardView(message: unknown): message is FromModelCardView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'ready':
      return true;
    case 'selectSlice':
      return message.column === null || (isText(message.column, 500) && message.column.length > 0);
    case 'save':
      return isField(message.intendedUse) && isField(message.limitations);
    case 'exportMarkdown':
      return (
        isText(message.markdown, MAX_EXPORT_CHARS) &&
        isText(message.fileName, 200) &&
        message.fileName.length > 0
      );
    case 'copyMarkdown':
      return isText(message.markdown, MAX_EXPORT_CHARS);
    case 'openRun':
      return isText(message.runId, 200) && message.runId.length > 0;
    default:
      return false;
  }
}

/** Checks the shape the panel iterates and looks up. */
export function isModelCard(v: unknown): v is ModelCard {
  if (
    !isObject(v) ||
    typeof v.name !== 'string' ||
    !Number.isInteger(v.version) ||
    typeof v.stage !== 'string' ||
    !Array.isArray(v.aliases)
  )
    return false;
  if (
    !isObject(v.details) ||
    !isObject(v.trainingData) ||
    !isObject(v.metrics) ||
    !Array.isArray(v.caveats)
  )
    return false;
  if (
    !isObject(v.trainingData.params) ||
    !Array.isArray(v.trainingData.datasets) ||
    !isObject(v.metrics.run)
  )
    return false;
  const h = v.metrics.holdout;
  if (h !== null) {
    if (!isObject(h) || !isObject(h.metrics)) return false;
    if (
      h.slices !== undefined &&
      !(
        isObject(h.slices) &&
        typeof h.slices.column === 'string' &&
        Array.isArray(h.slices.groups) &&
        h.slices.groups.every(
          (g) => isObject(g) && typeof g.value === 'string' && isObject(g.metrics),
        )
      )
    )
      return false;
  }
  return v.caveats.every((c) => typeof c === 'string');
}

export function isToModelCardView(message: unknown): message is ToModelCardView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'card':
      return (
        isModelCard(message.card) &&
        typeof message.markdown === 'string' &&
        Array.isArray(message.columns) &&
        message.columns.every((c) => typeof c === 'string') &&
        (message.sliceColumn === null || typeof message.sliceColumn === 'string')
      );
    case 'saved':
      return true;
    case 'error':
    case 'saveError':
    case 'notice':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
