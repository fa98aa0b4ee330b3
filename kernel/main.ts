/**
 * The kernel process: one per notebook, started by the CLI or the VS Code extension with
 * the notebook's folder as working directory. Speaks JSON-RPC on fd 3 (see protocol.ts);
 * whatever user code writes to stdout/stderr becomes stream output of the running cell.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as net from 'node:net';
import { Worker } from 'node:worker_threads';
import typescriptPackage from '@tslab/typescript-for-tslab/package.json';
import tslabPackage from 'tslab/package.json';
import {
  createMessageConnection,
  ResponseError,
  ErrorCodes,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-jsonrpc/node';
import { absoluteStore } from '../core/store/location';
import * as protocol from './protocol';
import { OUTPUT_LIMIT_CHARS, OutputBudget, bundleChars } from '../core/common/output-limit';
import { CellExecutor } from './executor';
import { kernelModules } from './provided';
import { installDisplaySink } from './sdk/display';
import { listVariables, variableRows } from './variables';
import { install } from './sdk/install';
import { onRunEvent, recordExecutedCell, setExecutionContext } from './sdk/context';

const channel = new net.Socket({ fd: protocol.CHANNEL_FD, readable: true, writable: true });
const connection = createMessageConnection(
  new StreamMessageReader(channel),
  new StreamMessageWriter(channel),
);

/** Output produced outside any request (timers, late promises) goes to the cell that ran last. */
let currentCell = '';
/** Set when the kernel ends itself (shutdown, the client gone); any other exit is the notebook's process.exit(). */
let exitExpected = false;
let executor: CellExecutor | undefined;
let notebookPath: string | undefined;
/** Cells run one at a time, in the order they were sent. */
let queue: Promise<unknown> = Promise.resolve();
/**
 * The cell whose code scheduled what runs now: timers, callbacks and promises carry it, so
 * an error thrown from them after the cell answered is reported for that cell, not for
 * whichever cell happens to run when it fires.
 */
const cellScope = new AsyncLocalStorage<{ cellId: string }>();
/** Cells an uncaught error was reported for while they ran: they answer `error`, not `ok`. */
const uncaughtIn = new Set<string>();

/** Per cell run: outputs beyond the budget are not sent, only counted (see output-limit.ts). */
let outputLimit = OUTPUT_LIMIT_CHARS;
const budgets = new Map<string, OutputBudget>();
/** Time between the answered `initialize` and the type checker's warm-up (see there). */
const WARM_UP_DELAY_MS = 250;
let warmUpTimer: NodeJS.Timeout | undefined;
/** An error message this long is a value printed by accident, not a message. */
const ERROR_TEXT_LIMIT = 100_000;

function send(output: protocol.CellOutput): void {
  const cellId = currentCell;
  const kept = withinBudget(budgets.get(cellId), output);
  if (!kept) return;
  if (kept.kind === 'stream') {
    queueStream(cellId, kept.name, kept.text);
    return;
  }
  flushStream();
  void connection.sendNotification(protocol.Output, { cellId, output: kept });
}

/**
 * Stream text waits a moment to go out in one notification: a loop that logs every step
 * would otherwise send (and the editor parse) one message per line, which took a client
 * 45 s for 150,000 lines. Sent when the event loop turns, when it is 64 KB, or 50 ms old,
 * so a busy loop that prints progress still shows it as it goes.
 */
const STREAM_CHUNK_CHARS = 64 * 1024;
const STREAM_DELAY_MS = 50;
let pendingStream:
  { cellId: string; name: 'stdout' | 'stderr'; text: string; since: number } | undefined;

function queueStream(cellId: string, name: 'stdout' | 'stderr', text: string): void {
  if (pendingStream && (pendingStream.cellId !== cellId || pendingStream.name !== name))
    flushStream();
  const now = performance.now();
  if (pendingStream) pendingStream.text += text;
  else {
    pendingStream = { cellId, name, text, since: now };
    setImmediate(flushStream);
  }
  if (
    pendingStream.text.length >= STREAM_CHUNK_CHARS ||
    now - pendingStream.since >= STREAM_DELAY_MS
  )
    flushStream();
}

