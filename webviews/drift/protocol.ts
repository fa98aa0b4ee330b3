/**
 * Messages between the Drift panel (webview) and the extension host
 * (extension/drift/driftPanel.ts). Both sides import this module and check what they
 * receive at runtime; the notebook renderer (webviews/renderers/drift.ts) checks what a
 * kernel sent with the same `isDriftReport`.
 *
 * Handshake: the webview posts `ready`; the host posts `report` (or `error`). `refresh`
 * compares the two files again: the host posts `busy` while it works, then `report` or `error`.
 * `showColumn` opens a column's detail view (from the host's `showColumn`, used by tests).
 */
import type {
  ColumnDrift,
  DatasetDrift,
  DriftBin,
  DriftReport,
  PredictionQuality,
  TargetDrift,
} from '../../core/common/drift-types';
import { DRIFT_METHODS } from '../../core/common/drift-types';
import {
  driftReportFromWire,
  isWireNumber,
  type WireColumnDrift,
  type WireDriftReport,
  type WireTargetDrift,
} from '../../core/common/drift-wire';
import { isNumber, isNumberOrNull, isObject, isOptional } from '../shared/guards';
import { stat } from '../shared/format';
import { svgElement, svgImage } from '../shared/svg';

export type { ColumnDrift, DatasetDrift, DriftBin, DriftReport, PredictionQuality, TargetDrift };
export type { WireDriftReport };
export { driftReportFromWire };

/** The MIME type `lab.drift(reference, current)` emits. */
export const DRIFT_MIME = 'application/vnd.labbook.drift+json';

/** Which side of the comparison. */
export type Side = 'reference' | 'current';

/** Where the two files are: base name for headings, path as the user would say it. */
export interface DriftFiles {
  reference: { fileName: string; path: string };
  current: { fileName: string; path: string };
}

/** Host to webview. */
export type ToDriftView =
  /** The report as core/common/drift-wire.ts puts it on a wire (Infinity as "Infinity"). */
  | { type: 'report'; files: DriftFiles; report: WireDriftReport }
  | { type: 'busy'; busy: boolean }
  /** The comparison failed (bad options, a file that cannot be read): shown in place of the report. */
  | { type: 'error'; files: DriftFiles; message: string }
  /** Open the detail view of a column (the host was asked to reveal it). */
  | { type: 'showColumn'; column: string };

/** Webview to host. */
export type FromDriftView =
  | { type: 'ready' }
  /** Compare the two files again (either may have changed). */
  | { type: 'refresh' }
  /** Open one of the data files in an editor. */
  | { type: 'openFile'; side: Side };

const METHODS: ReadonlySet<string> = new Set(DRIFT_METHODS);
const SKIPS: ReadonlySet<string> = new Set([
  'missing-in-reference',
  'missing-in-current',
  'all-missing',
  'empty',
  'unsupported-type',
  'method-not-applicable',
]);

function isSide(v: unknown): v is Side {
  return v === 'reference' || v === 'current';
}

export function isFromDriftView(message: unknown): message is FromDriftView {
  if (!isObject(message)) return false;
  if (message.type === 'openFile') return isSide(message.side);
  return message.type === 'ready' || message.type === 'refresh';
}

export function isDriftBin(v: unknown): v is DriftBin {
  if (!isObject(v) || !isNumber(v.reference) || !isNumber(v.current)) return false;
  if (v.category !== undefined) return typeof v.category === 'string';
  return isNumber(v.start) && isNumber(v.end);
}

const TYPES: ReadonlySet<unknown> = new Set(['numeric', 'categorical', 'datetime']);
const isWireNumberOrNull = (v: unknown) => v === null || isWireNumber(v);

/**
 * The shape the views iterate, sort and format, as it travels (statistic and p-value as
 * WireNumbers); anything else is refused as a whole.
 */
