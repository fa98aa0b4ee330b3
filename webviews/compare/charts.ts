/**
 * Vega-Lite specs of the compare panel, built by pure functions from the comparison data
 * (no DOM, no vega), so unit tests check the math and the data each chart draws.
 *
 * Field names in the specs are always our own (`run`, `x`, `value`...): a param key such as
 * `a.b` or `c[0]` would be read by vega as a nested path. Names and keys from notebooks go
 * into data values, titles and scale domains only, which vega draws as text.
 */
import type { RunComparison } from '../../core/common/comparison';
import { formatMetric } from '../../core/common/format';
import type { MetricPointItem } from '../../core/service/protocol';
import { fromWireNumber } from '../../core/common/wire-number';
import {
  optimisationHistory,
  type ComparisonSweep,
  type HistoryPoint,
  type HistoryTrial,
  type SweepGoal,
  type TrialOutcome,
} from '../../core/common/optimisation-history';

/** Distinct on VS Code's dark and light backgrounds; run i gets colour i (more runs: golden-angle hues). */
export const PALETTE = [
  '#3794ff',
  '#f58518',
  '#54a24b',
  '#e45756',
  '#b279a2',
  '#eeca3b',
  '#72b7b2',
  '#ff9da6',
  '#9d755d',
  '#bab0ac',
];

export function runColor(index: number): string {
  if (index < PALETTE.length) return PALETTE[index];
  return `hsl(${Math.round((index * 137.508) % 360)}, 65%, 60%)`;
}

export interface RunSeries {
  id: string;
  /** Unique label (name and short id): the colour scale's domain and the legend's text. */
  label: string;
  color: string;
}

export function runSeries(runs: { id: string; name: string }[]): RunSeries[] {
  const seen = new Set<string>();
  return runs.map((run, i) => {
    let label = `${run.name} · ${run.id.slice(0, 8)}`;
    if (seen.has(label)) label = `${label} #${i + 1}`;
    seen.add(label);
    return { id: run.id, label, color: runColor(i) };
  });
}

export type XAxis = 'step' | 'wallTime' | 'relativeTime';

export const X_AXIS_TITLES: Record<XAxis, string> = {
  step: 'step',
  wallTime: 'wall time',
  relativeTime: 'time since run start (s)',
};

export function isXAxis(v: unknown): v is XAxis {
  return v === 'step' || v === 'wallTime' || v === 'relativeTime';
}

/** The highest smoothing weight the slider offers. */
export const MAX_SMOOTHING = 0.99;

/**
 * TensorBoard's smoothing: an exponential moving average, debiased so that the first points
 * are not pulled towards 0 (`last / (1 - weight^n)`). Weight 0 returns the values unchanged.
 * A constant series stays exactly constant. Callers drop non-finite values first.
 */
export function smoothEma(values: number[], weight: number): number[] {
  const w = Math.min(Math.max(Number.isFinite(weight) ? weight : 0, 0), 0.999);
  if (w === 0 || values.every((v) => v === values[0])) return values.slice();
  let last = 0;
  return values.map((v, i) => {
    last = last * w + (1 - w) * v;
    return last / (1 - w ** (i + 1));
  });
}

export interface HistoryRow {
  /** The run's label (see runSeries). */
  run: string;
  x: number;
  value: number;
  smoothed: number;
}

/**
 * One metric's points of every run, ready to draw: NaN and ±Infinity dropped (counted in
 * `dropped`), ordered by step, x in steps, epoch milliseconds (wall time) or seconds since
 * the run started (relative time; a run without a start time counts from its first point).
 */
