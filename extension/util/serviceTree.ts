/**
 * What the sidebar's trees share: they ask the workspace service in `getChildren`, show a
 * problem (the service could not start) in place of their items, and refresh on the
 * store's change notifications, which come in bursts while a model trains.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { Disposable } from './dispose';

export abstract class ServiceTree<N> extends Disposable implements vscode.TreeDataProvider<N> {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private debounce: NodeJS.Timeout | undefined;
  /** Shown in place of the tree while set. */
  protected problem: string | undefined;

  constructor(protected readonly service: () => ServiceClient | undefined) {
    super();
    this.track(this.changed);
  }

  abstract getChildren(node?: N): Promise<N[]>;
  abstract getTreeItem(node: N): vscode.TreeItem;

  /** Shows a message in place of the tree (e.g. the store could not be opened). */
  setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.refresh();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** Many writes per second while training: coalesce them into one refresh. */
  refreshSoon(delayMs = 250): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.refresh();
    }, delayMs);
  }

  override dispose(): void {
    if (this.debounce) clearTimeout(this.debounce);
    super.dispose();
  }
}
