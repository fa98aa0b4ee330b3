/**
 * The program tslab's converter checks each cell with, made cheap to rebuild.
 *
 * tslab's converter runs a TypeScript watch program and rebuilds it twice per cell (once
 * to read the cell's names, once with an `export { ... }` of them). The watch program
 * already keeps every parsed declaration file (lib, @types/node, tfjs) between cells; what
 * made a cell slow once tfjs is imported is the default "builder" program it wraps each
 * program in: an emit-and-semantic-diagnostics builder that, on every rebuild, walks every
 * file of the program (hundreds in tfjs) to build a map of references between files, and
 * creates a type checker to do it, for incremental emit tslab never uses. The converter
 * only asks its builder for the program, a source file, the cell's own source dependencies
 * and an emit: this module gives it a builder that does just that on a plain program
 * (created with the old one, so unchanged files and their resolutions are reused).
 */

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tslab's TypeScript fork, whose internals (resolvedModules, bindSourceFile) have no declarations
type Ts = any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- objects of tslab's TypeScript fork (programs, source files)
type Any = any;

interface CellBuilder {
  getProgram(): Any;
  getProgramOrUndefined(): Any;
  releaseProgram(): void;
  getCompilerOptions(): Any;
  getSourceFile(fileName: string): Any;
  getSourceFiles(): readonly Any[];
  getAllDependencies(sourceFile: Any): string[];
  emit(...args: Any[]): Any;
}

/** The compiler host and options of the program built last: the idle warm-up parses into that host's cache. */
let lastContext: { host: Any; options: Any } | undefined;

export function cellProgramContext(): { host: Any; options: Any } | undefined {
  return lastContext;
}

/** Wraps `ts.createWatchCompilerHost` so the watch program builds CellBuilders. */
export function installCellProgram(ts: Ts): void {
  const createHost = ts.createWatchCompilerHost as (...args: unknown[]) => unknown;
  Object.defineProperty(ts, 'createWatchCompilerHost', {
    enumerable: true,
    configurable: true,
    value: (rootFiles: unknown, options: unknown, system: unknown, ...rest: unknown[]) =>
      createHost(rootFiles, options, system, createCellBuilderFactory(ts), ...rest.slice(1)),
  });
}

function createCellBuilderFactory(ts: Ts) {
  return (
    rootNames: readonly string[] | undefined,
    options: Any,
    host: Any,
    old: CellBuilder | undefined,
    configFileParsingDiagnostics?: readonly Any[],
    projectReferences?: readonly Any[],
  ): CellBuilder => {
    const oldProgram = old?.getProgramOrUndefined();
    const program = ts.createProgram({
      rootNames: rootNames ?? oldProgram?.getRootFileNames() ?? [],
      options: options ?? oldProgram?.getCompilerOptions(),
      host,
      oldProgram,
      configFileParsingDiagnostics,
      projectReferences,
    });
    lastContext = { host, options: program.getCompilerOptions() };
    return {
      getProgram: () => program,
      getProgramOrUndefined: () => program,
      releaseProgram: () => undefined,
      getCompilerOptions: () => program.getCompilerOptions(),
      getSourceFile: (fileName) => {
        const file = program.getSourceFile(fileName);
        // The converter reads the cell's declared names (`locals`) before anything else has
        // asked for a type checker, which is what binds files otherwise; binding is per file.
        if (file && !file.locals) ts.bindSourceFile(file, program.getCompilerOptions());
        return file;
      },
      getSourceFiles: () => program.getSourceFiles(),
      getAllDependencies: (sourceFile) => sourceDependencies(program, sourceFile),
      emit: (sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers) =>
        program.emit(sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers),
    };
  };
}

/**
 * The file and the notebook's own source files it imports, directly or not: what tslab
 * type-checks and compiles with a cell. Declaration files and packages (node_modules)
 * are neither compiled nor reported on (skipLibCheck), so the walk stops at them.
 */
function sourceDependencies(program: Any, sourceFile: Any): string[] {
  const seen = new Set<string>([sourceFile.fileName]);
  const queue = [sourceFile];
  while (queue.length > 0) {
    const file = queue.pop();
    file.resolvedModules?.forEach((resolution: Any) => {
      const resolved = resolution?.resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) return;
      const name: string = resolved.resolvedFileName;
      if (seen.has(name) || name.endsWith('.d.ts')) return;
      const dep = program.getSourceFile(name);
      if (!dep || program.isSourceFileFromExternalLibrary(dep)) return;
      seen.add(name);
      queue.push(dep);
    });
  }
  return [...seen];
}
