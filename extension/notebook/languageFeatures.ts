/**
 * The editor knows a notebook as the kernel does: diagnostics while typing, completions,
 * hovers and signature help for TypeScript cells, with every code cell of the notebook
 * checked in order as one program (a name declared in cell 2 is known in cell 5; an import
 * used later is used). The checking runs in the notebook language process (a child of the
 * user's `node`, kernel/language/), so tfjs's declarations never load into the extension
 * host, and needs no kernel. The running kernel, when there is one, adds what only the
 * runtime knows (the keys of a runtime object) to completions and answers hovers the
 * types cannot.
 *
 * VS Code's own TypeScript extension checks each cell alone; its answers for these cells
 * are switched off by Labbook's tsserver plugin (extension/tsPlugin/), so each hover and
 * completion shows once.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { LanguageClient } from '../../kernel/language/client';
import type * as protocol from '../../kernel/language/protocol';
import { NOTEBOOK_TYPE } from '../commands';
import { Disposable } from '../util/dispose';
import type { NotebookKernels } from './controller';
import { notebookFsPath } from './kernelSession';

const LANGUAGES = ['typescript', 'javascript'] as const;
const SELECTOR: vscode.DocumentFilter[] = LANGUAGES.map((language) => ({
  notebookType: NOTEBOOK_TYPE,
  language,
}));
/** Typing pauses this long before the notebook is checked again. */
const DEBOUNCE_MS = 250;
/** How long completions wait for the running kernel's additions. */
const KERNEL_WAIT_MS = 1000;

function isCheckedCell(cell: vscode.NotebookCell): boolean {
  return (
    cell.kind === vscode.NotebookCellKind.Code &&
    (LANGUAGES as readonly string[]).includes(cell.document.languageId)
  );
}

function isCheckedNotebook(notebook: vscode.NotebookDocument): boolean {
  return notebook.notebookType === NOTEBOOK_TYPE && notebook.getCells().some(isCheckedCell);
}

function notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  return vscode.workspace.notebookDocuments.find((nb) =>
    nb.getCells().some((c) => c.document === document),
  );
}

const KINDS: Record<string, vscode.CompletionItemKind> = {
  keyword: vscode.CompletionItemKind.Keyword,
  script: vscode.CompletionItemKind.File,
  module: vscode.CompletionItemKind.Module,
  'external module name': vscode.CompletionItemKind.Module,
  class: vscode.CompletionItemKind.Class,
  'local class': vscode.CompletionItemKind.Class,
  interface: vscode.CompletionItemKind.Interface,
  type: vscode.CompletionItemKind.TypeParameter,
  'type parameter': vscode.CompletionItemKind.TypeParameter,
  enum: vscode.CompletionItemKind.Enum,
  'enum member': vscode.CompletionItemKind.EnumMember,
  var: vscode.CompletionItemKind.Variable,
  'local var': vscode.CompletionItemKind.Variable,
  let: vscode.CompletionItemKind.Variable,
  const: vscode.CompletionItemKind.Constant,
  parameter: vscode.CompletionItemKind.Variable,
  function: vscode.CompletionItemKind.Function,
  'local function': vscode.CompletionItemKind.Function,
  method: vscode.CompletionItemKind.Method,
  getter: vscode.CompletionItemKind.Property,
  setter: vscode.CompletionItemKind.Property,
  property: vscode.CompletionItemKind.Property,
  accessor: vscode.CompletionItemKind.Property,
  constructor: vscode.CompletionItemKind.Constructor,
  alias: vscode.CompletionItemKind.Variable,
  string: vscode.CompletionItemKind.Value,
};

interface ItemSource {
  notebook: string;
  cell: string;
  offset: number;
  name: string;
}

interface Tracked {
  notebook: vscode.NotebookDocument;
  version: number;
  timer?: NodeJS.Timeout;
  /** The last update sent, settled when the process has the cells. */
  sent: Promise<void>;
  /** Cells that were given diagnostics, to clear those that went away. */
  cells: Set<string>;
}

