/**
 * Messages between the Data Quality panel (webview) and the extension host
 * (extension/quality/dataQualityPanel.ts). Both sides import this module and check what
 * they receive at runtime.
 *
 * Handshake: the webview posts `ready`; the host posts `profile` (or `error`). `refresh`
 * profiles the file again: the host posts `busy` while it works, then `profile` or `error`.
 */
import type {
  ColumnProfile,
  DatasetProfile,
  QualityIssue,
  Severity,
} from '../../core/quality/types';
import type { RuleResult, ValidationResult } from '../../core/quality/suite';
import { isNumber, isNumberOrNull, isObject, isOptional } from '../shared/guards';

export type { ColumnProfile, DatasetProfile, QualityIssue, RuleResult, Severity, ValidationResult };

/** Host to webview. */
export type ToDataQualityView =
  /**
   * `fileName`: the file's base name (the header); `path`: where it is, as the user would say it.
   * `live`: a file on disk that can be profiled and validated again; false for a logged data
   * set version, whose stored profile is shown as recorded.
   */
  | { type: 'profile'; fileName: string; path: string; profile: DatasetProfile; live: boolean }
  | { type: 'busy'; busy: boolean }
  | { type: 'error'; message: string };

/** Webview to host. */
export type FromDataQualityView =
  | { type: 'ready' }
  /** Profile the file again (it may have changed). */
  | { type: 'refresh' }
  /** Open the data file in an editor. */
  | { type: 'openFile' }
  /** Ask which saved suite (or infer a new one) and profile again with its results. */
  | { type: 'validate' };

export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const COLUMN_TYPES: ReadonlySet<string> = new Set([
  'numeric',
  'integer',
  'boolean',
  'categorical',
  'text',
  'datetime',
]);

function isStringPair(v: unknown): boolean {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string';
}

export function isFromDataQualityView(message: unknown): message is FromDataQualityView {
  if (!isObject(message)) return false;
  return (
    message.type === 'ready' ||
    message.type === 'refresh' ||
    message.type === 'openFile' ||
    message.type === 'validate'
  );
}

/** The shape the panel iterates, looks up and formats; anything else is refused as a whole. */
export function isColumnProfile(v: unknown): v is ColumnProfile {
  if (
    !isObject(v) ||
    typeof v.name !== 'string' ||
    typeof v.type !== 'string' ||
    !COLUMN_TYPES.has(v.type)
  )
    return false;
  if (
    !isNumber(v.count) ||
    !isNumber(v.missing) ||
    !isNumber(v.missingShare) ||
    !isNumber(v.distinct)
  )
    return false;
  const scalar = (x: unknown) => x === null || typeof x === 'number' || typeof x === 'string';
  if (!scalar(v.min) || !scalar(v.max) || !isNumberOrNull(v.mean) || !isNumberOrNull(v.std))
    return false;
  if (
    v.quantiles !== null &&
    !(
      isObject(v.quantiles) &&
      ['p5', 'p25', 'p50', 'p75', 'p95'].every((k) =>
        isNumberOrNull((v.quantiles as Record<string, unknown>)[k]),
      )
    )
  )
    return false;
  if (
    !Array.isArray(v.top) ||
    !v.top.every(
      (t) =>
        isObject(t) &&
        isNumber(t.count) &&
        ['string', 'number', 'boolean'].includes(typeof t.value),
    )
  )
    return false;
  if (typeof v.constant !== 'boolean' || typeof v.almostConstant !== 'boolean') return false;
  if (
    !isOptional(
      v.histogram,
      (h) =>
        Array.isArray(h) &&
        h.every((b) => isObject(b) && isNumber(b.start) && isNumber(b.end) && isNumber(b.count)),
    )
  )
    return false;
  if (!['zeros', 'negatives', 'outliers', 'invalid'].every((k) => isOptional(v[k], isNumber)))
    return false;
  if (!isOptional(v.mixedTypes, (x) => typeof x === 'boolean')) return false;
  if (
    !isOptional(
      v.length,
      (l) => isObject(l) && isNumber(l.min) && isNumber(l.max) && isNumber(l.mean),
    )
  )
    return false;
  return isOptional(
    v.missingByKind,
    (m) => isObject(m) && ['null', 'empty', 'nan', 'infinite'].every((k) => isNumber(m[k])),
  );
}

