/**
 * How a Jupyter MIME bundle from the kernel becomes notebook output items. Pure (no
 * `vscode` import) so it is unit-testable; `outputs.ts` turns the plan into VS Code objects.
 */
import type { CellOutput, MimeBundle } from '../../kernel/protocol';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** One planned output item: text, raw bytes (decoded from base64) or a JSON value. */
export type PlannedItem =
  | { mime: string; kind: 'text'; text: string }
  | { mime: string; kind: 'bytes'; base64: string }
  | { mime: string; kind: 'json'; value: unknown };

/**
 * Richest first. VS Code picks what to show by its own display order and the user's
 * choice; this order is what the item list and a saved .ipynb show.
 */
const PRIORITY = [
  VEGALITE_MIME,
  'application/vnd.vegalite.v4+json',
  'application/vnd.vega.v5+json',
  'application/vnd.jupyter.widget-view+json',
  'application/javascript',
  'text/html',
  'image/svg+xml',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'text/latex',
  'text/markdown',
  'application/json',
  'text/plain',
];

function rank(mime: string): number {
  const i = PRIORITY.indexOf(mime);
  return i === -1 ? PRIORITY.indexOf('application/json') - 0.5 : i;
}

/** `application/json`, `application/vnd.vegalite.v5+json`, `application/geo+json`... */
export function isJsonMime(mime: string): boolean {
  return mime === 'application/json' || /^application\/[^;]*\+json$/.test(mime);
}

/** MIME types whose data Jupyter stores base64-encoded. SVG is text. */
export function isBinaryMime(mime: string): boolean {
  if (mime === 'image/svg+xml') return false;
  return (
    mime.startsWith('image/') ||
    mime.startsWith('audio/') ||
    mime.startsWith('video/') ||
    mime === 'application/pdf' ||
    mime === 'application/octet-stream'
  );
}

function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  // nbformat allows multi-line strings as arrays of lines.
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.join('');
  return JSON.stringify(value);
}

/** Plans the items of one display or result, richest first; unusable entries are skipped. */
export function planItems(bundle: MimeBundle): PlannedItem[] {
  const items: PlannedItem[] = [];
  if (!bundle || typeof bundle !== 'object') return items;
  for (const [mime, value] of Object.entries(bundle)) {
    if (!/^[\w.+-]+\/[\w.+-]+$/.test(mime) || value === undefined) continue;
    if (isJsonMime(mime)) {
      if (typeof value === 'string') {
        try {
          items.push({ mime, kind: 'json', value: JSON.parse(value) });
        } catch {
          items.push({ mime, kind: 'text', text: value });
        }
      } else {
        items.push({ mime, kind: 'json', value });
      }
    } else if (isBinaryMime(mime)) {
      items.push({ mime, kind: 'bytes', base64: asText(value).replace(/\s+/g, '') });
    } else {
      items.push({ mime, kind: 'text', text: asText(value) });
    }
  }
  return items.sort((a, b) => rank(a.mime) - rank(b.mime));
}

/** The text an error output shows: the traceback, headed by the error when the traceback lacks it. */
export function errorStack(ename: string, evalue: string, traceback: string[]): string {
  const head = `${ename}: ${evalue}`;
  if (traceback.length === 0) return head;
  const first = traceback[0];
  return first.startsWith(ename) || first.includes(evalue)
    ? traceback.join('\n')
    : [head, ...traceback].join('\n');
}

/** Joins consecutive stream chunks of the same stream, so a chatty loop makes few edits. */
export function coalesceStreams(outputs: CellOutput[]): CellOutput[] {
  const out: CellOutput[] = [];
  for (const o of outputs) {
    const last = out[out.length - 1];
    if (o.kind === 'stream' && last?.kind === 'stream' && last.name === o.name) {
      out[out.length - 1] = { kind: 'stream', name: o.name, text: last.text + o.text };
    } else {
      out.push(o);
    }
  }
  return out;
}

/** Where the editor shows an output the kernel sent for a cell run. */
export type OutputRoute =
  /** The run is still going: append to its execution. */
  | 'running-cell'
  /** An error thrown late (a timer, a promise nobody awaited) by a run that has ended: shown under that cell, which is marked failed. */
  | 'finished-cell'
  /** Anything else that comes late, or from a run whose cell has run again since: the log. */
  | 'log';

export function routeOutput(
  run: { ended: boolean; superseded: boolean } | undefined,
  output: CellOutput,
): OutputRoute {
  if (run && !run.ended) return 'running-cell';
  if (run && !run.superseded && output.kind === 'error' && output.uncaught) return 'finished-cell';
  return 'log';
}

/**
 * An update of an updatable display (`lab.display.updatable`, a live training chart) that
 * arrives when its cell's run has ended (a timer, a callback) or from no known run: it
 * replaces the output it updates in place, wherever that is, as long as that output is shown.
 */
export function isLateDisplayUpdate(
  run: { ended: boolean } | undefined,
  output: CellOutput,
  shown: (displayId: string) => boolean,
): boolean {
  if (output.kind !== 'display' || !output.update || !output.displayId) return false;
  return (!run || run.ended) && shown(output.displayId);
}

/** Output metadata key under which an error keeps the packages it found missing. */
export const MISSING_PACKAGES_KEY = 'labbookMissingPackages';

/** The packages a cell's error outputs say are missing (what the Install action offers). */
export function missingPackagesIn(
  outputMetadata: (Record<string, unknown> | undefined)[],
): string[] {
  const found = new Set<string>();
  for (const metadata of outputMetadata) {
    const list = metadata?.[MISSING_PACKAGES_KEY];
    if (Array.isArray(list))
      for (const name of list) if (typeof name === 'string' && name) found.add(name);
  }
  return [...found];
}
