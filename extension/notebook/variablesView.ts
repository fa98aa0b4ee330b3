/**
 * The "Variables" view in the Labbook sidebar: the top-level names the active notebook's
 * cells declared, each with its type (the runtime's, and the type checker's when it has
 * one) and a one-line preview, asked of the notebook's kernel after each cell ends. It never
 * starts a kernel: with none running it says so. "Show in Panel" opens an array of rows as
 * a table (variableTablePanel.ts).
 */
import * as vscode from 'vscode';
import type { VariableInfo } from '../../kernel/protocol';
import { Command } from '../commands';
import { Coalesced } from '../util/coalesce';
import { Disposable } from '../util/dispose';
import { PanelSet } from '../util/panels';
import type { NotebookKernels } from './controller';
import { VariableTablePanel } from './variableTablePanel';

export const VARIABLES_VIEW = 'labbook.variables';
/** contextValue of a variable the table panel can show (package.json's menus match it). */
export const ROWS_CONTEXT = 'labbook.variable.rows';

export interface VariableNode {
  readonly notebook: vscode.NotebookDocument;
  readonly variable: VariableInfo;
}

export const NO_NOTEBOOK = 'Open a TypeScript notebook to see the variables its cells declare.';
export const NO_KERNEL =
  'No kernel is running for this notebook. Run a cell: the names it declares show here.';
export const NO_VARIABLES = 'The cells run so far declare no names.';

function icon(v: VariableInfo): vscode.ThemeIcon {
  if (v.rows !== undefined) return new vscode.ThemeIcon('table');
  switch (v.type) {
    case 'function':
      return new vscode.ThemeIcon('symbol-method');
    case 'class':
      return new vscode.ThemeIcon('symbol-class');
    case 'string':
      return new vscode.ThemeIcon('symbol-string');
    case 'number':
    case 'bigint':
      return new vscode.ThemeIcon('symbol-number');
    case 'boolean':
      return new vscode.ThemeIcon('symbol-boolean');
    case 'Array':
      return new vscode.ThemeIcon('symbol-array');
  }
  return /Tensor|Variable/.test(v.type)
    ? new vscode.ThemeIcon('symbol-numeric')
    : new vscode.ThemeIcon('symbol-variable');
}

/** What the tree shows for a variable (also read by the integration suite). */
export function variableItem(node: VariableNode): vscode.TreeItem {
  const v = node.variable;
  const item = new vscode.TreeItem(v.name, vscode.TreeItemCollapsibleState.None);
  item.description = `${v.type} · ${v.preview}`;
  const tooltip = new vscode.MarkdownString();
  tooltip.appendCodeblock(`${v.name}: ${v.declaredType ?? v.type}`, 'typescript');
  tooltip.appendMarkdown('\n');
  tooltip.appendText(`${v.type}: ${v.preview}`);
  item.tooltip = tooltip;
  item.iconPath = icon(v);
  item.id = `${node.notebook.uri.toString()}#${v.name}`;
  if (v.rows !== undefined) {
    item.contextValue = ROWS_CONTEXT;
    item.command = {
      command: Command.ShowVariableInPanel,
      title: 'Show in Panel',
      arguments: [node],
    };
  } else {
    item.contextValue = 'labbook.variable';
  }
  return item;
}

export class VariablesView extends Disposable implements vscode.TreeDataProvider<VariableNode> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly view: vscode.TreeView<VariableNode>;
  private nodes: VariableNode[] = [];
  private readonly refreshSoon: Coalesced;
  private fetching: Promise<void> | undefined;
  private again = false;
  readonly tables = this.track(new PanelSet<VariableTablePanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly kernels: NotebookKernels,
  ) {
    super();
    this.track(this.changed);
    this.view = this.track(
      vscode.window.createTreeView(VARIABLES_VIEW, { treeDataProvider: this }),
    );
    this.view.message = NO_NOTEBOOK;
    this.refreshSoon = this.track(new Coalesced(() => void this.refresh(), 100));
    this.track(
      kernels.onDidChangeVariables((notebook) => {
        if (notebook === this.notebook) this.refreshSoon.schedule();
        for (const table of this.tables.open) if (table.notebook === notebook) void table.refresh();
      }),
    );
    this.track(vscode.window.onDidChangeActiveNotebookEditor(() => this.refreshSoon.schedule(0)));
    this.track(this.view.onDidChangeVisibility(() => this.refreshSoon.schedule(0)));
    void this.refresh();
  }

  /** The notebook last active: a table panel or a text editor in front keeps its variables shown. */
  private last: vscode.NotebookDocument | undefined;

  private get notebook(): vscode.NotebookDocument | undefined {
    const active = vscode.window.activeNotebookEditor?.notebook;
    if (active) this.last = active;
    else if (this.last?.isClosed) this.last = undefined;
    return active ?? this.last;
  }

  /** What the view shows now: its rows and the message above them (for tests). */
  get shown(): { message: string | undefined; nodes: VariableNode[] } {
    return { message: this.view.message, nodes: [...this.nodes] };
  }

  /** Asks the active notebook's kernel again; overlapping calls are merged into one more fetch. */
  refresh(): Promise<void> {
    if (this.fetching) {
      this.again = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.again = false;
        await this.fetch();
      } while (this.again && !this.disposed);
    })().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetch(): Promise<void> {
    const notebook = this.notebook;
    let nodes: VariableNode[] = [];
    let message: string | undefined;
    const session = notebook && this.kernels.runningSession(notebook);
    if (!notebook) message = NO_NOTEBOOK;
    else if (!session) message = NO_KERNEL;
    else {
      try {
        const variables = await session.variables();
        if (variables === undefined) message = NO_KERNEL;
        else {
          nodes = variables.map((variable) => ({ notebook, variable }));
          if (nodes.length === 0) message = NO_VARIABLES;
        }
      } catch (error) {
        message = `The kernel did not list the variables: ${(error as Error).message}`;
      }
    }
    if (this.disposed) return;
    this.nodes = nodes;
    this.view.message = message;
    this.changed.fire();
  }

  getTreeItem(node: VariableNode): vscode.TreeItem {
    return variableItem(node);
  }

  getChildren(node?: VariableNode): VariableNode[] {
    return node ? [] : this.nodes;
  }

  /** The "Show in Panel" command: a node of this view, or (notebook uri, name). */
  showInPanel(arg: unknown, name?: unknown): VariableTablePanel | undefined {
    let node = arg as VariableNode | undefined;
    if (arg instanceof vscode.Uri && typeof name === 'string') {
      const notebook = vscode.workspace.notebookDocuments.find(
        (nb) => nb.uri.toString() === arg.toString(),
      );
      node =
        notebook && this.nodes.find((n) => n.notebook === notebook && n.variable.name === name);
    }
    if (!node?.variable || !node.notebook) {
      const selected = this.view.selection[0];
      node = selected;
    }
    if (!node || node.variable.rows === undefined) {
      void vscode.window.showInformationMessage(
        'Select a variable that holds an array of rows (objects) to show it as a table.',
      );
      return undefined;
    }
    const { notebook, variable } = node;
    return this.tables.show(
      `${notebook.uri.toString()}#${variable.name}`,
      () =>
        new VariableTablePanel(this.extensionPath, notebook, variable.name, (nb) =>
          this.kernels.runningSession(nb),
        ),
    );
  }
}
