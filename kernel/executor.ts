/**
 * Runs notebook cells: tslab's converter type-checks and compiles each cell (declarations
 * persist across cells, top-level await), and this executor runs the result in the
 * kernel's own V8 context. It is modelled on tslab's executor, with what a notebook front
 * end needs that tslab's prints to the console instead: the last expression as a rich
 * result, structured TypeScript diagnostics, stack traces mapped to cell lines, and the
 * `labbook` / `tslab` modules provided by the kernel.
 */
import * as path from 'node:path';
import * as util from 'node:util';
import * as vm from 'node:vm';
import Module, { createRequire } from 'node:module';
import type {
  CellDiagnostic,
  CellPhases,
  CellOutput,
  CompletionResult,
  ExecuteStatus,
  HoverResult,
  MimeBundle,
} from './protocol';
import * as fs from 'node:fs';
import { cellProgramContext, installCellProgram } from './cell-program';
import { DeclarationWarmUp, notebookImports } from './declaration-warmup';
import {
  debuggerMapComment,
  installSourceMapHooks,
  takeCellSourceMap,
  type CellSourceMap,
} from './sourcemaps';
import { installTypeResolution, notifyCreated, trackDirectoryWatchers } from './type-resolution';
import { onInstalled, packageOfSpecifier } from './sdk/install';
import { runtimeMembers } from './runtimeCompletions';

/**
 * tslab's TypeScript fork (with source maps switched on, before the converter loads it) and
 * tslab's converter. Loaded on first use, not with this module: loading them and building
 * the first program take seconds, which the kernel spends after it has said it is ready.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tslab's TypeScript fork ships no declarations of its internals we reach (ts.sys, the watch host)
let ts: any;
let createConverter: typeof import('tslab/dist/converter').createConverter | undefined;

function loadCompiler(): NonNullable<typeof createConverter> {
  if (createConverter) return createConverter;
  ts = installSourceMapHooks();
  installCellProgram(ts);
  installConverterTimers();
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- must load after the hooks above are installed; an import would be hoisted before them
  createConverter = (require('tslab/dist/converter') as typeof import('tslab/dist/converter'))
    .createConverter;
  return createConverter;
}

/** Modules the kernel itself provides to notebooks, whatever the notebook folder holds. */
export interface ProvidedModule {
  /** Runtime module (absolute path to its JavaScript). */
  runtime: string;
  /** Folder laid out as `node_modules/<name>` for the type checker, or undefined to keep the package's own types. */
  types?: string;
}

export interface ExecutorOptions {
  /** The notebook's folder: modules resolve from here upward, like Node. */
  rootDir: string;
  provided: Record<string, ProvidedModule>;
  /** Where packages missing from the notebook's folders are looked up last (Labbook's own node_modules). */
  fallbackDir?: string;
  /** The notebook file: the packages its cells import are the ones the idle warm-up reads the declarations of. */
  notebookPath?: string;
  emit: (output: CellOutput) => void;
}

/** One step of the idle warm-up: what a cell that comes in may wait for at most. */
const WARM_STEP_MS = 8;
/** How soon the warm-up looks again while a cell is running (awaiting). */
const WARM_BUSY_RETRY_MS = 50;

/** Symbol an object can implement to give its own rich representation as a cell result. */
export const MIME_BUNDLE = Symbol.for('labbook.mimeBundle');

const CELL_FILE = /labbook-cell-(\d+):(\d+):(\d+)/g;

/** Set for the bench's breakdown: each cell's phases are measured (TypeScript's performance counters on). */
const MEASURE_PHASES = process.env.LABBOOK_KERNEL_PHASES === '1';

/** TypeScript's measures (ts.performance) a cell's breakdown reports, by their TypeScript names. */
const TS_MEASURES = {
  programMs: 'Program',
  parseMs: 'Parse',
  ioReadMs: 'I/O Read',
  resolveMs: 'ResolveModule',
  bindMs: 'Bind',
  checkMs: 'Check',
  emitMs: 'Emit',
} as const;

