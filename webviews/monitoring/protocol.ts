/**
 * Messages between the Deployment Monitor panel (webview) and the extension host
 * (extension/deployments/monitoringPanel.ts). Both sides import this module and check what
 * they receive at runtime.
 *
 * Handshake: the webview posts `ready`; the host then posts a `snapshot` every few seconds
 * while the panel is visible (or `error` when the service could not answer). The webview's
 * buttons post `action`: the host runs the matching command on this deployment (with its
 * usual dialogs).
 */
import type { MonitoringSnapshot } from '../../core/common/serve-types';
import { isObject } from '../shared/guards';

export type { MonitoringSnapshot };

export const MONITOR_ACTIONS = [
  'shift',
  'promote',
  'rollback',
  'stop',
  'copyToken',
  'refresh',
] as const;
export type MonitorAction = (typeof MONITOR_ACTIONS)[number];

/** Host to webview. */
export type ToMonitoringView =
  | { type: 'snapshot'; name: string; snapshot: MonitoringSnapshot }
  /** The service could not produce a snapshot (shown above the last one, if any). */
  | { type: 'error'; name: string; message: string };

/** Webview to host. */
export type FromMonitoringView = { type: 'ready' } | { type: 'action'; action: MonitorAction };

const isNumber = (v: unknown): v is number => typeof v === 'number';
const isNumberOrNull = (v: unknown): boolean => v === null || typeof v === 'number';
const isString = (v: unknown): v is string => typeof v === 'string';
const VARIANTS = new Set(['primary', 'candidate']);
const STATUSES = new Set(['healthy', 'degraded', 'down', 'stopped']);
const STRATEGIES = new Set(['single', 'canary', 'ab', 'shadow', 'bluegreen']);
const ALERT_KINDS = new Set([
  'error-rate',
  'latency',
  'accuracy',
  'data-drift',
  'concept-drift',
  'down',
]);

export function isFromMonitoringView(message: unknown): message is FromMonitoringView {
  if (!isObject(message)) return false;
  if (message.type === 'ready') return true;
  return (
    message.type === 'action' && (MONITOR_ACTIONS as readonly unknown[]).includes(message.action)
  );
}

function isSplit(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.strategy) &&
    STRATEGIES.has(v.strategy) &&
    isNumber(v.primary) &&
    isNumberOrNull(v.candidate) &&
    isNumber(v.weight)
  );
}

function isDeployment(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.name) &&
    isString(v.modelName) &&
    isString(v.status) &&
    isNumber(v.primaryVersion) &&
    isNumberOrNull(v.candidateVersion) &&
    isNumber(v.port) &&
    isString(v.host)
  );
}

function isTrafficPoint(v: unknown): boolean {
  return (
    isObject(v) &&
    isNumber(v.t) &&
    isString(v.variant) &&
    VARIANTS.has(v.variant) &&
    isNumber(v.predictions) &&
    isNumber(v.shadow) &&
    isNumberOrNull(v.p50) &&
    isNumberOrNull(v.p95) &&
    isNumberOrNull(v.p99)
  );
}

function isVariantQuality(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.variant) &&
    VARIANTS.has(v.variant) &&
    isNumber(v.version) &&
    isNumber(v.predictions) &&
    isNumber(v.labelled) &&
    isNumberOrNull(v.accuracy) &&
    isNumberOrNull(v.mae)
  );
}

function isAlert(v: unknown): boolean {
  return (
    isObject(v) &&
    isString(v.kind) &&
    ALERT_KINDS.has(v.kind) &&
    (v.severity === 'warning' || v.severity === 'error') &&
    isString(v.message)
  );
}

function isDriftReportShape(v: unknown): boolean {
  if (v === null) return true;
  if (!isObject(v) || !isObject(v.dataset) || !Array.isArray(v.columns)) return false;
  return v.columns.every(
    (c) =>
      isObject(c) &&
      isString(c.name) &&
      isString(c.method) &&
      typeof c.drifted === 'boolean' &&
      isNumberOrNull(c.statistic) &&
      isNumberOrNull(c.pValue) &&
      isNumber(c.threshold),
  );
}

/** The shape the panel reads; anything else is refused as a whole. */
export function isMonitoringSnapshot(v: unknown): v is MonitoringSnapshot {
  if (
    !isObject(v) ||
    !isDeployment(v.deployment) ||
    !isSplit(v.split) ||
    !isString(v.url) ||
    typeof v.up !== 'boolean'
  )
    return false;
  if (
    !isNumber(v.at) ||
    !isNumber(v.windowMs) ||
    !isNumber(v.bucketMs) ||
    !isNumber(v.requestsPerSecond)
  )
    return false;
  if (
    !isObject(v.latency) ||
    !isNumberOrNull(v.latency.p50) ||
    !isNumberOrNull(v.latency.p95) ||
    !isNumberOrNull(v.latency.p99)
  )
    return false;
  if (
    !isObject(v.responsesByCode) ||
    !Object.values(v.responsesByCode).every(isNumber) ||
    !isNumberOrNull(v.errorRate)
  )
    return false;
  if (!Array.isArray(v.traffic) || !v.traffic.every(isTrafficPoint)) return false;
  if (!Array.isArray(v.variants) || !v.variants.every(isVariantQuality)) return false;
  const drift = v.drift;
  if (
    !isObject(drift) ||
    !(drift.reference === null || isString(drift.reference)) ||
    !isNumber(drift.rows) ||
    !(drift.message === null || isString(drift.message))
  )
    return false;
  if (!isDriftReportShape(drift.report)) return false;
  const d = v.detector;
  if (
    !isObject(d) ||
    !isNumber(d.values) ||
    !Array.isArray(d.detections) ||
    !d.detections.every(isNumber)
  )
    return false;
  if (
    !Array.isArray(d.errors) ||
    !d.errors.every((e) => isObject(e) && isNumber(e.i) && isNumber(e.error) && isNumber(e.mean))
  )
    return false;
  if (!Array.isArray(v.alerts) || !v.alerts.every(isAlert)) return false;
  return isString(v.status) && STATUSES.has(v.status) && isObject(v.thresholds);
}

export function isToMonitoringView(message: unknown): message is ToMonitoringView {
  if (!isObject(message) || !isString(message.name)) return false;
  if (message.type === 'snapshot') return isMonitoringSnapshot(message.snapshot);
  if (message.type === 'error') return isString(message.message);
  return false;
}