export function historyRows(
  byRun: Record<string, MetricPointItem[]>,
  runs: RunSeries[],
  xAxis: XAxis,
  smoothing: number,
  startTimes: Record<string, number>,
): { rows: HistoryRow[]; dropped: number } {
  const rows: HistoryRow[] = [];
  let dropped = 0;
  for (const run of runs) {
    const points = byRun[run.id];
    if (!Array.isArray(points) || points.length === 0) continue;
    const finite = points
      .map((p) => ({ step: p.step, timestamp: p.timestamp, value: fromWireNumber(p.value) }))
      .filter((p) => {
        const ok = Number.isFinite(p.value);
        if (!ok) dropped++;
        return ok;
      })
      .sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    if (finite.length === 0) continue;
    const start =
      typeof startTimes[run.id] === 'number'
        ? startTimes[run.id]
        : Math.min(...finite.map((p) => p.timestamp));
    const smoothed = smoothEma(
      finite.map((p) => p.value),
      smoothing,
    );
    finite.forEach((p, i) => {
      const x =
        xAxis === 'step'
          ? p.step
          : xAxis === 'wallTime'
            ? p.timestamp
            : (p.timestamp - start) / 1000;
      rows.push({ run: run.label, x, value: p.value, smoothed: smoothed[i] });
    });
  }
  return { rows, dropped };
}

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

/**
 * A vega-lite top-level spec. Kept loose here: vega-lite's own types do not resolve under
 * the unit tests' module resolution; the panel hands these to vega-embed as they are, and
 * the browser tests render every one of them.
 */
export interface ChartSpec {
  $schema: string;
  [property: string]: unknown;
}

/** Axis and legend colours that read on VS Code's dark and light themes. */
const CONFIG = {
  axis: {
    labelColor: '#9d9d9d',
    titleColor: '#9d9d9d',
    gridColor: 'rgba(128,128,128,0.2)',
    domainColor: '#888',
    tickColor: '#888',
    titleFontWeight: 'normal' as const,
  },
  legend: { labelColor: '#bbbbbb', titleColor: '#9d9d9d', labelLimit: 260 },
  view: { stroke: 'transparent' },
  title: { color: '#cccccc' },
};

function colorByRun(runs: RunSeries[], present: Set<string>, symbol: 'stroke' | 'circle') {
  return {
    field: 'run',
    type: 'nominal' as const,
    scale: { domain: runs.map((r) => r.label), range: runs.map((r) => r.color) },
    legend: {
      title: null,
      orient: 'bottom' as const,
      direction: 'horizontal' as const,
      columns: 2,
      // Only the runs drawn in this chart (the domain keeps every run's colour stable).
      values: runs.filter((r) => present.has(r.label)).map((r) => r.label),
      symbolType: symbol,
      ...(symbol === 'stroke' ? { symbolStrokeWidth: 3 } : { symbolSize: 80 }),
      symbolOpacity: 1,
    },
  };
}

/** Overlaid history of one metric: a line per run, the raw values faint behind the smoothed ones. */
export function historySpec(
  metric: string,
  rows: HistoryRow[],
  runs: RunSeries[],
  xAxis: XAxis,
  smoothing: number,
): ChartSpec {
  const y = (field: 'value' | 'smoothed') => ({
    field,
    type: 'quantitative' as const,
    title: metric,
    scale: { zero: false },
  });
  const smoothed = smoothing > 0;
  const present = new Set(rows.map((r) => r.run));
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 200,
    background: 'transparent',
    data: { values: rows },
    encoding: {
      x: {
        field: 'x',
        type: xAxis === 'wallTime' ? 'temporal' : 'quantitative',
        title: X_AXIS_TITLES[xAxis],
        ...(xAxis === 'step' ? { axis: { tickMinStep: 1 } } : {}),
      },
      color: colorByRun(runs, present, 'stroke'),
      detail: { field: 'run', type: 'nominal' },
    },
    layer: smoothed
      ? [
          {
            mark: { type: 'line', strokeWidth: 1, opacity: 0.25, interpolate: 'linear' },
            encoding: { y: y('value') },
          },
          { mark: { type: 'line', strokeWidth: 2 }, encoding: { y: y('smoothed') } },
        ]
      : [{ mark: { type: 'line', strokeWidth: 1.75 }, encoding: { y: y('value') } }],
    config: CONFIG,
  };
}