function tsMeasures(): Record<keyof typeof TS_MEASURES, number> & { files: number } {
  const perf = ts?.performance;
  const out = { files: perf?.getCount('beforeParse') ?? 0 } as Record<
    keyof typeof TS_MEASURES,
    number
  > & { files: number };
  for (const [key, name] of Object.entries(TS_MEASURES))
    out[key as keyof typeof TS_MEASURES] = perf?.getDuration(name) ?? 0;
  return out;
}

export class CellExecutor {
  private converterInstance: ReturnType<NonNullable<typeof createConverter>> | undefined;
  private readonly locals: Record<string, unknown> = {};
  private readonly maps = new Map<number, CellSourceMap>();
  /** How each execution is named in errors: by the cell's position (see `cellName`). */
  private readonly names = new Map<number, string>();
  private readonly require: NodeJS.Require;
  private prevDecl = '';
  private rejectPending: ((reason: Error) => void) | undefined;
  /** The running cell's breakdown, while one is measured (MEASURE_PHASES). */
  private phases: CellPhases | undefined;
  private lastPhases: CellPhases | undefined;
  private declarationWarmUp: DeclarationWarmUp | undefined;
  private warmUpStep: NodeJS.Immediate | NodeJS.Timeout | undefined;
  /** Cells running now (one, or none: a cell that awaits lets the event loop run). */
  private executing = 0;
  /** When the compiled cell started running (its phases' runMs ends when the cell does). */
  private runStarted: number | undefined;

  constructor(private readonly options: ExecutorOptions) {
    onInstalled((folder, added) => {
      const modules = path.join(folder, 'node_modules');
      notifyCreated(folder, [modules, ...added.map((name) => path.join(modules, name))]);
    });
    // The converter resolves modules from the process's working folder.
    process.chdir(options.rootDir);
    this.require = this.makeRequire();
    const exportsProxy = this.makeExports();
    vm.runInThisContext('(x) => { globalThis.__labbook_cell__ = x; }')({
      exports: exportsProxy,
      require: this.require,
    });
  }

  /** The converter, created on first use (see `warmUp`). */
  private get converter(): ReturnType<NonNullable<typeof createConverter>> {
    if (this.converterInstance) return this.converterInstance;
    const started = performance.now();
    const create = loadCompiler();
    if (MEASURE_PHASES) ts.performance.enable();
    const { options } = this;
    installTypeResolution(ts.sys, {
      rootDir: options.rootDir,
      forwards: Object.entries(options.provided)
        .filter(([, m]) => m.types)
        .map(([name, m]) => ({
          from: path.join(options.rootDir, 'node_modules', name),
          to: m.types!,
        })),
      fallbackDir: options.fallbackDir,
    });
    trackDirectoryWatchers(ts.sys);
    this.converterInstance = create();
    if (this.phases) this.phases.compilerMs += performance.now() - started;
    return this.converterInstance;
  }

  /**
   * Does ahead of the first cell what it would otherwise wait for: loads the compiler,
   * parses the standard library and Node's declarations, and makes the first type checker
   * (which binds them), by checking an empty cell. The kernel calls it once it has answered
   * `initialize`; a cell that comes first simply does the same work itself.
   */
  warmUp(): void {
    if (!this.converterInstance) this.converter.convert('', '');
    this.startDeclarationWarmUp();
  }

  /**
   * Then, while no cell runs, the declarations of the packages the notebook imports (see
   * declaration-warmup.ts), a step at a time, so a cell that comes in goes first.
   */
  private startDeclarationWarmUp(): void {
    const context = cellProgramContext();
    if (this.declarationWarmUp || !context) return;
    const provided = Object.entries(this.options.provided)
      .filter(([, m]) => m.types)
      .map(([name]) => name);
    this.declarationWarmUp = new DeclarationWarmUp(ts, context, this.options.rootDir, [
      ...new Set([...this.notebookImports(), ...provided]),
    ]);
    const warm = this.declarationWarmUp;
    const tick = () => {
      this.warmUpStep = undefined;
      if (this.executing > 0) {
        this.warmUpStep = setTimeout(tick, WARM_BUSY_RETRY_MS);
        return;
      }
      try {
        if (warm.step(WARM_STEP_MS)) this.warmUpStep = setImmediate(tick);
      } catch {
        // A warm-up that fails only loses time: the cell reads the files itself.
      }
    };
    tick();
  }

