/**
 * Data files that used to crash or mislead (issue 14, items 17 and 21): JSON nested deep
 * enough to crash DuckDB, the CSV fallback check on files too big for one string, CSV
 * headers with repeated names, empty data sets, drift on too few rows, the line of an
 * NDJSON error, and Latin-1 bytes in a CSV.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { profileFile } from '../../core/quality/profile';
import { DataError, dataFileLimits, loadFile, withEngine } from '../../core/quality/engine';
import { driftReport } from '../../core/drift/report';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const bin = path.join(root, 'bin', 'labbook.js');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');

function labbook(
  args: string[],
  cwd: string,
): { status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: 90_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

describe('data files that crashed or misled (issue 14, items 17 and 21)', () => {
  let dir: string;
  before(() => {
    dir = makeTempDir();
  });
  after(() => removeDir(dir));

  const write = (name: string, content: string | Buffer): string => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    return file;
  };
  const rejectsWith = async (promise: Promise<unknown>, pattern: RegExp): Promise<void> => {
    await assert.rejects(promise, (e: Error) => {
      assert.ok(e instanceof DataError, `a DataError, not ${e.name}: ${e.message}`);
      assert.match(e.message, pattern);
      return true;
    });
  };

  describe('item 17a: deeply nested JSON is refused before DuckDB reads it', () => {
    it('names the file, the line and the depth of a JSON array nested beyond the limit', async () => {
      const file = write('deep.json', `[{"a": 1},\n{"a": ${'['.repeat(150)}${']'.repeat(150)}}]\n`);
      await rejectsWith(
        profileFile(file),
        new RegExp(
          `^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: JSON nested more than ${dataFileLimits.maxJsonDepth} levels deep`,
        ),
      );
    });

    it('counts brackets inside strings as text, and accepts real nested data', async () => {
      const file = write(
        'brackets.ndjson',
        `{"s": "${'['.repeat(500)}", "n": {"m": [1, [2, [3]]]}}\n{"s": "\\"[[[", "n": {"m": [4]}}\n`,
      );
      const profile = await profileFile(file);
      assert.equal(profile.rows, 2);
    });

    it('`labbook profile` and `drift` exit 2 on JSON nested 5,000 deep instead of crashing', function () {
      // Before the guard each command took about a minute and 5 GB before DuckDB segfaulted.
      this.timeout(300_000);
      const deep = write('deep5000.json', `${'{"a": '.repeat(5000)}1${'}'.repeat(5000)}\n`);
      const fine = write('fine.ndjson', '{"a": 1}\n{"a": 2}\n{"a": 3}\n{"a": 4}\n');
      for (const args of [
        ['profile', deep],
        ['drift', fine, deep],
      ]) {
        const r = labbook(args, dir);
        assert.equal(r.signal, null, `${args[0]} was killed by ${r.signal}`);
        assert.equal(r.status, 2, `${args[0]}: ${r.stderr}`);
        assert.match(
          r.stderr,
          /deep5000\.json:1: JSON nested more than \d+ levels deep \(5000 levels from line 1\)/,
        );
        assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
      }
    });
  });

  describe('item 17b: the CSV fallback check streams the file', () => {
    let saved: number;
    before(() => {
      saved = dataFileLimits.checkBytes;
    });
    afterEach(() => {
      dataFileLimits.checkBytes = saved;
    });

    it('names the file and line of a ragged row in a file above the check size, without reading it into one string', async () => {
      const lines = ['a,b,c'];
      for (let i = 0; i < 5000; i++) lines.push(`${i},"x ""${i}""",${i * 2}`);
      lines[3001] = '7,8';
      const file = write('ragged-big.csv', `${lines.join('\n')}\n`);
      // As if the file were over the check size (64 MB; the crash was at 512 MB): only the
      // check after DuckDB's error runs, as for a real file that big.
      dataFileLimits.checkBytes = 1024;
      // The module object itself (an ES namespace import is read-only), which the engine calls.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const nodeFs = require('node:fs') as { readFileSync: typeof fs.readFileSync };
      const original = nodeFs.readFileSync;
      const wholeReads: string[] = [];
      nodeFs.readFileSync = ((p: fs.PathOrFileDescriptor, ...rest: unknown[]) => {
        if (String(p) === file) wholeReads.push(String(p));
        return (original as (...a: unknown[]) => unknown)(p, ...rest);
      }) as typeof fs.readFileSync;
      try {
        await rejectsWith(
          withEngine((engine) => loadFile(engine, file, 'data')),
          /ragged-big\.csv:3002: CSV ragged row: line 3002 has 2 fields, the header has 3/,
        );
      } finally {
        nodeFs.readFileSync = original;
      }
      assert.deepEqual(wholeReads, [], 'the file was read into one string');
    });

    it('finds an unclosed quote across the chunks it reads', async () => {
      const lines = ['a,b'];
      for (let i = 0; i < 40_000; i++) lines.push(`${i},"ok"`);
      lines.push('1,"never closed', '2,x');
      const file = write('unclosed-big.csv', `${lines.join('\r\n')}\r\n`);
      dataFileLimits.checkBytes = 1024;
      await rejectsWith(
        withEngine((engine) => loadFile(engine, file, 'data')),
        /unclosed-big\.csv:40002: CSV bad quoting: the quoted field opened on line 40002 is never closed/,
      );
    });
  });

  describe('item 21: changed or misleading input is named', () => {
    it('warns when CSV header names repeat, naming the columns DuckDB renamed', async () => {
      const file = write('dup.csv', 'a,b,a,"a"\n1,2,3,4\n5,6,7,8\n');
      const profile = await profileFile(file);
      assert.deepEqual(
        profile.columns.map((c) => c.name),
        ['a', 'b', 'a_1', 'a_2'],
      );
      const issue = profile.issues.find((i) => i.kind === 'duplicate-column-name');
      assert.ok(issue, JSON.stringify(profile.issues));
      assert.equal(issue.severity, 'warning');
      assert.match(issue.message, /"a" appears 3 times in the header/);
      assert.match(issue.message, /"a", "a_1", "a_2"/);
    });

    it('scores an empty data set 0, not 100, and says why', async () => {
      const file = write('header-only.csv', 'a,b\n');
      const profile = await profileFile(file);
      assert.equal(profile.rows, 0);
      assert.equal(profile.quality.score, 0);
      assert.match(profile.quality.dimensions!.completeness.explanation, /no rows/);
      assert.ok(profile.issues.some((i) => i.kind === 'empty' && i.severity === 'error'));
      const r = labbook(['profile', file], dir);
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /Quality 0\.0\/100: the data set has no rows/);
    });

    it('drift refuses a verdict on too few rows; the CLI exits 2', async () => {
      const ref = write('ref.csv', 'x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,b\n7,a\n');
      const one = write('one.csv', 'x,c\n100,z\n');
      const report = await driftReport({ path: ref }, { path: one });
      assert.equal(report.dataset.columns, 0);
      assert.equal(report.dataset.drifted, false);
      for (const c of report.columns) {
        assert.equal(c.skipped, 'empty');
        assert.match(
          c.message,
          /not enough data: the current data set has 1 row; drift needs at least \d+ rows on each side/,
        );
      }
      const r = labbook(['drift', ref, one], dir);
      assert.equal(r.status, 2, r.stdout + r.stderr);
      assert.match(r.stdout, /not enough data/);
    });

    it('points an NDJSON error at the line that holds it', async () => {
      const file = write('bad.ndjson', '{"a": 1}\n{"a": 2}\n{"a": x}\n{"a": 4}\n');
      await rejectsWith(profileFile(file), /bad\.ndjson:3: invalid JSON: Unexpected token/);
      const first = write('bad-first.ndjson', '{"a": }\n{"a": 2}\n');
      await rejectsWith(profileFile(first), /bad-first\.ndjson:1: invalid JSON: Unexpected token/);
    });

    it('says a Latin-1 CSV is not UTF-8, where, and how to convert it', async () => {
      const file = write(
        'latin1.csv',
        Buffer.concat([
          Buffer.from('name,city\nAnn,Paris\nJos'),
          Buffer.from([0xe9]),
          Buffer.from(',M'),
          Buffer.from([0xfc]),
          Buffer.from('nchen\n'),
        ]),
      );
      await rejectsWith(
        profileFile(file),
        /latin1\.csv:3: not UTF-8 at byte 23 \(line 3\); convert it with iconv -f latin1 -t utf8/,
      );
      const r = labbook(['profile', file], dir);
      assert.equal(r.status, 2);
      assert.doesNotMatch(r.stderr, /quoting/);
    });

    it('still reads the real data sets', async () => {
      for (const name of ['penguins.json', 'cars.json', 'seattle-weather.csv']) {
        const profile = await profileFile(path.join(data, name));
        assert.ok(profile.rows > 100, name);
        assert.ok(!profile.issues.some((i) => i.kind === 'duplicate-column-name'), name);
      }
    });
  });
});
