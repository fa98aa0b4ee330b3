/**
 * The extension's handle on the workspace service. Pure JavaScript: it may run in the
 * extension host, where no native module loads.
 */
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { spawnRpcChild, RpcClientBase, type RpcClientBaseEvents } from '../rpc-child';
import { driftReportFromWire } from '../common/drift-wire';
import * as protocol from './protocol';

export interface ServiceStartOptions {
  storePath: string;
  /** The workspace folder: the service's working folder. */
  cwd: string;
  nodePath?: string;
  /** Built service entry; default: the one beside this file. */
  serviceMain?: string;
  env?: NodeJS.ProcessEnv;
}

export interface ServiceClientEvents extends RpcClientBaseEvents {
  storeChanged: [number];
}

export class ServiceClient extends RpcClientBase<ServiceClientEvents> {
  private constructor(
    child: ChildProcess,
    connection: MessageConnection,
    died: Promise<never>,
    readonly info: protocol.ServiceInitializeResult,
  ) {
    super(child, connection, died, 'Labbook workspace service');
    connection.onNotification(protocol.StoreChanged, ({ dataVersion }) =>
      this.emit('storeChanged', dataVersion),
    );
  }

  static async start(options: ServiceStartOptions): Promise<ServiceClient> {
    const { child, connection, died, handshake } = await spawnRpcChild(
      {
        role: 'workspace service',
        nodePath: options.nodePath,
        main: options.serviceMain ?? path.join(__dirname, 'main.js'),
        cwd: options.cwd,
        env: options.env,
      },
      (c) => c.sendRequest(protocol.ServiceInitialize, { storePath: options.storePath }),
    );
    return new ServiceClient(child, connection, died, handshake);
  }

