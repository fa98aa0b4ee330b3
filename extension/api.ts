/**
 * What the extension's `activate` returns (`vscode.extensions.getExtension('labbook.labbook').exports`),
 * for the integration suites. A module of its own, with type imports only, so that a suite
 * that imports this type (test/, checked by tsconfig.json without the DOM) brings in the trees'
 * node types and not the panels and their webview protocols.
 */
import type * as vscode from 'vscode';
import type { DatasetProfile } from '../core/quality/types';
import type { MonitoringSnapshot } from '../core/common/serve-types';
import type { ServiceClient } from '../core/service/client';
import type { VariableInfo } from '../kernel/protocol';
import type { DatasetsTreeNode } from './quality/datasetsTree';
import type { DeploymentsTreeNode } from './deployments/deploymentsTree';
import type { ModelsTreeNode } from './models/modelsTree';
import type { RunsTreeNode } from './runs/runsTree';

export interface LabbookApi {
  /** Milliseconds `activate` took. */
  readonly activationMs: number;
  /** The process id of a notebook's running kernel. */
  kernelPid(notebook: vscode.NotebookDocument): number | undefined;
  /** Milliseconds the kernel reported for a cell's last run (its own time, without the editor's). */
  kernelTime(cell: vscode.NotebookCell): number | undefined;
  /** The Variables view of the active notebook, and its table panels. */
  variables: {
    refresh(): Promise<void>;
    shown(): { message: string | undefined; variables: VariableInfo[] };
    /** Opens the table panel of a variable the view lists; false when it is not an array of rows. */
    showInPanel(notebook: vscode.NotebookDocument, name: string): boolean;
    /** Names of the variables whose table panels are open. */
    openTables(): string[];
  };
  /** The integrated terminal's `labbook` command: its folder on PATH, each folder's LABBOOK_STORE. */
  terminal: {
    describe(): { binDir: string; path?: string; stores: Record<string, string | undefined> };
  };
  /** The runs tree as the sidebar sees it. */
  runs: {
    ready(): Promise<void>;
    getChildren(node?: RunsTreeNode): Promise<RunsTreeNode[]>;
    getTreeItem(node: RunsTreeNode): vscode.TreeItem;
    openRunIds(): string[];
    /** The workspace service, for tests that write through it as the views do. */
    service(): ServiceClient | undefined;
    /** Titles of the open runs tables. */
    openTableTitles(): string[];
  };
  /** The Models tree as the sidebar sees it. */
  models: {
    getChildren(node?: ModelsTreeNode): Promise<ModelsTreeNode[]>;
    getTreeItem(node: ModelsTreeNode): vscode.TreeItem;
  };
  /** The open Drift panels (by tab title), for tests. */
  drift: {
    openTitles(): string[];
    /** Opens a column's detail view in the panel with this title; false when there is no such panel, report or column. */
    showColumn(title: string, column: string): boolean;
  };
  /** The Data Sets tree as the sidebar sees it, and the Data Quality panels open. */
  datasets: {
    getChildren(node?: DatasetsTreeNode): Promise<DatasetsTreeNode[]>;
    getTreeItem(node: DatasetsTreeNode): vscode.TreeItem;
    openQualityPanels(): { title: string; profile: DatasetProfile }[];
  };
  /** The Deployments tree, the open Deployment Monitor panels and the tokens kept in secret storage. */
  deployments: {
    getChildren(node?: DeploymentsTreeNode): Promise<DeploymentsTreeNode[]>;
    getTreeItem(node: DeploymentsTreeNode): vscode.TreeItem;
    /** Open monitors: tab title, the last snapshot shown, and how many degraded warnings each showed. */
    openMonitors(): {
      name: string;
      title: string;
      snapshot: MonitoringSnapshot | undefined;
      warnings: number;
    }[];
    /** The bearer token kept in secret storage for a deployment (set by deploy and Copy Deployment Token). */
    storedToken(name: string): Thenable<string | undefined>;
  };
}
