/**
 * The contract between the VS Code extension and the workspace service (a `core/` child
 * process that owns the store, so the extension host never loads a native module).
 * JSON-RPC over the child's fd 3; both sides import this module.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

import type { WireNumber } from '../wire-number';

export { toWireNumber, fromWireNumber, type WireNumber } from '../wire-number';

export interface ServiceInitializeParams {
  storePath: string;
}

export interface ServiceInitializeResult {
  storePath: string;
  /** False until a notebook has written the first run (the service never creates the file). */
  storeExists: boolean;
  pid: number;
}

export interface ExperimentItem {
  id: number;
  name: string;
  runCount: number;
  keyMetric: string | null;
  keyMetricHigherIsBetter: boolean | null;
}

export interface RunItem {
  id: string;
  experimentId: number;
  experiment: string;
  name: string;
  status: 'running' | 'finished' | 'failed' | 'killed';
  startTime: number;
  endTime: number | null;
  parentRunId: string | null;
  sourceNotebook: string | null;
  /** The metric shown beside the run: the experiment's key metric, else a common one it has. */
  keyMetric: { key: string; value: WireNumber } | null;
}

export interface MetricPointItem {
  step: number;
  timestamp: number;
  value: WireNumber;
}

export interface ArtifactItem {
  name: string;
  sha256: string;
  size: number;
  mediaType: string;
}

export interface RunDetails extends RunItem {
  sourceCell: string | null;
  gitCommit: string | null;
  gitDirty: boolean | null;
  environment: unknown;
  error: string | null;
  params: Record<string, string>;
  tags: Record<string, string>;
  latestMetrics: Record<string, MetricPointItem>;
  metricHistory: Record<string, MetricPointItem[]>;
  artifacts: ArtifactItem[];
}

export const ServiceInitialize = new RequestType<ServiceInitializeParams, ServiceInitializeResult, void>('service/initialize');
export const ListExperiments = new RequestType0<ExperimentItem[], void>('service/experiments');
export const ListRuns = new RequestType<{ experimentId: number }, RunItem[], void>('service/runs');
export const GetRunDetails = new RequestType<{ runId: string }, RunDetails | null, void>('service/runDetails');
export const DeleteRun = new RequestType<{ runId: string }, void, void>('service/deleteRun');
export const ServiceShutdown = new RequestType0<void, void>('service/shutdown');
/** Something was written to the store (by a kernel, the CLI, or the service itself). */
export const StoreChanged = new NotificationType<{ dataVersion: number }>('service/storeChanged');

export const SERVICE_CHANNEL_FD = 3;

export function checkRunIdParams(p: unknown): string | undefined {
  const v = p as { runId?: unknown } | null;
  if (!v || typeof v !== 'object' || typeof v.runId !== 'string' || v.runId.length === 0 || v.runId.length > 200) {
    return 'runId must be a non-empty string';
  }
  return undefined;
}

export function checkExperimentIdParams(p: unknown): string | undefined {
  const v = p as { experimentId?: unknown } | null;
  if (!v || typeof v !== 'object' || !Number.isInteger(v.experimentId)) return 'experimentId must be an integer';
  return undefined;
}