/** Sends the stream text waiting; called before anything else is sent, so the order holds. */
function flushStream(): void {
  const pending = pendingStream;
  if (!pending) return;
  pendingStream = undefined;
  void connection.sendNotification(protocol.Output, {
    cellId: pending.cellId,
    output: { kind: 'stream', name: pending.name, text: pending.text },
  });
}

function withinBudget(
  budget: OutputBudget | undefined,
  output: protocol.CellOutput,
): protocol.CellOutput | undefined {
  if (output.kind === 'error') {
    if (output.evalue.length <= ERROR_TEXT_LIMIT) return output;
    const evalue = `${output.evalue.slice(0, ERROR_TEXT_LIMIT)}… (${output.evalue.length - ERROR_TEXT_LIMIT} more characters)`;
    return {
      ...output,
      evalue,
      traceback: output.traceback.map((l) => l.slice(0, ERROR_TEXT_LIMIT)),
    };
  }
  if (!budget) return output;
  if (output.kind === 'stream') {
    const text = budget.takeText(output.text);
    return text ? { ...output, text } : undefined;
  }
  return budget.takeWhole(bundleChars(output.data)) ? output : undefined;
}

/** Says how much a cell's output was cut, once the cell has answered. */
function sendTruncationNote(cellId: string): void {
  flushStream();
  const note = budgets.get(cellId)?.note();
  if (!note) return;
  void connection.sendNotification(protocol.Output, {
    cellId,
    output: { kind: 'stream', name: 'stderr', text: note },
  });
}

function captureStream(stream: NodeJS.WriteStream, name: 'stdout' | 'stderr'): void {
  stream.write = (chunk: string | Uint8Array, encoding?: unknown, callback?: unknown) => {
    const text =
      typeof chunk === 'string'
        ? chunk
        : Buffer.from(chunk).toString(
            typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8',
          );
    send({ kind: 'stream', name, text });
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') process.nextTick(done);
    return true;
  };
}