  private notebookImports(): string[] {
    const file = this.options.notebookPath;
    if (!file) return [];
    try {
      return notebookImports(ts, fs.readFileSync(file, 'utf8'), file);
    } catch {
      // Not saved yet, or not a notebook we can read: only the provided modules are warmed.
      return [];
    }
  }

  /** Stops the idle warm-up (shutdown). */
  cancelWarmUp(): void {
    clearTimeout(this.warmUpStep as NodeJS.Timeout);
    clearImmediate(this.warmUpStep as NodeJS.Immediate);
    this.warmUpStep = undefined;
  }

  /**
   * Runs one cell; every output goes through `emit`, in the order the cell produced it.
   * `cellIndex` (0-based position in the notebook) names the cell in errors. `sourcePath`
   * (a file holding `code`) is set while a debugger is attached: the compiled cell then
   * carries a source map to that file's lines, for breakpoints set in the cell.
   */
  async execute(
    code: string,
    executionCount: number,
    cellIndex?: number,
    sourcePath?: string,
  ): Promise<ExecuteStatus> {
    const name = cellName(executionCount, cellIndex);
    this.names.set(executionCount, name);
    this.lastPhases = undefined;
    this.executing++;
    try {
      return await this.measured(code, executionCount, name, sourcePath);
    } finally {
      this.executing--;
    }
  }

  private async measured(
    code: string,
    executionCount: number,
    name: string,
    sourcePath: string | undefined,
  ): Promise<ExecuteStatus> {
    if (!MEASURE_PHASES) return this.run(code, executionCount, name, sourcePath);
    this.phases = {
      compilerMs: 0,
      convertMs: 0,
      programMs: 0,
      parseMs: 0,
      filesParsed: 0,
      ioReadMs: 0,
      resolveMs: 0,
      bindMs: 0,
      checkMs: 0,
      emitMs: 0,
      runMs: 0,
      requireMs: {},
    };
    try {
      return await this.run(code, executionCount, name, sourcePath);
    } finally {
      if (this.runStarted !== undefined) this.phases.runMs = performance.now() - this.runStarted;
      this.runStarted = undefined;
      if (this.declarationWarmUp) this.phases.prewarmedFiles = this.declarationWarmUp.files;
      this.lastPhases = this.phases;
      this.phases = undefined;
    }
  }

  /** The breakdown of the cell that ran last, when the kernel measures them (LABBOOK_KERNEL_PHASES=1). */
  cellPhases(): CellPhases | undefined {
    return this.lastPhases;
  }

