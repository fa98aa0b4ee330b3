/**
 * What a user does to runs from the tree, the table and the command palette: rename, tag,
 * note, pin, delete (soft), restore, delete permanently, the experiment's key metric, and
 * reopening the notebook snapshot a run captured. Each action asks what it needs, calls
 * the workspace service, and leaves the refresh to the store's change notification.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { ExperimentItem, RunItem } from '../../core/service/protocol';
import { higherIsBetterByName } from '../../core/common/comparison';
import { NOTEBOOK_TYPE } from '../commands';

const MAX_NAME = 500;
const SYSTEM_TAG_PREFIX = 'labbook.';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function describe(runs: RunItem[]): string {
  return runs.length === 1 ? `run "${runs[0].name}"` : plural(runs.length, 'run');
}

/** `key=value`, the key without the reserved prefix; returns the problem, or undefined. */
export function parseTagInput(text: string): { key: string; value: string } | string {
  const eq = text.indexOf('=');
  if (eq <= 0) return 'Write the tag as key=value, e.g. model=dense';
  const key = text.slice(0, eq).trim();
  const value = text.slice(eq + 1).trim();
  if (!key) return 'The tag key is empty';
  if (key.length > 250) return `The tag key is ${key.length} characters long; at most 250`;
  if (key.startsWith(SYSTEM_TAG_PREFIX))
    return `Keys starting with "${SYSTEM_TAG_PREFIX}" are Labbook's own (pin, note)`;
  if (value.length > 5000) return `The tag value is ${value.length} characters long; at most 5000`;
  return { key, value };
}

export class RunActions {
  constructor(
    private readonly service: () => ServiceClient | undefined,
    private readonly changed: () => void,
  ) {}

  private get client(): ServiceClient {
    const s = this.service();
    if (!s) throw new Error('the Labbook workspace service is not running');
    return s;
  }

  async delete(runs: RunItem[]): Promise<boolean> {
    const choice = await vscode.window.showWarningMessage(
      `Delete ${describe(runs)}?`,
      {
        modal: true,
        detail: `${runs.length === 1 ? `Run ${runs[0].id}` : 'They'} will move to "Deleted" in the Experiments view, where you can restore ${runs.length === 1 ? 'it' : 'them'} or delete permanently.`,
      },
      'Delete',
    );
    if (choice !== 'Delete') return false;
    for (const run of runs) await this.client.deleteRun(run.id);
    this.changed();
    return true;
  }

  async rename(run: RunItem): Promise<void> {
    const name = await vscode.window.showInputBox({
      title: `Rename run ${run.id.slice(0, 8)}`,
      value: run.name,
      validateInput: (v) =>
        v.trim() === ''
          ? 'A run needs a name'
          : v.length > MAX_NAME
            ? `At most ${MAX_NAME} characters (this is ${v.length})`
            : undefined,
    });
    if (name === undefined || name.trim() === run.name) return;
    await this.client.updateRun({ runId: run.id, name: name.trim() });
    this.changed();
  }

  async tag(runs: RunItem[]): Promise<boolean> {
    const text = await vscode.window.showInputBox({
      title: `Tag ${describe(runs)}`,
      prompt: 'key=value (an empty value removes the tag)',
      placeHolder: 'model=dense',
      validateInput: (v) => {
        const parsed = parseTagInput(v);
        return typeof parsed === 'string' ? parsed : undefined;
      },
    });
    if (text === undefined) return false;
    const parsed = parseTagInput(text);
    if (typeof parsed === 'string') return false;
    for (const run of runs) {
      await this.client.updateRun(
        parsed.value === ''
          ? { runId: run.id, deleteTags: [parsed.key] }
          : { runId: run.id, setTags: { [parsed.key]: parsed.value } },
      );
    }
    this.changed();
    return true;
  }

  async editNote(run: RunItem): Promise<void> {
    const details = await this.client.runDetails(run.id);
    const note = await vscode.window.showInputBox({
      title: `Note on run "${run.name}" (markdown)`,
      prompt: 'Shown in the run details. Empty removes the note. Write \\n for a line break.',
      value: (details?.note ?? '').replace(/\n/g, '\\n'),
      validateInput: (v) =>
        v.length > 100_000 ? `At most 100,000 characters (this is ${v.length})` : undefined,
    });
    if (note === undefined) return;
    await this.client.updateRun({ runId: run.id, note: note.replace(/\\n/g, '\n') });
    this.changed();
  }

  async pin(runs: RunItem[], pinned: boolean): Promise<boolean> {
    for (const run of runs) await this.client.updateRun({ runId: run.id, pinned });
    this.changed();
    return true;
  }

  async restore(runs: RunItem[]): Promise<void> {
    for (const run of runs) await this.client.restoreRun(run.id);
    this.changed();
    vscode.window.setStatusBarMessage(`Restored ${describe(runs)}`, 3000);
  }

