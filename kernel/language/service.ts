/**
 * TypeScript language services for open notebooks: one per notebook over its cells laid
 * out as one program (notebookProgram.ts), with what the kernel's checker has: tslab's
 * TypeScript and compiler options, the `labbook` declarations served as
 * `<folder>/node_modules/labbook`, and packages resolved from the notebook's folder upward,
 * then from Labbook's own node_modules (type-resolution.ts). Library declarations (lib,
 * tfjs) are parsed once and shared by every notebook through one document registry.
 */
import * as crypto from 'node:crypto';
import * as path from 'node:path';
import type * as TS from 'typescript';
import { installTypeResolution } from '../type-resolution';
import type { ProvidedModule } from '../executor';
import {
  buildNotebookProgram,
  cellPosition,
  kernelDiagnostic,
  toCellSpan,
  type NotebookCellInput,
  type NotebookProgram,
  type ProgramCell,
} from './notebookProgram';
import type * as protocol from './protocol';

export interface LanguageServiceOptions {
  ts: typeof TS;
  provided: Record<string, ProvidedModule>;
  fallbackDir?: string;
  /** Folder whose node_modules/@types answers when the notebook's folders have no @types/node (tslab does this). */
  tslabDir?: string;
}

type Sys = TS.System;

/** The kernel's compiler options (tslab's converter), minus what only emitting needs. */
function compilerOptions(ts: typeof TS, typeRoots: string[]): TS.CompilerOptions {
  return {
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    esModuleInterop: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    newLine: ts.NewLineKind.LineFeed,
    experimentalDecorators: true,
    resolveJsonModule: true,
    jsx: ts.JsxEmit.React,
    typeRoots,
    allowJs: true,
    checkJs: true,
    skipLibCheck: true,
    noEmit: true,
  };
}

class NotebookService {
  program: NotebookProgram = { cells: [], byFile: new Map() };
  private readonly versions = new Map<string, number>();
  private counter = 0;
  readonly service: TS.LanguageService;

  constructor(
    private readonly ts: typeof TS,
    readonly folder: string,
    private readonly key: string,
    sys: Sys,
    options: TS.CompilerOptions,
    registry: TS.DocumentRegistry,
  ) {
    const virtual = (f: string) => this.program.byFile.get(path.resolve(f));
    const libDir = path.dirname(ts.getDefaultLibFilePath(options));
    const host: TS.LanguageServiceHost = {
      getCompilationSettings: () => options,
      getScriptFileNames: () => this.program.cells.map((c) => c.fileName),
      getScriptVersion: (f) => {
        const own = this.versions.get(path.resolve(f));
        if (own !== undefined) return String(own);
        // Installed declarations change only with an install; the notebook's own .ts files
        // (a cell's `import "./helpers"`) change while it is open.
        if (/[\\/]node_modules[\\/]/.test(f) || f.startsWith(libDir)) return '0';
        return String(sys.getModifiedTime?.(f)?.getTime() ?? 0);
      },
      getScriptSnapshot: (f) => {
        const cell = virtual(f);
        if (cell) return ts.ScriptSnapshot.fromString(cell.content);
        const text = sys.readFile(f);
        return text === undefined ? undefined : ts.ScriptSnapshot.fromString(text);
      },
      getCurrentDirectory: () => folder,
      getDefaultLibFileName: (o) => ts.getDefaultLibFilePath(o),
      fileExists: (f) => virtual(f) !== undefined || sys.fileExists(f),
      readFile: (f, encoding) => virtual(f)?.content ?? sys.readFile(f, encoding),
      directoryExists: (d) => sys.directoryExists(d),
      getDirectories: (d) => sys.getDirectories(d),
      readDirectory: (...args) => sys.readDirectory(...args),
      realpath: sys.realpath ? (p) => sys.realpath!(p) : undefined,
      useCaseSensitiveFileNames: () => sys.useCaseSensitiveFileNames,
    };
    this.service = ts.createLanguageService(host, registry);
  }

  update(cells: NotebookCellInput[]): void {
    const next = buildNotebookProgram(this.ts, this.folder, this.key, cells);
    for (const cell of next.cells) {
      if (this.program.byFile.get(cell.fileName)?.content !== cell.content)
        this.versions.set(cell.fileName, ++this.counter);
    }
    this.program = next;
  }

  cell(uri: string): ProgramCell | undefined {
    return this.program.cells.find((c) => c.uri === uri);
  }

