/**
 * The notebook language process: one per editor window, started by the extension with the
 * user's `node` (like the kernel and the workspace service), so that type-checking a
 * notebook against all of tfjs's declarations never blocks the extension host. It needs no
 * kernel: diagnostics, completions, hovers and signature help come from tslab's TypeScript
 * with the kernel's options and modules (service.ts). Speaks JSON-RPC on fd 3.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import {
  createMessageConnection,
  ErrorCodes,
  ResponseError,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import type * as TS from 'typescript';
import { kernelModules } from '../provided';
import { CHANNEL_FD } from '../protocol';
import * as protocol from './protocol';
import { NotebookLanguageServices } from './service';

// tslab's TypeScript: the one the kernel checks cells with, so both report the same errors.
// eslint-disable-next-line @typescript-eslint/no-require-imports -- typed through the typescript package's declarations (same API), loaded from tslab's fork
const ts = require('@tslab/typescript-for-tslab') as typeof TS;

const channel = new net.Socket({ fd: CHANNEL_FD, readable: true, writable: true });
const connection = createMessageConnection(
  new StreamMessageReader(channel),
  new StreamMessageWriter(channel),
);

const kernelDir = path.join(__dirname, '..');
const services = new NotebookLanguageServices({
  ts,
  ...kernelModules(kernelDir),
  tslabDir: path.dirname(require.resolve('tslab/package.json')),
});

function badParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function positionParams(p: unknown, request: string): protocol.CellPositionParams {
  const problem = protocol.checkCellPositionParams(p);
  if (problem) throw badParams(`${request}: ${problem}`);
  return p as protocol.CellPositionParams;
}

connection.onRequest(protocol.LanguageInitialize, () => ({
  pid: process.pid,
  typescriptVersion: ts.version,
}));

connection.onRequest(protocol.UpdateNotebook, (params) => {
  const problem = protocol.checkUpdateParams(params);
  if (problem) throw badParams(problem);
  return { version: params.version, cells: services.update(params) };
});

connection.onRequest(protocol.CloseNotebook, (params) => {
  if (typeof params?.notebook !== 'string')
    throw badParams('closeNotebook: notebook must be a string');
  services.close(params.notebook);
});

connection.onRequest(protocol.Completions, (p) =>
  services.completions(positionParams(p, 'completions')),
);
connection.onRequest(protocol.CompletionEntryDetails, (p) => {
  const params = positionParams(p, 'completionDetails') as protocol.CompletionDetailsParams;
  if (typeof params.name !== 'string') throw badParams('completionDetails: name must be a string');
  return services.completionDetails(params);
});
connection.onRequest(protocol.Hover, (p) => services.hover(positionParams(p, 'hover')));
connection.onRequest(protocol.SignatureHelp, (p) =>
  services.signatureHelp(positionParams(p, 'signatureHelp')),
);

connection.onRequest(protocol.LanguageShutdown, () => {
  setImmediate(() => process.exit(0));
});

// The editor closing the channel means the window is gone.
channel.on('close', () => process.exit(0));
connection.listen();
