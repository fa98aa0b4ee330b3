/**
 * Data quality inside a real VS Code: "Labbook: Profile Data" on a messy real data set
 * (vega-datasets' movies.json) profiles it in the workspace service (DuckDB) and opens the
 * Data Quality panel with its score, issues and a chart per column.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { takeScreenshot } from '../runner/index';

const REPO = path.join(__dirname, '..', '..', '..', '..');
const MOVIES = path.join(REPO, 'node_modules', 'vega-datasets', 'data', 'movies.json');

interface Profile { rows: number; columns: { name: string; type: string; missing: number; mixedTypes?: boolean }[]; quality: { score: number }; issues: unknown[] }
interface LabbookApi { runs: { ready(): Promise<void> } }

describe('data quality', function () {
  this.timeout(120_000);

  before(async () => {
    const extension = vscode.extensions.getExtension<LabbookApi>('labbook.labbook');
    assert.ok(extension, 'Labbook is installed');
    await (await extension.activate()).runs.ready();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('profiles movies.json from the command and shows the Data Quality panel', async () => {
    const profile = await vscode.commands.executeCommand<Profile>('labbook.profileData', vscode.Uri.file(MOVIES));
    assert.ok(profile, 'the command resolves with the profile');
    assert.equal(profile.rows, 3201);
    assert.equal(profile.columns.length, 16);
    assert.ok(profile.issues.length > 0, 'a messy data set has issues');
    assert.ok(profile.quality.score > 0 && profile.quality.score < 1, `score ${profile.quality.score}`);
    const deadline = Date.now() + 10_000;
    const tabOpen = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).some((t) => t.label === 'Data quality: movies.json');
    while (!tabOpen() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(tabOpen(), 'the panel is open');
    await takeScreenshot('data-quality-movies', 60_000, { waitFor: '.score-section' });
    // Charts draw as their cards scroll into view; this fails unless they did.
    await takeScreenshot('data-quality-movies-columns', 60_000, { scrollTo: '.columns-section', waitFor: '.column-grid svg.marks' });
  });
});