export class NotebookLanguageFeatures extends Disposable {
  readonly diagnostics: vscode.DiagnosticCollection;
  private client: Promise<LanguageClient | undefined> | undefined;
  private readonly tracked = new Map<string, Tracked>();
  private readonly itemSources = new WeakMap<vscode.CompletionItem, ItemSource>();

  constructor(
    private readonly extensionPath: string,
    private readonly kernels: NotebookKernels,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.diagnostics = this.track(vscode.languages.createDiagnosticCollection('labbook'));
    this.track(
      vscode.languages.registerCompletionItemProvider(
        SELECTOR,
        {
          provideCompletionItems: (document, position, token) =>
            this.complete(document, position, token),
          resolveCompletionItem: (item, token) => this.resolve(item, token),
        },
        '.',
      ),
    );
    this.track(
      vscode.languages.registerHoverProvider(SELECTOR, {
        provideHover: (document, position, token) => this.hover(document, position, token),
      }),
    );
    this.track(
      vscode.languages.registerSignatureHelpProvider(
        SELECTOR,
        {
          provideSignatureHelp: (document, position, token) =>
            this.signatureHelp(document, position, token),
        },
        { triggerCharacters: ['(', ','], retriggerCharacters: [')'] },
      ),
    );
    this.track(vscode.workspace.onDidOpenNotebookDocument((nb) => this.schedule(nb, 0)));
    this.track(
      vscode.workspace.onDidChangeNotebookDocument((e) => {
        const structural = e.contentChanges.length > 0;
        const text = e.cellChanges.some((c) => c.document !== undefined);
        if (structural || text) this.schedule(e.notebook, DEBOUNCE_MS);
      }),
    );
    // Cell text changes arrive as document changes too (and first, while typing).
    this.track(
      vscode.workspace.onDidChangeTextDocument((e) => {
        const nb = e.contentChanges.length > 0 ? notebookOf(e.document) : undefined;
        if (nb) this.schedule(nb, DEBOUNCE_MS);
      }),
    );
    this.track(vscode.workspace.onDidCloseNotebookDocument((nb) => this.forget(nb)));
    for (const nb of vscode.workspace.notebookDocuments) this.schedule(nb, 0);
  }

  private languageClient(): Promise<LanguageClient | undefined> {
    this.client ??= (async () => {
      const nodePath =
        vscode.workspace.getConfiguration('labbook').get<string>('nodePath')?.trim() || 'node';
      try {
        const started = performance.now();
        const client = await LanguageClient.start({
          nodePath,
          languageMain: path.join(this.extensionPath, 'dist', 'kernel', 'language', 'main.js'),
          cwd: this.extensionPath,
        });
        this.log.info(
          `Notebook language process started (pid ${client.info.pid}, TypeScript ${client.info.typescriptVersion}) in ${(performance.now() - started).toFixed(0)} ms.`,
        );
        client.on('log', (text) => this.log.info(`[notebook language] ${text.trimEnd()}`));
        client.on('exit', (code, signal) => {
          this.log.warn(
            `Notebook language process exited (${signal ?? `code ${code}`}); it restarts on the next edit.`,
          );
          this.client = undefined;
        });
        return client;
      } catch (error) {
        this.log.error(`Notebook language process failed to start: ${(error as Error).message}`);
        this.client = undefined;
        return undefined;
      }
    })();
    return this.client;
  }

  private schedule(notebook: vscode.NotebookDocument, delayMs: number): void {
    if (this.disposed || !isCheckedNotebook(notebook)) return;
    const key = notebook.uri.toString();
    let t = this.tracked.get(key);
    if (!t) {
      t = { notebook, version: 0, sent: Promise.resolve(), cells: new Set() };
      this.tracked.set(key, t);
    }
    const tracked = t;
    clearTimeout(tracked.timer);
    tracked.timer = setTimeout(() => {
      tracked.timer = undefined;
      void this.send(tracked);
    }, delayMs);
  }

