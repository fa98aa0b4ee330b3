/**
 * Downsampling of a metric's history for a chart (issue 23, huge histories): a chart
 * `buckets` pixels wide shows at most one column per pixel, so per bucket of steps only the
 * first, the lowest, the highest and the last point can be seen (M4: min/max-preserving per
 * pixel bucket). Drawn through these, the line looks the same as through every point, peaks
 * and dips included, at a few thousand points instead of a million.
 *
 * Kept always: the first and the last point, and every point whose value is not a finite
 * number (NaN, ±Infinity), which the charts draw as markers; a series of nothing but such
 * points is therefore not reduced. A zoomed range [from, to] of steps is served at full
 * resolution (windowSeries). Browser-safe: no Node API.
 */

export interface SeriesPoint {
  step: number;
  value: number;
}

/** The series as at most about 4 x `buckets` points (plus its non-finite ones), in order. */
export function downsampleSeries<T extends SeriesPoint>(
  points: readonly T[],
  buckets: number,
): T[] {
  if (!Number.isInteger(buckets) || buckets < 1)
    throw new RangeError(`buckets must be a whole number >= 1, got ${buckets}`);
  if (points.length <= 4 * buckets) return [...points];
  let first = Infinity;
  let last = -Infinity;
  for (const p of points) {
    if (p.step < first) first = p.step;
    if (p.step > last) last = p.step;
  }
  const width = (last - first) / buckets;
  const bucketOf = (step: number) =>
    width > 0 ? Math.min(buckets - 1, Math.floor((step - first) / width)) : 0;
  // Indexes kept, marked in one pass over each bucket's run of points (history is in step order).
  const keep = new Uint8Array(points.length);
  keep[0] = 1;
  keep[points.length - 1] = 1;
  let start = 0;
  while (start < points.length) {
    const bucket = bucketOf(points[start].step);
    let end = start;
    let low = -1;
    let high = -1;
    let firstFinite = -1;
    let lastFinite = -1;
    while (end < points.length && bucketOf(points[end].step) === bucket) {
      const v = points[end].value;
      if (Number.isFinite(v)) {
        if (firstFinite < 0) firstFinite = end;
        lastFinite = end;
        if (low < 0 || v < points[low].value) low = end;
        if (high < 0 || v > points[high].value) high = end;
      } else keep[end] = 1;
      end++;
    }
    for (const i of [firstFinite, low, high, lastFinite]) if (i >= 0) keep[i] = 1;
    // A series out of step order still ends: each run of one bucket is handled on its own.
    start = end;
  }
  const out: T[] = [];
  for (let i = 0; i < points.length; i++) if (keep[i]) out.push(points[i]);
  return out;
}

/** The points with from <= step <= to (either bound left out: open), every one of them. */
export function windowSeries<T extends SeriesPoint>(
  points: readonly T[],
  range: { from?: number; to?: number },
): T[] {
  const { from = -Infinity, to = Infinity } = range;
  if (Number.isNaN(from) || Number.isNaN(to) || from > to)
    throw new RangeError(`a zoom range needs from <= to, got [${range.from}, ${range.to}]`);
  return points.filter((p) => p.step >= from && p.step <= to);
}
