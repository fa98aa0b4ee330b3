/**
 * Completions and hovers in notebook cells from the notebook's running kernel, which knows
 * what earlier cells declared (VS Code's TypeScript service sees each cell alone). Never
 * starts a kernel: with none running, these providers give nothing.
 */
import * as vscode from 'vscode';
import { NOTEBOOK_TYPE } from '../commands';
import { Disposable } from '../util/dispose';
import type { NotebookKernels } from './controller';

const SELECTOR: vscode.DocumentFilter[] = [
  { notebookType: NOTEBOOK_TYPE, language: 'typescript' },
  { notebookType: NOTEBOOK_TYPE, language: 'javascript' },
];

function notebookOf(document: vscode.TextDocument): vscode.NotebookDocument | undefined {
  if (document.uri.scheme !== 'vscode-notebook-cell') return undefined;
  return vscode.workspace.notebookDocuments.find((nb) =>
    nb.getCells().some((c) => c.document === document),
  );
}

export class KernelLanguageFeatures extends Disposable {
  constructor(private readonly kernels: NotebookKernels) {
    super();
    this.track(
      vscode.languages.registerCompletionItemProvider(
        SELECTOR,
        {
          provideCompletionItems: (document, position, token) =>
            this.complete(document, position, token),
        },
        '.',
      ),
    );
    this.track(
      vscode.languages.registerHoverProvider(SELECTOR, {
        provideHover: (document, position, token) => this.hover(document, position, token),
      }),
    );
  }

  private async complete(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ) {
    const notebook = notebookOf(document);
    const session = notebook && this.kernels.runningSession(notebook);
    if (!session) return undefined;
    const result = await session.complete(document.getText(), document.offsetAt(position), token);
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
      item.detail = 'Labbook kernel';
      // Keep the kernel's order (it ranks by relevance).
      item.sortText = String(i).padStart(5, '0');
      return item;
    });
  }

  private async hover(
    document: vscode.TextDocument,
    position: vscode.Position,
    token: vscode.CancellationToken,
  ) {
    const notebook = notebookOf(document);
    const session = notebook && this.kernels.runningSession(notebook);
    if (!session) return undefined;
    const result = await session.hover(document.getText(), document.offsetAt(position), token);
    if (!result || !result.text || token.isCancellationRequested) return undefined;
    const contents = new vscode.MarkdownString();
    contents.appendCodeblock(result.text, 'typescript');
    if (result.documentation) contents.appendMarkdown(`\n\n${result.documentation}`);
    const start = document.positionAt(result.start);
    return new vscode.Hover(
      contents,
      new vscode.Range(start, document.positionAt(result.start + result.length)),
    );
  }
}
