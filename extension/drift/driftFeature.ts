/**
 * Drift in the editor: "Labbook: Compare Data for Drift…" (pick the reference data, then the
 * current data) and, on a data file in the Explorer, "Labbook: Check Drift Against…" (the
 * clicked file is the current data; pick the reference). The workspace service computes
 * the report (core/drift, DuckDB) and a Drift panel per pair shows it. It does not own the
 * workspace service (RunsFeature starts it): `service()` is read on every use.
 *
 * Both commands take arguments, so that tests and other extensions skip the pickers:
 *
 * ```ts
 * const report = await vscode.commands.executeCommand('labbook.compareDataForDrift',
 *   vscode.Uri.file('/data/2012.csv'), vscode.Uri.file('/data/2015.csv'), { target: 'weather' });
 * // resolves with the DriftReport shown (undefined when cancelled or when it failed: the panel says why)
 * await vscode.commands.executeCommand('labbook.checkDriftAgainst', currentUri, referenceUri);
 * ```
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type { DriftOptions, DriftReport } from '../../core/common/drift-types';
import { Disposable } from '../util/dispose';
import { Command } from '../commands';
import { DATA_FILE_EXTENSIONS, isDataFile } from '../quality/qualityFeature';
import { DriftPanels, type DriftLabels } from './driftPanel';

function versionRefOf(arg: unknown): VersionRef | undefined {
  if (!arg || typeof arg !== 'object') return undefined;
  const node = arg as {
    item?: { name?: unknown; version?: unknown };
    name?: unknown;
    version?: unknown;
  };
  const name = node.item?.name ?? node.name;
  const version = node.item?.version ?? node.version;
  return typeof name === 'string' && typeof version === 'number' && Number.isSafeInteger(version)
    ? { name, version }
    : undefined;
}

type DriftCommandId =
  Command.CompareDataForDrift | Command.CheckDriftAgainst | Command.CompareDatasetVersions;

/** A logged data set version, as the Data Sets tree's nodes and command arguments name one. */
interface VersionRef {
  name: string;
  version: number;
}
type WireOptions = Omit<DriftOptions, 'onProgress'>;

export class DriftFeature extends Disposable {
  readonly panels: DriftPanels;

  constructor(
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly log: vscode.LogOutputChannel,
  ) {
    super();
    this.panels = this.track(
      new DriftPanels(extensionPath, (reference, current, labels) =>
        this.compareWithProgress(reference, current, undefined, labels),
      ),
    );
  }

  /** Commands this feature handles, keyed by id (extension.ts registers them). */
  commands(): Record<DriftCommandId, (...args: unknown[]) => unknown> {
    return {
      [Command.CompareDataForDrift]: (reference, current, options) =>
        this.compareDataForDrift(reference, current, options),
      [Command.CheckDriftAgainst]: (current, other, options) =>
        this.checkDriftAgainst(current, other, options),
      [Command.CompareDatasetVersions]: (current, reference, options) =>
        this.compareDatasetVersions(current, reference, options),
    };
  }

  /**
   * Two logged data set versions, compared through the rows each kept (its Parquet snapshot).
   * `currentArg`: a Data Sets tree version node or `{ name, version }`; `referenceArg` likewise,
   * or nothing to pick one from the other logged versions (the same data set's first).
   */
  async compareDatasetVersions(
    currentArg?: unknown,
    referenceArg?: unknown,
    options?: unknown,
  ): Promise<DriftReport | undefined> {
    const service = this.service();
    if (!service)
      throw new Error('The Labbook workspace service is not running. Open a workspace folder.');
    const current = versionRefOf(currentArg);
    if (!current) {
      void vscode.window.showInformationMessage(
        'Choose a data set version in the Data Sets view, then "Compare for Drift with…".',
      );
      return undefined;
    }
    let reference = versionRefOf(referenceArg);
    if (!reference) {
      const others = (await service.listDatasets()).filter(
        (d) => !(d.name === current.name && d.version === current.version),
      );
      if (others.length === 0) {
        void vscode.window.showInformationMessage(
          'There is no other logged data set version to compare with.',
        );
        return undefined;
      }
      // The same data set's versions first, oldest first: the usual reference is what came before.
      others.sort(
        (a, b) =>
          Number(b.name === current.name) - Number(a.name === current.name) ||
          a.name.localeCompare(b.name) ||
          a.version - b.version,
      );
      const picked = await vscode.window.showQuickPick(
        others.map((d) => ({
          label: `${d.name} v${d.version}`,
          description: `${d.rows.toLocaleString('en-US')} rows · ${new Date(d.createdAt).toLocaleString()}`,
          ref: { name: d.name, version: d.version },
        })),
        {
          title: `Drift: pick the reference to compare ${current.name} v${current.version} against`,
        },
      );
      if (!picked) return undefined;
      reference = picked.ref;
    }
    const labels = {
      reference: `${reference.name} v${reference.version}`,
      current: `${current.name} v${current.version}`,
    };
    const files = await Promise.all(
      [reference, current].map(async (v) => {
        const snapshot = await service.datasetSnapshot(v.name, v.version);
        if (!snapshot)
          throw new Error(
            `${v.name} v${v.version} kept no rows (it was logged with snapshot: false, or before Labbook kept them), so it cannot be compared.`,
          );
        return vscode.Uri.file(snapshot.path);
      }),
    );
    return this.compare(files[0], files[1], optionsOf(options), labels);
  }

