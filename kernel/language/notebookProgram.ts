/**
 * A notebook's code cells as the kernel sees them, laid out as files for one TypeScript
 * program: each cell is a module whose top-level declarations are exported, and a later
 * cell imports the names earlier cells declared (the latest declaration of a name wins, and
 * a cell's own declaration of a name hides every earlier one), which is what tslab's
 * converter gives the kernel cell after cell. Modules also allow top-level await.
 *
 * The cell's text is kept verbatim between a one-line prelude (the imports) and an
 * epilogue (the exports), so a cell offset is the program offset minus the prelude's
 * length, and what the checker reports outside the cell's text is the layout's own.
 *
 * Pure: takes the TypeScript module to parse with, so unit tests and the language process
 * share it.
 */
import * as path from 'node:path';
import type * as TS from 'typescript';

export type CellLanguage = 'typescript' | 'javascript';

export interface NotebookCellInput {
  /** The cell document's URI, as the editor names it. */
  uri: string;
  language: CellLanguage;
  text: string;
}

/** How a top-level name was declared: assignments to an imported `let` are fine, to a `const` not. */
export type DeclarationKind = 'let' | 'const' | 'other';

export interface ProgramCell {
  uri: string;
  /** Absolute path of the virtual file, in the notebook's folder so imports resolve from there. */
  fileName: string;
  /** The file's text: prelude + cell text + epilogue. */
  content: string;
  /** Length of the prelude: program offset = cell offset + prefixLength. */
  prefixLength: number;
  /** The cell's own text. */
  text: string;
  declared: Map<string, DeclarationKind>;
  /** Names this cell takes from earlier cells, with the declaring cell's index. */
  imported: Map<string, number>;
}

export interface NotebookProgram {
  cells: ProgramCell[];
  /** Cell by its virtual file name. */
  byFile: Map<string, ProgramCell>;
}

/**
 * Lays out `cells` (code cells in notebook order) as files named after `key` (unique per
 * notebook, so notebooks of one folder never share a file) in `rootDir`.
 */
export function buildNotebookProgram(
  ts: typeof TS,
  rootDir: string,
  key: string,
  cells: NotebookCellInput[],
): NotebookProgram {
  const base = (i: number) => `__labbook_${key}_cell${i}__`;
  const latest = new Map<string, number>();
  const out: ProgramCell[] = [];
  cells.forEach((cell, i) => {
    const declared = topLevelDeclarations(ts, cell.text, cell.language);
    const imported = new Map<string, number>();
    for (const [name, from] of latest) if (!declared.has(name)) imported.set(name, from);
    const bySource = new Map<number, string[]>();
    for (const [name, from] of imported) bySource.set(from, [...(bySource.get(from) ?? []), name]);
    const prelude = [...bySource]
      .sort(([a], [b]) => a - b)
      .map(([from, names]) => `import { ${names.join(', ')} } from "./${base(from)}";`)
      .join(' ');
    const prefix = prelude ? `${prelude}\n` : '';
    const exported = [...declared.keys()].filter((n) => !exportedByCell(cell.text, n));
    const epilogue = `\nexport { ${exported.join(', ')} };\n`;
    const ext = cell.language === 'javascript' ? '.js' : '.ts';
    out.push({
      uri: cell.uri,
      fileName: path.join(rootDir, base(i) + ext),
      content: prefix + cell.text + epilogue,
      prefixLength: prefix.length,
      text: cell.text,
      declared,
      imported,
    });
    for (const name of declared.keys()) latest.set(name, i);
  });
  return { cells: out, byFile: new Map(out.map((c) => [c.fileName, c])) };
}

/** `export const x` in the cell already exports x: exporting it again would be an error. */
function exportedByCell(text: string, name: string): boolean {
  if (!text.includes('export')) return false;
  const escaped = name.replace(/[$]/g, '\\$');
  return new RegExp(
    `\\bexport\\s+(?:declare\\s+)?(?:default\\s+)?(?:async\\s+)?(?:const|let|var|function\\*?|class|interface|type|enum|namespace|abstract\\s+class)\\s+${escaped}\\b`,
  ).test(text);
}

