/**
 * Rewrites the sources in Debug Adapter Protocol messages between notebook cells and the
 * files the debugger knows them by. VS Code names a breakpoint set in a cell by the cell's
 * URI (`vscode-notebook-cell:/…/nb.ipynb#W3sZmlsZQ==`), which no source map can name
 * reliably; the kernel's cell source maps name a real file holding the cell's text, and
 * this mapping turns one into the other: cell URI to file on the way to the debugger,
 * file back to cell URI (and a readable name) on the way to the editor.
 * Pure (no `vscode` import): unit-testable.
 */

/** The part of a DAP `Source` this mapping reads and writes. */
export interface DapSource {
  name?: string;
  path?: string;
  sourceReference?: number;
}

export interface DapMessage {
  type: string;
  command?: string;
  event?: string;
  success?: boolean;
  arguments?: Record<string, unknown>;
  body?: Record<string, unknown>;
}

export interface CellFiles {
  /** The file for a cell URI (written with the cell's text), or undefined when `uri` is no cell of ours. */
  fileOf(uri: string): string | undefined;
  /** The cell a file stands for: its URI and how to name it ("nb.ipynb, cell 3"). */
  cellOf(file: string): { uri: string; name: string } | undefined;
}

/** Editor to debugger: cell URIs become files. */
export function toDebugger(message: DapMessage, files: CellFiles): void {
  visitSources(message, (source) => {
    if (!source.path) return;
    const file = files.fileOf(source.path);
    if (file) source.path = file;
  });
}

/** Debugger to editor: files become cell URIs again. */
export function toEditor(message: DapMessage, files: CellFiles): void {
  visitSources(message, (source) => {
    if (!source.path) return;
    const cell = files.cellOf(source.path);
    if (!cell) return;
    source.path = cell.uri;
    source.name = cell.name;
    // The editor has the cell's text; it must not ask the debugger for it.
    source.sourceReference = 0;
  });
}

function visitSources(message: DapMessage, visit: (source: DapSource) => void): void {
  const one = (source: unknown) => {
    if (source && typeof source === 'object') visit(source);
  };
  const each = (list: unknown, key?: string) => {
    if (!Array.isArray(list)) return;
    for (const item of list)
      one(key ? (item as Record<string, unknown> | null)?.[key] : (item as unknown));
  };
  const args = message.arguments;
  const body = message.body;
  if (message.type === 'request' && args) {
    if (
      ['setBreakpoints', 'breakpointLocations', 'source', 'gotoTargets'].includes(
        message.command ?? '',
      )
    )
      one(args.source);
  } else if (message.type === 'event' && body) {
    if (message.event === 'output' || message.event === 'loadedSource') one(body.source);
    else if (message.event === 'breakpoint')
      one((body.breakpoint as Record<string, unknown> | undefined)?.source);
  } else if (message.type === 'response' && message.success && body) {
    switch (message.command) {
      case 'stackTrace':
        each(body.stackFrames, 'source');
        break;
      case 'loadedSources':
        each(body.sources);
        break;
      case 'scopes':
        each(body.scopes, 'source');
        break;
      case 'setBreakpoints':
      case 'setFunctionBreakpoints':
        each(body.breakpoints, 'source');
        break;
    }
  }
}
