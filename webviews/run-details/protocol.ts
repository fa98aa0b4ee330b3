/**
 * Messages between the run details panel (webview) and the extension host. Both sides
 * import this module; each side checks what it receives, because the other is another
 * program.
 */
import type { RunDetails } from '../../core/service/protocol';

export type { RunDetails };

/** What the host knows of a run before the service answered: enough for the header. */
export interface RunHeading {
  runId: string;
  /** The run's name when the host has it (opened from the tree or the table), else null. */
  name: string | null;
}

/**
 * Host to webview. `loading` comes first, at once on `ready`, so the header shows while the
 * service reads the run; `details` follows and replaces it.
 */
export type ToRunDetailsView =
  | ({ type: 'loading' } & RunHeading)
  | { type: 'details'; details: RunDetails }
  | { type: 'missing'; runId: string };

/** Webview to host. */
export type FromRunDetailsView =
  | { type: 'ready' }
  | { type: 'revealNotebook' }
  | { type: 'copyRunId' }
  /** Open the run's captured source snapshot (`labbook.reopenRunSource`). */
  | { type: 'reopenSource' };

const FROM_VIEW_TYPES: ReadonlySet<unknown> = new Set<FromRunDetailsView['type']>([
  'ready',
  'revealNotebook',
  'copyRunId',
  'reopenSource',
]);

export function isFromRunDetailsView(message: unknown): message is FromRunDetailsView {
  const m = message as { type?: unknown } | null;
  return !!m && typeof m === 'object' && FROM_VIEW_TYPES.has(m.type);
}

export function isToRunDetailsView(message: unknown): message is ToRunDetailsView {
  const m = message as {
    type?: unknown;
    details?: unknown;
    runId?: unknown;
    name?: unknown;
  } | null;
  if (!m || typeof m !== 'object') return false;
  if (m.type === 'details') return !!m.details && typeof m.details === 'object';
  if (m.type === 'loading')
    return typeof m.runId === 'string' && (m.name === null || typeof m.name === 'string');
  return m.type === 'missing' && typeof m.runId === 'string';
}