  /** Sends the notebook's cells now (when an update is waiting) and waits until the process has them. */
  private async sync(notebook: vscode.NotebookDocument): Promise<LanguageClient | undefined> {
    if (!this.tracked.has(notebook.uri.toString())) this.schedule(notebook, 0);
    const t = this.tracked.get(notebook.uri.toString());
    if (!t) return undefined;
    if (t.timer) {
      clearTimeout(t.timer);
      t.timer = undefined;
      void this.send(t);
    }
    await t.sent;
    return this.client ? await this.client : undefined;
  }

  private send(t: Tracked): Promise<void> {
    const version = ++t.version;
    const cells: protocol.LanguageCell[] = t.notebook
      .getCells()
      .filter(isCheckedCell)
      .map((c) => ({
        uri: c.document.uri.toString(),
        language: c.document.languageId as protocol.LanguageCell['language'],
        text: c.document.getText(),
      }));
    const previous = t.sent;
    t.sent = (async () => {
      await previous;
      const client = await this.languageClient();
      if (!client || version !== t.version) return;
      try {
        const result = await client.update({
          notebook: t.notebook.uri.toString(),
          folder: path.dirname(notebookFsPath(t.notebook)),
          cells,
          version,
        });
        // A newer update is on its way: these positions may no longer match the text.
        if (result.version === t.version) this.show(t, result);
      } catch (error) {
        this.log.warn(`Checking ${t.notebook.uri.fsPath} failed: ${(error as Error).message}`);
      }
    })();
    return t.sent;
  }

  private show(t: Tracked, result: protocol.DiagnosticsResult): void {
    const now = new Set<string>();
    for (const cell of result.cells) {
      now.add(cell.uri);
      this.diagnostics.set(
        vscode.Uri.parse(cell.uri),
        cell.diagnostics.map((d) => toDiagnostic(d)),
      );
    }
    for (const gone of t.cells) if (!now.has(gone)) this.diagnostics.delete(vscode.Uri.parse(gone));
    t.cells = now;
  }

  private forget(notebook: vscode.NotebookDocument): void {
    const key = notebook.uri.toString();
    const t = this.tracked.get(key);
    if (!t) return;
    clearTimeout(t.timer);
    t.version++;
    for (const cell of t.cells) this.diagnostics.delete(vscode.Uri.parse(cell));
    this.tracked.delete(key);
    void this.client?.then((c) => c?.close(key).catch(() => undefined));
  }

  private async position(
    document: vscode.TextDocument,
    position: vscode.Position,
  ): Promise<{ client: LanguageClient; params: protocol.CellPositionParams } | undefined> {
    const notebook = notebookOf(document);
    if (!notebook || notebook.notebookType !== NOTEBOOK_TYPE) return undefined;
    const client = await this.sync(notebook);
    if (!client) return undefined;
    return {
      client,
      params: {
        notebook: notebook.uri.toString(),
        cell: document.uri.toString(),
        offset: document.offsetAt(position),
      },
    };
  }

