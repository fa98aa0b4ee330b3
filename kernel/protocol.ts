/**
 * The one contract between a kernel process and whoever drives it (the CLI, the VS Code
 * extension). Both sides import these types; the kernel validates what arrives, because
 * the client is another program.
 *
 * Transport: JSON-RPC (vscode-jsonrpc) over the child's fd 3, so that anything user code
 * writes to the real stdout/stderr can never corrupt the channel.
 */
import { NotificationType, RequestType, RequestType0 } from 'vscode-jsonrpc';

/** A Jupyter MIME bundle: MIME type to data (strings; binary data base64-encoded). */
export type MimeBundle = Record<string, unknown>;

export interface InitializeParams {
  /** Absolute path of the notebook this kernel serves (recorded on runs). */
  notebookPath?: string;
  /** SQLite store for runs logged from the notebook; default: the SDK's own default. */
  storePath?: string;
  /**
   * Characters of output (streams, displays, results) a cell may send; beyond them the
   * kernel sends a note instead ("output truncated: N MB more"). Default OUTPUT_LIMIT_CHARS.
   */
  outputLimit?: number;
}

export interface InitializeResult {
  pid: number;
  nodeVersion: string;
  tslabVersion: string;
  typescriptVersion: string;
}

export interface ExecuteParams {
  /** Opaque id the client uses to route outputs back to a cell. */
  cellId: string;
  code: string;
  /** Execution counter shown next to the cell. */
  executionCount: number;
  /**
   * Cell index in the notebook (0-based), recorded on runs started by this cell; errors
   * name the cell by it ("cell 3" for index 2), as the CLI and the run details panel do.
   */
  cellIndex?: number;
  /**
   * Set while a debugger is attached (see OpenInspector): a file holding the cell's text,
   * which the compiled cell's source map names, so breakpoints set in the cell bind.
   */
  sourcePath?: string;
}

export type ExecuteStatus = 'ok' | 'error' | 'interrupted';

export interface ExecuteResult {
  status: ExecuteStatus;
  durationMs: number;
  /** Where the cell's time went; only when the kernel runs with LABBOOK_KERNEL_PHASES=1 (the bench's --breakdown). */
  phases?: CellPhases;
}

/** Milliseconds of one cell's run, by what the kernel did (TypeScript's own counters for the checker's parts). */
export interface CellPhases {
  /** Loading the compiler and creating the converter, when no warm-up did it before this cell. */
  compilerMs: number;
  /** The whole type check and compile of the cell (everything below from `program` to `emit`, and the converter's own work). */
  convertMs: number;
  /** Creating the cell's programs (twice per cell: tslab reads the cell's names, then exports them); includes parse, I/O and resolution. */
  programMs: number;
  parseMs: number;
  /** Declaration files parsed for this cell (not found parsed already). */
  filesParsed: number;
  ioReadMs: number;
  resolveMs: number;
  bindMs: number;
  checkMs: number;
  emitMs: number;
  /** Running the compiled cell, its imports' loading included. */
  runMs: number;
  /** Loading each module the cell imports (its first require in this kernel), by specifier. */
  requireMs: Record<string, number>;
  /** Declaration files parsed ahead by the idle warm-up, in this kernel so far. */
  prewarmedFiles?: number;
}

export interface PositionParams {
  code: string;
  /** Character offset into `code`. */
  offset: number;
}

export interface CompletionResult {
  /** Range of `code` the chosen candidate replaces. */
  start: number;
  end: number;
  candidates: string[];
}

export interface HoverResult {
  /** Signature or type, e.g. `const x: number`. */
  text: string;
  documentation: string;
  start: number;
  length: number;
}

/** A TypeScript diagnostic, positions 1-based and relative to the cell. */
export interface CellDiagnostic {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  code: number;
}

export type CellOutput =
  | { kind: 'stream'; name: 'stdout' | 'stderr'; text: string }
  | {
      kind: 'display';
      data: MimeBundle;
      metadata: Record<string, unknown>;
      displayId?: string;
      update: boolean;
    }
  | { kind: 'result'; data: MimeBundle; executionCount: number }
  | {
      kind: 'error';
      ename: string;
      evalue: string;
      traceback: string[];
      diagnostics?: CellDiagnostic[];
      /**
       * Thrown outside the cell's own flow: from a timer, a callback or a promise nobody
       * awaited. Sent for the cell that scheduled it, which may have answered `ok` already:
       * that cell failed all the same.
       */
      uncaught?: boolean;
      /**
       * npm packages the cell imports that are not installed: the editor offers to install
       * them (Install request), code can call `lab.install(name)`.
       */
      missingPackages?: string[];
    };

export interface OutputParams {
  cellId: string;
  output: CellOutput;
}

export interface InstallParams {
  /** The cell npm's output is shown in. */
  cellId: string;
  /** Package names, name@version or paths to .tgz files. */
  packages: string[];
}

export interface InstallResult {
  ok: boolean;
  /** Why it failed, when it did (npm's own output went to the cell). */
  message?: string;
}

/** One top-level name a notebook's cells declared, as the Variables view shows it. */
export interface VariableInfo {
  name: string;
  /** From the runtime: the constructor's name or `typeof` (`number`, `Array`, `Tensor`). */
  type: string;
  /** The TypeScript type the type checker gave the declaration, when it has one. */
  declaredType?: string;
  /** One short line: arrays' length and first items, tensors' dtype, shape and bytes, objects' keys. */
  preview: string;
  /** Set when the value is an array of row objects: its length (the table panel can show it). */
  rows?: number;
}

export interface VariablesResult {
  variables: VariableInfo[];
}