export function isColumnDrift(v: unknown): v is WireColumnDrift {
  if (!isObject(v) || typeof v.name !== 'string' || !TYPES.has(v.type)) return false;
  if (
    typeof v.method !== 'string' ||
    !METHODS.has(v.method) ||
    (v.methodKind !== 'test' && v.methodKind !== 'distance')
  )
    return false;
  if (
    !isWireNumberOrNull(v.statistic) ||
    !isWireNumberOrNull(v.pValue) ||
    !isNumber(v.threshold) ||
    typeof v.drifted !== 'boolean'
  )
    return false;
  if (typeof v.reason !== 'string' || typeof v.message !== 'string') return false;
  if (!isOptional(v.skipped, (s) => typeof s === 'string' && SKIPS.has(s))) return false;
  if (
    !['referenceCount', 'currentCount', 'referenceMissing', 'currentMissing'].every((k) =>
      isNumber(v[k]),
    )
  )
    return false;
  return Array.isArray(v.bins) && v.bins.every(isDriftBin);
}

export function isPredictionQuality(v: unknown): v is PredictionQuality {
  if (!isObject(v) || !isNumber(v.rows)) return false;
  if (v.kind === 'classification')
    return ['accuracy', 'precision', 'recall', 'f1'].every((k) => isNumber(v[k]));
  if (v.kind === 'regression')
    return isNumber(v.mae) && isNumber(v.rmse) && isNumberOrNull(v.mape) && isNumberOrNull(v.r2);
  return false;
}

export function isTargetDrift(v: unknown): v is WireTargetDrift {
  if (!isObject(v)) return false;
  if (
    !isOptional(v.target, (x) => typeof x === 'string') ||
    !isOptional(v.prediction, (x) => typeof x === 'string')
  )
    return false;
  if (!isOptional(v.targetDrift, isColumnDrift) || !isOptional(v.predictionDrift, isColumnDrift))
    return false;
  if (
    !isOptional(v.referenceQuality, isPredictionQuality) ||
    !isOptional(v.currentQuality, isPredictionQuality)
  )
    return false;
  return isOptional(v.change, (c) => isObject(c) && Object.values(c).every(isNumberOrNull));
}

function isSideInfo(v: unknown): boolean {
  return (
    isObject(v) &&
    typeof v.source === 'string' &&
    isNumber(v.rows) &&
    isOptional(v.sampled, isNumber)
  );
}

/** A report as it arrives (see WireDriftReport); driftReportFromWire makes it a DriftReport. */
export function isDriftReport(v: unknown): v is WireDriftReport {
  if (!isObject(v) || !isSideInfo(v.reference) || !isSideInfo(v.current)) return false;
  const d = v.dataset;
  if (
    !isObject(d) ||
    typeof d.drifted !== 'boolean' ||
    !['share', 'driftedColumns', 'columns', 'threshold'].every((k) => isNumber(d[k]))
  )
    return false;
  if (!isOptional(v.target, isTargetDrift) || !isOptional(v.seconds, isNumber)) return false;
  if (!isOptional(v.options, isObject)) return false;
  return Array.isArray(v.columns) && v.columns.every(isColumnDrift);
}

function isFiles(v: unknown): v is DriftFiles {
  const side = (s: unknown) =>
    isObject(s) && typeof s.fileName === 'string' && typeof s.path === 'string';
  return isObject(v) && side(v.reference) && side(v.current);
}

export function isToDriftView(message: unknown): message is ToDriftView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'report':
      return isFiles(message.files) && isDriftReport(message.report);
    case 'busy':
      return typeof message.busy === 'boolean';
    case 'error':
      return isFiles(message.files) && typeof message.message === 'string';
    case 'showColumn':
      return typeof message.column === 'string';
    default:
      return false;
  }
}

// ---- shared by the panel and the notebook renderer ----

/**
 * Statistics and p-values: tiny p-values in exponent form rather than "0"; an infinite
 * statistic (chi-square of a category the reference never saw) as "∞" (the CLI prints "inf",
 * the JSON "Infinity"). Its p-value is exactly 0, shown as "0" as the CLI does.
 */
