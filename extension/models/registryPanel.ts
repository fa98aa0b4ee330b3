/**
 * The registry panel of one model: its versions side by side, the stage history, the
 * lineage of a version, and the gates editor. The webview is webviews/registry; the
 * messages are in its protocol.ts. Actions on a version run the model commands with
 * `{ name, version }`, so the panel and the palette share one flow.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import {
  isFromRegistryView,
  type FromRegistryView,
  type ToRegistryView,
  type VersionLineage,
} from '../../webviews/registry/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export const REGISTRY_VIEW_TYPE = 'labbook.modelRegistry';

export class RegistryPanels extends Disposable {
  private readonly panels = this.track(new PanelSet<RegistryPanel>());

  constructor(
    private readonly extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
  ) {
    super();
  }

  show(name: string): RegistryPanel {
    return this.panels.show(name, () => new RegistryPanel(name, this.extensionPath, this.service));
  }

  /** The store changed: open panels fetch their model again. */
  refreshAll(): void {
    this.panels.refreshAll();
  }

  get openModels(): string[] {
    return this.panels.keys;
  }
}

export class RegistryPanel extends LabbookPanel<FromRegistryView, ToRegistryView> {
  private generation = 0;
  private selected: number | undefined;
  /** What was posted last: a store change elsewhere (a run training) posts nothing new. */
  private lastPosted: string | undefined;

  constructor(
    readonly name: string,
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
  ) {
    super(extensionPath, {
      viewType: REGISTRY_VIEW_TYPE,
      title: `Model: ${name}`,
      webview: 'registry',
      loading: 'Loading model…',
      accepts: isFromRegistryView,
    });
  }

  async refresh(): Promise<void> {
    if (!this.ready || this.disposed) return;
    const generation = ++this.generation;
    const message = await this.fetch();
    if (this.disposed || generation !== this.generation) return;
    const json = JSON.stringify(message);
    if (json === this.lastPosted) return;
    this.lastPosted = json;
    this.post(message);
    if (message.type === 'model' && this.selected !== undefined)
      void this.sendLineage(this.selected);
  }

  private async fetch(): Promise<ToRegistryView> {
    const service = this.service();
    if (!service)
      return {
        type: 'error',
        message:
          'The Labbook workspace service is not running. Open a workspace folder with a Labbook store.',
      };
    try {
      const details = await service.model(this.name);
      if (!details)
        return {
          type: 'error',
          message: `There is no registered model named "${this.name}" (any more).`,
        };
      return { type: 'model', details };
    } catch (error) {
      return { type: 'error', message: (error as Error).message };
    }
  }

  /** Version → run → notebook snapshot → data sets → git commit. */
  private async sendLineage(version: number): Promise<void> {
    const service = this.service();
    if (!service) return;
    const problems: string[] = [];
    const details = await service.model(this.name).catch(() => null);
    const v = details?.versions.find((x) => x.version === version);
    if (!v) return;
    const [run, card] = await Promise.all([
      service.runDetails(v.runId).catch((e: Error) => {
        problems.push(`run: ${e.message}`);
        return null;
      }),
      service.modelCard(this.name, version).catch((e: Error) => {
        problems.push(`model card: ${e.message}`);
        return null;
      }),
    ]);
    if (!run && problems.length === 0)
      problems.push(`run ${v.runId} is not in the store (deleted permanently?)`);
    const lineage: VersionLineage = {
      version,
      runId: v.runId,
      runName: run?.name ?? v.runName ?? null,
      experiment: run?.experiment ?? v.experiment ?? null,
      hasSource: !!run?.sourceSnapshot,
      sourceNotebook: run?.sourceNotebook ?? null,
      gitCommit: run?.gitCommit ?? card?.card.details.gitCommit ?? null,
      gitDirty: run?.gitDirty ?? null,
      datasets: card?.card.trainingData.datasets ?? [],
      problem: problems.length ? problems.join('; ') : null,
      tests: card?.card.tests ?? null,
    };
    if (this.disposed || this.selected !== version) return;
    this.post({ type: 'lineage', lineage });
  }

  protected readonly handlers: MessageHandlers<FromRegistryView> = {
    ready: () => {
      // A new webview has drawn nothing yet: post the model even when it did not change.
      this.lastPosted = undefined;
      return this.refresh();
    },
    selectVersion: (message) => {
      this.selected = message.version;
      return this.sendLineage(message.version);
    },
    openRun: (message) => vscode.commands.executeCommand('labbook.openRun', message.runId),
    reopenSource: (message) =>
      vscode.commands.executeCommand('labbook.reopenRunSource', message.runId),
    promote: (message) =>
      vscode.commands.executeCommand('labbook.promoteModelVersion', {
        name: this.name,
        version: message.version,
      }),
    setAlias: (message) =>
      vscode.commands.executeCommand('labbook.setModelAlias', {
        name: this.name,
        version: message.version,
      }),
    modelCard: (message) =>
      vscode.commands.executeCommand('labbook.openModelCard', {
        name: this.name,
        version: message.version,
      }),
    saveGates: (message) =>
      this.saveThrough(this.service(), (service) => service.saveGates(this.name, message.gates), {
        done: { type: 'gatesSaved' },
        failed: (text) => ({ type: 'gatesError', message: text }),
      }),
  };
}