export interface VariableRowsParams {
  name: string;
  /** First row, 0-based. */
  offset: number;
  /** At most this many rows (1..MAX_VARIABLE_ROWS_PAGE). */
  limit: number;
}

export interface VariableRowsResult {
  name: string;
  /** The keys of the rows (the first rows' union), in first-seen order. */
  columns: string[];
  /** The array's length now. */
  total: number;
  offset: number;
  /** Each cell as short text, in `columns` order. */
  rows: string[][];
}

export const MAX_VARIABLE_ROWS_PAGE = 5000;

/** Where a debugger attaches to the kernel (the Node inspector, on this machine only). */
export interface InspectorInfo {
  /** `ws://127.0.0.1:PORT/ID`. */
  url: string;
  port: number;
}

/** Mirrors the SDK's run events so views refresh while a model trains. */
export interface RunEventParams {
  kind: 'started' | 'ended';
  runId: string;
  experiment: string;
  name: string;
  status: string;
}

export const Initialize = new RequestType<InitializeParams, InitializeResult, void>(
  'kernel/initialize',
);
export const Execute = new RequestType<ExecuteParams, ExecuteResult, void>('kernel/execute');
export const Complete = new RequestType<PositionParams, CompletionResult, void>('kernel/complete');
export const Hover = new RequestType<PositionParams, HoverResult | null, void>('kernel/hover');
/** Runs npm in the notebook's folder; the packages are importable (with types) when it answers ok. */
export const Install = new RequestType<InstallParams, InstallResult, void>('kernel/install');
export const Shutdown = new RequestType0<void, void>('kernel/shutdown');
/** The notebook's top-level names with a short preview each (the Variables view). */
export const Variables = new RequestType0<VariablesResult, void>('kernel/variables');
/** A page of a variable that is an array of row objects (the variable's table panel). */
export const VariableRows = new RequestType<VariableRowsParams, VariableRowsResult, void>(
  'kernel/variableRows',
);
/** Opens the Node inspector on 127.0.0.1 (a free port) for a debugger; it is closed otherwise. */
export const OpenInspector = new RequestType0<InspectorInfo, void>('kernel/openInspector');
/** Closes the inspector; a debugger still attached is detached and the kernel keeps its state. */
export const CloseInspector = new RequestType0<void, void>('kernel/closeInspector');
/** Stops a pending await; a busy synchronous loop is stopped by SIGINT (see KernelClient.interrupt). */
export const Interrupt = new NotificationType<void>('kernel/interrupt');
export const Output = new NotificationType<OutputParams>('kernel/output');
export const RunEvent = new NotificationType<RunEventParams>('kernel/runEvent');

/**
 * What the kernel writes to its real stderr when notebook code calls `process.exit(code)`,
 * followed by `(code)`: the editor reads it to say why the kernel is gone.
 */
export const PROCESS_EXIT_NOTICE = 'Labbook kernel: the notebook called process.exit';

/** The fd of the JSON-RPC channel in the kernel process. */
export const CHANNEL_FD = 3;

/** Runtime checks of what arrives at the kernel. Each returns an error message or undefined. */
export function checkExecuteParams(p: unknown): string | undefined {
  const v = p as Partial<ExecuteParams> | null;
  if (!v || typeof v !== 'object') return 'execute: params must be an object';
  if (typeof v.cellId !== 'string') return 'execute: cellId must be a string';
  if (typeof v.code !== 'string') return 'execute: code must be a string';
  if (!Number.isInteger(v.executionCount)) return 'execute: executionCount must be an integer';
  if (v.cellIndex !== undefined && !Number.isInteger(v.cellIndex))
    return 'execute: cellIndex must be an integer';
  if (v.sourcePath !== undefined && (typeof v.sourcePath !== 'string' || v.sourcePath === ''))
    return 'execute: sourcePath must be a non-empty string';
  return undefined;
}

export function checkInstallParams(p: unknown): string | undefined {
  const v = p as Partial<InstallParams> | null;
  if (!v || typeof v !== 'object') return 'install: params must be an object';
  if (typeof v.cellId !== 'string') return 'install: cellId must be a string';
  if (!Array.isArray(v.packages) || v.packages.length === 0)
    return 'install: packages must be a non-empty array of strings';
  if (v.packages.some((name) => typeof name !== 'string' || name.trim() === ''))
    return 'install: every package must be a non-empty string';
  return undefined;
}

export function checkPositionParams(p: unknown): string | undefined {
  const v = p as Partial<PositionParams> | null;
  if (!v || typeof v !== 'object') return 'params must be an object';
  if (typeof v.code !== 'string') return 'code must be a string';
  if (
    !Number.isInteger(v.offset) ||
    (v.offset as number) < 0 ||
    (v.offset as number) > v.code.length
  ) {
    return `offset must be an integer in 0..${v.code.length}`;
  }
  return undefined;
}

export function checkVariableRowsParams(p: unknown): string | undefined {
  const v = p as Partial<VariableRowsParams> | null;
  if (!v || typeof v !== 'object') return 'variableRows: params must be an object';
  if (typeof v.name !== 'string' || v.name === '')
    return 'variableRows: name must be a non-empty string';
  if (!Number.isSafeInteger(v.offset) || (v.offset as number) < 0)
    return 'variableRows: offset must be a non-negative integer';
  if (
    !Number.isInteger(v.limit) ||
    (v.limit as number) < 1 ||
    (v.limit as number) > MAX_VARIABLE_ROWS_PAGE
  )
    return `variableRows: limit must be an integer in 1..${MAX_VARIABLE_ROWS_PAGE}`;
  return undefined;
}