export function driftNumber(v: number | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (v !== 0 && Math.abs(v) < 1e-4) return v.toExponential(2);
  return stat(Number.isInteger(v) ? v : Number(v.toPrecision(4)));
}

/** A bin's label: the category, or the numeric range. */
export function binLabel(bin: DriftBin, format: (n: number) => string): string {
  if (bin.category !== undefined) return bin.category === '' ? '(empty string)' : bin.category;
  return `${format(bin.start ?? NaN)} – ${format(bin.end ?? NaN)}`;
}

/** Each side's counts as shares of that side's total (0 when a side has no values). */
export function binShares(bins: readonly DriftBin[]): { reference: number; current: number }[] {
  const refTotal = bins.reduce((n, b) => n + b.reference, 0);
  const curTotal = bins.reduce((n, b) => n + b.current, 0);
  return bins.map((b) => ({
    reference: refTotal > 0 ? b.reference / refTotal : 0,
    current: curTotal > 0 ? b.current / curTotal : 0,
  }));
}

/** What a column's verdict says in one word. */
export function verdictOf(column: ColumnDrift): 'drifted' | 'stable' | 'skipped' {
  if (column.skipped) return 'skipped';
  return column.drifted ? 'drifted' : 'stable';
}

export const VERDICT_TEXT = { drifted: 'Drift', stable: 'No drift', skipped: 'Skipped' } as const;

/** The method's name as users know it. */
export const METHOD_NAMES: Record<string, string> = {
  ks: 'K-S test',
  chisquare: 'chi-square',
  z: 'Z-test',
  wasserstein: 'Wasserstein (norm.)',
  jensenshannon: 'Jensen-Shannon',
  psi: 'PSI',
  kl: 'K-L divergence',
  hellinger: 'Hellinger',
  anderson: 'Anderson-Darling',
  mannwhitney: 'Mann-Whitney U',
  ttest: 't-test',
  energy: 'energy distance',
};

/**
 * Both distributions as small SVG bars (attributes only, no inline style: fine under any
 * CSP): reference behind in grey, current in front in blue, each as shares of its side.
 * `classPrefix` namespaces the classes (`lbd` inline, `dp` in the panel).
 */
export function distributionSvg(
  column: ColumnDrift,
  width: number,
  height: number,
  classPrefix: string,
): SVGSVGElement {
  const label =
    column.bins.length === 0
      ? `${column.name}: no values to compare`
      : `${column.name}: reference (grey) and current (blue) distributions over ${column.bins.length} bins`;
  const svg = svgImage(width, height, `${classPrefix}-dist`, label);
  svg.append(
    svgElement('line', {
      x1: '0',
      x2: String(width),
      y1: String(height - 0.5),
      y2: String(height - 0.5),
      class: `${classPrefix}-axis`,
    }),
  );
  const shares = binShares(column.bins);
  if (shares.length === 0) return svg;
  const max = Math.max(...shares.map((s) => Math.max(s.reference, s.current)), 1e-12);
  const slot = width / shares.length;
  const gap = slot > 4 ? 1 : 0;
  const h = height - 1;
  shares.forEach((s, i) => {
    for (const side of ['reference', 'current'] as const) {
      const rect = svgElement('rect');
      const barHeight = (s[side] / max) * h;
      // Current is narrower and in front, so both stay visible where they overlap.
      const inset = side === 'current' ? Math.min(slot * 0.22, 3) : 0;
      rect.setAttribute('x', (i * slot + gap / 2 + inset).toFixed(2));
      rect.setAttribute('width', Math.max(0.5, slot - gap - 2 * inset).toFixed(2));
      rect.setAttribute('y', (h - barHeight).toFixed(2));
      rect.setAttribute('height', barHeight.toFixed(2));
      rect.setAttribute('class', `${classPrefix}-${side}`);
      svg.append(rect);
    }
  });
  return svg;
}
