#!/usr/bin/env node
// The CLI as a package (issue 15, item 4): `npm pack` of this checkout, `npm install -g`
// of the tarball into a temporary prefix (no checkout on the way: the install sees only
// the tarball and the registry), then `labbook run` of a notebook that imports tfjs and
// labbook in an empty temporary folder, and `labbook runs --json` finds its run.
//
//   node test/pack/npm-pack.mjs [--keep]
//
// Slow (npm installs the dependencies, better-sqlite3 may build from source): minutes,
// so it runs in `npm test` as `npm run test:pack`, after the fast suites.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const keep = process.argv.includes('--keep');
const work = mkdtempSync(join(tmpdir(), 'labbook-pack-'));
const started = Date.now();
const secs = () => `${((Date.now() - started) / 1000).toFixed(0)} s`;
const failures = [];
let passed = 0;

function step(title, fn) {
  process.stdout.write(`- ${title} … `);
  try {
    const detail = fn();
    console.log(`ok (${secs()})${detail ? `: ${detail}` : ''}`);
    passed++;
  } catch (error) {
    console.log(`FAILED (${secs()})`);
    console.log(String(error.stdout ?? '') + String(error.stderr ?? '') + (error.message ?? error));
    failures.push(title);
    throw error;
  }
}

// npm must not see this checkout: run it from the temp folder, with no npm_* variables of the outer `npm test`.
const env = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(package|lifecycle|config_prefix)/i.test(k)),
);
const prefix = join(work, 'prefix');
const folder = join(work, 'any folder');
const bin = join(prefix, 'bin', 'labbook');

try {
  let tarball;
  step('npm pack', () => {
    const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], {
      cwd: root,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    const [info] = JSON.parse(out.slice(out.indexOf('[')));
    tarball = join(work, info.filename);
    const paths = info.files.map((f) => f.path);
    for (const needed of [
      'bin/labbook.js',
      'dist/cli/main.js',
      'dist/kernel/sdk/index.js',
      'dist/sdk-types/labbook/package.json',
      'package.json',
    ])
      if (!paths.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
    const stray = paths.filter(
      (p) =>
        /^(dist\/test|test|core|kernel|cli|extension|webviews|scripts|examples)\//.test(p) ||
        p.endsWith('.map'),
    );
    if (stray.length)
      throw new Error(`the tarball holds sources or tests: ${stray.slice(0, 5).join(', ')}`);
    return `${info.filename}, ${(info.size / 1024 / 1024).toFixed(1)} MB, ${paths.length} files`;
  });
  step('npm install -g into an empty prefix', () => {
    execFileSync(
      'npm',
      ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball],
      {
        cwd: work,
        // better-sqlite3 builds from source at once instead of first trying to download a
        // prebuilt binary from a host this machine may not reach (that try took 20 minutes).
        env: { ...env, npm_config_build_from_source: 'better-sqlite3' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 << 20,
      },
    );
    return readdirSync(join(prefix, 'bin')).join(', ');
  });
  step('labbook run in an empty folder', () => {
    execFileSync('mkdir', ['-p', folder]);
    const notebook = {
      cells: [
        {
          cell_type: 'code',
          metadata: {},
          outputs: [],
          execution_count: null,
          source: ['import * as tf from "@tensorflow/tfjs";\n', 'import * as lab from "labbook";'],
        },
        {
          cell_type: 'code',
          metadata: {},
          outputs: [],
          execution_count: null,
          source: [
            'const xs = tf.tensor2d([[0], [1], [2], [3]]); const ys = tf.tensor2d([[1], [3], [5], [7]]);\n',
            'const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });\n',
            'model.compile({ optimizer: "sgd", loss: "meanSquaredError" });\n',
            'await lab.withRun({ experiment: "packed" }, async (run) => { await model.fit(xs, ys, { epochs: 3, callbacks: run.tfCallback() }); });',
          ],
        },
      ],
      metadata: {
        kernelspec: { name: 'tslab', display_name: 'TypeScript', language: 'typescript' },
      },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(join(folder, 'train.ipynb'), JSON.stringify(notebook));
    const result = spawnSync(bin, ['run', 'train.ipynb'], {
      cwd: folder,
      env: { ...env, LABBOOK_STORE: '' },
      encoding: 'utf8',
    });
    if (result.status !== 0)
      throw Object.assign(new Error(`labbook run exited with ${result.status}`), result);
    return result.stdout.trim().split('\n').pop();
  });
  step('labbook runs --json finds the run', () => {
    const runs = JSON.parse(
      execFileSync(bin, ['runs', '--json'], {
        cwd: folder,
        env: { ...env, LABBOOK_STORE: '' },
        encoding: 'utf8',
      }),
    );
    const run = runs.find((r) => r.experiment === 'packed');
    if (!run || run.status !== 'finished' || !('loss' in run.metrics))
      throw new Error(`no finished run with a loss: ${JSON.stringify(runs)}`);
    return `run ${run.id.slice(0, 8)}, loss ${run.metrics.loss}`;
  });
} catch {
  /* reported by step() */
} finally {
  if (keep) console.log(`kept ${work}`);
  else rmSync(work, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failures.length} failed (${secs()})`);
process.exitCode = failures.length ? 1 : 0;