  diagnostics(): protocol.CellDiagnostics[] {
    return this.program.cells.map((cell) => ({
      uri: cell.uri,
      diagnostics: [
        ...this.service.getSyntacticDiagnostics(cell.fileName),
        ...this.service.getSemanticDiagnostics(cell.fileName),
      ].flatMap((d) => this.cellDiagnostic(cell, d)),
    }));
  }

  private cellDiagnostic(cell: ProgramCell, d: TS.Diagnostic): protocol.LanguageDiagnostic[] {
    const ts = this.ts;
    if (d.start === undefined) return [];
    const span = toCellSpan(cell, d.start, d.length ?? 0);
    if (!span) return [];
    const shown = kernelDiagnostic(
      this.program,
      cell,
      d.code,
      ts.flattenDiagnosticMessageText(d.messageText, '\n'),
    );
    if (!shown) return [];
    const start = cellPosition(cell.text, span.start);
    const end = cellPosition(cell.text, span.start + span.length);
    return [
      {
        start: span.start,
        length: span.length,
        line: start.line,
        character: start.character,
        endLine: end.line,
        endCharacter: end.character,
        message: shown.message,
        code: shown.code,
        severity:
          d.category === ts.DiagnosticCategory.Error
            ? 'error'
            : d.category === ts.DiagnosticCategory.Warning
              ? 'warning'
              : 'suggestion',
        ...(d.reportsDeprecated ? { deprecated: true } : {}),
      },
    ];
  }

  completions(cell: ProgramCell, offset: number): protocol.LanguageCompletionResult | null {
    const at = cell.prefixLength + offset;
    const info = this.service.getCompletionsAtPosition(cell.fileName, at, {
      includeCompletionsWithInsertText: true,
    });
    if (!info) return null;
    const word = wordAt(cell.text, offset);
    return {
      start: word.start,
      length: word.length,
      items: info.entries
        // Names of the layout's own files never belong in a cell.
        .filter((e) => !e.name.startsWith('__labbook_'))
        .map((e) => ({
          name: e.name,
          kind: e.kind,
          sortText: e.sortText,
          ...(e.insertText !== undefined ? { insertText: e.insertText } : {}),
        })),
    };
  }

  completionDetails(
    cell: ProgramCell,
    offset: number,
    name: string,
  ): protocol.CompletionDetails | null {
    const d = this.service.getCompletionEntryDetails(
      cell.fileName,
      cell.prefixLength + offset,
      name,
      undefined,
      undefined,
      undefined,
      undefined,
    );
    if (!d) return null;
    return {
      detail: this.ts.displayPartsToString(d.displayParts),
      documentation: docMarkdown(this.ts, d.documentation, d.tags),
    };
  }

  hover(cell: ProgramCell, offset: number): protocol.QuickInfo | null {
    const info = this.service.getQuickInfoAtPosition(cell.fileName, cell.prefixLength + offset);
    if (!info) return null;
    const span = toCellSpan(cell, info.textSpan.start, info.textSpan.length);
    if (!span) return null;
    return {
      text: this.ts.displayPartsToString(info.displayParts),
      documentation: docMarkdown(this.ts, info.documentation, info.tags),
      start: span.start,
      length: span.length,
    };
  }

  signatureHelp(cell: ProgramCell, offset: number): protocol.SignatureHelpResult | null {
    const help = this.service.getSignatureHelpItems(
      cell.fileName,
      cell.prefixLength + offset,
      undefined,
    );
    if (!help) return null;
    const ts = this.ts;
    return {
      activeSignature: help.selectedItemIndex,
      activeParameter: help.argumentIndex,
      signatures: help.items.map((item) => {
        const parameters = item.parameters.map((p) => ({
          label: ts.displayPartsToString(p.displayParts),
          documentation: ts.displayPartsToString(p.documentation),
        }));
        const label =
          ts.displayPartsToString(item.prefixDisplayParts) +
          parameters.map((p) => p.label).join(ts.displayPartsToString(item.separatorDisplayParts)) +
          ts.displayPartsToString(item.suffixDisplayParts);
        return { label, documentation: docMarkdown(ts, item.documentation, item.tags), parameters };
      }),
    };
  }

  dispose(): void {
    this.service.dispose();
  }
}

/** The identifier the cursor is in or just after: what a chosen completion replaces. */
function wordAt(text: string, offset: number): { start: number; length: number } {
  let start = offset;
  while (start > 0 && /[\w$]/.test(text.charAt(start - 1))) start--;
  let end = offset;
  while (end < text.length && /[\w$]/.test(text.charAt(end))) end++;
  return { start, length: end - start };
}

