/**
 * The editor's handle on the notebook language process. Pure JavaScript (child_process +
 * vscode-jsonrpc): TypeScript and the declarations it reads load in the child only.
 */
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { spawnRpcChild, RpcClientBase, type RpcClientBaseEvents } from '../../core/rpc-child';
import * as protocol from './protocol';

export interface LanguageStartOptions {
  nodePath?: string;
  /** Built entry (dist/kernel/language/main.js); default: the one beside this file. */
  languageMain?: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

export class LanguageClient extends RpcClientBase<RpcClientBaseEvents> {
  private constructor(
    child: ChildProcess,
    connection: MessageConnection,
    died: Promise<never>,
    readonly info: protocol.LanguageInitializeResult,
  ) {
    super(child, connection, died, 'notebook language process');
  }

  static async start(options: LanguageStartOptions): Promise<LanguageClient> {
    const { child, connection, died, handshake } = await spawnRpcChild(
      {
        role: 'notebook language process',
        nodePath: options.nodePath,
        main: options.languageMain ?? path.join(__dirname, 'main.js'),
        cwd: options.cwd,
        env: options.env,
      },
      (c) => c.sendRequest(protocol.LanguageInitialize),
    );
    return new LanguageClient(child, connection, died, handshake);
  }

  update(params: protocol.UpdateNotebookParams): Promise<protocol.DiagnosticsResult> {
    return this.request(() => this.connection.sendRequest(protocol.UpdateNotebook, params));
  }

  close(notebook: string): Promise<void> {
    return this.request(() => this.connection.sendRequest(protocol.CloseNotebook, { notebook }));
  }

  completions(
    params: protocol.CellPositionParams,
  ): Promise<protocol.LanguageCompletionResult | null> {
    return this.request(() => this.connection.sendRequest(protocol.Completions, params));
  }

  completionDetails(
    params: protocol.CompletionDetailsParams,
  ): Promise<protocol.CompletionDetails | null> {
    return this.request(() => this.connection.sendRequest(protocol.CompletionEntryDetails, params));
  }

  hover(params: protocol.CellPositionParams): Promise<protocol.QuickInfo | null> {
    return this.request(() => this.connection.sendRequest(protocol.Hover, params));
  }

  signatureHelp(params: protocol.CellPositionParams): Promise<protocol.SignatureHelpResult | null> {
    return this.request(() => this.connection.sendRequest(protocol.SignatureHelp, params));
  }

  shutdown(graceMs = 2000): Promise<void> {
    return this.stop(() => this.connection.sendRequest(protocol.LanguageShutdown), graceMs);
  }
}
