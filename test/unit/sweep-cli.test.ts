/**
 * `labbook sweep worker STUDY --notebook NB --trials N` end to end: a real `labbook`
 * process runs the notebook headless, whose lab.sweep({ study }) takes N trials from the
 * shared study; a second worker takes the rest, under the same parent run.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Store, studyStore } from '../../core/store';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'bin', 'labbook.js');

function labbook(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, LABBOOK_STORE: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('labbook sweep worker', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => (dir = makeTempDir()));
  after(() => removeDir(dir));

  it('runs N trials of the study through the notebook, and a second worker the rest', () => {
    const store = path.join(dir, 'labbook.db');
    const nb = path.join(dir, 'trial.ipynb');
    const source = [
      'import * as lab from "labbook";',
      'const result = await lab.sweep(',
      '  { study: "cli-quad", experiment: "cli-sweep", metric: "loss", grid: { x: [-1, 0, 1, 2, 3] } },',
      '  async (params, run) => { run.logMetric("loss", (params.x - 1) ** 2); },',
      ');',
      'console.log(`ran ${result.trials.length}`);',
    ].join('\n');
    writeFileSync(
      nb,
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 5,
        metadata: {},
        cells: [{ cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null }],
      }),
    );
    const first = labbook(
      ['--store', store, 'sweep', 'worker', 'cli-quad', '--notebook', nb, '--trials', '2'],
      dir,
    );
    assert.equal(first.code, 0, first.stderr);
    assert.match(
      first.stderr,
      /study cli-quad: 2 finished, 0 pruned, 0 failed, 0 running, 3 queued/,
    );
    const second = labbook(
      ['--store', store, 'sweep', 'worker', 'cli-quad', '--notebook', nb],
      dir,
    );
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /study cli-quad: 5 finished, .*; best loss 0 \(trial 3\)/);
    const bad = labbook(
      ['--store', store, 'sweep', 'worker', 'cli-quad', '--notebook', nb, '--trials', 'x'],
      dir,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--trials must be a positive whole number, got "x"/);

    const s = Store.open({ path: store });
    try {
      const study = studyStore(s).study('cli-quad')!;
      const children = s
        .listRuns({ experiment: 'cli-sweep' })
        .filter((r) => r.parentRunId === study.parentRunId);
      assert.equal(children.length, 5);
    } finally {
      s.close();
    }
  });
});
