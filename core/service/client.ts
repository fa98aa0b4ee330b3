/**
 * The extension's handle on the workspace service. Pure JavaScript: it may run in the
 * extension host, where no native module loads.
 */
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { spawnRpcChild, RpcClientBase, type RpcClientBaseEvents } from '../rpc-child';
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
  private constructor(child: ChildProcess, connection: MessageConnection, died: Promise<never>, readonly info: protocol.ServiceInitializeResult) {
    super(child, connection, died, 'Labbook workspace service');
    connection.onNotification(protocol.StoreChanged, ({ dataVersion }) => this.emit('storeChanged', dataVersion));
  }

  static async start(options: ServiceStartOptions): Promise<ServiceClient> {
    const { child, connection, died, handshake } = await spawnRpcChild({
      role: 'workspace service',
      nodePath: options.nodePath,
      main: options.serviceMain ?? path.join(__dirname, 'main.js'),
      cwd: options.cwd,
      env: options.env,
    }, (c) => c.sendRequest(protocol.ServiceInitialize, { storePath: options.storePath }));
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

  shutdown(graceMs = 2000): Promise<void> {
    return this.stop(() => this.connection.sendRequest(protocol.ServiceShutdown), graceMs);
  }
}
