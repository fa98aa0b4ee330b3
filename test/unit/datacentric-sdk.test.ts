/**
 * The data-centric tools from a notebook (`lab.findAnomalies`, `lab.findLabelIssues`,
 * `lab.suggestCleaningPlan`, `lab.clean`, `lab.augment`) and from the shell (`labbook
 * anomalies`, `labbook label-issues`, `labbook clean`): on penguins from vega-datasets with
 * planted problems, derived versions logged with lineage, plans replayed from the store.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Store } from '../../core/store';
import { getDataset } from '../../core/quality/datasets';
import { applyCleaningPlan, type CleaningPlan } from '../../core/datacentric';
import { parseLineageSource, lineageArtifactName } from '../../core/datacentric/lineage';
import { seededRandom } from '../../core/datacentric/random';
import * as lab from '../../kernel/sdk';
import { installDisplaySink } from '../../kernel/sdk/display';
import { makeTempDir, removeDir } from './temp';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'labbook.js');
const penguinsPath = join(root, 'node_modules', 'vega-datasets', 'data', 'penguins.json');
const penguins = JSON.parse(readFileSync(penguinsPath, 'utf8')) as Record<string, unknown>[];

/** Penguins with 5% of the species flipped and two planted outliers at the end. */
function planted(): { rows: Record<string, unknown>[]; flipped: Set<number>; outliers: number[] } {
  const rows = penguins.map((r) => ({ ...r }));
  const random = seededRandom(1);
  const flipped = new Set(random.sample(rows.length, Math.round(rows.length * 0.05)));
  const species = ['Adelie', 'Chinstrap', 'Gentoo'];
  for (const i of flipped)
    rows[i].Species = species.filter((s) => s !== rows[i].Species)[random.int(2)];
  rows.push(
    { ...rows[0], 'Body Mass (g)': 12000, 'Flipper Length (mm)': 290 },
    { ...rows[1], 'Beak Length (mm)': 95, 'Beak Depth (mm)': 4 },
  );
  return { rows, flipped, outliers: [rows.length - 2, rows.length - 1] };
}

