/**
 * People (issue 17, item 5): who started a run is recorded (LABBOOK_USER, else the git user
 * of the folder, else the OS user); migration 6 adds the column to an older store losing
 * nothing; `labbook runs --mine`, the search language (`attributes.user`) and the runs tree
 * show mine or everyone's.
 */
import { strict as assert } from 'node:assert';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { Store, SCHEMA_VERSION } from '../../core/store';
import { MIGRATIONS } from '../../core/store/schema';
import { parseFilter } from '../../core/search/parse';
import { USER_ENV_VAR, whoAmI } from '../../core/who';
import { rootNodes } from '../../extension/runs/runsTreeModel';
import type { ExperimentItem, RunItem } from '../../core/service/protocol';
import * as lab from '../../kernel/sdk';
import { makeTempDir, removeDir } from './temp';

const root = join(__dirname, '..', '..', '..');
const bin = join(root, 'bin', 'labbook.js');

describe('people: who did what', function () {
  this.timeout(60_000);
  let dir: string;
  let saved: string | undefined;
  beforeEach(() => {
    dir = makeTempDir();
    saved = process.env[USER_ENV_VAR];
    delete process.env[USER_ENV_VAR];
  });
  afterEach(() => {
    if (saved === undefined) delete process.env[USER_ENV_VAR];
    else process.env[USER_ENV_VAR] = saved;
    removeDir(dir);
  });

  it('names LABBOOK_USER, else the git user of the folder (name, else email), else the OS user', () => {
    const repo = join(dir, 'repo');
    const emailOnly = join(dir, 'email-only');
    const plain = join(dir, 'plain');
    for (const d of [repo, emailOnly, plain]) mkdirSync(d);
    const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd });
    git(repo, 'init', '-q');
    git(repo, 'config', 'user.name', 'Ana Lima');
    git(emailOnly, 'init', '-q');
    git(emailOnly, 'config', 'user.name', '');
    git(emailOnly, 'config', 'user.email', 'ben@example.org');
    assert.equal(whoAmI(repo), 'Ana Lima');
    assert.equal(whoAmI(emailOnly), 'ben@example.org');
    // A folder outside any repository: the OS user (or a global git user.name, if one is set).
    const global = spawnSync('git', ['config', '--global', 'user.name'], { encoding: 'utf8' });
    assert.equal(whoAmI(plain), global.stdout.trim() || os.userInfo().username);
    process.env[USER_ENV_VAR] = '  Cleo\n';
    assert.equal(whoAmI(repo), 'Cleo', 'LABBOOK_USER overrides, on one line');
  });

  it('migration 6 adds the user to a schema 5 store losing nothing; new runs record theirs', () => {
    const path = join(dir, 'old', 'labbook.db');
    mkdirSync(dirname(path), { recursive: true });
    const raw = new Database(path);
    for (const m of MIGRATIONS.filter((m) => m.version <= 5)) raw.exec(m.sql);
    raw.pragma('user_version = 5');
    raw.prepare("INSERT INTO experiments (id, name, created_at) VALUES (1, 'old', 0)").run();
    raw
      .prepare(
        `INSERT INTO runs (id, experiment_id, name, status, start_time, end_time, source_notebook,
          source_cell, git_commit, git_dirty, environment, pid, host, heartbeat_at, error, parent_run_id)
        VALUES ('r1', 1, 'one', 'failed', 10, 20, '/n.ipynb', '3', 'abc', 1, '{"node":"v20"}', 7, 'h', 15, 'boom', NULL)`,
      )
      .run();
    raw.prepare("INSERT INTO params (run_id, key, value) VALUES ('r1', 'lr', '0.1')").run();
    raw.prepare("INSERT INTO tags (run_id, key, value) VALUES ('r1', 'owner', 'ana')").run();
    const before = raw.prepare('SELECT * FROM runs').all();
    raw.close();

    const store = Store.open({ path });
    try {
      assert.equal(store.schemaVersion, SCHEMA_VERSION);
      const run = store.getRun('r1')!;
      assert.equal(run.user, null, 'who started an old run is unknown');
      assert.deepEqual(
        [run.status, run.endTime, run.sourceCell, run.gitDirty, run.error, run.host],
        ['failed', 20, '3', true, 'boom', 'h'],
      );
      assert.deepEqual(store.getParams('r1'), { lr: '0.1' });
      assert.deepEqual(store.getTags('r1'), { owner: 'ana' });
      const after = new Database(path, { readonly: true });
      const rows = after.prepare('SELECT * FROM runs').all() as Record<string, unknown>[];
      after.close();
      assert.deepEqual(
        rows.map(({ user_name, ...rest }) => {
          assert.equal(user_name, null);
          return rest;
        }),
        before,
        'every old column keeps its value',
      );

      const mine = store.createRun({ experiment: 'old', user: 'ana' });
      store.createRun({ experiment: 'old', user: 'ben' });
      assert.equal(store.getRun(mine.id)!.user, 'ana');
      assert.deepEqual(
        store.listRuns({ user: 'ana' }).map((r) => r.id),
        [mine.id],
      );
      assert.deepEqual(
        store
          .listRuns({ search: { clauses: parseFilter("attributes.user = 'ben'") } })
          .map((r) => r.user),
        ['ben'],
      );
      assert.equal(
        store.countRuns({ search: { clauses: parseFilter("attributes.user LIKE 'a%'") } }),
        1,
      );
    } finally {
      store.close();
    }
  });

  it('a run started by the SDK records who started it', () => {
    process.env[USER_ENV_VAR] = 'dana';
    const storePath = join(dir, 'sdk.db');
    const run = lab.startRun({ experiment: 'e', store: storePath });
    run.end();
    const store = Store.open({ path: storePath, forReading: true });
    try {
      assert.equal(store.getRun(run.id)!.user, 'dana');
    } finally {
      store.close();
    }
  });

  it('labbook runs --mine lists the runs I started, and every row names its user', () => {
    const storePath = join(dir, 'cli.db');
    const store = Store.open({ path: storePath });
    const ana = store.createRun({ experiment: 'e', name: 'ana-run', user: 'ana' });
    store.createRun({ experiment: 'e', name: 'ben-run', user: 'ben' });
    store.close();
    const runs = (user: string, ...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, '--store', storePath, 'runs', ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { ...process.env, LABBOOK_STORE: '', [USER_ENV_VAR]: user },
      });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    const mine = JSON.parse(runs('ana', '--mine', '--json')) as { id: string; user: string }[];
    assert.deepEqual(
      mine.map((r) => [r.id, r.user]),
      [[ana.id, 'ana']],
    );
    const everyone = runs('ana');
    assert.match(everyone, /USER/);
    assert.match(everyone, /ana-run.*ana/);
    assert.match(everyone, /ben-run.*ben/);
    assert.doesNotMatch(runs('ana', '--mine'), /ben-run/);
  });

  it('the runs tree shows mine or everyone’s', () => {
    const item = (id: string, experimentId: number, user: string | null): RunItem => ({
      id,
      experimentId,
      experiment: `e${experimentId}`,
      name: id,
      status: 'finished',
      startTime: 0,
      endTime: 1,
      parentRunId: null,
      sourceNotebook: null,
      keyMetric: null,
      sweep: null,
      pinned: false,
      deletedAt: null,
      user,
    });
    const experiments: ExperimentItem[] = [1, 2].map((id) => ({
      id,
      name: `e${id}`,
      runCount: 0,
      keyMetric: null,
      keyMetricHigherIsBetter: null,
    }));
    const runs = new Map([
      [1, [item('a1', 1, 'ana'), item('b1', 1, 'ben'), item('old', 1, null)]],
      [2, [item('b2', 2, 'ben')]],
    ]);
    const shown = (mine?: string) =>
      rootNodes(experiments, runs, [item('gone', 1, 'ana')], 0, mine).map((n) =>
        'runs' in n ? [n.kind, n.runs.map((r) => r.id)] : [n.kind],
      );
    assert.deepEqual(shown(), [
      ['experiment', ['a1', 'b1', 'old']],
      ['experiment', ['b2']],
      ['deleted', ['gone']],
    ]);
    assert.deepEqual(shown('ana'), [
      ['experiment', ['a1']],
      ['deleted', ['gone']],
    ]);
  });
});