  async purge(runs: RunItem[]): Promise<void> {
    const choice = await vscode.window.showWarningMessage(
      `Delete ${describe(runs)} permanently?`,
      {
        modal: true,
        detail:
          'Params, metrics, tags and artifacts no other run uses are removed from the store. This cannot be undone.',
      },
      'Delete Permanently',
    );
    if (choice !== 'Delete Permanently') return;
    const result = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Deleting ${describe(runs)} permanently…`,
      },
      () => this.client.purgeRuns(runs.map((r) => r.id)),
    );
    this.changed();
    void vscode.window.showInformationMessage(
      `Deleted ${plural(result.purged, 'run')} permanently; freed ${formatBytes(result.artifactBytesFreed)} of artifacts.`,
    );
  }

  async purgeAllDeleted(): Promise<void> {
    const deleted = await this.client.listDeletedRuns();
    if (deleted.length === 0) {
      void vscode.window.showInformationMessage('There are no deleted runs.');
      return;
    }
    await this.purge(deleted);
  }

  /** Picks the experiment (unless given), one of its metrics (or none), and the direction. */
  async setKeyMetric(experiment: ExperimentItem | undefined): Promise<void> {
    const target = experiment ?? (await this.pickExperiment());
    if (!target) return;
    const page = await this.client.queryRunsTable({
      experimentIds: [target.id],
      offset: 0,
      limit: 1,
    });
    const metrics = page.columns.metrics;
    if (metrics.length === 0) {
      void vscode.window.showInformationMessage(`Experiment "${target.name}" has no metrics yet.`);
      return;
    }
    const none = { label: '$(circle-slash) No key metric', key: null as string | null };
    const picked = await vscode.window.showQuickPick(
      [
        ...metrics.map((key) => ({
          label: key,
          key,
          description: key === target.keyMetric ? 'current' : undefined,
        })),
        none,
      ],
      { title: `Key metric of "${target.name}": ranks its runs and marks the best` },
    );
    if (!picked) return;
    if (picked.key === null) {
      await this.client.setKeyMetric(target.id, null, true);
      this.changed();
      return;
    }
    const byName = higherIsBetterByName(picked.key);
    const directions = [
      { label: '$(arrow-up) Higher is better', higher: true },
      { label: '$(arrow-down) Lower is better', higher: false },
    ];
    if (!byName) directions.reverse();
    const direction = await vscode.window.showQuickPick(directions, {
      title: `Which ${picked.key} is better?`,
    });
    if (!direction) return;
    await this.client.setKeyMetric(target.id, picked.key, direction.higher);
    this.changed();
  }

  /** Opens the cells the run's notebook had run when the run started, as a new untitled notebook. */
  async reopenSource(run: RunItem): Promise<void> {
    const source = await this.client.runSource(run.id);
    if (!source) {
      void vscode.window.showInformationMessage(
        `Run "${run.name}" has no captured notebook source: it was not started from a Labbook notebook kernel.`,
      );
      return;
    }
    const data = notebookDataFromIpynb(source.ipynb, run);
    const document = await vscode.workspace.openNotebookDocument(NOTEBOOK_TYPE, data);
    await vscode.window.showNotebookDocument(document);
  }

  private async pickExperiment(): Promise<ExperimentItem | undefined> {
    const experiments = await this.client.listExperiments();
    if (experiments.length === 0) {
      void vscode.window.showInformationMessage(
        'No experiments yet: run a notebook that calls lab.withRun.',
      );
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      experiments.map((experiment) => ({
        label: experiment.name,
        description: plural(experiment.runCount, 'run'),
        experiment,
      })),
      { title: 'Select an experiment' },
    );
    return picked?.experiment;
  }
}

function formatBytes(size: number): string {
  if (size < 1024) return `${size} B`;
  if (size < 1024 ** 2) return `${(size / 1024).toFixed(1)} KiB`;
  return `${(size / 1024 ** 2).toFixed(1)} MiB`;
}

/** The snapshot is nbformat 4 written by the SDK; anything else is reported, not guessed at. */
function notebookDataFromIpynb(text: string, run: RunItem): vscode.NotebookData {
  let parsed: { cells?: { cell_type?: unknown; source?: unknown; execution_count?: unknown }[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (error) {
    throw new Error(
      `the source snapshot of run ${run.id} is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (!parsed || !Array.isArray(parsed.cells))
    throw new Error(`the source snapshot of run ${run.id} has no cells`);
  const header = new vscode.NotebookCellData(
    vscode.NotebookCellKind.Markup,
    `Source of run **${run.name.replace(/[\\`*_{}[\]()#+\-.!<>|]/g, '\\$&')}** (\`${run.id}\`), captured when it started: the cells that had run, in the order they ran.`,
    'markdown',
  );
  const cells = parsed.cells.map((cell) => {
    const source = Array.isArray(cell.source)
      ? cell.source.join('')
      : typeof cell.source === 'string'
        ? cell.source
        : '';
    return cell.cell_type === 'markdown'
      ? new vscode.NotebookCellData(vscode.NotebookCellKind.Markup, source, 'markdown')
      : new vscode.NotebookCellData(vscode.NotebookCellKind.Code, source, 'typescript');
  });
  const data = new vscode.NotebookData([header, ...cells]);
  data.metadata = {
    metadata: {
      kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      language_info: { name: 'typescript' },
    },
  };
  return data;
}
