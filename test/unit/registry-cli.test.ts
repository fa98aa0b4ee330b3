/**
 * The registry commands end to end: `labbook models`, `models show`, `promote`, `alias` and
 * `model-card` as real child processes against a store seeded here (runs and versions
 * written directly; gates on run metrics only, so no model is ever evaluated).
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { openStore, storeName, type OpenStore } from '../../core/store';
import { Registry, saveGates } from '../../core/registry';
import type { ModelDetailsJson, ModelSummaryJson } from '../../cli/models';
import { forEachBackendShared } from '../support/backends';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'bin', 'labbook.js');

forEachBackendShared('labbook registry commands', (backend) => {
  let dir: string;
  let storePath: string;
  let cwd: string;

  function labbook(args: string[]) {
    const r = spawnSync(process.execPath, [bin, '--store', storePath, ...args], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: { ...process.env, LABBOOK_STORE: '' },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  function withRegistry<T>(fn: (registry: Registry, store: OpenStore) => T): T {
    const store = openStore({ path: storePath, cwd: dir });
    try {
      return fn(new Registry(store, { who: () => 'seeder' }), store);
    } finally {
      store.close();
    }
  }

  before(() => {
    dir = backend().dir;
    storePath = storeName(backend().location);
    // The gates file lives beside a SQLite store, in the working folder for a server.
    cwd = process.cwd();
    process.chdir(dir);
    withRegistry((registry, store) => {
      for (const [acc, loss] of [
        [0.93, 0.2],
        [0.81, 0.6],
        [0.95, 0.15],
      ]) {
        const run = store.createRun({ experiment: 'penguins', name: `acc ${acc}` });
        store.insertMetricPoints([
          { runId: run.id, key: 'val_acc', step: 0, timestamp: Date.now(), value: acc },
          { runId: run.id, key: 'val_loss', step: 0, timestamp: Date.now(), value: loss },
        ]);
        store.logParams(run.id, { units: '16' });
        store.logArtifact(run.id, 'model/model.json', '{}');
        store.endRun(run.id, 'finished');
        registry.registerVersion({
          name: 'penguins',
          runId: run.id,
          artifactPath: 'model/',
          description: `val_acc ${acc}`,
        });
      }
    });
    saveGates(storePath, 'penguins', {
      production: { metrics: ['metrics.val_acc >= 0.9', 'metrics.val_loss <= 0.5'] },
    });
  });
  after(() => process.chdir(cwd));

  it('promote: exit 0 with the gates that passed', () => {
    const r = labbook([
      'promote',
      'penguins',
      '1',
      '--to',
      'production',
      '--reason',
      'first release',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /penguins v1: None -> Production/);
    assert.match(r.stdout, /Gates: 2 of 2 passed/);
    assert.match(r.stdout, /pass {2}metrics\.val_acc >= 0\.9: metrics\.val_acc is 0\.93/);
  });

  it('promote: exit 1 when the gates refuse, printing each failing gate with its numbers', () => {
    const r = labbook(['promote', 'penguins', '2', '--to', 'Production']);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Promotion of penguins v2 to Production refused: 2 of 2 gates failed/);
    assert.match(
      r.stderr,
      /FAIL {2}metrics\.val_acc >= 0\.9: metrics\.val_acc is 0\.81; needs >= 0\.9/,
    );
    assert.match(
      r.stderr,
      /FAIL {2}metrics\.val_loss <= 0\.5: metrics\.val_loss is 0\.6; needs <= 0\.5/,
    );
    assert.match(r.stderr, /--force --reason/);
    const details = JSON.parse(
      labbook(['models', 'show', 'penguins', '--json']).stdout,
    ) as ModelDetailsJson;
    assert.equal(details.versions.find((v) => v.version === 2)!.stage, 'None');
  });

  it('promote: exit 2 on unusable input', () => {
    const cases: [string[], RegExp][] = [
      [['promote', 'penguins', 'two', '--to', 'staging'], /VERSION must be a version number/],
      [
        ['promote', 'penguins', '2', '--to', 'prod'],
        /--to must be staging, production, archived or none/,
      ],
      [['promote', 'penguins', '2'], /required option '--to <stage>'/],
      [['promote', 'penguins', '2', '--to', 'production', '--force'], /--force needs --reason/],
      [
        ['promote', 'pinguins', '2', '--to', 'staging'],
        /no registered model named "pinguins" \(models: penguins\)/,
      ],
      [['promote', 'penguins', '9', '--to', 'staging'], /has no version 9/],
      [['promote', 'penguins', '1', '--to', 'production'], /already in Production/],
    ];
    for (const [args, pattern] of cases) {
      const r = labbook(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
  });

  it('promote --force with a reason overrides the gates and archives the previous Production', () => {
    const r = labbook([
      'promote',
      'penguins',
      '2',
      '--to',
      'production',
      '--force',
      '--reason',
      'demo for the review',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /penguins v2: None -> Production \(v1 archived: replaced by v2\)/);
    assert.match(r.stdout, /0 of 2 passed; the failing ones were overridden/);
    const details = JSON.parse(
      labbook(['models', 'show', 'penguins', '--json']).stdout,
    ) as ModelDetailsJson;
    const [promoted, archived] = details.history;
    assert.deepEqual(
      [promoted.version, promoted.to, promoted.forced, promoted.reason, promoted.gates!.length],
      [2, 'Production', true, 'demo for the review', 2],
    );
    assert.deepEqual(
      [archived.version, archived.from, archived.to, archived.reason],
      [1, 'Production', 'Archived', 'replaced by v2'],
    );
  });

  it('alias sets, moves and removes', () => {
    let r = labbook(['alias', 'penguins', '3', 'champion']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /penguins@champion -> v3/);
    r = labbook(['alias', 'penguins', '1', 'champion']);
    assert.match(r.stdout, /penguins@champion -> v1 \(was v3\)/);
    r = labbook(['alias', 'penguins', '1', 'production']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /alias "production" is reserved/);
    r = labbook(['alias', 'penguins', '3', 'champion', '--remove']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /points at v1, not v3/);
    labbook(['alias', 'penguins', '3', 'challenger']);
    r = labbook(['alias', 'penguins', '1', 'champion', '--remove']);
    assert.equal(r.code, 0, r.stderr);
    const models = JSON.parse(labbook(['models', '--json']).stdout) as ModelSummaryJson[];
    assert.deepEqual(models[0].aliases, { challenger: 3 });
  });

  it('models --json: one object per model', () => {
    const r = labbook(['models', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const models = JSON.parse(r.stdout) as ModelSummaryJson[];
    assert.equal(models.length, 1);
    const m = models[0];
    assert.deepEqual(Object.keys(m).sort(), [
      'aliases',
      'createdAt',
      'description',
      'latestVersion',
      'name',
      'production',
      'staging',
    ]);
    assert.deepEqual([m.name, m.latestVersion, m.production, m.staging], ['penguins', 3, 2, null]);
    assert.match(m.createdAt, /^\d{4}-\d\d-\d\dT/);
  });

  it('models and models show as tables', () => {
    const list = labbook(['models']);
    assert.equal(list.code, 0, list.stderr);
    assert.match(
      list.stdout,
      /NAME +LATEST +PRODUCTION +STAGING +ALIASES\npenguins +v3 +v2 +- +challenger=v3/,
    );
    const show = labbook(['models', 'show', 'penguins']);
    assert.equal(show.code, 0, show.stderr);
    assert.match(
      show.stdout,
      /v3 +None +challenger +\w{8} acc 0\.95 .* val_acc=0\.95 val_loss=0\.15/,
    );
    assert.match(show.stdout, /v1 +Archived/);
    assert.match(show.stdout, /production: metrics\.val_acc >= 0\.9; metrics\.val_loss <= 0\.5/);
    assert.match(
      show.stdout,
      /v2 None -> Production by .+ \(FORCED past failing gates\), gates 0\/2 passed: demo for the review/,
    );
    const missing = labbook(['models', 'show', 'nope']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /no registered model named "nope"/);
  });

  it('models show --json: versions with run and metrics, history, gates', () => {
    const details = JSON.parse(
      labbook(['models', 'show', 'penguins', '--json']).stdout,
    ) as ModelDetailsJson;
    assert.deepEqual(
      details.versions.map((v) => [v.version, v.stage]),
      [
        [3, 'None'],
        [2, 'Production'],
        [1, 'Archived'],
      ],
    );
    assert.equal(details.versions[0].runName, 'acc 0.95');
    assert.equal(details.versions[0].experiment, 'penguins');
    assert.deepEqual(details.versions[0].metrics, { val_acc: 0.95, val_loss: 0.15 });
    assert.equal(details.versions[0].inUse, false);
    assert.deepEqual(details.gates, {
      production: { metrics: ['metrics.val_acc >= 0.9', 'metrics.val_loss <= 0.5'] },
    });
    assert.equal(details.gatesPath, path.join(dir, '.labbook', 'gates', 'penguins.json'));
  });

  it('model-card writes markdown to --out, or to stdout', () => {
    const out = path.join(dir, 'cards', 'penguins-v3.md');
    const r = labbook(['model-card', 'penguins', '3', '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /written to .*penguins-v3\.md/);
    const md = readFileSync(out, 'utf8');
    assert.match(md, /^# Model card: penguins v3/);
    assert.match(md, /\| val_acc \| 0\.95 \|/);
    assert.match(md, /No holdout set was stored/);
    const stdout = labbook(['model-card', 'penguins', '2']);
    assert.equal(stdout.code, 0, stdout.stderr);
    assert.match(stdout.stdout, /This version is in Production/);
    const bad = labbook(['model-card', 'penguins', '3', '--slice', 'island']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /no holdout set to slice by "island"/);
  });

  it('without a store: models lists none, the others say there is no store', () => {
    const empty = path.join(dir, 'empty', 'none.db');
    const r1 = spawnSync(process.execPath, [bin, '--store', empty, 'models', '--json'], {
      encoding: 'utf8',
    });
    assert.equal(r1.status, 0);
    assert.equal(r1.stdout, '[]\n');
    const r2 = spawnSync(
      process.execPath,
      [bin, '--store', empty, 'promote', 'x', '1', '--to', 'staging'],
      { encoding: 'utf8' },
    );
    assert.equal(r2.status, 2);
    assert.match(r2.stderr, /No Labbook store at/);
  });
});