function labbook(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, LABBOOK_STORE: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('data-centric tools: SDK and CLI', function () {
  this.timeout(120_000);
  let dir: string;
  let shown: Record<string, unknown>[];
  beforeEach(() => {
    dir = makeTempDir('labbook-datacentric-');
    shown = [];
    installDisplaySink((data) => shown.push(data));
  });
  afterEach(() => {
    installDisplaySink(undefined);
    removeDir(dir);
  });

  it('lab.findAnomalies and lab.findLabelIssues list the planted problems first and draw a table and a scatter', async () => {
    const { rows, flipped, outliers } = planted();
    const anomalies = await lab.findAnomalies(rows, { seed: 1 });
    assert.deepEqual(new Set(anomalies.ranked.slice(0, 2).map((r) => r.row)), new Set(outliers));
    assert.ok(
      shown.some((d) => typeof d['text/html'] === 'string' && d['text/html'].includes('<table')),
    );
    const scatter = shown.find((d) => d['application/vnd.vegalite.v5+json']) as Record<
      string,
      { data: { values: { kind: string; row: number }[] } }
    >;
    assert.ok(scatter, 'a vega-lite scatter');
    const points = scatter['application/vnd.vegalite.v5+json'].data.values;
    for (const o of outliers) assert.equal(points[o].kind, 'anomalous');
    shown.length = 0;
    const issues = await lab.findLabelIssues(rows, { label: 'Species', seed: 1 });
    const top = issues.issues.slice(0, flipped.size).filter((i) => flipped.has(i.row)).length;
    assert.ok(
      top >= flipped.size * 0.7,
      `${top} of the ${flipped.size} flipped rows among the top ${flipped.size}`,
    );
    assert.equal(shown.length, 2);
    await assert.rejects(
      lab.findLabelIssues(rows, { label: 'species' }),
      /lab\.findLabelIssues: no label column "species"/,
    );
    await assert.rejects(
      lab.findAnomalies(join(dir, 'missing.csv')),
      /lab\.findAnomalies: .*missing\.csv/,
    );
  });

  it('lab.clean logs a new version with lineage to its parent, and its recorded plan replays to the same rows', async () => {
    const { rows, flipped } = planted();
    const file = join(dir, 'penguins-planted.json');
    writeFileSync(file, JSON.stringify(rows));
    const dbPath = join(dir, '.labbook', 'labbook.db');
    const run = lab.startRun({ experiment: 'cleaning', store: dbPath });
    const source = await run.logDataset(file, { name: 'penguins', role: 'train' });
    const plan = await lab.suggestCleaningPlan(file, { label: 'Species', seed: 1 });
    const cleaned = await lab.clean(file, plan, { run, from: source });
    const augmented = await lab.augment(cleaned.rows, {
      method: 'smote',
      label: 'Species',
      run,
      from: cleaned.dataset,
    });
    run.end();
    assert.equal(cleaned.dataset?.version, 2);
    assert.equal(augmented.dataset?.version, 3);
    const restored = [...flipped].filter(
      (i) => cleaned.rows[cleaned.from.indexOf(i)]?.Species === penguins[i].Species,
    ).length;
    assert.ok(restored >= flipped.size * 0.7, `${restored} of ${flipped.size} labels restored`);
    const store = Store.open({ path: dbPath });
    try {
      const v2 = getDataset(store, 'penguins', 2)!;
      assert.deepEqual(parseLineageSource(v2.source), {
        from: { name: 'penguins', version: 1 },
        how: 'clean',
      });
      assert.deepEqual(parseLineageSource(getDataset(store, 'penguins', 3)!.source), {
        from: { name: 'penguins', version: 2 },
        how: 'augment-smote',
      });
      assert.equal(parseLineageSource(getDataset(store, 'penguins', 1)!.source), null);
      const recipe = JSON.parse(
        store.readArtifact(run.id, lineageArtifactName(v2.fingerprint)).toString('utf8'),
      ) as { plan: CleaningPlan };
      // Replay: the parent's rows and the recorded plan give the version's rows again.
      const replayed = applyCleaningPlan(
        JSON.parse(readFileSync(source.profile.source!, 'utf8')) as Record<string, unknown>[],
        recipe.plan,
      );
      assert.equal(replayed.rows.length, v2.rows);
      assert.deepEqual(replayed.rows, cleaned.rows);
    } finally {
      store.close();
    }
    await assert.rejects(
      lab.clean(rows, { steps: [{ action: 'nope' }] }),
      /lab\.clean: cleaning plan: step 1: action must be one of/,
    );
    await assert.rejects(lab.clean(rows, { steps: [] }, { name: 'x' }), /name and from need run/);
  });

  it('labbook anomalies, label-issues and clean: JSON for CI, tables for people, exit 2 on bad input', () => {
    const { rows, outliers, flipped } = planted();
    const file = join(dir, 'planted.json');
    writeFileSync(file, JSON.stringify(rows));
    const a = labbook(['anomalies', file, '--json', '--seed', '1']);
    assert.equal(a.code, 0, a.stderr);
    const report = JSON.parse(a.stdout) as { ranked: { row: number }[]; trees: number };
    assert.equal(report.trees, 100);
    assert.deepEqual(new Set(report.ranked.slice(0, 2).map((r) => r.row)), new Set(outliers));
    const text = labbook(['anomalies', file]);
    assert.match(text.stdout, /rows anomalous/);
    assert.match(text.stdout, /ROW\s+SCORE\s+ANOMALOUS\s+WHY/);

    const l = labbook(['label-issues', file, '--label', 'Species', '--json', '--seed', '1']);
    assert.equal(l.code, 0, l.stderr);
    const issues = JSON.parse(l.stdout) as { issues: { row: number; suggested: string }[] };
    const hits = issues.issues.filter((i) => flipped.has(i.row)).length;
    assert.ok(
      hits / issues.issues.length >= 0.7 && hits / flipped.size >= 0.7,
      `${hits} hits of ${issues.issues.length}`,
    );
    const bad = labbook(['label-issues', file, '--label', 'nope']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no label column "nope"/);

    const planPath = join(dir, 'plan.json');
    writeFileSync(
      planPath,
      JSON.stringify({
        steps: [
          { action: 'drop-rows', rows: outliers },
          {
            action: 'relabel',
            column: 'Species',
            rows: issues.issues.map((i) => ({
              row: i.row,
              from: rows[i.row].Species,
              to: i.suggested,
            })),
          },
          { action: 'impute', column: 'Sex', value: 'MALE' },
        ],
      }),
    );
    const out = join(dir, 'clean.csv');
    const c = labbook(['clean', file, '--plan', planPath, '--out', out, '--json']);
    assert.equal(c.code, 0, c.stderr);
    const summary = JSON.parse(c.stdout) as {
      rows: number;
      steps: { action: string; changed: number }[];
    };
    assert.equal(summary.rows, rows.length - 2);
    assert.deepEqual(
      summary.steps.map((s) => s.action),
      ['drop-rows', 'relabel', 'impute'],
    );
    const csv = readFileSync(out, 'utf8').trim().split('\n');
    assert.equal(csv.length, rows.length - 2 + 1);
    assert.match(csv[0], /Species/);
    writeFileSync(
      planPath,
      '{"steps": [{"action": "clip", "column": "Body Mass (g)", "low": 9, "high": 1}]}',
    );
    const badPlan = labbook(['clean', file, '--plan', planPath, '--out', out]);
    assert.equal(badPlan.code, 2);
    assert.match(badPlan.stderr, /step 1: clip needs numbers "low" <= "high"/);
    const badOut = labbook(['clean', file, '--plan', join(dir, 'none.json'), '--out', out]);
    assert.equal(badOut.code, 2);
    assert.match(badOut.stderr, /--plan: cannot read/);
  });
});
