/**
 * A notebook in any folder (issue 15, item 1): with no package.json and no node_modules it
 * imports tfjs, labbook and tslab, with their types, from what Labbook ships; packages in
 * the notebook's folder or above it come first, for the type checker and at run time.
 * Real `node dist/cli/main.js run` in temp folders outside the repository.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Notebook } from '../../core/notebook/ipynb';
import { createPathMapping } from '../../kernel/type-resolution';

const cliMain = path.join(__dirname, '..', '..', 'cli', 'main.js');

function labbookRun(notebookPath: string) {
  const r = spawnSync(process.execPath, [cliMain, 'run', notebookPath], {
    cwd: path.dirname(notebookPath),
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, LABBOOK_STORE: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function writeNotebook(file: string, cells: string[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((source) => ({
      cell_type: 'code',
      source,
      metadata: {},
      outputs: [],
      execution_count: null,
    })),
  };
  writeFileSync(file, JSON.stringify(nb));
}

function stdoutOf(file: string): string {
  const nb = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
  return nb.cells
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.output_type === 'stream' && o.name === 'stdout')
    .map((o) => [(o as { text: string | string[] }).text].flat().join(''))
    .join('');
}

describe('a notebook in any folder', function () {
  this.timeout(240_000);
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-anywhere-'));
    dirs.push(dir);
    return dir;
  };
  after(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('`labbook run` imports tfjs, labbook and tslab with their types from what Labbook ships', () => {
    const dir = tempDir();
    const file = path.join(dir, 'train.ipynb');
    writeNotebook(file, [
      [
        'import * as tf from "@tensorflow/tfjs";',
        'import * as lab from "labbook";',
        'import * as tslab from "tslab";',
        'const t: tf.Tensor1D = tf.tensor1d([1, 2, 3]);',
        'const total: number = t.sum().dataSync()[0];',
        'const run: lab.Run = lab.startRun({ experiment: "anywhere" });',
        'run.logMetric("total", total);',
        'run.end();',
        'console.log(`total=${total} node=${tslab.versions.node === process.version}`);',
      ].join('\n'),
      // The types are real: a wrong use is a type error, not `any`.
      'const wrong: string = tf.tensor1d([1]).rank;',
    ]);
    const r = labbookRun(file);
    assert.match(r.stdout + r.stderr, /cell 1 of 2 ok/);
    assert.match(stdoutOf(file), /total=6 node=true/);
    assert.match(r.stdout + r.stderr, /Type 'number' is not assignable to type 'string'|TS2322/);
    assert.equal(r.code, 1, 'the type error in cell 2 fails the run');
  });

  it('prefers a package in a folder above the notebook, for the type checker and at run time', () => {
    const dir = tempDir();
    const pkg = path.join(dir, 'node_modules', '@tensorflow', 'tfjs');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(
      path.join(pkg, 'package.json'),
      JSON.stringify({ name: '@tensorflow/tfjs', main: 'index.js', types: 'index.d.ts' }),
    );
    writeFileSync(path.join(pkg, 'index.js'), 'exports.whose = "mine";\n');
    writeFileSync(path.join(pkg, 'index.d.ts'), 'export declare const whose: "mine";\n');
    mkdirSync(path.join(dir, 'notebooks'));
    const file = path.join(dir, 'notebooks', 'shadow.ipynb');
    writeNotebook(file, [
      'import * as tf from "@tensorflow/tfjs";\nconst w: "mine" = tf.whose;\nconsole.log(`whose=${w}`);',
    ]);
    const r = labbookRun(file);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(stdoutOf(file), /whose=mine/);
  });

  it('maps only the last node_modules folder to Labbook, and keeps its @types out', () => {
    const real = new Set(['/node_modules', '/node_modules/real-pkg']);
    const map = createPathMapping(
      {
        rootDir: '/home/me/nb',
        forwards: [{ from: '/home/me/nb/node_modules/labbook', to: '/lab/dist/sdk-types/labbook' }],
        fallbackDir: '/lab',
      },
      (p) => real.has(p),
    );
    assert.equal(
      map('/home/me/nb/node_modules/labbook/index.d.ts'),
      '/lab/dist/sdk-types/labbook/index.d.ts',
    );
    assert.equal(
      map('/home/me/nb/node_modules/tfjs/package.json'),
      '/home/me/nb/node_modules/tfjs/package.json',
    );
    assert.equal(
      map('/node_modules/@tensorflow/tfjs/package.json'),
      '/lab/node_modules/@tensorflow/tfjs/package.json',
    );
    assert.equal(map('/node_modules/real-pkg/index.d.ts'), '/node_modules/real-pkg/index.d.ts');
    assert.equal(map('/node_modules/@types/mocha'), '/node_modules/@types/mocha');
    assert.equal(map('/node_modules'), '/node_modules');
    real.delete('/node_modules');
    assert.equal(map('/node_modules'), '/lab/node_modules');
  });
});
