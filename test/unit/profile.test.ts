/**
 * Data profiles (core/quality) against pandas: expected values computed once with pandas
 * (test/fixtures/pandas/make_fixtures.py) on penguins, cars and movies from vega-datasets,
 * compared within 1e-9 relative. pandas does not count empty strings as missing and
 * Labbook does, so `missing` is compared with isna().sum() + (== '').sum(), `count` with
 * count() - empties and `distinct` with nunique() minus the empty string when present.
 * Also: malformed and empty files, NaN/±Infinity, mixed types, constant columns,
 * in-memory rows, dimensions and the `labbook profile` command.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { profileFile, profileRows } from '../../core/quality/profile';
import { DataError, checkDelimited } from '../../core/quality/engine';
import { timelinessScore } from '../../core/quality/dimensions';
import type { DatasetProfile } from '../../core/quality/types';
import { makeTempDir, removeDir } from './temp';

const root = path.join(__dirname, '..', '..', '..');
const data = path.join(root, 'node_modules', 'vega-datasets', 'data');
const bin = path.join(root, 'bin', 'labbook.js');

interface PandasColumn {
  isna: number;
  empty: number;
  nunique: number;
  count: number;
  dtype: string;
  describe?: Record<
    'count' | 'mean' | 'std' | 'min' | '25%' | '50%' | '75%' | 'max',
    number | null
  >;
  q05?: number | null;
  q95?: number | null;
  dates?: { format: string; min: string; max: string };
}
interface PandasFixture {
  rows: number;
  duplicated: number;
  columns: Record<string, PandasColumn>;
  corr: Record<string, Record<string, number | null>>;
}

function close(
  actual: number | string | null | undefined,
  expected: number | null | undefined,
  what: string,
): void {
  if (expected === null || expected === undefined) {
    assert.equal(actual ?? null, null, what);
    return;
  }
  assert.equal(typeof actual, 'number', `${what}: expected a number, got ${String(actual)}`);
  const a = actual as number;
  const scale = Math.max(Math.abs(a), Math.abs(expected));
  assert.ok(
    a === expected || Math.abs(a - expected) <= 1e-9 * scale,
    `${what}: ${a} vs pandas ${expected}`,
  );
}

function labbook(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('data profile', () => {
  for (const name of ['penguins', 'cars', 'movies']) {
    describe(`${name}.json against pandas`, () => {
      const fixture = JSON.parse(
        readFileSync(path.join(root, 'test', 'fixtures', 'pandas', `${name}.json`), 'utf8'),
      ) as PandasFixture;
      let profile: DatasetProfile;
      before(async () => {
        profile = await profileFile(path.join(data, `${name}.json`));
      });

      it('rows, duplicate rows and columns', () => {
        assert.equal(profile.rows, fixture.rows);
        assert.equal(profile.duplicateRows, fixture.duplicated);
        assert.deepEqual(
          profile.columns.map((c) => c.name).sort(),
          Object.keys(fixture.columns).sort(),
        );
      });

      it('count, missing and distinct of every column (isna, count, nunique)', () => {
        for (const [col, e] of Object.entries(fixture.columns)) {
          const c = profile.columns.find((x) => x.name === col)!;
          assert.equal(c.missing, e.isna + e.empty, `${col} missing`);
          assert.equal(c.count, e.count - e.empty, `${col} count`);
          assert.equal(c.distinct, e.nunique - (e.empty > 0 ? 1 : 0), `${col} distinct`);
          assert.equal(c.missingShare, c.missing / profile.rows);
        }
      });

      it('written-out dates ("Oct 11 2002") are datetime with the range pandas reads', () => {
        const dated = Object.entries(fixture.columns).filter(([, e]) => e.dates);
        if (name === 'movies')
          assert.ok(dated.length >= 1, 'movies has a "Release Date" column of dates');
        for (const [col, e] of dated) {
          const c = profile.columns.find((x) => x.name === col)!;
          assert.equal(c.type, 'datetime', `${col} type`);
          assert.equal(
            new Date(`${String(c.min).replace(' ', 'T')}Z`).toISOString(),
            new Date(`${e.dates!.min}Z`).toISOString(),
            `${col} min`,
          );
          assert.equal(
            new Date(`${String(c.max).replace(' ', 'T')}Z`).toISOString(),
            new Date(`${e.dates!.max}Z`).toISOString(),
            `${col} max`,
          );
        }
      });

      it('describe() of numeric columns and the 5% / 95% quantiles, within 1e-9', () => {
        const numeric = Object.entries(fixture.columns).filter(([, e]) => e.describe);
        assert.ok(numeric.length >= 4);
        for (const [col, e] of numeric) {
          const c = profile.columns.find((x) => x.name === col)!;
          const d = e.describe!;
          assert.ok(c.type === 'numeric' || c.type === 'integer', `${col} type ${c.type}`);
          close(c.count, d.count, `${col} count`);
          close(c.mean, d.mean, `${col} mean`);
          close(c.std, d.std, `${col} std`);
          close(c.min, d.min, `${col} min`);
          close(c.max, d.max, `${col} max`);
          close(c.quantiles?.p25, d['25%'], `${col} 25%`);
          close(c.quantiles?.p50, d['50%'], `${col} 50%`);
          close(c.quantiles?.p75, d['75%'], `${col} 75%`);
          close(c.quantiles?.p5, e.q05, `${col} 5%`);
          close(c.quantiles?.p95, e.q95, `${col} 95%`);
          assert.equal(
            c.histogram!.reduce((s, b) => s + b.count, 0),
            c.count,
            `${col} histogram total`,
          );
        }
      });

      it('correlated pairs are the |corr()| >= 0.9 pairs, same r', () => {
        const expected: string[] = [];
        const names = Object.keys(fixture.corr);
        for (let i = 0; i < names.length; i++) {
          for (let j = i + 1; j < names.length; j++) {
            const r = fixture.corr[names[i]][names[j]];
            if (r !== null && Math.abs(r) >= 0.9)
              expected.push([names[i], names[j]].sort().join(' ~ '));
          }
        }
        const actual = (profile.correlatedPairs ?? []).map((p) => [p.a, p.b].sort().join(' ~ '));
        assert.deepEqual(actual.sort(), expected.sort());
        for (const p of profile.correlatedPairs ?? [])
          close(p.r, fixture.corr[p.a][p.b], `r(${p.a}, ${p.b})`);
      });
    });
  }

  it('movies: the Title column mixes numbers and text; the issues and dimensions say so', async () => {
    const p = await profileFile(path.join(data, 'movies.json'));
    const title = p.columns.find((c) => c.name === 'Title')!;
    assert.equal(title.mixedTypes, true);
    assert.ok(title.invalid! > 0 && title.invalid! < title.count / 2);
    assert.ok(p.issues.some((i) => i.kind === 'mixed-types' && i.column === 'Title'));
    assert.ok(p.quality.consistency < 1 && p.quality.validity < 1);
    assert.match(p.quality.dimensions!.consistency.explanation, /1 of 16 columns/);
    const dvd = p.columns.find((c) => c.name === 'US DVD Sales')!;
    assert.ok(
      p.issues.some(
        (i) => i.kind === 'missing' && i.column === dvd.name && i.severity === 'warning',
      ),
    );
    const w = p.quality.dimensions!;
    const weighted =
      w.completeness.score * w.completeness.weight +
      w.uniqueness.score * w.uniqueness.weight +
      w.validity.score * w.validity.weight +
      w.consistency.score * w.consistency.weight;
    close(p.quality.score, weighted, 'score');
    assert.equal(p.quality.timeliness, null);
  });

  it('NaN and ±Infinity count as missing; empty strings too', async () => {
    const p = await profileRows([
      { x: 1, s: 'a' },
      { x: Number.NaN, s: '' },
      { x: Number.POSITIVE_INFINITY, s: 'b' },
      { x: Number.NEGATIVE_INFINITY, s: null },
      { x: null, s: 'a' },
      { x: 3, s: 'c' },
    ]);
    const x = p.columns.find((c) => c.name === 'x')!;
    assert.equal(x.count, 2);
    assert.equal(x.missing, 4);
    assert.deepEqual(x.missingByKind, { null: 1, empty: 0, nan: 1, infinite: 2 });
    assert.equal(x.mean, 2);
    assert.equal(x.max, 3);
    const s = p.columns.find((c) => c.name === 's')!;
    assert.equal(s.missing, 2);
    assert.deepEqual(s.missingByKind, { null: 1, empty: 1, nan: 0, infinite: 0 });
    assert.equal(p.quality.completeness, 1 - 6 / 12);
    assert.equal(p.source, 'in-memory data');
  });

  it('in-memory rows mixing numbers and words in a column: mixed types, the minority kind invalid', async () => {
    const p = await profileRows([{ v: 1 }, { v: 'n/a' }, { v: 2 }, { v: 3 }, { v: undefined }]);
    const v = p.columns[0];
    assert.equal(v.type, 'text');
    assert.equal(v.mixedTypes, true);
    assert.equal(v.invalid, 1);
    assert.equal(v.missing, 1);
    close(p.quality.validity, 1 - 1 / 4, 'validity');
    assert.equal(p.quality.consistency, 0);
  });

  it('constant and almost-constant columns; duplicate and empty rows; duplicated columns', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => ({
      k: 'same',
      a: i < 39 ? 1 : 2,
      id: i % 20,
      copy: i % 20,
      e: null as string | null,
    }));
    const p = await profileRows(rows);
    const k = p.columns.find((c) => c.name === 'k')!;
    assert.equal(k.constant, true);
    const a = p.columns.find((c) => c.name === 'a')!;
    assert.equal(a.constant, false);
    assert.equal(a.almostConstant, true);
    // Rows 20..38 repeat rows 0..18; row 39 differs from row 19 in a.
    assert.equal(p.duplicateRows, 19);
    assert.equal(p.quality.uniqueness, 1 - 19 / 40);
    assert.deepEqual(p.emptyColumns, ['e']);
    assert.deepEqual(p.duplicatedColumns, [['id', 'copy']]);
    const kinds = new Set(p.issues.map((i) => i.kind));
    for (const kind of [
      'constant',
      'almost-constant',
      'duplicate-rows',
      'empty-column',
      'duplicated-column',
    ])
      assert.ok(kinds.has(kind), kind);
    assert.equal(p.issues[0].severity, 'error');
  });

  it('column objects, types, top values, IQR outliers and conflicting labels', async () => {
    const n = 100;
    const p = await profileRows(
      {
        v: Array.from({ length: n }, (_, i) => (i === 99 ? 1000 : i % 10)),
        f: Array.from({ length: n }, (_, i) => i / 7),
        b: Array.from({ length: n }, (_, i) => i % 3 === 0),
        c: Array.from({ length: n }, (_, i) => ['x', 'y', 'z'][i % 3]),
        t: Array.from({ length: n }, (_, i) => `word${i}`),
        d: Array.from({ length: n }, (_, i) => new Date(Date.UTC(2026, 0, 1 + i))),
        label: Array.from({ length: n }, (_, i) => (i < 2 ? 'p' : 'q')),
      },
      { label: 'label' },
    );
    const type = (name: string) => p.columns.find((c) => c.name === name)!;
    assert.deepEqual(
      p.columns.map((c) => c.type),
      ['integer', 'numeric', 'boolean', 'categorical', 'text', 'datetime', 'categorical'],
    );
    assert.equal(type('v').outliers, 1);
    assert.equal(type('v').zeros, 10);
    assert.deepEqual(
      type('c').top.map((t) => t.value),
      ['x', 'y', 'z'],
    );
    assert.equal(type('d').min, '2026-01-01 00:00:00');
    assert.equal(type('t').length!.max, 6);
    // Rows 0 and 1 differ in features, so no conflict yet: labels only conflict for identical features.
    assert.equal(p.label!.conflictingRows, 0);
    const conflict = await profileRows(
      [
        { x: 1, y: 'a' },
        { x: 1, y: 'b' },
        { x: 2, y: 'a' },
        { x: 3, y: 'a' },
      ],
      { label: 'y' },
    );
    assert.equal(conflict.label!.conflictingRows, 2);
    assert.equal(conflict.quality.consistency, 0.5);
    assert.ok(conflict.issues.some((i) => i.kind === 'conflicting-labels'));
  });

  it('timeliness: 1 within the freshness, linear to 0 at twice it, null without a timestamp column', async () => {
    assert.equal(timelinessScore(1000, 1500, 1000), 1);
    assert.equal(timelinessScore(0, 1500, 1000), 0.5);
    assert.equal(timelinessScore(0, 3000, 1000), 0);
    const now = Date.UTC(2026, 5, 1);
    const p = await profileRows([{ ts: new Date(now - 36 * 3600_000), v: 1 }], {
      timestampColumn: 'ts',
      freshness: 24 * 3600_000,
      now,
    });
    close(p.quality.timeliness, 0.5, 'timeliness');
    assert.equal(p.quality.dimensions!.timeliness.weight, 0.2);
    assert.ok(p.issues.some((i) => i.kind === 'stale'));
  });

  describe('unusable input', () => {
    let dir: string;
    before(() => {
      dir = makeTempDir();
    });
    after(() => removeDir(dir));

    async function rejects(content: string, name: string, pattern: RegExp): Promise<void> {
      const file = path.join(dir, name);
      writeFileSync(file, content);
      await assert.rejects(profileFile(file), (error: Error) => {
        assert.ok(error instanceof DataError, error.stack);
        assert.ok(error.message.includes(file), error.message);
        assert.match(error.message, pattern);
        return true;
      });
    }

    it('a ragged CSV row names the file and the line', () =>
      rejects(
        'a,b\n1,2\n3,4,5\n6,7\n',
        'ragged.csv',
        /ragged.csv:3: .*line 3 has 3 fields, the header has 2/,
      ));
    it('an unclosed quote names the line', () =>
      rejects('a,b\n1,2\n3,"x\n4,5\n', 'quote.csv', /quote.csv:3: CSV bad quoting/));
    it('invalid JSON names the line', () =>
      rejects(
        '[\n{"a": 1},\n{"a": 2\n]\n',
        'bad.json',
        /bad.json:4: invalid JSON at column 1: Expected ',' or '}' after property value$/,
      ));
    it('invalid NDJSON names the line', () =>
      rejects('{"a":1}\n{"a":2}\n{"a":3\n{"a":4}\n', 'bad.ndjson', /bad.ndjson:3: invalid JSON/));
    it('an empty file', () => rejects('', 'empty.csv', /is empty/));
    it('a file that is not Parquet', () =>
      rejects('PAR1 not really', 'bad.parquet', /bad.parquet: PARQUET could not be read/));
    it('a missing file', async () => {
      await assert.rejects(profileFile(path.join(dir, 'nope.csv')), /nope.csv: no such file/);
    });
    it('checkDelimited: quoted delimiters and newlines are one field', () => {
      assert.equal(checkDelimited('a,b\n"x,y",2\n"multi\nline",3\n', ','), null);
      assert.deepEqual(checkDelimited('a;b\n1;2;3\n', ';'), {
        line: 2,
        message: 'line 2 has 3 fields, the header has 2',
      });
    });
  });

  describe('labbook profile', () => {
    it('--json prints a DatasetProfile; --html writes an escaped report', () => {
      const dir = makeTempDir();
      try {
        const csv = path.join(dir, 'x.csv');
        writeFileSync(csv, 'name,score\n<b>bold</b>,1\nb,2\nb,\n');
        const html = path.join(dir, 'x.html');
        const r = labbook(['profile', csv, '--json', '--html', html]);
        assert.equal(r.code, 0, r.stderr);
        const p = JSON.parse(r.stdout) as DatasetProfile;
        assert.equal(p.rows, 3);
        assert.deepEqual(Object.keys(p.quality).slice(0, 6), [
          'score',
          'completeness',
          'uniqueness',
          'validity',
          'consistency',
          'timeliness',
        ]);
        const score = p.columns.find((c) => c.name === 'score')!;
        assert.equal(score.missing, 1);
        assert.equal(score.std, Math.SQRT1_2);
        const page = readFileSync(html, 'utf8');
        assert.ok(page.includes('&lt;b&gt;bold&lt;/b&gt;') && !page.includes('<b>bold</b>'));
      } finally {
        removeDir(dir);
      }
    });

    it('prints a summary; exit 2 with the file and line for a ragged CSV', () => {
      const r = labbook(['profile', path.join(data, 'penguins.json')]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /344 rows x 7 columns/);
      assert.match(r.stdout, /Beak Length \(mm\)\s+numeric\s+342\s+2 \(0.6%\)/);
      const dir = makeTempDir();
      try {
        const bad = path.join(dir, 'bad.csv');
        writeFileSync(bad, 'a,b\n1,2\n3\n');
        const e = labbook(['profile', bad]);
        assert.equal(e.code, 2);
        assert.match(e.stderr, /^labbook: .*bad.csv:3: CSV ragged row/);
        assert.ok(!e.stderr.includes('    at '), 'no stack trace');
      } finally {
        removeDir(dir);
      }
    });

    it('Arrow IPC: the same statistics as the same data in JSON; a broken file is named, exit 2', async () => {
      // flights-200k.arrow and .json hold the same rows; "time" is Float32 in Arrow, so it
      // matches to float32 precision only.
      const [arrow, json] = await Promise.all([
        profileFile(path.join(data, 'flights-200k.arrow')),
        profileFile(path.join(data, 'flights-200k.json')),
      ]);
      assert.equal(arrow.rows, 200_000);
      assert.equal(arrow.rows, json.rows);
      assert.equal(arrow.duplicateRows, json.duplicateRows);
      for (const name of ['delay', 'distance', 'time']) {
        const a = arrow.columns.find((c) => c.name === name)!;
        const j = json.columns.find((c) => c.name === name)!;
        assert.equal(a.type, j.type, `${name} type`);
        assert.equal(a.count, j.count, `${name} count`);
        assert.equal(a.distinct, j.distinct, `${name} distinct`);
        const tolerance = name === 'time' ? 1e-6 : 1e-12;
        for (const stat of ['min', 'max', 'mean', 'std'] as const) {
          const x = a[stat] as number;
          const y = j[stat] as number;
          assert.ok(
            Math.abs(x - y) <= tolerance * Math.max(1, Math.abs(y)),
            `${name} ${stat}: ${x} vs ${y}`,
          );
        }
      }
      const dir = makeTempDir();
      try {
        const broken = path.join(dir, 'broken.arrow');
        writeFileSync(broken, Buffer.concat([Buffer.from('ARROW1\0\0'), Buffer.alloc(64, 7)]));
        const r = labbook(['profile', broken]);
        assert.equal(r.code, 2);
        assert.match(r.stderr, /broken\.arrow: Arrow IPC could not be read/);
        assert.ok(!r.stderr.includes('    at '), 'no stack trace');
      } finally {
        removeDir(dir);
      }
    });
  });
});
