/**
 * The normalised Wasserstein distance of big numeric columns from DuckDB histograms instead
 * of sorted samples. Sorting two columns of a million values in JS, after copying them out
 * of DuckDB, is most of a report's time; W1 is the area between the two CDFs, and DuckDB
 * counts values into up to 65,536 equal bins in parallel without moving them.
 *
 * Error bound: in each bin the CDFs move by at most the bin's share of each side, so the
 * area computed at the bins' right edges differs from the exact one by at most
 * 2 x bin width in total; divided by the reference's standard deviation, as the distance is.
 * The histogram is used only when that bound is at most MAX_ERROR (a tenth of the default
 * threshold); long-tailed columns (range >> standard deviation) take the exact path.
 */
import type { Engine } from '../quality/engine';
import { ident } from '../quality/engine';
import { sturgesFor, type MethodResult } from './methods';
import type { DriftBin } from '../common/drift-types';

/** Both sides need at least this many values for the histogram to pay off. */
export const BINNED_MIN_VALUES = 200_000;
/** The most fine bins; fewer when the bound allows (see binnedWasserstein). */
const FINE_BINS = 1 << 16;
const MAX_ERROR = 0.01;
/** Evidently's floor for the reference's standard deviation (as in methods.ts). */
const MIN_STD = 0.001;

export interface BinnedWasserstein {
  result: MethodResult;
  /** The largest possible difference from the exact normalised distance. */
  errorBound: number;
  /** Bins the distance was computed from. */
  fineBins: number;
  bins: DriftBin[];
  referenceCount: number;
  currentCount: number;
}

export interface SideStats {
  n: number;
  lo: number;
  hi: number;
  std: number;
}

/** Count, range and standard deviation of several columns of one table, in one scan. */
export async function columnStats(
  engine: Engine,
  table: string,
  exprs: { name: string; expr: string }[],
): Promise<Map<string, SideStats>> {
  const out = new Map<string, SideStats>();
  if (exprs.length === 0) return out;
  const select = exprs
    .map(
      ({ expr }, i) =>
        `CAST(count(${expr}) AS DOUBLE) AS n${i}, min(${expr}) AS lo${i}, max(${expr}) AS hi${i}, stddev_pop(${expr}) AS sd${i}`,
    )
    .join(', ');
  const [r] = await engine.all(`SELECT ${select} FROM ${ident(table)}`);
  exprs.forEach(({ name }, i) =>
    out.set(name, {
      n: Number(r[`n${i}`]),
      lo: Number(r[`lo${i}`]),
      hi: Number(r[`hi${i}`]),
      std: Number(r[`sd${i}`] ?? 0),
    }),
  );
  return out;
}

/**
 * The distance from histograms, or null when the exact path should run: too few values, a
 * constant column, values in 50 bins or fewer (five or fewer distinct values are compared as
 * categories), or an error bound above MAX_ERROR.
 */
export async function binnedWasserstein(
  engine: Engine,
  tables: { reference: string; current: string },
  expr: { reference: string; current: string },
  ref: SideStats,
  cur: SideStats,
): Promise<BinnedWasserstein | null> {
  if (ref.n < BINNED_MIN_VALUES || cur.n < BINNED_MIN_VALUES) return null;
  const lo = Math.min(ref.lo, cur.lo);
  const hi = Math.max(ref.hi, cur.hi);
  if (!(hi > lo)) return null;
  const scale = Math.max(ref.std, MIN_STD);
  // The display's Sturges bins are unions of fine bins, so one scan gives both.
  const edges = sturgesFor(ref.n + cur.n, lo, hi);
  const k = edges.length - 1;
  // As few fine bins as keep the bound at a tenth of MAX_ERROR: fewer groups count faster.
  const wanted = Math.min(FINE_BINS, Math.ceil((2 * (hi - lo)) / (0.1 * MAX_ERROR * scale)));
  const perBin = Math.max(1, Math.ceil(wanted / k));
  const fine = perBin * k;
  const width = (hi - lo) / fine;
  const errorBound = (2 * width) / scale;
  if (errorBound > MAX_ERROR) return null;

  const rows =
    await engine.all(`SELECT s, CAST(least(floor((v - ${lo}) / ${width}), ${fine - 1}) AS INTEGER) AS b, CAST(count(*) AS DOUBLE) AS n
    FROM (SELECT 0 AS s, ${expr.reference} AS v FROM ${ident(tables.reference)} UNION ALL SELECT 1, ${expr.current} FROM ${ident(tables.current)})
    WHERE v IS NOT NULL GROUP BY 1, 2`);
  const rh = new Float64Array(fine);
  const ch = new Float64Array(fine);
  for (const row of rows)
    (Number(row.s) === 0 ? rh : ch)[Math.max(0, Number(row.b))] += Number(row.n);
  // Distinct values are at least the bins holding any: many occupied bins mean many values, far
  // from the five or fewer that Evidently compares as categories; few leave it to the exact path.
  let occupied = 0;
  for (let i = 0; i < fine; i++) if (rh[i] + ch[i] > 0) occupied++;
  if (occupied <= 50) return null;
  let fr = 0;
  let fc = 0;
  let area = 0;
  for (let i = 0; i < fine - 1; i++) {
    fr += rh[i];
    fc += ch[i];
    area += Math.abs(fr / ref.n - fc / cur.n);
  }
  const statistic = (area * width) / scale;
  const bins: DriftBin[] = [];
  for (let j = 0; j < k; j++) {
    let r = 0;
    let c = 0;
    for (let i = j * perBin; i < (j + 1) * perBin; i++) {
      r += rh[i];
      c += ch[i];
    }
    bins.push({ start: edges[j], end: edges[j + 1], reference: r, current: c });
  }
  return {
    result: { statistic, pValue: null },
    errorBound,
    fineBins: fine,
    bins,
    referenceCount: ref.n,
    currentCount: cur.n,
  };
}