  private async complete(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.CompletionItem[] | undefined> {
    const [typed, runtime] = await Promise.all([
      this.position(document, position).then(async (at) =>
        at ? { at, result: await at.client.completions(at.params).catch(() => null) } : undefined,
      ),
      // A kernel busy with a cell must not hold up the typed list.
      Promise.race([
        this.kernelCompletions(document, position, token),
        new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), KERNEL_WAIT_MS)),
      ]),
    ]);
    if (token.isCancellationRequested) return undefined;
    const items: vscode.CompletionItem[] = [];
    const names = new Set<string>();
    if (typed?.result) {
      const { at, result } = typed;
      const range = new vscode.Range(
        document.positionAt(result.start),
        document.positionAt(result.start + result.length),
      );
      for (const entry of result.items) {
        const item = new vscode.CompletionItem(
          entry.name,
          KINDS[entry.kind] ?? vscode.CompletionItemKind.Text,
        );
        item.sortText = entry.sortText;
        item.range = range;
        if (entry.insertText !== undefined) item.insertText = entry.insertText;
        this.itemSources.set(item, { ...at.params, name: entry.name });
        items.push(item);
        names.add(entry.name);
      }
    }
    // What only the running program knows (keys added at run time) comes after the typed names.
    for (const item of runtime ?? []) {
      if (names.has(item.label as string)) continue;
      names.add(item.label as string);
      items.push(item);
    }
    return items;
  }

  private async kernelCompletions(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.CompletionItem[] | undefined> {
    const notebook = notebookOf(document);
    const session = notebook && this.kernels.runningSession(notebook);
    if (!session) return undefined;
    const result = await session
      .complete(document.getText(), document.offsetAt(position), token)
      .catch(() => undefined);
    if (!result || token.isCancellationRequested) return undefined;
    const range = new vscode.Range(
      document.positionAt(result.start),
      document.positionAt(result.end),
    );
    const afterDot = result.start > 0 && document.getText().charAt(result.start - 1) === '.';
    return result.candidates.map((label, i) => {
      const item = new vscode.CompletionItem(
        label,
        afterDot ? vscode.CompletionItemKind.Property : vscode.CompletionItemKind.Variable,
      );
      item.range = range;
      item.detail = 'runtime value (Labbook kernel)';
      // After the typed names, in the kernel's order (it ranks by relevance).
      item.sortText = `~${String(i).padStart(5, '0')}`;
      return item;
    });
  }

  private async resolve(
    item: vscode.CompletionItem,
    token: vscode.CancellationToken,
  ): Promise<vscode.CompletionItem> {
    const source = this.itemSources.get(item);
    const client = this.client && (await this.client);
    if (!source || !client) return item;
    const details = await client.completionDetails(source).catch(() => null);
    if (!details || token.isCancellationRequested) return item;
    item.detail = details.detail;
    if (details.documentation)
      item.documentation = new vscode.MarkdownString(details.documentation);
    return item;
  }

  private async hover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.Hover | undefined> {
    const at = await this.position(document, position);
    const typed = at ? await at.client.hover(at.params).catch(() => null) : null;
    if (token.isCancellationRequested) return undefined;
    const shown = typed ?? (await this.kernelHover(document, position, token));
    if (!shown || !shown.text) return undefined;
    const contents = new vscode.MarkdownString();
    contents.appendCodeblock(shown.text, 'typescript');
    if (shown.documentation) contents.appendMarkdown(`\n\n${shown.documentation}`);
    const start = document.positionAt(shown.start);
    return new vscode.Hover(
      contents,
      new vscode.Range(start, document.positionAt(shown.start + shown.length)),
    );
  }

  private async kernelHover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<protocol.QuickInfo | undefined> {
    const notebook = notebookOf(document);
    const session = notebook && this.kernels.runningSession(notebook);
    if (!session) return undefined;
    const result = await session
      .hover(document.getText(), document.offsetAt(position), token)
      .catch(() => undefined);
    return result ?? undefined;
  }

  private async signatureHelp(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ): Promise<vscode.SignatureHelp | undefined> {
    const at = await this.position(document, position);
    const help = at ? await at.client.signatureHelp(at.params).catch(() => null) : null;
    if (!help || token.isCancellationRequested) return undefined;
    const result = new vscode.SignatureHelp();
    result.signatures = help.signatures.map((s) => {
      const info = new vscode.SignatureInformation(
        s.label,
        s.documentation ? new vscode.MarkdownString(s.documentation) : undefined,
      );
      info.parameters = s.parameters.map(
        (p) => new vscode.ParameterInformation(p.label, p.documentation || undefined),
      );
      return info;
    });
    result.activeSignature = help.activeSignature;
    result.activeParameter = help.activeParameter;
    return result;
  }

  override dispose(): void {
    for (const t of this.tracked.values()) clearTimeout(t.timer);
    const client = this.client;
    this.client = undefined;
    void client?.then((c) => c?.shutdown());
    super.dispose();
  }
}

function toDiagnostic(d: protocol.LanguageDiagnostic): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(
    new vscode.Range(d.line, d.character, d.endLine, d.endCharacter),
    d.message,
    d.severity === 'error'
      ? vscode.DiagnosticSeverity.Error
      : d.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Hint,
  );
  diagnostic.source = 'labbook';
  diagnostic.code = d.code;
  if (d.deprecated) diagnostic.tags = [vscode.DiagnosticTag.Deprecated];
  return diagnostic;
}
