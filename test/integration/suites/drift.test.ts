/**
 * Drift inside a real VS Code: vega-datasets' seattle-weather.csv split into 2012 (the
 * reference) and 2015 (the current data) in the workspace; "Labbook: Compare Data for
 * Drift…" with both files as arguments compares them in the workspace service (DuckDB) and
 * opens the Drift panel with the verdict, the column table and a column's distributions;
 * "Check Drift Against…" does the same from the current file; a bad option reaches the
 * panel as a message.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { activeLabbook } from '../runner/labbook';
import { eventually } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';

const REPO = path.join(__dirname, '..', '..', '..', '..');
const SEATTLE = path.join(REPO, 'node_modules', 'vega-datasets', 'data', 'seattle-weather.csv');
const TITLE = 'Drift: seattle-2015.csv vs seattle-2012.csv';

interface Column {
  name: string;
  type: string;
  method: string;
  drifted: boolean;
  skipped?: string;
  pValue: number | null;
  bins: unknown[];
}
interface Report {
  reference: { rows: number };
  current: { rows: number };
  dataset: { drifted: boolean; driftedColumns: number; columns: number; share: number };
  columns: Column[];
  target?: { target?: string; targetDrift?: Column };
}

function tabOpen(label: string): boolean {
  return vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === label);
}

const waitFor = (check: () => boolean, what: string, timeoutMs = 10_000): Promise<boolean> =>
  eventually(what, check, timeoutMs, 100);

describe('drift', function () {
  this.timeout(180_000);
  let api: LabbookApi;
  let folder: string;
  let reference: vscode.Uri;
  let current: vscode.Uri;

  before(async () => {
    api = await activeLabbook();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // The two years as their own files, in a folder inside the workspace (removed afterwards).
    const workspace = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    assert.ok(workspace, 'a workspace folder is open');
    folder = fs.mkdtempSync(path.join(workspace, 'drift-data-'));
    const [header, ...rows] = fs.readFileSync(SEATTLE, 'utf8').trim().split(/\r?\n/);
    const year = (y: string) =>
      [header, ...rows.filter((r) => r.startsWith(`${y}-`))].join('\n') + '\n';
    fs.writeFileSync(path.join(folder, 'seattle-2012.csv'), year('2012'));
    fs.writeFileSync(path.join(folder, 'seattle-2015.csv'), year('2015'));
    reference = vscode.Uri.file(path.join(folder, 'seattle-2012.csv'));
    current = vscode.Uri.file(path.join(folder, 'seattle-2015.csv'));
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  it('compares seattle-weather 2015 with 2012 from the command and shows the Drift panel', async () => {
    const report = await vscode.commands.executeCommand<Report>(
      'labbook.compareDataForDrift',
      reference,
      current,
      { target: 'weather' },
    );
    assert.ok(report, 'the command resolves with the report');
    assert.equal(report.reference.rows, 366);
    assert.equal(report.current.rows, 365);
    const byName = new Map(report.columns.map((c) => [c.name, c]));
    // Temperatures and the weather changed between the two years; wind and precipitation did not (K-S, chi-square as SciPy).
    assert.equal(byName.get('temp_max')?.method, 'ks');
    assert.equal(byName.get('temp_max')?.drifted, true);
    assert.equal(byName.get('wind')?.drifted, false);
    assert.equal(byName.get('weather')?.method, 'chisquare');
    assert.equal(byName.get('weather')?.drifted, true);
    assert.ok(byName.get('date')?.skipped, 'dates are not compared');
    assert.equal(report.dataset.drifted, true);
    assert.equal(report.target?.target, 'weather');
    assert.equal(report.target?.targetDrift?.drifted, true);

    await waitFor(() => tabOpen(TITLE), 'the panel is open');
    assert.deepEqual(api.drift.openTitles(), [TITLE]);
    await takeScreenshot('drift-seattle', 60_000, { waitFor: '.columns-table .dp-dist' });

    // The detail view of a column: both distributions drawn by vega-lite.
    await waitFor(
      () => api.drift.showColumn(TITLE, 'temp_max'),
      'the panel opens the column',
      20_000,
    );
    await takeScreenshot('drift-seattle-detail', 60_000, {
      waitFor: '.detail-chart svg.marks .mark-rect path',
    });
  });

  it("checks the current file against a reference from the Explorer command, reusing the pair's panel", async () => {
    // As the Explorer calls it with two files selected: the clicked one is the current data.
    const report = await vscode.commands.executeCommand<Report>(
      'labbook.checkDriftAgainst',
      current,
      [current, reference],
    );
    assert.ok(report, 'the command resolves with the report');
    assert.equal(report.current.rows, 365);
    assert.equal(report.reference.rows, 366);
    await waitFor(() => tabOpen(TITLE), 'the panel is open');
    assert.deepEqual(api.drift.openTitles(), [TITLE], 'the same pair reuses its panel');
  });

  it('shows why a comparison failed in the panel', async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const report = await vscode.commands.executeCommand<Report | undefined>(
      'labbook.compareDataForDrift',
      reference,
      current,
      { target: 'no such column' },
    );
    assert.equal(report, undefined, 'no report');
    await waitFor(() => tabOpen(TITLE), 'the panel is open with the message');
    await takeScreenshot('drift-seattle-error', 60_000, { waitFor: '.message .error' });
  });
});