  /** Reference and current as Uris or paths; whichever is missing is asked for, reference first. */
  async compareDataForDrift(
    referenceArg?: unknown,
    currentArg?: unknown,
    options?: unknown,
  ): Promise<DriftReport | undefined> {
    const reference = this.uriOf(referenceArg) ?? (await this.pick('reference'));
    if (!reference) return undefined;
    const current = this.uriOf(currentArg) ?? (await this.pick('current', reference));
    if (!current) return undefined;
    return this.compare(reference, current, optionsOf(options));
  }

  /**
   * From the Explorer: `currentArg` is the clicked file and `other` every selected one (with
   * two data files selected, the other one is the reference); from the palette: the active
   * editor's file. Also takes the reference as a Uri or path in `other`.
   */
  async checkDriftAgainst(
    currentArg?: unknown,
    other?: unknown,
    options?: unknown,
  ): Promise<DriftReport | undefined> {
    let current = this.uriOf(currentArg);
    if (!current && currentArg === undefined) {
      const active = vscode.window.activeTextEditor?.document.uri;
      if (active?.scheme === 'file' && isDataFile(active.fsPath)) current = active;
    }
    current ??= await this.pick('current');
    if (!current) return undefined;
    const currentKey = current.toString();
    let reference = this.uriOf(other);
    if (!reference && Array.isArray(other)) {
      const others = other.filter(
        (u): u is vscode.Uri =>
          u instanceof vscode.Uri && u.toString() !== currentKey && isDataFile(u.fsPath),
      );
      if (other.length === 2 && others.length === 1) reference = others[0];
    }
    reference ??= await this.pick('reference', current);
    if (!reference) return undefined;
    return this.compare(reference, current, optionsOf(options));
  }

  private async compare(
    reference: vscode.Uri,
    current: vscode.Uri,
    options: WireOptions | undefined,
    labels?: DriftLabels,
  ): Promise<DriftReport | undefined> {
    try {
      const report = await this.compareWithProgress(reference, current, options, labels);
      if (this.disposed) return undefined;
      this.panels.show(reference, current, { report }, labels);
      return report;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      this.log.warn(`drift of ${current.fsPath} against ${reference.fsPath} failed: ${message}`);
      // The panel says what went wrong, beside the two files and a "Compare again" button.
      if (!this.disposed) this.panels.show(reference, current, { error: message }, labels);
      return undefined;
    }
  }

  /** Compares in the workspace service with a progress notification; rejects with a message naming the files. */
  private async compareWithProgress(
    reference: vscode.Uri,
    current: vscode.Uri,
    options?: WireOptions,
    labels?: DriftLabels,
  ): Promise<DriftReport> {
    const refName = labels?.reference ?? path.basename(reference.fsPath);
    const curName = labels?.current ?? path.basename(current.fsPath);
    for (const uri of [reference, current]) {
      if (uri.scheme !== 'file')
        throw new Error(
          `Cannot compare ${path.basename(uri.fsPath)}: only files on this machine can be compared (${uri.scheme}: is not supported).`,
        );
    }
    const service = this.service();
    if (!service)
      throw new Error(
        `Cannot compare ${curName} with ${refName}: the Labbook workspace service is not running. Open a workspace folder.`,
      );
    const started = Date.now();
    try {
      const report = await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: `Comparing ${curName} with ${refName} for drift…`,
          cancellable: false,
        },
        () => service.compareDataForDrift(reference.fsPath, current.fsPath, options),
      );
      this.log.info(
        `drift of ${current.fsPath} against ${reference.fsPath}: ${report.dataset.driftedColumns} of ${report.dataset.columns} columns drifted` +
          ` (data set ${report.dataset.drifted ? 'drifted' : 'not drifted'}) in ${Date.now() - started} ms`,
      );
      return report;
    } catch (error) {
      const message = (error as Error)?.message ?? String(error);
      throw new Error(`Cannot compare ${curName} with ${refName}: ${message}`);
    }
  }

  private async pick(
    side: 'reference' | 'current',
    other?: vscode.Uri,
  ): Promise<vscode.Uri | undefined> {
    const otherName = other ? path.basename(other.fsPath) : undefined;
    const title =
      side === 'reference'
        ? `Drift: pick the reference data (what the model was trained on)${otherName ? ` to compare ${otherName} against` : ''}`
        : `Drift: pick the current data${otherName ? ` to compare against ${otherName}` : ''}`;
    const folder = other
      ? vscode.Uri.file(path.dirname(other.fsPath))
      : vscode.workspace.workspaceFolders?.[0]?.uri;
    const picked = await vscode.window.showOpenDialog({
      title,
      openLabel: side === 'reference' ? 'Use as reference' : 'Use as current',
      canSelectMany: false,
      filters: { 'Data files': [...DATA_FILE_EXTENSIONS], 'All files': ['*'] },
      ...(folder ? { defaultUri: folder } : {}),
    });
    return picked?.[0];
  }

  private uriOf(arg: unknown): vscode.Uri | undefined {
    if (arg instanceof vscode.Uri) return arg;
    if (typeof arg === 'string' && arg.trim() !== '') {
      const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      return vscode.Uri.file(path.isAbsolute(arg) || !folder ? arg : path.join(folder, arg));
    }
    return undefined;
  }
}

/** Options from a caller: a plain object is passed on (the service checks each field); anything else is none. */
function optionsOf(value: unknown): WireOptions | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value) || value instanceof vscode.Uri)
    return undefined;
  const { onProgress: _ignored, ...rest } = value as DriftOptions;
  return rest;
}
