/**
 * Parses and binds, while the kernel is idle, the declaration files of the packages the
 * notebook is likely to import (those its cells on disk import, and `labbook`), so the cell
 * that imports them finds them done. Importing tfjs makes the type checker read about 640
 * declaration files: parsing, resolving and binding them was most of the import cell
 * (`npm run bench:kernel -- --breakdown`).
 *
 * The files go into the watch program's own cache of source files (its compiler host's
 * getSourceFile), the one a cell's program reads from, with the options that program
 * parses them with; a file changed on disk later is parsed again there, as any file is.
 * The work is done a few milliseconds at a time: a cell that comes in is never held
 * behind more than one step, and what is done stays done for it. Nothing is run: only
 * declarations are read, never a package's code.
 */
import * as path from 'node:path';
import { parseNotebook, sourceText } from '../core/notebook/ipynb';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- tslab's TypeScript fork and its internals (bindSourceFile, getSetExternalModuleIndicator) have no declarations here
type Any = any;

/** What the warm-up needs from the converter's current program (see cell-program.ts). */
export interface ProgramContext {
  host: Any;
  options: Any;
}

const DECLARATION = /\.d\.[cm]?ts$/;

/** Bare module specifiers the code cells of a notebook's text import (`import`, `export … from`, `require`). */
export function notebookImports(ts: Any, notebookText: string, file: string): string[] {
  const found = new Set<string>();
  for (const cell of parseNotebook(notebookText, file).cells) {
    if (cell.cell_type !== 'code') continue;
    const info = ts.preProcessFile(sourceText(cell.source), true, true);
    for (const ref of info.importedFiles as { fileName: string }[]) {
      const name = ref.fileName;
      if (name && !name.startsWith('.') && !path.isAbsolute(name)) found.add(name);
    }
  }
  return [...found];
}

export class DeclarationWarmUp {
  private readonly queue: string[] = [];
  private readonly seen = new Set<string>();
  private readonly cache: Any;
  private readonly createOptions: Any;
  private readonly containingFile: string;
  /** Declaration files this warm-up parsed or found parsed. */
  files = 0;

  constructor(
    private readonly ts: Any,
    private readonly context: ProgramContext,
    rootDir: string,
    specifiers: string[],
  ) {
    const { options, host } = context;
    this.cache = ts.createModuleResolutionCache(
      host.getCurrentDirectory(),
      (f: string) => f,
      options,
    );
    this.createOptions = {
      languageVersion: ts.getEmitScriptTarget(options),
      impliedNodeFormat: undefined,
      setExternalModuleIndicator: ts.getSetExternalModuleIndicator(options),
    };
    // Where a cell's imports are resolved from (tslab's cell file).
    this.containingFile = path.join(rootDir, '__tslab__.ts');
    for (const s of specifiers) this.enqueueModule(s, this.containingFile);
  }

  get done(): boolean {
    return this.queue.length === 0;
  }

  /** Works through the queue for about `budgetMs`; returns whether work remains. */
  step(budgetMs: number): boolean {
    const until = performance.now() + budgetMs;
    while (this.queue.length > 0 && performance.now() < until) this.warm(this.queue.shift()!);
    return this.queue.length > 0;
  }

  private warm(fileName: string): void {
    const { ts, context } = this;
    const file = context.host.getSourceFile(fileName, this.createOptions);
    if (!file) return;
    this.files++;
    if (!file.locals) ts.bindSourceFile(file, context.options);
    for (const ref of ts.preProcessFile(file.text, true, false).importedFiles as {
      fileName: string;
    }[])
      this.enqueueModule(ref.fileName, file.fileName);
    for (const ref of file.referencedFiles as { fileName: string }[])
      this.enqueueFile(path.resolve(path.dirname(file.fileName), ref.fileName));
    for (const ref of file.typeReferenceDirectives as { fileName: string }[]) {
      const resolved = ts.resolveTypeReferenceDirective(
        ref.fileName,
        file.fileName,
        context.options,
        context.host,
      ).resolvedTypeReferenceDirective;
      if (resolved?.resolvedFileName) this.enqueueFile(resolved.resolvedFileName);
    }
  }

  private enqueueModule(specifier: string, containingFile: string): void {
    const resolved = this.ts.resolveModuleName(
      specifier,
      containingFile,
      this.context.options,
      this.context.host,
      this.cache,
    ).resolvedModule;
    if (resolved?.resolvedFileName) this.enqueueFile(resolved.resolvedFileName);
  }

  private enqueueFile(fileName: string): void {
    // Only declarations: the notebook's own .ts files are the converter's to compile.
    if (!DECLARATION.test(fileName) || this.seen.has(fileName)) return;
    this.seen.add(fileName);
    this.queue.push(fileName);
  }
}