  listExperiments(): Promise<protocol.ExperimentItem[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListExperiments));
  }

  listRuns(experimentId: number): Promise<protocol.RunItem[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListRuns, { experimentId }));
  }

  runDetails(runId: string): Promise<protocol.RunDetails | null> {
    return this.request(() => this.connection.sendRequest(protocol.GetRunDetails, { runId }));
  }

  deleteRun(runId: string): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.DeleteRun, { runId }));
  }

  queryRunsTable(query: protocol.RunsTableQuery): Promise<protocol.RunsTablePage> {
    return this.request(() => this.connection.sendRequest(protocol.QueryRunsTable, query));
  }

  paramImportance(
    query: protocol.ParamImportanceQuery,
  ): Promise<import('../compare/importance-runs').RunsImportance> {
    return this.request(() => this.connection.sendRequest(protocol.GetParamImportance, query));
  }

  metricSeries(query: protocol.MetricSeriesQuery): Promise<protocol.MetricSeriesPage> {
    return this.request(() => this.connection.sendRequest(protocol.GetMetricSeries, query));
  }

  compareRuns(runIds: string[]): Promise<protocol.RunComparisonData> {
    return this.request(() => this.connection.sendRequest(protocol.GetRunComparison, { runIds }));
  }

  updateRun(update: protocol.RunUpdate): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.UpdateRun, update));
  }

  restoreRun(runId: string): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.RestoreRun, { runId }));
  }

  purgeRuns(runIds: string[]): Promise<{ purged: number; artifactBytesFreed: number }> {
    return this.request(() => this.connection.sendRequest(protocol.PurgeRuns, { runIds }));
  }

  /** Who the service records as doing things (runs started by this name are "mine"). */
  currentUser(): Promise<string> {
    return this.request(() => this.connection.sendRequest(protocol.CurrentUser));
  }

  listDeletedRuns(): Promise<protocol.RunItem[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListDeletedRuns));
  }

  setKeyMetric(experimentId: number, key: string | null, higherIsBetter: boolean): Promise<void> {
    return this.request(() =>
      this.connection.sendRequest(protocol.SetKeyMetric, { experimentId, key, higherIsBetter }),
    );
  }

  runSource(runId: string): Promise<{ ipynb: string; notebook: string | null } | null> {
    return this.request(() => this.connection.sendRequest(protocol.GetRunSource, { runId }));
  }

  listModels(): Promise<protocol.RegisteredModel[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListModels));
  }

  model(name: string): Promise<protocol.ModelDetails | null> {
    return this.request(() => this.connection.sendRequest(protocol.GetModel, { name }));
  }

  previewPromotion(
    name: string,
    version: number,
    to: protocol.Stage,
  ): Promise<protocol.PromotionPreview> {
    return this.request(() =>
      this.connection.sendRequest(protocol.PreviewPromotion, { name, version, to }),
    );
  }

  promote(
    params: protocol.PromoteParams,
  ): Promise<{ transition: protocol.ModelTransition; archived: number | null }> {
    return this.request(() => this.connection.sendRequest(protocol.PromoteModelVersion, params));
  }

  setModelAlias(name: string, version: number, alias: string, reason?: string): Promise<void> {
    return this.request(() =>
      this.connection.sendRequest(protocol.SetModelAlias, { name, version, alias, reason }),
    );
  }

  removeModelAlias(name: string, alias: string, reason?: string): Promise<void> {
    return this.request(() =>
      this.connection.sendRequest(protocol.RemoveModelAlias, { name, alias, reason }),
    );
  }

  modelCard(
    name: string,
    version: number,
    sliceColumn?: string,
  ): Promise<{ card: protocol.ModelCard; markdown: string }> {
    return this.request(() =>
      this.connection.sendRequest(protocol.GetModelCard, { name, version, sliceColumn }),
    );
  }

  updateModelCard(params: {
    name: string;
    version: number;
    intendedUse?: string | null;
    limitations?: string | null;
    description?: string | null;
  }): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.UpdateModelCard, params));
  }

  saveGates(name: string, gates: protocol.GatesConfig): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.SaveGates, { name, gates }));
  }

  registerModelFromRun(params: {
    runId: string;
    artifactPath: string;
    name: string;
    description?: string;
  }): Promise<protocol.ModelVersion> {
    return this.request(() => this.connection.sendRequest(protocol.RegisterModelFromRun, params));
  }

  /** Profiles a data file (absolute, or relative to the workspace folder); `label`: the label column, for conflicting labels; `suite`: validate against this saved suite too. */
  profileData(
    filePath: string,
    options: { label?: string; suite?: string } = {},
  ): Promise<protocol.DatasetProfile> {
    return this.request(() =>
      this.connection.sendRequest(protocol.ProfileData, {
        path: filePath,
        ...(options.label !== undefined ? { label: options.label } : {}),
        ...(options.suite !== undefined ? { suite: options.suite } : {}),
      }),
    );
  }

  listSuites(): Promise<string[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListSuites));
  }

  /** Infers a suite from a data file and saves it under `name`. */
  inferSuite(
    filePath: string,
    name: string,
  ): Promise<{ name: string; file: string; rules: number }> {
    return this.request(() =>
      this.connection.sendRequest(protocol.InferSuite, { path: filePath, name }),
    );
  }

  listDatasets(): Promise<protocol.DatasetVersionItem[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListDatasets));
  }

  /** The file holding a logged version's rows (its Parquet snapshot); null when none was kept. */
  datasetSnapshot(name: string, version: number): Promise<{ path: string; rows: number } | null> {
    return this.request(() =>
      this.connection.sendRequest(protocol.GetDatasetSnapshot, { name, version }),
    );
  }

  datasetProfile(name: string, version: number): Promise<protocol.DatasetProfile | null> {
    return this.request(() =>
      this.connection.sendRequest(protocol.GetDatasetProfile, { name, version }),
    );
  }

  /** Drift of `current` against `reference` (data file paths), computed in the service (DuckDB). */
  compareDataForDrift(
    reference: string,
    current: string,
    options?: protocol.CompareDataForDriftParams['options'],
  ): Promise<protocol.DriftReport> {
    return this.request(async () =>
      driftReportFromWire(
        await this.connection.sendRequest(protocol.CompareDataForDrift, {
          reference,
          current,
          ...(options ? { options } : {}),
        }),
      ),
    );
  }

  /** Running deployments (and stopped ones with `all`), newest first. */
  listDeployments(all = false): Promise<protocol.DeploymentItem[]> {
    return this.request(() => this.connection.sendRequest(protocol.ListDeployments, { all }));
  }

  /** Starts a detached server process (it outlives the service and the window); resolves once it listens. */
  startDeployment(params: protocol.StartDeploymentParams): Promise<protocol.DeploymentItem> {
    return this.request(() => this.connection.sendRequest(protocol.StartDeployment, params));
  }

  /** Shift, switch, promote, rollback, stop or status; a promotion refused by its gates rejects with the gate results as the error's data. */
  controlDeployment(
    name: string,
    message: protocol.ControlMessage,
  ): Promise<protocol.DeploymentStatusReport> {
    return this.request(() =>
      this.connection.sendRequest(protocol.ControlDeployment, { name, message }),
    );
  }

  deploymentToken(name: string): Promise<string> {
    return this.request(() => this.connection.sendRequest(protocol.GetDeploymentToken, { name }));
  }

  /** Oldest first. */
  deploymentEvents(name: string): Promise<protocol.DeploymentEvent[]> {
    return this.request(() => this.connection.sendRequest(protocol.GetDeploymentEvents, { name }));
  }

  monitoring(
    name: string,
    options: {
      windowMs?: number;
      driftWindow?: number;
      thresholds?: Partial<protocol.MonitorThresholds>;
    } = {},
  ): Promise<protocol.MonitoringSnapshot> {
    return this.request(() =>
      this.connection.sendRequest(protocol.GetMonitoring, { name, ...options }),
    );
  }

  shutdown(graceMs = 2000): Promise<void> {
    return this.stop(() => this.connection.sendRequest(protocol.ServiceShutdown), graceMs);
  }
}