export function isQualityIssue(v: unknown): v is QualityIssue {
  return (
    isObject(v) &&
    typeof v.severity === 'string' &&
    (SEVERITIES as readonly string[]).includes(v.severity) &&
    (v.column === null || typeof v.column === 'string') &&
    typeof v.kind === 'string' &&
    typeof v.message === 'string'
  );
}

export function isDatasetProfile(v: unknown): v is DatasetProfile {
  if (
    !isObject(v) ||
    !isNumber(v.rows) ||
    !isNumber(v.duplicateRows) ||
    !Array.isArray(v.columns) ||
    !Array.isArray(v.issues)
  )
    return false;
  if (!isOptional(v.source, (s) => typeof s === 'string') || !isOptional(v.emptyRows, isNumber))
    return false;
  if (!isOptional(v.sizeBytes, isNumber) || !isOptional(v.seconds, isNumber)) return false;
  if (
    !isOptional(
      v.label,
      (l) => isObject(l) && typeof l.column === 'string' && isNumber(l.conflictingRows),
    )
  )
    return false;
  if (!isOptional(v.emptyColumns, (c) => Array.isArray(c) && c.every((x) => typeof x === 'string')))
    return false;
  if (!isOptional(v.duplicatedColumns, (c) => Array.isArray(c) && c.every(isStringPair)))
    return false;
  if (
    !isOptional(
      v.correlatedPairs,
      (c) =>
        Array.isArray(c) &&
        c.every(
          (p) => isObject(p) && typeof p.a === 'string' && typeof p.b === 'string' && isNumber(p.r),
        ),
    )
  )
    return false;
  const q = v.quality;
  if (
    !isObject(q) ||
    !['score', 'completeness', 'uniqueness', 'validity', 'consistency'].every((k) =>
      isNumber(q[k]),
    ) ||
    !isNumberOrNull(q.timeliness)
  )
    return false;
  if (
    !isOptional(
      q.dimensions,
      (d) =>
        isObject(d) &&
        Object.values(d).every(
          (x) =>
            isObject(x) &&
            isNumber(x.score) &&
            isNumber(x.weight) &&
            typeof x.explanation === 'string',
        ),
    )
  )
    return false;
  if (!isOptional(v.validation, isValidationResult)) return false;
  return v.columns.every(isColumnProfile) && v.issues.every(isQualityIssue);
}

/** The parts of a suite's result the panel shows: per rule its kind, outcome, counts, message and examples. */
export function isValidationResult(v: unknown): v is ValidationResult {
  if (
    !isObject(v) ||
    typeof v.suite !== 'string' ||
    !isNumber(v.rows) ||
    typeof v.passed !== 'boolean' ||
    !isNumber(v.failedRules) ||
    !Array.isArray(v.rules)
  )
    return false;
  return v.rules.every(
    (r) =>
      isObject(r) &&
      isObject(r.rule) &&
      typeof r.rule.kind === 'string' &&
      typeof r.passed === 'boolean' &&
      isNumber(r.unexpectedCount) &&
      isNumber(r.unexpectedShare) &&
      typeof r.message === 'string' &&
      Array.isArray(r.examples) &&
      r.examples.every((e) => isObject(e) && isNumber(e.row)),
  );
}

export function isToDataQualityView(message: unknown): message is ToDataQualityView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'profile':
      return (
        typeof message.fileName === 'string' &&
        typeof message.path === 'string' &&
        typeof message.live === 'boolean' &&
        isDatasetProfile(message.profile)
      );
    case 'busy':
      return typeof message.busy === 'boolean';
    case 'error':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