/** A param value as a number, when the whole text is one. */
export function numericValue(text: string | null): number | null {
  if (text === null || text.trim() === '') return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/** Numbers first in numeric order, then other texts in alphabetical order. */
function compareCategories(a: string, b: string): number {
  const na = numericValue(a);
  const nb = numericValue(b);
  if (na !== null && nb !== null) return na - nb;
  if (na !== null) return -1;
  if (nb !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Shown for a param a run did not log. */
export const MISSING = '—';

export interface ParallelAxis {
  label: string;
  kind: 'numeric' | 'ordinal';
  /** Numeric axis on a log scale (see wantsLogScale). */
  log: boolean;
  /** Labels at positions 0..1 along the axis. */
  ticks: { norm: number; text: string }[];
}

export interface ParallelPoint {
  run: string;
  axis: string;
  /** Axis position, 0 (bottom) to 1 (top). */
  norm: number;
  /** The value as shown in the tooltip. */
  text: string;
  /** Index of the axis, left to right: the order the line is drawn in. */
  order: number;
  /** The chosen metric's value of this run (the line colour); null when NaN, ±Infinity or not logged. */
  metric: number | null;
}

/** Positive values spanning two orders of magnitude or more (learning rates...) read better on a log scale. */
export function wantsLogScale(values: number[]): boolean {
  if (values.length < 2 || values.some((v) => !(v > 0))) return false;
  return Math.max(...values) / Math.min(...values) >= 100;
}

/** Maps values to 0..1 (min to max, logarithmically when `log`); a single value sits at 0.5. */
export function normalizer(values: number[], log = false): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const min = Math.min(...values.map(f));
  const max = Math.max(...values.map(f));
  return (v) => (max === min ? 0.5 : (f(v) - min) / (max - min));
}

/** Axis labels: every distinct value when there are few (with its text as logged), else the ends. */
function numericTicks(
  values: number[],
  texts: string[],
  norm: (v: number) => number,
): { norm: number; text: string }[] {
  const byValue = new Map<number, string>();
  values.forEach((v, i) => {
    if (!byValue.has(v)) byValue.set(v, texts[i]);
  });
  const sorted = [...byValue.keys()].sort((a, b) => a - b);
  const shown = sorted.length <= 8 ? sorted : [sorted[0], sorted[sorted.length - 1]];
  return shown.map((v) => ({ norm: norm(v), text: byValue.get(v) as string }));
}

/**
 * Parallel coordinates data: one axis per param that differs between the runs (numeric
 * when every run logged a number, otherwise ordinal with "—" for not logged), then the
 * chosen metric. Each value is normalised to 0..1 on its axis (min to max, or category
 * index); a single value sits in the middle. Non-finite metric values get no point.
 */
export function parallelData(
  c: RunComparison,
  runs: RunSeries[],
  metricKey: string,
): { axes: ParallelAxis[]; points: ParallelPoint[] } {
  const metricRow = c.metrics.find((m) => m.key === metricKey);
  const metricValues = c.runs.map((_, i) => {
    const v = metricRow?.values[i];
    if (v === null || v === undefined) return null;
    const n = fromWireNumber(v);
    return Number.isFinite(n) ? n : null;
  });
  const axes: ParallelAxis[] = [];
  const points: ParallelPoint[] = [];
  const labels = new Set<string>();
  const uniqueLabel = (text: string) => {
    let label = text;
    for (let n = 2; labels.has(label); n++) label = `${text} (${n})`;
    labels.add(label);
    return label;
  };

  for (const param of c.params.filter((p) => p.differs)) {
    const order = axes.length;
    const numbers = param.values.map(numericValue);
    if (numbers.every((n) => n !== null)) {
      const finite = numbers;
      const log = wantsLogScale(finite);
      const label = uniqueLabel(log ? `${param.key} (log)` : param.key);
      const norm = normalizer(finite, log);
      axes.push({
        label,
        kind: 'numeric',
        log,
        ticks: numericTicks(finite, param.values as string[], norm),
      });
      finite.forEach((n, i) =>
        points.push({
          run: runs[i].label,
          axis: label,
          norm: norm(n),
          text: param.values[i] as string,
          order,
          metric: metricValues[i],
        }),
      );
    } else {
      const label = uniqueLabel(param.key);
      const texts = param.values.map((v) => v ?? MISSING);
      const categories = [...new Set(texts)].sort((a, b) =>
        a === MISSING ? -1 : b === MISSING ? 1 : compareCategories(a, b),
      );
      const position = (t: string) =>
        categories.length === 1 ? 0.5 : categories.indexOf(t) / (categories.length - 1);
      axes.push({
        label,
        kind: 'ordinal',
        log: false,
        ticks: categories.map((t) => ({ norm: position(t), text: t })),
      });
      texts.forEach((t, i) =>
        points.push({
          run: runs[i].label,
          axis: label,
          norm: position(t),
          text: t,
          order,
          metric: metricValues[i],
        }),
      );
    }
  }

  if (metricRow) {
    const label = uniqueLabel(metricKey);
    const order = axes.length;
    const finite = metricValues.filter((v): v is number => v !== null);
    const norm = normalizer(finite);
    const ends = finite.length
      ? [Math.min(...finite), Math.max(...finite)].filter((v, i, a) => a.indexOf(v) === i)
      : [];
    axes.push({
      label,
      kind: 'numeric',
      log: false,
      ticks: ends.map((v) => ({ norm: norm(v), text: formatMetric(v) })),
    });
    if (finite.length) {
      metricValues.forEach((v, i) => {
        if (v !== null)
          points.push({
            run: runs[i].label,
            axis: label,
            norm: norm(v),
            text: formatMetric(v),
            order,
            metric: v,
          });
      });
    }
  }
  return { axes, points };
}

/** The vega-lite parallel coordinates recipe, with the normalisation done above instead of in transforms. */
export function parallelSpec(
  metricKey: string,
  data: { axes: ParallelAxis[]; points: ParallelPoint[] },
): ChartSpec {
  const domain = data.axes.map((a) => a.label);
  const x = {
    field: 'axis',
    type: 'nominal' as const,
    scale: { domain, paddingOuter: 0.05 },
    axis: {
      orient: 'top' as const,
      title: null,
      labelAngle: 0,
      domain: false,
      ticks: false,
      labelLimit: 180,
      labelFontWeight: 'bold' as const,
      labelColor: '#cccccc',
      labelPadding: 10,
    },
  };
  const y = { field: 'norm', type: 'quantitative' as const, axis: null, scale: { domain: [0, 1] } };
  const color = {
    field: 'metric',
    type: 'quantitative' as const,
    title: metricKey,
    scale: { scheme: 'viridis' },
    legend: { orient: 'right' as const, gradientLength: 180 },
  };
  const ticks = data.axes.flatMap((a) =>
    a.ticks.map((t) => ({ axis: a.label, norm: t.norm, text: t.text })),
  );
  const withMetric = data.points.filter((p) => p.metric !== null);
  const withoutMetric = data.points.filter((p) => p.metric === null);
  const tooltip = [
    { field: 'run', type: 'nominal' as const, title: 'run' },
    { field: 'axis', type: 'nominal' as const, title: 'axis' },
    { field: 'text', type: 'nominal' as const, title: 'value' },
  ];
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 280,
    background: 'transparent',
    layer: [
      {
        data: { values: domain.map((axis) => ({ axis })) },
        mark: { type: 'rule', color: '#777', strokeWidth: 1 },
        encoding: { x },
      },
      // Runs without a finite value of the metric are drawn grey: a colour scale has no place for them.
      {
        data: { values: withoutMetric },
        mark: { type: 'line', strokeWidth: 2, opacity: 0.7, color: '#8a8a8a', strokeDash: [4, 3] },
        encoding: {
          x,
          y,
          detail: { field: 'run', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      {
        data: { values: withMetric },
        mark: { type: 'line', strokeWidth: 2.5, opacity: 0.9 },
        encoding: {
          x,
          y,
          color,
          detail: { field: 'run', type: 'nominal' },
          order: { field: 'order', type: 'quantitative' },
        },
      },
      {
        data: { values: data.points },
        mark: { type: 'point', filled: true, size: 45, color: '#dddddd', opacity: 0.9 },
        encoding: { x, y, tooltip },
      },
      {
        data: { values: ticks },
        mark: { type: 'text', align: 'left', dx: 6, color: '#9d9d9d', fontSize: 11, limit: 120 },
        encoding: { x, y, text: { field: 'text', type: 'nominal' } },
      },
    ],
    config: CONFIG,
  };
}

export interface ScatterRow {
  run: string;
  /** The param as a number (numeric params) or as its text. */
  x: number | string;
  xText: string;
  y: number;
}

/** One point per run that logged the param and a finite value of the metric. */
export function scatterData(
  c: RunComparison,
  runs: RunSeries[],
  paramKey: string,
  metricKey: string,
): { rows: ScatterRow[]; numeric: boolean; categories: string[] } {
  const param = c.params.find((p) => p.key === paramKey);
  const metric = c.metrics.find((m) => m.key === metricKey);
  if (!param || !metric) return { rows: [], numeric: true, categories: [] };
  const numeric = param.values.every((v) => v === null || numericValue(v) !== null);
  const rows: ScatterRow[] = [];
  c.runs.forEach((_, i) => {
    const text = param.values[i];
    const value = metric.values[i];
    if (text === null || value === null || value === undefined) return;
    const y = fromWireNumber(value);
    if (!Number.isFinite(y)) return;
    rows.push({
      run: runs[i].label,
      x: numeric ? (numericValue(text) as number) : text,
      xText: text,
      y,
    });
  });
  const categories = numeric ? [] : [...new Set(rows.map((r) => r.xText))].sort(compareCategories);
  return { rows, numeric, categories };
}

export function scatterSpec(
  paramKey: string,
  metricKey: string,
  data: ReturnType<typeof scatterData>,
  runs: RunSeries[],
): ChartSpec {
  const present = new Set(data.rows.map((r) => r.run));
  const logX = data.numeric && wantsLogScale(data.rows.map((r) => r.x as number));
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 260,
    background: 'transparent',
    data: { values: data.rows },
    mark: { type: 'point', filled: true, size: 140, opacity: 0.9 },
    encoding: {
      x: data.numeric
        ? {
            field: 'x',
            type: 'quantitative',
            title: logX ? `${paramKey} (log)` : paramKey,
            scale: logX ? { type: 'log', padding: 16 } : { zero: false, padding: 16 },
            axis: { tickCount: 8 },
          }
        : {
            field: 'x',
            type: 'ordinal',
            title: paramKey,
            sort: data.categories,
            axis: { labelAngle: 0 },
          },
      y: {
        field: 'y',
        type: 'quantitative',
        title: metricKey,
        scale: { zero: false, padding: 16 },
      },
      color: colorByRun(runs, present, 'circle'),
      tooltip: [
        { field: 'run', type: 'nominal', title: 'run' },
        { field: 'xText', type: 'nominal', title: `params.${paramKey}` },
        { field: 'y', type: 'quantitative', title: `metrics.${metricKey}`, format: '.4~g' },
      ],
    },
    config: CONFIG,
  };
}

/** Trial states' colours: a finished trial stands out, the ones that cannot be best recede. */
export const TRIAL_STATE_COLORS: Record<TrialOutcome, string> = {
  finished: '#3794ff',
  running: '#cca700',
  pruned: '#9d9d9d',
  failed: '#f14c4c',
};

/**
 * The optimisation history of the sweep these runs are trials of, in trial order; null when
 * the comparison is not one sweep's trials.
 */
export function sweepHistory(data: {
  comparison: RunComparison;
  startTimes: Record<string, number>;
  sweep?: ComparisonSweep | null;
}): { metric: string; goal: SweepGoal; points: HistoryPoint[] } | null {
  const sweep = data.sweep;
  if (!sweep || sweep.trials.length === 0) return null;
  const c = data.comparison;
  const metric = c.metrics.find((m) => m.key === sweep.metric);
  const trials: HistoryTrial[] = sweep.trials.flatMap((t) => {
    const i = c.runs.findIndex((r) => r.id === t.runId);
    if (i < 0) return [];
    const v = metric?.values[i];
    return [
      {
        runId: t.runId,
        name: c.runs[i].name,
        number: t.number,
        startTime: data.startTimes[t.runId] ?? 0,
        value: v === null || v === undefined ? null : fromWireNumber(v),
        state: t.state,
      },
    ];
  });
  return {
    metric: sweep.metric,
    goal: sweep.goal,
    points: optimisationHistory(trials, sweep.goal),
  };
}

/** A trial's label on the x axis and in tooltips: its number when it has one. */
function trialLabel(p: HistoryPoint): string {
  return p.number === null ? `#${p.order}` : `trial ${p.number}`;
}

/**
 * Points per trial with a finite value (coloured by state), a dashed rule per trial without
 * one, and a step line of the best so far.
 */
export function optimisationHistorySpec(
  metric: string,
  goal: SweepGoal,
  points: HistoryPoint[],
): ChartSpec {
  const drawn = points
    .filter((p) => p.value !== null && Number.isFinite(p.value))
    .map((p) => ({
      order: p.order,
      trial: trialLabel(p),
      name: p.name,
      state: p.state,
      value: p.value,
      best: p.best,
    }));
  // Trials without a finite value (failed, NaN) get a faint rule at their x: seen, not plotted.
  const undrawn = points
    .filter((p) => p.value === null || !Number.isFinite(p.value))
    .map((p) => ({
      order: p.order,
      trial: trialLabel(p),
      name: p.name,
      state: p.state,
      value: p.value === null ? 'no value' : String(p.value),
    }));
  // The line runs on to the last trial, so a best that stopped improving reads as such.
  const best = points
    .filter((p) => p.best !== null)
    .map((p) => ({ order: p.order, best: p.best, trial: trialLabel(p) }));
  const states = (Object.keys(TRIAL_STATE_COLORS) as TrialOutcome[]).filter((s) =>
    points.some((p) => p.state === s),
  );
  const stateColor = {
    field: 'state',
    type: 'nominal' as const,
    scale: { domain: states, range: states.map((s) => TRIAL_STATE_COLORS[s]) },
    legend: { title: null, orient: 'bottom' as const, direction: 'horizontal' as const },
  };
  const x = {
    field: 'order',
    type: 'quantitative' as const,
    title: 'trial',
    scale: { domain: [0.5, Math.max(points.length, 1) + 0.5], nice: false },
    axis: { tickMinStep: 1, format: 'd' },
  };
  const y = (field: 'value' | 'best') => ({
    field,
    type: 'quantitative' as const,
    title: `${metric} (${goal === 'minimize' ? 'lower' : 'higher'} is better)`,
    scale: { zero: false, padding: 12 },
  });
  return {
    $schema: SCHEMA,
    width: 'container',
    height: 240,
    background: 'transparent',
    layer: [
      {
        data: { values: undrawn },
        mark: { type: 'rule', strokeDash: [3, 3], strokeWidth: 1.5, opacity: 0.7 },
        encoding: {
          x,
          color: stateColor,
          tooltip: [
            { field: 'trial', type: 'nominal', title: 'trial' },
            { field: 'name', type: 'nominal', title: 'run' },
            { field: 'state', type: 'nominal', title: 'state' },
            { field: 'value', type: 'nominal', title: metric },
          ],
        },
      },
      {
        data: { values: best },
        mark: { type: 'line', interpolate: 'step-after', strokeWidth: 2, color: '#89d185' },
        encoding: {
          x,
          y: y('best'),
          tooltip: [
            { field: 'trial', type: 'nominal', title: 'after' },
            { field: 'best', type: 'quantitative', title: 'best so far', format: '.4~g' },
          ],
        },
      },
      {
        data: { values: drawn },
        mark: { type: 'point', filled: true, size: 70, opacity: 0.9 },
        encoding: {
          x,
          y: y('value'),
          color: stateColor,
          shape: {
            field: 'state',
            type: 'nominal',
            scale: {
              domain: states,
              range: states.map((s) =>
                s === 'pruned' ? 'triangle-down' : s === 'failed' ? 'cross' : 'circle',
              ),
            },
            legend: null,
          },
          tooltip: [
            { field: 'trial', type: 'nominal', title: 'trial' },
            { field: 'name', type: 'nominal', title: 'run' },
            { field: 'state', type: 'nominal', title: 'state' },
            { field: 'value', type: 'quantitative', title: metric, format: '.4~g' },
            { field: 'best', type: 'quantitative', title: 'best so far', format: '.4~g' },
          ],
        },
      },
    ],
    config: CONFIG,
  };
}