  private async run(
    code: string,
    executionCount: number,
    name: string,
    sourcePath: string | undefined,
  ): Promise<ExecuteStatus> {
    const phases = this.phases;
    const convertStarted = performance.now();
    const converter = this.converter;
    const before = phases && tsMeasures();
    const converted = converter.convert(this.prevDecl, expandShorthandProperties(code));
    if (phases && before) {
      const after = tsMeasures();
      phases.convertMs = performance.now() - convertStarted - phases.compilerMs;
      phases.filesParsed = after.files - before.files;
      for (const key of Object.keys(TS_MEASURES) as (keyof typeof TS_MEASURES)[])
        phases[key] = after[key] - before[key];
    }
    if (converted.diagnostics.length > 0) {
      this.options.emit(diagnosticsOutput(converted.diagnostics, name));
      return 'error';
    }
    if (converted.sideOutputs) {
      for (const side of converted.sideOutputs) this.sideOutputs.set(side.path, side.data);
    }
    if (!converted.output) {
      this.prevDecl = converted.declOutput ?? '';
      return 'ok';
    }
    const { code: js, map } = takeCellSourceMap(converted.output);
    if (map) this.maps.set(executionCount, map);
    // The wrapper sits on its own line so generated line N is line N - 1 of the converter's output.
    let wrapped = `(${converted.hasToplevelAwait ? 'async ' : ''}function (exports, require) {\n${js}\n})(__labbook_cell__.exports, __labbook_cell__.require)`;
    const debugMap = sourcePath && debuggerMapComment(converted.output, sourcePath, code, 1);
    if (debugMap) wrapped += `\n${debugMap}`;
    this.runStarted = performance.now();
    try {
      const ret = vm.runInThisContext(wrapped, {
        filename: `labbook-cell-${executionCount}`,
        breakOnSigint: true,
        displayErrors: false,
      });
      if (converted.hasToplevelAwait) {
        await new Promise<void>((resolve, reject) => {
          this.rejectPending = reject;
          (ret as Promise<unknown>).then(() => resolve(), reject);
        }).finally(() => {
          this.rejectPending = undefined;
        });
      }
    } catch (error) {
      // What the cell declared before it threw stays inspectable in later cells, as it is at
      // run time. Names declared after the throw exist too (their exports start undefined).
      this.prevDecl = converted.declOutput ?? this.prevDecl;
      const interrupted = isInterrupt(error);
      this.options.emit(this.errorOutput(error));
      return interrupted ? 'interrupted' : 'error';
    }
    this.prevDecl = converted.declOutput ?? '';
    if (converted.lastExpressionVar && converted.lastExpressionVar in this.locals) {
      const value = this.locals[converted.lastExpressionVar];
      delete this.locals[converted.lastExpressionVar];
      if (value !== undefined)
        this.options.emit({ kind: 'result', data: richRepresentation(value), executionCount });
    }
    return 'ok';
  }

  /** Ends a pending top-level await. A busy synchronous loop is ended by SIGINT instead (breakOnSigint). */
  interrupt(): void {
    this.rejectPending?.(new InterruptedError());
  }

  complete(code: string, offset: number): CompletionResult {
    const info = this.converter.complete(this.prevDecl, code, offset);
    // The checker lists the declared type's members; the running value may have more keys.
    const known = new Set(info.candidates);
    const runtime = runtimeMembers(this.locals, code, info.start).filter((k) => !known.has(k));
    return { start: info.start, end: info.end, candidates: [...info.candidates, ...runtime] };
  }

  hover(code: string, offset: number): HoverResult | null {
    const info = this.converter.inspect(this.prevDecl, code, offset) as
      | {
          displayParts?: { text: string }[];
          documentation?: { text: string }[];
          textSpan: { start: number; length: number };
        }
      | undefined;
    if (!info) return null;
    return {
      text: (info.displayParts ?? []).map((p) => p.text).join(''),
      documentation: (info.documentation ?? []).map((p) => p.text).join(''),
      start: info.textSpan.start,
      length: info.textSpan.length,
    };
  }

  /** What the cells declared: each top-level name's value, and the type checker's declarations of them (the Variables view). */
  declared(): { values: Readonly<Record<string, unknown>>; declarations: string } {
    return { values: this.locals, declarations: this.prevDecl };
  }

  close(): void {
    this.converterInstance?.close();
  }

