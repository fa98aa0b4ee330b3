/**
 * Start-up cost: `import "labbook"`, the workspace service up to its answered initialize
 * and the kernel up to ready load none of the heavy engines (DuckDB, tfjs, apache-arrow,
 * the drift report and its @stdlib statistics); they load on first use through
 * core/engines.ts. Each check runs in a fresh Node process and reads its `require.cache`.
 */
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServiceClient } from '../../core/service/client';
import { KernelClient } from '../../kernel/client';
import { makeTempDir, removeDir } from './temp';

const dist = path.join(__dirname, '..', '..');
const sdkEntry = path.join(dist, 'kernel', 'sdk', 'index.js');
const enginesModule = path.join(dist, 'core', 'engines.js');

/** Loaded-module paths that mean an engine was loaded, by engine. */
const HEAVY: Record<string, RegExp> = {
  DuckDB: /[\\/]node_modules[\\/]@duckdb[\\/]/,
  tfjs: /[\\/]node_modules[\\/]@tensorflow[\\/]/,
  'apache-arrow': /[\\/]node_modules[\\/]apache-arrow[\\/]/,
  '@stdlib (drift statistics)': /[\\/]node_modules[\\/]@stdlib[\\/]/,
  'the drift report': /[\\/]dist[\\/]core[\\/]drift[\\/](report|methods)\.js$/,
};

function heavyIn(loaded: string[]): string[] {
  return Object.entries(HEAVY).flatMap(([engine, pattern]) => {
    const hits = loaded.filter((file) => pattern.test(file));
    return hits.length
      ? [`${engine}: ${hits.length} modules, e.g. ${path.relative(dist, hits[0])}`]
      : [];
  });
}

/** Runs `script` in a fresh `node` and returns what it printed as JSON. */
function inFreshNode<T>(script: string): T {
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, LABBOOK_STORE: '' },
    }),
  ) as T;
}

describe('start-up cost', function () {
  this.timeout(120_000);
  let dir: string;
  let preload: string;

  before(() => {
    dir = makeTempDir('labbook-startup-');
    // Loaded into a child with --require: on exit it writes the modules the child loaded.
    preload = path.join(dir, 'record-loaded.js');
    writeFileSync(
      preload,
      [
        "const { writeFileSync } = require('node:fs');",
        "process.on('exit', () => writeFileSync(process.env.LABBOOK_LOADED_FILE, JSON.stringify(Object.keys(require.cache))));",
        '',
      ].join('\n'),
    );
  });
  after(() => removeDir(dir));

  /** Env for a child that records what it loaded into `file` when it exits. */
  const recording = (file: string): NodeJS.ProcessEnv => ({
    NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${JSON.stringify(preload)}`.trim(),
    LABBOOK_LOADED_FILE: file,
  });
  const recorded = (file: string): string[] => JSON.parse(readFileSync(file, 'utf8')) as string[];

  it('import "labbook" loads no engine; the engines load on first use', () => {
    const { atImport, exports, afterUse } = inFreshNode<{
      atImport: string[];
      exports: number;
      afterUse: string[];
    }>(`
      const lab = require(${JSON.stringify(sdkEntry)});
      const atImport = Object.keys(require.cache);
      const engines = require(${JSON.stringify(enginesModule)});
      engines.duckdb(); engines.arrow(); engines.tfjs(); engines.driftEngine();
      process.stdout.write(JSON.stringify({ atImport, exports: Object.keys(lab).length, afterUse: Object.keys(require.cache) }));
    `);
    assert.ok(exports > 10, `the SDK exports ${exports} names`);
    assert.deepEqual(heavyIn(atImport), [], 'loaded by import "labbook"');
    // The check itself sees each engine once it is used.
    assert.deepEqual(
      heavyIn(afterUse).map((h) => h.split(': ')[0]),
      Object.keys(HEAVY),
    );
  });

  it('the workspace service loads no engine up to its answered initialize and a first query', async () => {
    const file = path.join(dir, 'service-loaded.json');
    const service = await ServiceClient.start({
      storePath: path.join(dir, '.labbook', 'labbook.db'),
      cwd: dir,
      env: recording(file),
      serviceMain: path.join(dist, 'core', 'service', 'main.js'),
    });
    try {
      assert.deepEqual(await service.listExperiments(), []);
    } finally {
      await service.shutdown();
    }
    const loaded = recorded(file);
    assert.ok(
      loaded.some((f) => f.endsWith(path.join('core', 'service', 'main.js'))),
      "the record is the service's",
    );
    assert.deepEqual(heavyIn(loaded), []);
  });

  it('a kernel loads no engine up to ready, nor with a cell that imports "labbook"', async () => {
    const file = path.join(dir, 'kernel-loaded.json');
    const kernel = await KernelClient.start({
      notebookPath: path.join(dir, 'startup.ipynb'),
      storePath: path.join(dir, '.labbook', 'labbook.db'),
      env: recording(file),
      kernelMain: path.join(dist, 'kernel', 'main.js'),
    });
    try {
      const { status } = await kernel.execute({
        cellId: 'c1',
        code: 'import * as lab from "labbook";\ntypeof lab.startRun',
        executionCount: 1,
      });
      assert.equal(status, 'ok');
    } finally {
      await kernel.shutdown();
    }
    const loaded = recorded(file);
    assert.ok(
      loaded.some((f) => f.endsWith(path.join('kernel', 'sdk', 'index.js'))),
      'the cell loaded the SDK',
    );
    assert.deepEqual(heavyIn(loaded), []);
  });
});