function docMarkdown(
  ts: typeof TS,
  documentation: TS.SymbolDisplayPart[] | undefined,
  tags: TS.JSDocTagInfo[] | undefined,
): string {
  const parts = [ts.displayPartsToString(documentation)];
  for (const tag of tags ?? []) {
    const text = ts.displayPartsToString(tag.text);
    parts.push(`*@${tag.name}*${text ? ` — ${text.replace(/\n/g, '  \n')}` : ''}`);
  }
  return parts.filter((p) => p !== '').join('\n\n');
}

/** Every open notebook's language service, by notebook URI. */
export class NotebookLanguageServices {
  private readonly notebooks = new Map<string, NotebookService>();
  private readonly registry: TS.DocumentRegistry;
  /** One mapped file system and option set per folder: the mapping depends on the folder. */
  private readonly folders = new Map<string, { sys: Sys; options: TS.CompilerOptions }>();

  constructor(private readonly options: LanguageServiceOptions) {
    this.registry = options.ts.createDocumentRegistry();
  }

  private folderSetup(folder: string): { sys: Sys; options: TS.CompilerOptions } {
    const found = this.folders.get(folder);
    if (found) return found;
    const { ts, provided, fallbackDir, tslabDir } = this.options;
    const sys = Object.create(ts.sys) as Sys;
    installTypeResolution(sys as unknown as Record<string, (...args: unknown[]) => unknown>, {
      rootDir: folder,
      forwards: Object.entries(provided)
        .filter(([, m]) => m.types)
        .map(([name, m]) => ({ from: path.join(folder, 'node_modules', name), to: m.types! })),
      fallbackDir,
    });
    // Internal to TypeScript, and what tslab's converter calls to find the type roots.
    const { getDefaultTypeRoots } = ts as unknown as {
      getDefaultTypeRoots(
        dir: string,
        host: { directoryExists(d: string): boolean },
      ): string[] | undefined;
    };
    const typeRoots =
      getDefaultTypeRoots(folder, { directoryExists: (d) => sys.directoryExists(d) }) ?? [];
    if (tslabDir && !typeRoots.some((r) => sys.fileExists(path.join(r, 'node', 'package.json'))))
      typeRoots.push(path.join(tslabDir, 'node_modules', '@types'));
    const setup = { sys, options: compilerOptions(ts, typeRoots) };
    this.folders.set(folder, setup);
    return setup;
  }

  update(params: protocol.UpdateNotebookParams): protocol.CellDiagnostics[] {
    const folder = path.resolve(params.folder);
    let nb = this.notebooks.get(params.notebook);
    if (nb && nb.folder !== folder) {
      nb.dispose();
      nb = undefined;
    }
    if (!nb) {
      const { sys, options } = this.folderSetup(folder);
      const key = crypto.createHash('sha1').update(params.notebook).digest('hex').slice(0, 8);
      nb = new NotebookService(this.options.ts, folder, key, sys, options, this.registry);
      this.notebooks.set(params.notebook, nb);
    }
    nb.update(params.cells);
    return nb.diagnostics();
  }

  close(notebook: string): void {
    this.notebooks.get(notebook)?.dispose();
    this.notebooks.delete(notebook);
  }

  private at(
    params: protocol.CellPositionParams,
  ): { nb: NotebookService; cell: ProgramCell } | undefined {
    const nb = this.notebooks.get(params.notebook);
    const cell = nb?.cell(params.cell);
    if (!nb || !cell || params.offset > cell.text.length) return undefined;
    return { nb, cell };
  }

  completions(params: protocol.CellPositionParams): protocol.LanguageCompletionResult | null {
    const found = this.at(params);
    return found ? found.nb.completions(found.cell, params.offset) : null;
  }

  completionDetails(params: protocol.CompletionDetailsParams): protocol.CompletionDetails | null {
    const found = this.at(params);
    return found ? found.nb.completionDetails(found.cell, params.offset, params.name) : null;
  }

  hover(params: protocol.CellPositionParams): protocol.QuickInfo | null {
    const found = this.at(params);
    return found ? found.nb.hover(found.cell, params.offset) : null;
  }

  signatureHelp(params: protocol.CellPositionParams): protocol.SignatureHelpResult | null {
    const found = this.at(params);
    return found ? found.nb.signatureHelp(found.cell, params.offset) : null;
  }
}