  /** Formats a thrown value as a Jupyter error with frames in notebook cells mapped to cell lines. */
  errorOutput(error: unknown): Extract<CellOutput, { kind: 'error' }> {
    if (isInterrupt(error)) {
      return {
        kind: 'error',
        ename: 'KeyboardInterrupt',
        evalue: 'Execution interrupted',
        traceback: ['KeyboardInterrupt: execution interrupted'],
      };
    }
    if (!(error instanceof Error)) {
      const shown = util.inspect(error);
      return { kind: 'error', ename: 'Uncaught', evalue: shown, traceback: [`Uncaught ${shown}`] };
    }
    const stack = (error.stack ?? `${error.name}: ${error.message}`).split('\n');
    const kept: string[] = [];
    for (const line of stack) {
      // Frames below the cell are the kernel's own machinery.
      if (
        /^\s+at /.test(line) &&
        !line.includes('labbook-cell-') &&
        kept.some((l) => l.includes('labbook-cell-'))
      )
        break;
      if (/\(node:vm:|at Script\.runInThisContext|runInThisContext \(/.test(line)) break;
      let unmapped = false;
      const mapped = line.replace(CELL_FILE, (_whole, count: string, l: string, c: string) => {
        const pos = this.maps.get(Number(count))?.toCell(Number(l) - 1, Number(c));
        if (!pos) unmapped = true;
        const name = this.names.get(Number(count)) ?? cellName(Number(count));
        return pos ? `${name}, line ${pos.line}:${pos.column}` : name;
      });
      // A cell frame with no source position is the wrapper the kernel adds around the cell.
      if (unmapped) continue;
      // Cell functions are called through the object that holds the notebook's declarations.
      kept.push(mapped.replace(/\bat Proxy\./, 'at '));
    }
    // Found by neither the type checker's nor Node's look-up (a require() the checker cannot see).
    const missing =
      (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND'
        ? packageOfSpecifier(/Cannot find module '([^']+)'/.exec(error.message)?.[1] ?? '')
        : undefined;
    if (missing) {
      kept.push(installHint([missing]));
      return {
        kind: 'error',
        ename: error.name,
        evalue: error.message,
        traceback: kept,
        missingPackages: [missing],
      };
    }
    return { kind: 'error', ename: error.name, evalue: error.message, traceback: kept };
  }

  private readonly sideOutputs = new Map<string, string>();
  private readonly sideModules = new Map<string, NodeJS.Module>();

  private makeRequire(): NodeJS.Require {
    const { rootDir, provided, fallbackDir } = this.options;
    const notebookRequire = createRequire(path.join(rootDir, '__labbook_notebook__.js'));
    const fallbackRequire = fallbackDir
      ? createRequire(path.join(fallbackDir, '__labbook__.js'))
      : undefined;
    const load = (id: string, from: NodeJS.Require, dir: string): unknown => {
      const own = provided[id];
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module's path is only known at run time
      if (own) return require(own.runtime);
      const side = this.requireSideOutput(id, dir);
      if (side) return side.exports;
      try {
        return from(id);
      } catch (error) {
        const bare = !id.startsWith('.') && !path.isAbsolute(id);
        if (fallbackRequire && bare && (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND')
          return fallbackRequire(id);
        throw error;
      }
    };
    const req = ((id: string) => {
      const phases = this.phases;
      if (!phases || id in phases.requireMs) return load(id, notebookRequire, rootDir);
      const started = performance.now();
      try {
        return load(id, notebookRequire, rootDir);
      } finally {
        phases.requireMs[id] = performance.now() - started;
      }
    }) as NodeJS.Require;
    req.resolve = notebookRequire.resolve;
    req.cache = notebookRequire.cache;
    req.main = notebookRequire.main;
    this.loadSide = load;
    return req;
  }

  private loadSide: ((id: string, from: NodeJS.Require, dir: string) => unknown) | undefined;

  /** Local .ts files a cell imports are compiled by the converter ("side outputs"). */
  private requireSideOutput(id: string, dir: string): NodeJS.Module | undefined {
    if (!id.startsWith('.')) return undefined;
    let filename = path.join(dir, id);
    if (path.extname(filename) === '') filename += '.js';
    const cached = this.sideModules.get(filename);
    if (cached) return cached;
    const source = this.sideOutputs.get(filename);
    if (source === undefined) return undefined;
    const mod = new Module(filename, module) as NodeJS.Module & {
      _compile(code: string, file: string): void;
      paths: string[];
    };
    mod.filename = filename;
    mod.paths = (Module as unknown as { _nodeModulePaths(d: string): string[] })._nodeModulePaths(
      path.dirname(filename),
    );
    const modRequire = createRequire(filename);
    const loadSide = this.loadSide!;
    mod.require = ((sub: string) =>
      loadSide(sub, modRequire, path.dirname(filename))) as NodeJS.Require;
    mod._compile(takeCellSourceMap(source).code, filename);
    this.sideModules.set(filename, mod);
    return mod;
  }

  /** Cell declarations are exported into one object; redeclaring a name in a later cell replaces it. */
  private makeExports(): Record<string, unknown> {
    const locals = this.locals;
    return new Proxy(locals, {
      defineProperty: (_target, prop, attrs) => {
        if (prop === '__esModule') return true;
        (locals as Record<string | symbol, unknown>)[prop] = attrs.get ? attrs.get() : attrs.value;
        return true;
      },
    });
  }
}

export class InterruptedError extends Error {
  constructor() {
    super('Execution interrupted');
    this.name = 'InterruptedError';
  }
}

function isInterrupt(error: unknown): boolean {
  if (error instanceof InterruptedError) return true;
  // What V8 throws when breakOnSigint stops a synchronous loop.
  return (
    error instanceof Error && /Script execution was interrupted by `SIGINT`/.test(error.message)
  );
}

/** TS2307: "Cannot find module 'x' or its corresponding type declarations." */
const CANNOT_FIND_MODULE = 2307;

/** The fix, in the error itself: names the packages and both ways to install them. */
export function installHint(packages: string[]): string {
  const list = packages.map((p) => JSON.stringify(p)).join(', ');
  const arg = packages.length === 1 ? list : `[${list}]`;
  return `Not installed: ${packages.join(', ')}. Install with \`await lab.install(${arg})\` in a cell (import * as lab from "labbook"), or the "Install" action on this cell; npm runs in the notebook's folder.`;
}

/**
 * A cell is named by its 1-based position among all the notebook's cells, markdown
 * included: what VS Code's status bar shows ("Cell 3 of 8"), what `labbook run` and the run
 * details panel say. The execution count changes on every run and repeats across
 * sessions, so it names a cell only when the client did not send the position.
 */
export function cellName(executionCount: number, cellIndex?: number): string {
  return cellIndex !== undefined && Number.isInteger(cellIndex) && cellIndex >= 0
    ? `cell ${cellIndex + 1}`
    : `the cell run as [${executionCount}]`;
}

function diagnosticsOutput(
  diagnostics: import('tslab/dist/converter').Diagnostic[],
  cell: string,
): CellOutput {
  const items: CellDiagnostic[] = diagnostics.map((d) => ({
    line: d.start.line + 1,
    column: d.start.character + 1,
    endLine: d.end.line + 1,
    endColumn: d.end.character + 1,
    message: d.messageText,
    code: d.code,
  }));
  const where = (d: import('tslab/dist/converter').Diagnostic, i: number) =>
    d.fileName
      ? `${d.fileName} ${items[i].line}:${items[i].column}`
      : `${cell}, line ${items[i].line}:${items[i].column}`;
  const traceback = diagnostics.map(
    (d, i) => `${where(d, i)} - error TS${d.code}: ${d.messageText}`,
  );
  const missing = [
    ...new Set(
      diagnostics.flatMap((d) => {
        if (d.code !== CANNOT_FIND_MODULE) return [];
        const name = /'([^']+)'/.exec(d.messageText)?.[1];
        const pkg = name === undefined ? undefined : packageOfSpecifier(name);
        return pkg ? [pkg] : [];
      }),
    ),
  ];
  if (missing.length > 0) traceback.push(installHint(missing));
  const n = diagnostics.length;
  return {
    kind: 'error',
    ename: 'TypeScript',
    evalue: `${n} error${n === 1 ? '' : 's'}: ${items[0].message}`,
    traceback,
    diagnostics: items,
    ...(missing.length > 0 ? { missingPackages: missing } : {}),
  };
}

/**
 * `{ epochs }` becomes `{ epochs: epochs }`. tslab's converter rewrites references to
 * earlier cells' declarations into `exports.epochs` but misses shorthand properties, which
 * then fail at run time with "epochs is not defined". The rewrite keeps every line where it
 * was, so diagnostics and stack lines still match the cell.
 */
export function expandShorthandProperties(code: string): string {
  if (!code.includes('{')) return code;
  loadCompiler();
  const file = ts.createSourceFile(
    'cell.ts',
    code,
    ts.ScriptTarget.Latest,
    false,
    ts.ScriptKind.TS,
  );
  const inserts: { at: number; text: string }[] = [];
  const visit = (node: {
    kind: number;
    name?: { end: number; text?: string; escapedText?: string };
  }) => {
    if (node.kind === ts.SyntaxKind.ShorthandPropertyAssignment && node.name) {
      inserts.push({ at: node.name.end, text: `: ${node.name.text ?? node.name.escapedText}` });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  let out = code;
  for (const { at, text } of inserts.sort((a, b) => b.at - a.at))
    out = out.slice(0, at) + text + out.slice(at);
  return out;
}

/** The cell result as a MIME bundle: the value's own representation if it has one, plus text. */
export function richRepresentation(value: unknown): MimeBundle {
  const text = util.inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
  const own =
    value !== null && typeof value === 'object'
      ? (value as Record<symbol, unknown>)[MIME_BUNDLE]
      : undefined;
  if (typeof own === 'function') {
    const bundle = own.call(value) as MimeBundle;
    return { 'text/plain': text, ...bundle };
  }
  return { 'text/plain': text };
}

/**
 * tslab's converter gives TypeScript's watch program a single timer slot, which only its
 * own convert() runs, and throws ("Unexpected pending rebuildTimer") when a second timer is
 * asked for. TypeScript asks for two kinds (update the program; re-resolve failed module
 * look-ups) from its file and folder watchers, so rewriting declarations the notebook uses
 * (a rebuild of dist/sdk-types, `npm install` in the notebook's folder) threw from an
 * fs.watch callback while the kernel sat idle, and left a timer pending that made every
 * later cell fail or the process die. Here the converter's `sys` (an Object.create of
 * ts.sys, whose setTimeout/clearTimeout it assigns) keeps its slot, and TypeScript gets
 * timers that queue any number of callbacks behind it: watchers never throw, and the
 * queued work runs at the next convert(), so the next cell sees the changed declarations.
 */
function installConverterTimers(): void {
  const sys = ts.sys as Record<string, unknown>;
  type Handle = { callback: (...args: unknown[]) => void; args: unknown[] };
  type Timers = {
    innerSet?: (callback: () => void) => unknown;
    innerClear?: (handle: unknown) => void;
    setTimeout: (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => Handle;
    clearTimeout: (handle: unknown) => void;
  };
  const byHost = new WeakMap<object, Timers>();
  const timersFor = (host: object): Timers => {
    let timers = byHost.get(host);
    if (timers) return timers;
    const pending = new Set<Handle>();
    let slot: unknown;
    // A callback that threw inside the converter's slot leaves the slot marked as pending.
    let stale: unknown;
    let draining = false;
    const drain = () => {
      draining = true;
      let failed = true;
      try {
        // Bounded: a callback may queue more work, never endlessly.
        for (let i = 0; i < 1000 && pending.size > 0; i++) {
          const [next] = pending;
          pending.delete(next);
          next.callback(...next.args);
        }
        failed = false;
      } finally {
        draining = false;
        if (failed) stale = slot;
        slot = undefined;
      }
    };
    timers = {
      setTimeout: (callback, _ms, ...args) => {
        const handle = { callback, args };
        pending.add(handle);
        if (slot === undefined && !draining && timers!.innerSet) {
          if (stale !== undefined) {
            timers!.innerClear?.(stale);
            stale = undefined;
          }
          slot = timers!.innerSet(drain);
        }
        return handle;
      },
      clearTimeout: (handle) => {
        pending.delete(handle as Handle);
        if (pending.size === 0 && slot !== undefined && !draining) {
          timers!.innerClear?.(slot);
          slot = undefined;
        }
      },
    };
    byHost.set(host, timers);
    return timers;
  };
  for (const name of ['setTimeout', 'clearTimeout'] as const) {
    let own = sys[name];
    Object.defineProperty(ts.sys, name, {
      configurable: true,
      get(this: object) {
        if (this === ts.sys) return own;
        return byHost.get(this)?.[name] ?? own;
      },
      set(this: object, value: unknown) {
        if (this === ts.sys) {
          own = value;
          return;
        }
        const timers = timersFor(this);
        if (name === 'setTimeout') timers.innerSet = value as Timers['innerSet'];
        else timers.innerClear = value as Timers['innerClear'];
      },
    });
  }
}