function badParams(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

function requireExecutor(): CellExecutor {
  if (!executor)
    throw new ResponseError(ErrorCodes.ServerNotInitialized, 'kernel/initialize must come first');
  return executor;
}

connection.onRequest(protocol.Initialize, (params) => {
  if (executor) throw new ResponseError(ErrorCodes.InvalidRequest, 'kernel already initialized');
  if (params?.storePath !== undefined && typeof params.storePath !== 'string')
    throw badParams('storePath must be a string');
  if (params?.notebookPath !== undefined && typeof params.notebookPath !== 'string')
    throw badParams('notebookPath must be a string');
  if (
    params?.outputLimit !== undefined &&
    (typeof params.outputLimit !== 'number' || !(params.outputLimit > 0))
  )
    throw badParams('outputLimit must be a positive number of characters');
  if (params?.outputLimit) outputLimit = params.outputLimit;
  if (params?.storePath) process.env.LABBOOK_STORE = absoluteStore(params.storePath);
  const rootDir = process.cwd();
  notebookPath = params?.notebookPath;
  executor = new CellExecutor({ rootDir, ...kernelModules(__dirname), notebookPath, emit: send });
  setExecutionContext({ notebook: notebookPath });
  // Ready is answered before the compiler is loaded; it warms up a moment after the answer
  // has gone out. The warm-up is seconds of synchronous work that holds every request
  // behind it, so a kernel shut down (or sent a cell) at once never waits for it: the
  // shutdown cancels it and a cell does the same work itself.
  warmUpTimer = setTimeout(() => executor?.warmUp(), WARM_UP_DELAY_MS);
  const tsVersion = typescriptPackage.version;
  const tslabVersion = tslabPackage.version;
  return {
    pid: process.pid,
    nodeVersion: process.version,
    tslabVersion,
    typescriptVersion: tsVersion,
  };
});

connection.onRequest(protocol.Execute, (params) => {
  const problem = protocol.checkExecuteParams(params);
  if (problem) throw badParams(problem);
  const exec = requireExecutor();
  const run = async (): Promise<protocol.ExecuteResult> => {
    currentCell = params.cellId;
    setExecutionContext({ notebook: notebookPath, cell: params.cellIndex ?? params.cellId });
    // Before running, so a run started by this cell snapshots the cell itself too.
    recordExecutedCell({
      index: params.cellIndex ?? null,
      executionCount: params.executionCount,
      source: params.code,
    });
    const started = performance.now();
    let status: protocol.ExecuteStatus;
    uncaughtIn.delete(params.cellId);
    budgets.set(params.cellId, new OutputBudget(outputLimit));
    // Output of a cell that ran long ago (a timer) is rare; its budget need not live forever.
    for (const id of budgets.keys()) {
      if (budgets.size <= 50) break;
      budgets.delete(id);
    }
    try {
      status = await cellScope.run({ cellId: params.cellId }, () =>
        exec.execute(params.code, params.executionCount, params.cellIndex, params.sourcePath),
      );
      if (status === 'ok' && uncaughtIn.has(params.cellId)) status = 'error';
    } catch (error) {
      // The converter itself failed (a compiler crash): report it as the cell's error.
      send(exec.errorOutput(error));
      status = 'error';
    }
    // Everything the cell printed goes out before its answer.
    sendTruncationNote(params.cellId);
    const durationMs = performance.now() - started;
    const phases = exec.cellPhases();
    return phases ? { status, durationMs, phases } : { status, durationMs };
  };
  const result = queue.then(run, run);
  queue = result;
  return result;
});

// Queued like a cell, so a cell sent after the install (the one that failed) sees the package.
connection.onRequest(protocol.Install, (params) => {
  const problem = protocol.checkInstallParams(params);
  if (problem) throw badParams(problem);
  requireExecutor();
  const run = async (): Promise<protocol.InstallResult> => {
    try {
      await install(params.packages, {
        onOutput: (name, text) => {
          flushStream();
          void connection.sendNotification(protocol.Output, {
            cellId: params.cellId,
            output: { kind: 'stream', name, text },
          });
        },
      });
      return { ok: true };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  };
  const result = queue.then(run, run);
  queue = result;
  return result;
});

connection.onRequest(protocol.Complete, (params) => {
  const problem = protocol.checkPositionParams(params);
  if (problem) throw badParams(`complete: ${problem}`);
  return requireExecutor().complete(params.code, params.offset);
});

connection.onRequest(protocol.Hover, (params) => {
  const problem = protocol.checkPositionParams(params);
  if (problem) throw badParams(`hover: ${problem}`);
  return requireExecutor().hover(params.code, params.offset);
});

connection.onRequest(protocol.Variables, () => {
  const { values, declarations } = requireExecutor().declared();
  return { variables: listVariables(values, declarations) };
});

connection.onRequest(protocol.VariableRows, (params) => {
  const problem = protocol.checkVariableRowsParams(params);
  if (problem) throw badParams(problem);
  try {
    return variableRows(requireExecutor().declared().values, params);
  } catch (error) {
    if (error instanceof ResponseError) throw error;
    throw badParams((error as Error).message);
  }
});

connection.onNotification(protocol.Interrupt, () => executor?.interrupt());

connection.onRequest(protocol.Shutdown, () => {
  exitExpected = true;
  clearTimeout(warmUpTimer);
  executor?.cancelWarmUp();
  setImmediate(() => process.exit(0));
});

// The inspector is open only while a debugger wants it: an open port is a way into the notebook.
connection.onRequest(protocol.OpenInspector, () => {
  if (!inspector.url()) inspector.open(0, '127.0.0.1', false);
  const url = inspector.url();
  if (!url) throw new ResponseError(ErrorCodes.InternalError, 'the Node inspector did not open');
  return { url, port: Number(new URL(url).port) };
});

connection.onRequest(protocol.CloseInspector, () => {
  inspector.close();
});

process.on('exit', (code) => {
  if (exitExpected) return;
  // Synchronous, to the real stderr: the channel cannot send anything more now.
  try {
    fs.writeSync(2, `\n${protocol.PROCESS_EXIT_NOTICE}(${code})\n`);
  } catch {
    // stderr already closed: the editor falls back to the exit code.
  }
});

// SIGINT from the client: V8 stops a synchronous loop by itself (breakOnSigint); when the
// cell is waiting on a promise instead, this handler runs and ends the wait.
process.on('SIGINT', () => executor?.interrupt());

// A rejection nobody awaited, an exception from a timer: they belong to the notebook, not to
// the kernel. Shown and counted against the cell that scheduled them; the kernel keeps running.
function reportUncaught(reason: unknown, ename: string): void {
  try {
    const output = executor
      ? executor.errorOutput(reason)
      : {
          kind: 'error' as const,
          ename,
          evalue: String(reason),
          traceback: [String((reason as Error)?.stack ?? reason)],
        };
    const cellId = cellScope.getStore()?.cellId ?? currentCell;
    uncaughtIn.add(cellId);
    flushStream();
    void connection.sendNotification(protocol.Output, {
      cellId,
      output: { ...output, uncaught: true },
    });
  } catch {
    // A handler that throws ends the process (exit code 7); losing one report is better.
  }
}
process.on('unhandledRejection', (reason) => reportUncaught(reason, 'UnhandledRejection'));
process.on('uncaughtException', (error) => reportUncaught(error, 'Uncaught'));

// Node 20 warns on every require() of an ES module; notebooks do that on purpose.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = (warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === 'string' ? warning : warning.message;
  if (/require\(\) of ES Module|is loading ES Module/.test(text)) return;
  (emitWarning as (...args: unknown[]) => void)(warning, ...rest);
};

// A display from a timer or callback belongs to the cell that scheduled it (an updatable
// display's update after its cell ended still finds that cell's output).
installDisplaySink((data, metadata, displayId, update) => {
  const cellId = cellScope.getStore()?.cellId ?? currentCell;
  const output: protocol.CellOutput = { kind: 'display', data, metadata, displayId, update };
  // An update replaces its display, so only new displays count against the cell's budget.
  const kept = update ? output : withinBudget(budgets.get(cellId), output);
  if (!kept) return;
  // Text the cell printed before this display goes out first, so the order holds.
  flushStream();
  void connection.sendNotification(protocol.Output, { cellId, output: kept });
});
onRunEvent((event) => void connection.sendNotification(protocol.RunEvent, event));
captureStream(process.stdout, 'stdout');
captureStream(process.stderr, 'stderr');

// The client closing the channel means the notebook is gone: flush runs (exit handlers) and go.
channel.on('close', () => {
  exitExpected = true;
  process.exit(0);
});
connection.listen();
watchParent();

/**
 * A kernel must not outlive whoever started it (a killed `labbook run`, a crashed editor).
 * The channel's 'close' covers an idle kernel, but a busy cell (`while (true)`) never lets
 * the event loop see it, so a worker thread, which keeps running while the cell blocks the
 * main thread, watches the parent: when it is gone, SIGINT stops the cell (breakOnSigint) so the close is seen and
 * runs are flushed; if that does not end the process soon, SIGKILL does.
 */
function watchParent(): void {
  const parent = process.ppid;
  if (process.platform === 'win32' || parent <= 1) return;
  const source = `
    const { workerData } = require('node:worker_threads');
    const timer = setInterval(() => {
      if (process.ppid === workerData.parent) return;
      clearInterval(timer);
      try { process.kill(workerData.pid, 'SIGINT'); } catch {}
      setTimeout(() => { try { process.kill(workerData.pid, 'SIGKILL'); } catch {} }, workerData.graceMs);
    }, workerData.pollMs);
  `;
  const worker = new Worker(source, {
    eval: true,
    workerData: { parent, pid: process.pid, pollMs: 500, graceMs: 3000 },
    stdout: true,
    stderr: true,
  });
  worker.unref();
  worker.on('error', () => undefined);
}
