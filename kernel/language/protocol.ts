/**
 * The contract between the editor and the notebook language process, which type-checks
 * every open notebook as one program (see notebookProgram.ts) with the kernel's TypeScript,
 * compiler options and module resolution. Both sides import these types; the process
 * checks what arrives.
 *
 * Transport: JSON-RPC (vscode-jsonrpc) over the child's fd 3, like the kernel's.
 * Positions are cell offsets (UTF-16 code units into the cell's text as last sent) plus,
 * for diagnostics, 0-based line and character, so a reply for an older text is detectable
 * by `version` and never misplaced.
 */
import { RequestType, RequestType0 } from 'vscode-jsonrpc';

export interface LanguageCell {
  /** The cell document's URI (the editor's name for the cell). */
  uri: string;
  language: 'typescript' | 'javascript';
  text: string;
}

export interface UpdateNotebookParams {
  /** The notebook document's URI. */
  notebook: string;
  /** The notebook's folder: modules resolve from here, as in the kernel. */
  folder: string;
  /** Code cells in notebook order. */
  cells: LanguageCell[];
  /** Increases with every update of this notebook. */
  version: number;
}

export interface LanguageDiagnostic {
  start: number;
  length: number;
  line: number;
  character: number;
  endLine: number;
  endCharacter: number;
  message: string;
  code: number;
  severity: 'error' | 'warning' | 'suggestion';
  /** Marked deprecated by the checker (drawn struck through). */
  deprecated?: boolean;
}

export interface CellDiagnostics {
  uri: string;
  diagnostics: LanguageDiagnostic[];
}

export interface DiagnosticsResult {
  version: number;
  cells: CellDiagnostics[];
}

export interface NotebookParams {
  notebook: string;
}

export interface CellPositionParams {
  notebook: string;
  cell: string;
  /** Offset into the cell's text. */
  offset: number;
}

export interface LanguageCompletionItem {
  name: string;
  /** TypeScript's ScriptElementKind (`var`, `function`, `property`, ...). */
  kind: string;
  sortText: string;
  /** The text it inserts, when not its name. */
  insertText?: string;
}

export interface LanguageCompletionResult {
  /** Cell range the chosen item replaces (the word at the position). */
  start: number;
  length: number;
  items: LanguageCompletionItem[];
}

export interface CompletionDetailsParams extends CellPositionParams {
  name: string;
}

export interface CompletionDetails {
  /** Signature or type, e.g. `const x: number`. */
  detail: string;
  /** JSDoc text, markdown. */
  documentation: string;
}

export interface QuickInfo {
  /** Signature or type, e.g. `const x: number`. */
  text: string;
  /** JSDoc text and tags, markdown. */
  documentation: string;
  start: number;
  length: number;
}

export interface SignatureParameter {
  label: string;
  documentation: string;
}

export interface Signature {
  label: string;
  documentation: string;
  parameters: SignatureParameter[];
}

export interface SignatureHelpResult {
  signatures: Signature[];
  activeSignature: number;
  activeParameter: number;
}

export interface LanguageInitializeResult {
  pid: number;
  typescriptVersion: string;
}

export const LanguageInitialize = new RequestType0<LanguageInitializeResult, void>(
  'language/initialize',
);
/** Replaces the notebook's cells; answers the diagnostics of every cell for that version. */
export const UpdateNotebook = new RequestType<UpdateNotebookParams, DiagnosticsResult, void>(
  'language/updateNotebook',
);
export const CloseNotebook = new RequestType<NotebookParams, void, void>('language/closeNotebook');
export const Completions = new RequestType<
  CellPositionParams,
  LanguageCompletionResult | null,
  void
>('language/completions');
export const CompletionEntryDetails = new RequestType<
  CompletionDetailsParams,
  CompletionDetails | null,
  void
>('language/completionDetails');
export const Hover = new RequestType<CellPositionParams, QuickInfo | null, void>('language/hover');
export const SignatureHelp = new RequestType<CellPositionParams, SignatureHelpResult | null, void>(
  'language/signatureHelp',
);
export const LanguageShutdown = new RequestType0<void, void>('language/shutdown');

/** Runtime checks of what arrives at the process. Each returns an error message or undefined. */
export function checkUpdateParams(p: unknown): string | undefined {
  const v = p as Partial<UpdateNotebookParams> | null;
  if (!v || typeof v !== 'object') return 'updateNotebook: params must be an object';
  if (typeof v.notebook !== 'string') return 'updateNotebook: notebook must be a string';
  if (typeof v.folder !== 'string' || v.folder === '')
    return 'updateNotebook: folder must be a non-empty string';
  if (!Number.isInteger(v.version)) return 'updateNotebook: version must be an integer';
  if (!Array.isArray(v.cells)) return 'updateNotebook: cells must be an array';
  for (const [i, c] of v.cells.entries()) {
    const cell = c as Partial<LanguageCell> | null;
    if (!cell || typeof cell.uri !== 'string' || typeof cell.text !== 'string')
      return `updateNotebook: cells[${i}] must have a string uri and text`;
    if (cell.language !== 'typescript' && cell.language !== 'javascript')
      return `updateNotebook: cells[${i}].language must be "typescript" or "javascript"`;
  }
  return undefined;
}

export function checkCellPositionParams(p: unknown): string | undefined {
  const v = p as Partial<CellPositionParams> | null;
  if (!v || typeof v !== 'object') return 'params must be an object';
  if (typeof v.notebook !== 'string') return 'notebook must be a string';
  if (typeof v.cell !== 'string') return 'cell must be a string';
  if (!Number.isInteger(v.offset) || (v.offset as number) < 0)
    return 'offset must be a non-negative integer';
  return undefined;
}
