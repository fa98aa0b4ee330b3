/** Git state and runtime versions recorded with each run; never throws outside a repository. */
import tfjsPackage from '@tensorflow/tfjs/package.json';
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureGitState, captureRuntime, gitDiffSummary } from '../../core/environment';
import { makeTempDir, removeDir } from './temp';

describe('environment', () => {
  let dir: string;
  beforeEach(() => {
    dir = makeTempDir();
  });
  afterEach(() => removeDir(dir));

  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });

  it('records the commit and whether tracked files changed (untracked files do not count)', () => {
    git('init', '-q');
    writeFileSync(join(dir, 'train.ts'), 'one');
    git('add', 'train.ts');
    git('commit', '-q', '-m', 'first');
    const head = git('rev-parse', 'HEAD').trim();
    assert.deepEqual(captureGitState(dir), { commit: head, dirty: false });
    writeFileSync(join(dir, 'scratch.txt'), 'untracked');
    assert.deepEqual(captureGitState(dir), { commit: head, dirty: false });
    writeFileSync(join(dir, 'train.ts'), 'two');
    assert.deepEqual(captureGitState(dir), { commit: head, dirty: true });
  });

  it('gives nulls outside a repository, in a repository without commits, and for a missing folder', () => {
    assert.deepEqual(captureGitState(dir), { commit: null, dirty: null });
    git('init', '-q');
    assert.deepEqual(captureGitState(dir), { commit: null, dirty: null });
    assert.deepEqual(captureGitState(join(dir, 'missing')), { commit: null, dirty: null });
  });

  it('records node, platform and the versions of tfjs and labbook', () => {
    const runtime = captureRuntime();
    assert.equal(runtime.node, process.version);
    assert.equal(runtime.platform, process.platform);
    assert.equal(runtime.arch, process.arch);
    assert.equal(runtime.packages['@tensorflow/tfjs'], tfjsPackage.version);
    assert.equal(
      runtime.packages.labbook,
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from dist/test/unit at run time, where an import would resolve from the source folder
      (require('../../../package.json') as { version: string }).version,
    );
    assert.equal(
      captureRuntime(dir).packages['@tensorflow/tfjs'],
      runtime.packages['@tensorflow/tfjs'],
      "falls back to Labbook's own node_modules",
    );
  });

  it('summarises uncommitted changes of tracked files with git diff --stat, null when clean or not a repository', () => {
    assert.equal(gitDiffSummary(dir), null, 'not a repository');
    git('init', '-q');
    assert.equal(gitDiffSummary(dir), null, 'no commit yet');
    writeFileSync(join(dir, 'train.ts'), 'one\n');
    writeFileSync(join(dir, 'data.csv'), 'a,b\n');
    git('add', 'train.ts', 'data.csv');
    git('commit', '-q', '-m', 'first');
    assert.equal(gitDiffSummary(dir), null, 'clean');
    writeFileSync(join(dir, 'untracked.txt'), 'x');
    assert.equal(gitDiffSummary(dir), null, 'untracked files do not count');
    writeFileSync(join(dir, 'train.ts'), 'two\nthree\n');
    const summary = gitDiffSummary(dir);
    assert.ok(summary);
    assert.match(summary, /train\.ts \| 3 \+\+-/);
    assert.doesNotMatch(summary, /data\.csv|untracked/);
    assert.match(summary, /1 file changed, 2 insertions\(\+\), 1 deletion\(-\)/);
    git('add', 'data.csv');
    writeFileSync(join(dir, 'data.csv'), 'a,b\n1,2\n');
    git('add', 'data.csv');
    assert.match(gitDiffSummary(dir)!, /data\.csv \| 1 \+/, 'staged changes count too');
    assert.equal(gitDiffSummary(join(dir, 'missing')), null);
  });

  it('cuts a long diff summary and keeps the totals line', () => {
    git('init', '-q');
    for (let i = 0; i < 60; i++) writeFileSync(join(dir, `file-${i}.ts`), 'a\n');
    git('add', '.');
    git('commit', '-q', '-m', 'many');
    for (let i = 0; i < 60; i++) writeFileSync(join(dir, `file-${i}.ts`), 'b\n');
    const summary = gitDiffSummary(dir, 500)!;
    assert.ok(summary.length < 700, `${summary.length} characters`);
    assert.match(summary, /summary cut at 500 characters/);
    assert.match(summary, /60 files changed, 60 insertions\(\+\), 60 deletions\(-\)\n$/);
  });
});
