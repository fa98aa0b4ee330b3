/**
 * What the sidebar's trees share: they ask the workspace service in `getChildren`, show a
 * line in place of their items while they cannot (a problem such as a store that could not
 * be opened, the service still starting, a failed read), and refresh on the store's change
 * notifications, which come in bursts while a model trains.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import { Coalesced } from './coalesce';
import { Disposable } from './dispose';

/** A line shown in a tree in place of items; every tree's node type includes it. */
export interface MessageNode {
  kind: 'message';
  text: string;
}

export function messageNode(text: string): MessageNode {
  return { kind: 'message', text };
}

/** `Cannot list models: <the error's first line>`: the rest is a stack or the service's detail. */
export function cannotNode(what: string, error: unknown): MessageNode {
  return messageNode(`Cannot ${what}: ${(error as Error).message.split('\n')[0]}`);
}

function isMessage(node: { kind: string }): node is MessageNode {
  return node.kind === 'message';
}

/** `I` is the tree's nodes other than messages. */
export abstract class ServiceTree<I extends { kind: string }>
  extends Disposable
  implements vscode.TreeDataProvider<I | MessageNode>
{
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly soon = this.track(new Coalesced(() => this.refresh(), 250));
  /** Shown in place of the tree while set. */
  protected problem: string | undefined;

  constructor(protected readonly service: () => ServiceClient | undefined) {
    super();
    this.track(this.changed);
  }

  /**
   * The items under `node` (the root when undefined), asked of the service. The root is
   * only asked once there is no problem and the service is up; below it, a tree checks the
   * service itself where it needs it.
   */
  protected abstract nodesUnder(node?: I): Promise<(I | MessageNode)[]>;

  /** The tree item of a node other than a message. */
  protected abstract item(node: I): vscode.TreeItem;

  async getChildren(node?: I | MessageNode): Promise<(I | MessageNode)[]> {
    if (!node) {
      if (this.problem) return [messageNode(this.problem)];
      if (!this.service()) return [messageNode('Starting the Labbook service…')];
      return this.nodesUnder();
    }
    return isMessage(node) ? [] : this.nodesUnder(node);
  }

  getTreeItem(node: I | MessageNode): vscode.TreeItem {
    if (!isMessage(node)) return this.item(node);
    const item = new vscode.TreeItem(node.text);
    item.iconPath = new vscode.ThemeIcon('info');
    return item;
  }

  /** Shows a message in place of the tree (e.g. the store could not be opened). */
  setProblem(problem: string | undefined): void {
    this.problem = problem;
    this.refresh();
  }

  refresh(): void {
    this.changed.fire();
  }

  /** Many writes per second while training: coalesce them into one refresh. */
  refreshSoon(delayMs?: number): void {
    this.soon.schedule(delayMs);
  }
}
