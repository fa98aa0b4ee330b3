/**
 * Data quality inside a real VS Code: "Labbook: Profile Data" on a messy real data set
 * (vega-datasets' movies.json) profiles it in the workspace service (DuckDB) and opens the
 * Data Quality panel with its score, issues and a chart per column; "Validate Data Against
 * Suite…" shows a suite's rule results; the Data Sets view lists a version another process
 * logged and opens its stored profile.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';
import { activeLabbook, workspaceStore } from '../runner/labbook';
import { eventually } from '../runner/wait';
import type { LabbookApi } from '../../../extension/api';
import type { DatasetsTreeNode as DatasetNode } from '../../../extension/quality/datasetsTree';

const REPO = path.join(__dirname, '..', '..', '..', '..');
const DATA = path.join(REPO, 'node_modules', 'vega-datasets', 'data');
const MOVIES = path.join(DATA, 'movies.json');

interface Validation {
  suite: string;
  passed: boolean;
  rules: { passed: boolean; unexpectedCount: number; rule: { kind: string; column?: string } }[];
}
interface Profile {
  rows: number;
  columns: { name: string; type: string; missing: number; mixedTypes?: boolean }[];
  quality: { score: number; validity: number };
  issues: unknown[];
  validation?: Validation;
}

describe('data quality', function () {
  this.timeout(120_000);

  let api: LabbookApi;

  before(async () => {
    api = await activeLabbook();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('profiles movies.json from the command and shows the Data Quality panel', async () => {
    const profile = await vscode.commands.executeCommand<Profile>(
      'labbook.profileData',
      vscode.Uri.file(MOVIES),
    );
    assert.ok(profile, 'the command resolves with the profile');
    assert.equal(profile.rows, 3201);
    assert.equal(profile.columns.length, 16);
    assert.ok(profile.issues.length > 0, 'a messy data set has issues');
    assert.ok(
      profile.quality.score > 0 && profile.quality.score < 1,
      `score ${profile.quality.score}`,
    );
    const deadline = Date.now() + 10_000;
    const tabOpen = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => t.label === 'Data quality: movies.json');
    while (!tabOpen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(tabOpen(), 'the panel is open');
    await takeScreenshot('data-quality-movies', 60_000, { waitFor: '.score-section' });
    // Charts draw as their cards scroll into view; this fails unless they did.
    await takeScreenshot('data-quality-movies-columns', 60_000, {
      scrollTo: '.columns-section',
      waitFor: '.column-grid svg.marks',
    });
  });

  it('validates a new batch of cars against a suite inferred from cars.json and shows the failing rules', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const made = await api.runs
      .service()!
      .inferSuite(path.join(DATA, 'cars.json'), 'cars-reference');
    assert.ok(made.rules > 5);
    // A batch where every fourth car lost its origin and a few have impossible horsepower.
    const rows = (
      JSON.parse(readFileSync(path.join(DATA, 'cars.json'), 'utf8')) as Record<string, unknown>[]
    ).map((r, i) =>
      i % 4 === 0 ? { ...r, Origin: null } : i % 50 === 1 ? { ...r, Horsepower: 9000 } : r,
    );
    const dir = path.join(folder, '.labbook', 'test-data');
    mkdirSync(dir, { recursive: true });
    const batch = path.join(dir, 'cars-batch.json');
    writeFileSync(batch, JSON.stringify(rows));
    const profile = await vscode.commands.executeCommand<Profile>('labbook.validateData', {
      path: batch,
      suite: 'cars-reference',
    });
    assert.ok(profile?.validation, 'the command resolves with the validated profile');
    assert.equal(profile.validation.passed, false);
    const failed = profile.validation.rules
      .filter((r) => !r.passed)
      .map((r) => `${r.rule.kind}:${r.rule.column ?? ''}`);
    assert.ok(
      failed.includes('range:Horsepower') && failed.some((f) => f.endsWith(':Origin')),
      failed.join(', '),
    );
    await eventually('the panel', async () =>
      api.datasets
        .openQualityPanels()
        .some(
          (p) =>
            p.title === 'Data quality: cars-batch.json' &&
            p.profile.validation?.suite === 'cars-reference',
        ),
    );
    await takeScreenshot('data-quality-validation-cars', 60_000, {
      waitFor: '.validation-section table.rules',
    });
  });

  it('lists a data set version another process logged, with its run, and opens its stored profile', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const storePath = workspaceStore(folder);
    const script = [
      `const lab = require(${JSON.stringify(path.join(REPO, 'dist', 'kernel', 'sdk', 'index.js'))});`,
      `lab.withRun({ experiment: 'penguins-data', name: 'log-penguins', store: ${JSON.stringify(storePath)} }, async (run) => {`,
      `  await run.logDataset(${JSON.stringify(path.join(DATA, 'penguins.json'))}, { name: 'penguins', role: 'train' });`,
      `  process.stdout.write(run.id);`,
      `});`,
    ].join('\n');
    const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const runId = r.stdout.trim();
    const dataset = await eventually('the penguins data set', async () =>
      (await api.datasets.getChildren()).find(
        (n): n is Extract<DatasetNode, { kind: 'dataset' }> =>
          n.kind === 'dataset' &&
          n.name === 'penguins' &&
          n.versions.some((v) => v.runs.some((x) => x.runId === runId)),
      ),
    );
    const versions = await api.datasets.getChildren(dataset);
    const version = versions.find(
      (n): n is Extract<DatasetNode, { kind: 'datasetVersion' }> =>
        n.kind === 'datasetVersion' && n.item.runs.some((x) => x.runId === runId),
    )!;
    assert.equal(version.item.rows, 344);
    assert.match(
      String(api.datasets.getTreeItem(version).description),
      /^344 rows · quality \d+ · \d+ runs?$/,
    );
    const runs = await api.datasets.getChildren(version);
    assert.ok(runs.some((n) => n.kind === 'datasetRun'));
    const item = api.datasets.getTreeItem(version);
    const profile = await vscode.commands.executeCommand<Profile>(
      item.command!.command,
      ...(item.command!.arguments ?? []),
    );
    assert.equal(profile?.rows, 344);
    await eventually('the version panel', async () =>
      api.datasets
        .openQualityPanels()
        .some((p) => p.title === `Data quality: penguins v${version.item.version}`),
    );
    await vscode.commands.executeCommand('workbench.view.extension.labbook');
    await takeScreenshot('data-sets-view', 60_000, { waitFor: '.score-section' });
  });

  it('compares two logged versions for drift through the rows they kept', async () => {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const storePath = workspaceStore(folder);
    // Biscoe's penguins as the reference, Dream's as the current data: real, different islands.
    const script = [
      `const lab = require(${JSON.stringify(path.join(REPO, 'dist', 'kernel', 'sdk', 'index.js'))});`,
      `const rows = require(${JSON.stringify(path.join(DATA, 'penguins.json'))});`,
      `lab.withRun({ experiment: 'penguins-data', name: 'islands', store: ${JSON.stringify(storePath)} }, async (run) => {`,
      `  const a = await run.logDataset(rows.filter((r) => r.Island === 'Biscoe'), { name: 'penguins-by-island', role: 'reference' });`,
      `  const b = await run.logDataset(rows.filter((r) => r.Island === 'Dream'), { name: 'penguins-by-island', role: 'current' });`,
      `  process.stdout.write(JSON.stringify([a.version, b.version]));`,
      `});`,
    ].join('\n');
    const r = spawnSync('node', ['-e', script], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const [a, b] = JSON.parse(r.stdout) as [number, number];
    interface Report {
      dataset: { drifted: boolean; columns: number };
      columns: { name: string; drifted: boolean }[];
    }
    const report = await vscode.commands.executeCommand<Report>(
      'labbook.compareDatasetVersions',
      { name: 'penguins-by-island', version: b },
      { name: 'penguins-by-island', version: a },
    );
    assert.ok(report, 'the command resolves with the report');
    assert.ok(report.dataset.columns >= 6, `columns tested: ${report.dataset.columns}`);
    // Biscoe is home to Gentoo penguins and Dream is not: species and body mass differ.
    assert.ok(report.columns.find((c) => c.name === 'Species')?.drifted, 'Species drifted');
    const title = `Drift: penguins-by-island v${b} vs penguins-by-island v${a}`;
    await eventually('the drift panel', async () =>
      vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === title),
    );
    await takeScreenshot('data-sets-drift', 60_000, { waitFor: '.verdict' });
  });
});
