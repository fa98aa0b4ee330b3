/**
 * "Show in Panel" on a notebook variable that is an array of rows: a virtual table of it
 * (webviews/variable-table). The panel asks the notebook's kernel for the pages it scrolls
 * to, so the rows never cross to the editor all at once; after each cell it asks again,
 * since the variable may now hold something else.
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import { MAX_VARIABLE_ROWS_PAGE } from '../../kernel/protocol';
import { LabbookPanel, type MessageHandlers } from '../util/panels';
import {
  isFromVariableTableView,
  PAGE_ROWS,
  type FromVariableTableView,
  type ToVariableTableView,
} from '../../webviews/variable-table/protocol';
import type { KernelSession } from './kernelSession';

/** The kernel session of the panel's notebook, while it runs. */
export type SessionOf = (notebook: vscode.NotebookDocument) => KernelSession | undefined;

export class VariableTablePanel extends LabbookPanel<FromVariableTableView, ToVariableTableView> {
  private version = 0;

  constructor(
    extensionPath: string,
    readonly notebook: vscode.NotebookDocument,
    readonly name: string,
    private readonly session: SessionOf,
  ) {
    super(extensionPath, {
      viewType: 'labbook.variableTable',
      title: `${name} (${path.basename(notebook.uri.path)})`,
      webview: 'variable-table',
      loading: `Loading ${name}…`,
      accepts: isFromVariableTableView,
    });
  }

  protected readonly handlers: MessageHandlers<FromVariableTableView> = {
    ready: () => this.refresh(),
    rows: async ({ version, offset, limit }) => {
      if (version !== this.version) return;
      const page = await this.session(this.notebook)?.variableRows({
        name: this.name,
        offset,
        limit: Math.min(limit, PAGE_ROWS, MAX_VARIABLE_ROWS_PAGE),
      });
      if (page && version === this.version)
        this.post({ type: 'page', version, offset, rows: page.rows });
    },
  };

  /** Asks the kernel for the variable's columns and length again (a cell ran). */
  async refresh(): Promise<void> {
    if (!this.ready) return;
    const session = this.session(this.notebook);
    if (!session) {
      this.post({
        type: 'error',
        message: `No kernel is running for ${path.basename(this.notebook.uri.path)}: run its cells to see ${this.name} again.`,
      });
      return;
    }
    try {
      const first = await session.variableRows({ name: this.name, offset: 0, limit: 1 });
      if (!first) throw new Error('The kernel stopped.');
      const version = ++this.version;
      this.post({
        type: 'table',
        name: this.name,
        notebook: path.basename(this.notebook.uri.path),
        columns: first.columns,
        total: first.total,
        version,
      });
    } catch (error) {
      this.post({ type: 'error', message: (error as Error).message });
    }
  }
}
