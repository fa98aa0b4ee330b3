/** Git state and runtime versions recorded with each run; never throws outside a repository. */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureGitState, captureRuntime } from '../../core/environment';
import { makeTempDir, removeDir } from './temp';

describe('environment', () => {
  let dir: string;
  beforeEach(() => { dir = makeTempDir(); });
  afterEach(() => removeDir(dir));

  const git = (...args: string[]) => execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], { cwd: dir, encoding: 'utf8' });

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
    assert.equal(runtime.packages['@tensorflow/tfjs'], require('@tensorflow/tfjs/package.json').version);
    assert.equal(runtime.packages.labbook, require('../../../package.json').version);
    assert.equal(captureRuntime(dir).packages['@tensorflow/tfjs'], runtime.packages['@tensorflow/tfjs'], 'falls back to Labbook\'s own node_modules');
  });
});
