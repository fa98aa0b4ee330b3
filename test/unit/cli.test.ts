/**
 * The `labbook` command end to end: real child processes, the real example notebook, a
 * real SQLite file on disk.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Notebook, NbOutput } from '../../core/notebook/ipynb';
import type { RunSummary } from '../../cli/runs';
import { openStore, storeName } from '../../core/store';
import { forEachBackendShared } from '../support/backends';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'bin', 'labbook.js');

function labbook(args: string[], cwd = root) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 240_000,
    env: { ...process.env, LABBOOK_STORE: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Code cells, and markdown cells given as `{ markdown }`. */
function notebook(cells: (string | { markdown: string })[]): string {
  return JSON.stringify({
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((source) =>
      typeof source === 'string'
        ? { cell_type: 'code', source, metadata: {}, outputs: [], execution_count: null }
        : { cell_type: 'markdown', source: source.markdown, metadata: {} },
    ),
  });
}

function outputsOf(nb: Notebook): NbOutput[][] {
  return nb.cells.filter((c) => c.cell_type === 'code').map((c) => c.outputs ?? []);
}

describe('labbook CLI', function () {
  this.timeout(300_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-cli-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // On every backend: a SQLite file, or a PostgreSQL URL given to --store as a team would.
  forEachBackendShared(
    'run examples/penguins.ipynb',
    (backend) => {
      let out: string;
      let store: string;
      let run: ReturnType<typeof labbook>;

      before(() => {
        out = path.join(backend().dir, 'penguins.out.ipynb');
        store = storeName(backend().location);
        run = labbook([
          '--store',
          store,
          'run',
          'examples/penguins.ipynb',
          '-p',
          'epochs=6',
          '--out',
          out,
        ]);
      });

      it('exits 0 and shows progress per cell', () => {
        assert.equal(run.code, 0, run.stderr);
        assert.match(run.stderr, /\bcell \d+ of \d+ ok/);
        assert.match(run.stderr, /outputs written to .*penguins\.out\.ipynb/);
      });

      it('writes nbformat 4 outputs: streams, a vega-lite chart, a result, execution counts', () => {
        const nb = JSON.parse(readFileSync(out, 'utf8')) as Notebook;
        assert.equal(nb.nbformat, 4);
        const code = nb.cells.filter((c) => c.cell_type === 'code');
        code.forEach((c, i) => assert.equal(c.execution_count, i + 1));
        const all = outputsOf(nb).flat();
        assert.ok(
          all.every((o) => o.output_type !== 'error'),
          JSON.stringify(all.filter((o) => o.output_type === 'error')),
        );
        const streams = all
          .filter((o) => o.output_type === 'stream')
          .map((o) => (o.output_type === 'stream' ? o.text.join('') : ''))
          .join('');
        assert.match(
          streams,
          /344 rows, 2 dropped for missing measurements, species: Adelie, Chinstrap, Gentoo/,
        );
        const charts = all.filter(
          (o) => o.output_type === 'display_data' && 'application/vnd.vegalite.v5+json' in o.data,
        );
        assert.equal(charts.length, 2);
        const results = all.filter((o) => o.output_type === 'execute_result');
        assert.ok(results.length >= 1);
        assert.ok(
          all.every((o) => !('transient' in o)),
          'transient display ids are not saved',
        );
      });

      it('injects -p values after the cell tagged "parameters"', () => {
        const nb = JSON.parse(readFileSync(out, 'utf8')) as Notebook;
        const at = nb.cells.findIndex((c) => c.metadata.tags?.includes('parameters'));
        const injected = nb.cells[at + 1];
        assert.deepEqual(injected.metadata.tags, ['injected-parameters']);
        assert.match((injected.source as string[]).join(''), /const epochs = 6;/);
        const source = JSON.parse(
          readFileSync(path.join(root, 'examples', 'penguins.ipynb'), 'utf8'),
        ) as Notebook;
        assert.ok(
          !source.cells.some((c) => c.metadata.tags?.includes('injected-parameters')),
          'the source notebook is untouched with --out',
        );
      });

      it('records finished runs with params and one metric point per epoch in the store', () => {
        const db = openStore({ path: store });
        try {
          const runs = db.listRuns({ experiment: 'penguins' });
          assert.ok(runs.length >= 2, `runs: ${runs.length}`);
          for (const r of runs) {
            assert.equal(r.status, 'finished');
            assert.equal(db.getParams(r.id).epochs, '6');
            assert.ok(r.sourceNotebook?.endsWith('penguins.ipynb'));
            const loss = db.metricHistory(r.id, 'loss');
            assert.deepEqual(
              loss.map((p) => p.step),
              [0, 1, 2, 3, 4, 5],
            );
            assert.ok(loss.every((p) => Number.isFinite(p.value) && p.value > 0));
            assert.equal(db.metricHistory(r.id, 'val_acc').length, 6);
            const artifacts = db.listArtifacts(r.id).map((a) => a.name);
            assert.deepEqual(artifacts.filter((n) => !n.startsWith('labbook/')).sort(), [
              'model/holdout.json',
              'model/model.json',
              'model/weights.bin',
              'weights.json',
            ]);
            // The kernel captured the cells that had run when the run started.
            assert.ok(artifacts.includes('labbook/source.ipynb'), artifacts.join());
          }
        } finally {
          db.close();
        }
      });

      it('lists the runs as JSON with params, latest metrics and tags', () => {
        const listed = labbook(['--store', store, 'runs', '--experiment', 'penguins', '--json']);
        assert.equal(listed.code, 0, listed.stderr);
        const runs = JSON.parse(listed.stdout) as RunSummary[];
        assert.ok(runs.length >= 2);
        for (const r of runs) {
          assert.deepEqual(Object.keys(r).sort(), [
            'endTime',
            'experiment',
            'id',
            'metrics',
            'name',
            'params',
            'startTime',
            'status',
            'tags',
            'user',
          ]);
          assert.equal(r.experiment, 'penguins');
          assert.ok(typeof r.user === 'string' && r.user !== '', 'the SDK records who ran it');
          assert.ok(!Number.isNaN(Date.parse(r.startTime)) && r.endTime !== null);
          assert.equal(typeof r.metrics.loss, 'number');
          assert.equal(typeof r.metrics.test_accuracy, 'number');
          assert.equal(r.tags.model, 'dense');
        }
        const best = labbook([
          '--store',
          store,
          'runs',
          '--filter',
          'metrics.test_accuracy > 0 and params.units = "16"',
          '--order-by',
          'params.learningRate DESC',
          '--json',
        ]);
        assert.equal(best.code, 0, best.stderr);
        assert.deepEqual(
          (JSON.parse(best.stdout) as RunSummary[]).map((r) => r.name),
          ['dense-16-lr0.05', 'dense-16-lr0.01'],
        );
        const typo = labbook(['--store', store, 'runs', '--filter', 'metrics.acc >> 1']);
        assert.equal(typo.code, 2);
        assert.match(
          typo.stderr,
          /^labbook: Expected a value: a number or a quoted string \(found ">"\) at position 13:\n {2}metrics\.acc >> 1\n {15}\^/,
        );
        const compared = labbook([
          '--store',
          store,
          'compare',
          ...runs.map((r) => r.id.slice(0, 8)),
          '--json',
        ]);
        assert.equal(compared.code, 0, compared.stderr);
        const comparison = JSON.parse(compared.stdout) as {
          params: { key: string; differs: boolean }[];
          metrics: { key: string; best: number[] }[];
        };
        assert.deepEqual(
          comparison.params.filter((p) => p.differs).map((p) => p.key),
          ['learningRate', 'units'],
        );
        assert.equal(comparison.metrics.find((m) => m.key === 'test_accuracy')?.best.length, 1);
        const markdown = labbook(['--store', store, 'compare', runs[0].id, runs[1].id]);
        assert.equal(markdown.code, 0, markdown.stderr);
        assert.match(markdown.stdout, /^\| \| .+ \| .+ \|\n\|---\|---\|---\|\n/);
        assert.equal(labbook(['--store', store, 'compare', runs[0].id]).code, 2);
        const unknown = labbook(['--store', store, 'runs', '--experiment', 'nope']);
        assert.equal(unknown.code, 2);
        assert.match(
          unknown.stderr,
          /^labbook: No experiment named "nope" in .*\(experiments: penguins\)\n$/,
        );
        const table = labbook(['--store', store, 'runs']);
        assert.equal(table.code, 0);
        assert.match(table.stdout, /^ID\s+EXPERIMENT\s+NAME\s+STATUS/);
        assert.match(table.stdout, /penguins\s+dense-4-lr0\.01\s+finished/);
      });
    },
    { timeoutMs: 300_000 },
  );

  it('exits 1 naming the failing cell, and keeps the outputs up to it', () => {
    const file = path.join(dir, 'fails.ipynb');
    writeFileSync(
      file,
      notebook([
        'console.log("before");',
        'throw new Error("boom in cell two");',
        'console.log("never");',
      ]),
    );
    const r = labbook(['--store', path.join(dir, 'x.db'), 'run', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cell 2 of 3 failed: Error: boom in cell two/);
    const outputs = outputsOf(JSON.parse(readFileSync(file, 'utf8')) as Notebook);
    assert.deepEqual(outputs[0], [{ output_type: 'stream', name: 'stdout', text: ['before\n'] }]);
    assert.equal(outputs[1][0].output_type, 'error');
    assert.deepEqual(outputs[2], []);
  });

  it('numbers cells one way in progress, failure and traceback, and says how (issue 14, item 6)', () => {
    const file = path.join(dir, 'numbered.ipynb');
    writeFileSync(
      file,
      notebook([
        { markdown: '# Title' },
        'function check(n: number) {\n  if (n < 3) throw new RangeError(`too small: ${n}`);\n}',
        { markdown: 'Now call it.' },
        'const ok = 1;\ncheck(2);',
      ]),
    );
    const r = labbook(['--store', path.join(dir, 'x.db'), 'run', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      /2 code cells to run; cells are numbered by position in the notebook, markdown cells included/,
    );
    assert.match(r.stderr, /^cell 2 of 4 ok /m);
    assert.match(r.stderr, /^cell 4 of 4 ERROR /m);
    assert.match(r.stderr, /^Cell 4 of 4 failed: RangeError: too small: 2/m);
    const nb = JSON.parse(readFileSync(file, 'utf8')) as Notebook;
    const failed = nb.cells[3].outputs?.find((o) => o.output_type === 'error');
    assert.ok(failed && failed.output_type === 'error', JSON.stringify(nb.cells[3].outputs));
    const traceback = failed.traceback.join('\n');
    assert.match(traceback, /at check \(cell 2, line 2:/, traceback);
    assert.match(traceback, /at cell 4, line 2:1/, traceback);
    assert.doesNotMatch(r.stderr + traceback, /\[\d+\/\d+\]|cell \[\d+\]/, 'no second numbering');
  });

  it('fails the cell whose timer throws after it finished, not the one running then (issue 14, item 14)', () => {
    const file = path.join(dir, 'late.ipynb');
    writeFileSync(
      file,
      notebook([
        'setTimeout(() => { throw new Error("thrown late"); }, 100);',
        'await new Promise((r) => setTimeout(r, 800));',
        'console.log("never");',
      ]),
    );
    const r = labbook(['--store', path.join(dir, 'x.db'), 'run', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cell 1 of 3 failed: Error: thrown late/);
    const outputs = outputsOf(JSON.parse(readFileSync(file, 'utf8')) as Notebook);
    assert.ok(
      outputs[0].some((o) => o.output_type === 'error'),
      'shown with the cell that scheduled it',
    );
    assert.deepEqual(outputs[1], []);
    assert.deepEqual(outputs[2], []);
  });

  it('exits 1 naming the cell whose kernel died (issue 14, item 15)', () => {
    const file = path.join(dir, 'dies.ipynb');
    writeFileSync(file, notebook(['const a = 1;', 'process.exit(3);', 'console.log("never");']));
    const r = labbook(['--store', path.join(dir, 'x.db'), 'run', file]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /Cell 2 of 3 failed: KernelDied: the kernel died \(exit code 3\)/);
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    const outputs = outputsOf(JSON.parse(readFileSync(file, 'utf8')) as Notebook);
    assert.equal(outputs[1][0]?.output_type, 'error');
  });

  it('stops its kernel when SIGTERMed while a cell spins (issue 14, item 15)', async () => {
    const file = path.join(dir, 'spins.ipynb');
    const pidFile = path.join(dir, 'spins.pid');
    writeFileSync(
      file,
      notebook([
        `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nwhile (true) {}`,
      ]),
    );
    const child = spawn(process.execPath, [bin, '--store', path.join(dir, 'x.db'), 'run', file], {
      cwd: root,
      env: { ...process.env, LABBOOK_STORE: '' },
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    let pid = 0;
    for (let i = 0; i < 600 && !pid; i++) {
      await new Promise((r) => setTimeout(r, 100));
      if (existsSync(pidFile)) pid = Number(readFileSync(pidFile, 'utf8')) || 0;
    }
    assert.ok(pid, `the cell never ran: ${stderr}`);
    child.kill('SIGTERM');
    const code = await exited;
    let kernelAlive = true;
    for (let i = 0; i < 50 && kernelAlive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        kernelAlive = false;
      }
    }
    if (kernelAlive) process.kill(pid, 'SIGKILL');
    assert.equal(kernelAlive, false, 'the kernel kept running');
    assert.equal(code, 1, stderr);
    assert.match(stderr, /Cell 1 of 1 failed: .*SIGTERM/);
  });

  it('runs a tslab notebook unchanged', () => {
    const file = path.join(dir, 'tslab.ipynb');
    writeFileSync(
      file,
      notebook([
        'import * as tslab from "tslab";',
        'tslab.display.html("<b>hello from tslab</b>");',
      ]),
    );
    const r = labbook(['--store', path.join(dir, 'x.db'), 'run', file]);
    assert.equal(r.code, 0, r.stderr);
    const outputs = outputsOf(JSON.parse(readFileSync(file, 'utf8')) as Notebook);
    assert.deepEqual(outputs[1], [
      {
        output_type: 'display_data',
        data: { 'text/html': '<b>hello from tslab</b>' },
        metadata: {},
      },
    ]);
  });

  it('refuses malformed notebooks and parameters with exit 2 and a message naming them', () => {
    const broken = path.join(dir, 'broken.ipynb');
    writeFileSync(broken, '{"nbformat": 4, "cells": [\n  {"cell_type": "code",,}\n]}');
    const r1 = labbook(['run', broken]);
    assert.equal(r1.code, 2);
    assert.match(r1.stderr, /broken\.ipynb is not valid JSON at line 2/);
    assert.equal(
      readFileSync(broken, 'utf8'),
      '{"nbformat": 4, "cells": [\n  {"cell_type": "code",,}\n]}',
      'nothing is written over it',
    );

    const old = path.join(dir, 'old.ipynb');
    writeFileSync(old, JSON.stringify({ nbformat: 3, worksheets: [] }));
    assert.match(
      labbook(['run', old]).stderr,
      /old\.ipynb is nbformat 3; Labbook reads nbformat 4/,
    );

    const r3 = labbook(['run', path.join(dir, 'tslab.ipynb'), '-p', 'not an identifier=1']);
    assert.equal(r3.code, 2);
    assert.match(
      r3.stderr,
      /Parameter name "not an identifier" is not a valid TypeScript identifier/,
    );

    const r4 = labbook(['run', path.join(dir, 'missing.ipynb')]);
    assert.equal(r4.code, 2);
    assert.match(r4.stderr, /Cannot read notebook .*missing\.ipynb/);
  });

  it('fails on unknown commands, naming them, with or without --help', () => {
    for (const args of [
      ['anything'],
      ['anything', '--help'],
      ['--store', 'x.db', 'anything', '-h'],
      ['deployment', 'bogus', '--help'],
    ]) {
      const r = labbook(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(
        r.stderr,
        new RegExp(`unknown command '${args.includes('bogus') ? 'bogus' : 'anything'}'`),
      );
      assert.equal(r.stdout, '', 'no help text that would read as success');
    }
    assert.match(
      labbook(['deployment', 'bogus']).stderr,
      /for labbook deployment; the commands are: show, shift/,
    );
    for (const args of [['--help'], ['help'], ['runs', '--help'], ['deployment', 'show', '--help']])
      assert.equal(labbook(args).code, 0, args.join(' '));
  });

  it('lists nothing, and creates no store, when there is none', () => {
    const store = path.join(dir, 'none', 'labbook.db');
    const r = labbook(['--store', store, 'runs', '--json']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, '[]\n');
    assert.throws(() => readFileSync(store));
  });
});