/** The names a cell declares at its top level, as the kernel keeps them for later cells. */
export function topLevelDeclarations(
  ts: typeof TS,
  text: string,
  language: CellLanguage,
): Map<string, DeclarationKind> {
  const file = ts.createSourceFile(
    language === 'javascript' ? 'cell.js' : 'cell.ts',
    text,
    ts.ScriptTarget.Latest,
    false,
    language === 'javascript' ? ts.ScriptKind.JS : ts.ScriptKind.TS,
  );
  const names = new Map<string, DeclarationKind>();
  const bindings = (name: TS.BindingName, kind: DeclarationKind) => {
    if (ts.isIdentifier(name)) names.set(name.text, kind);
    else
      for (const element of name.elements)
        if (!ts.isOmittedExpression(element)) bindings(element.name, kind);
  };
  for (const statement of file.statements) {
    if (ts.isVariableStatement(statement)) {
      const flags = statement.declarationList.flags;
      const kind: DeclarationKind = flags & ts.NodeFlags.Const ? 'const' : 'let';
      for (const d of statement.declarationList.declarations) bindings(d.name, kind);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.set(statement.name.text, 'other');
    } else if (ts.isModuleDeclaration(statement) && ts.isIdentifier(statement.name)) {
      names.set(statement.name.text, 'other');
    } else if (ts.isImportDeclaration(statement) && statement.importClause) {
      const clause = statement.importClause;
      if (clause.name) names.set(clause.name.text, 'const');
      const bound = clause.namedBindings;
      if (bound && ts.isNamespaceImport(bound)) names.set(bound.name.text, 'const');
      else if (bound) for (const s of bound.elements) names.set(s.name.text, 'const');
    } else if (ts.isImportEqualsDeclaration(statement)) {
      names.set(statement.name.text, 'const');
    }
  }
  return names;
}

export interface CellSpan {
  start: number;
  length: number;
}

/** A program span in cell offsets, clipped to the cell; undefined when it lies outside the cell. */
export function toCellSpan(cell: ProgramCell, start: number, length: number): CellSpan | undefined {
  const s = start - cell.prefixLength;
  const e = s + length;
  if (e < 0 || s > cell.text.length) return undefined;
  // A span that starts in the prelude belongs to the layout (an import of an earlier cell).
  if (s < 0) return undefined;
  return { start: s, length: Math.min(e, cell.text.length) - s };
}

/** 0-based line and character of a cell offset. */
export function cellPosition(text: string, offset: number): { line: number; character: number } {
  let line = 0;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, character: Math.min(offset, text.length) - lineStart };
}

/** TS2632: "Cannot assign to 'x' because it is an import." */
export const ASSIGN_TO_IMPORT = 2632;
/** TS2588: "Cannot assign to 'x' because it is a constant." */
export const ASSIGN_TO_CONSTANT = 2588;

/**
 * Undoes what the layout adds to a diagnostic: an earlier cell's `let` is assignable in the
 * kernel (its declarations file says `let`), its `const` is a constant, not an import.
 * Returns undefined for a diagnostic the kernel would not report.
 */
export function kernelDiagnostic(
  program: NotebookProgram,
  cell: ProgramCell,
  code: number,
  message: string,
): { code: number; message: string } | undefined {
  if (code !== ASSIGN_TO_IMPORT) return { code, message };
  const name = /'([^']+)'/.exec(message)?.[1];
  const from = name === undefined ? undefined : cell.imported.get(name);
  if (name === undefined || from === undefined) return { code, message };
  const kind = program.cells[from].declared.get(name);
  if (kind === 'let') return undefined;
  if (kind === 'const' && !isImportIn(program.cells[from], name))
    return {
      code: ASSIGN_TO_CONSTANT,
      message: `Cannot assign to '${name}' because it is a constant.`,
    };
  return { code, message };
}

function isImportIn(cell: ProgramCell, name: string): boolean {
  return new RegExp(`\\bimport\\b[^;]*\\b${name.replace(/[$]/g, '\\$')}\\b`).test(cell.text);
}
