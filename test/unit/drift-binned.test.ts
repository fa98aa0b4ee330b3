/**
 * The normalised Wasserstein distance of big numeric columns from DuckDB histograms
 * (core/drift/binned.ts) against the exact distance of methods.ts on the sorted values:
 * the difference stays within the bound the report states, and long-tailed columns, few
 * distinct values and small samples take the exact path.
 */
import { strict as assert } from 'node:assert';
import { binnedWasserstein, BINNED_MIN_VALUES, columnStats } from '../../core/drift/binned';
import type { Engine } from '../../core/quality/engine';
import { numericDrift } from '../../core/drift/methods';
import { driftReport } from '../../core/drift/report';
import { loadRows, withEngine } from '../../core/quality/engine';

/** The histogram distance of column `col` of tables r and c. */
async function binnedOf(engine: Engine, ref: string, cur: string, col: string) {
  const [rs, cs] = await Promise.all([
    columnStats(engine, ref, [{ name: col, expr: `"${col}"` }]),
    columnStats(engine, cur, [{ name: col, expr: `"${col}"` }]),
  ]);
  return binnedWasserstein(
    engine,
    { reference: ref, current: cur },
    { reference: `"${col}"`, current: `"${col}"` },
    rs.get(col)!,
    cs.get(col)!,
  );
}

/** mulberry32: a small seeded generator, so the data are the same on every run. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function normal(n: number, mean: number, sd: number, seed: number): number[] {
  const u = random(seed);
  return Array.from(
    { length: n },
    () => mean + sd * Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u()),
  );
}

const sorted = (x: number[]) => Float64Array.from(x).sort();

describe('drift: Wasserstein from histograms', function () {
  this.timeout(180_000);
  const n = BINNED_MIN_VALUES + 50_000;
  const reference = {
    x: normal(n, 0, 1, 1),
    tail: normal(n, 0, 1, 2).map((v, i) => (i === 7 ? 1e9 : v)),
    few: normal(n, 0, 1, 3).map((v) => Math.round(Math.abs(v)) % 4),
  };
  const current = {
    x: normal(n, 0.3, 1.2, 4),
    tail: normal(n, 0.1, 1, 5),
    few: normal(n, 0, 1, 6).map((v) => Math.round(Math.abs(v)) % 4),
  };

  it('agrees with the exact distance within the stated bound', async () => {
    const b = await withEngine(async (engine) => {
      await loadRows(engine, { x: reference.x }, 'r');
      await loadRows(engine, { x: current.x }, 'c');
      return binnedOf(engine, 'r', 'c', 'x');
    });
    assert.ok(b, 'a big, well-spread column goes through histograms');
    const exact = numericDrift('wasserstein', sorted(reference.x), sorted(current.x)).statistic;
    assert.ok(b.errorBound < 0.01, `bound ${b.errorBound}`);
    assert.ok(
      Math.abs(b.result.statistic - exact) <= b.errorBound,
      `${b.result.statistic} vs exact ${exact} (bound ${b.errorBound})`,
    );
    assert.ok(exact > 0.1, 'the shift is a drift');
    assert.equal(b.referenceCount, n);
    assert.equal(
      b.bins.reduce((t, bin) => t + bin.reference, 0),
      n,
    );
    assert.equal(
      b.bins.reduce((t, bin) => t + bin.current, 0),
      n,
    );
  });

  it('leaves long tails, few distinct values and small samples to the exact path', async () => {
    await withEngine(async (engine) => {
      await loadRows(engine, reference, 'r');
      await loadRows(engine, current, 'c');
      assert.equal(
        await binnedOf(engine, 'r', 'c', 'tail'),
        null,
        'range of 1e9 standard deviations',
      );
      assert.equal(await binnedOf(engine, 'r', 'c', 'few'), null, '4 distinct values');
      await loadRows(engine, { x: reference.x.slice(0, 1000) }, 'small');
      assert.equal(await binnedOf(engine, 'small', 'c', 'x'), null, '1,000 values');
    });
  });

  it('is what the report uses for big columns, and says so', async () => {
    const report = await driftReport(
      { data: { x: reference.x, tail: reference.tail }, name: 'ref' },
      { data: { x: current.x, tail: current.tail }, name: 'cur' },
    );
    const x = report.columns.find((c) => c.name === 'x')!;
    assert.equal(x.method, 'wasserstein');
    assert.match(x.reason, /from [\d,]+-bin histograms: within \S+ of the exact value/);
    assert.equal(x.drifted, true);
    const exact = numericDrift('wasserstein', sorted(reference.x), sorted(current.x)).statistic;
    assert.ok(Math.abs((x.statistic as number) - exact) < 0.01);
    const tail = report.columns.find((c) => c.name === 'tail')!;
    assert.doesNotMatch(tail.reason, /histograms/);
    assert.equal(
      tail.statistic,
      numericDrift('wasserstein', sorted(reference.tail), sorted(current.tail)).statistic,
    );
  });
});
