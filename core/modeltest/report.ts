/**
 * One model test report: quality, robustness, fairness, explanations, cross-validation and
 * mutation adequacy of one model on one data set, JSON-serialisable (NaN as null), and the
 * flat `tests.*` metrics map that gates and CLI thresholds judge.
 */
import type { Tfjs } from '../registry/model-io';
import {
  argmaxRows,
  encode,
  featureStats,
  ModelTestError,
  predictMatrix,
  quality,
  qualityName,
  type ModelSpec,
  type TestData,
  type TestableModel,
} from './data';
import { columnFairness, groupKey, type ColumnFairness } from './fairness';
import { permutationImportance, type ImportanceResult } from './importance';
import { robustness, type RobustnessResult } from './robustness';
import { integratedGradients, type Explanation } from './explain';
import { mutationAdequacy, type MutationOptions, type MutationResult } from './mutation';
import type { CrossValidationResult } from './crossval';

export const REPORT_FORMAT = 'labbook.model-tests/1';
export const TEST_NAMES = [
  'robustness',
  'fairness',
  'importance',
  'explanations',
  'mutation',
] as const;
export type TestName = (typeof TEST_NAMES)[number];

export interface ModelTestReport {
  format: typeof REPORT_FORMAT;
  createdAt: number;
  model: string | null;
  spec: ModelSpec;
  rows: number;
  label: string;
  seed: number;
  quality: { metric: 'accuracy' | 'rmse'; value: number };
  robustness?: RobustnessResult;
  fairness?: {
    /** How positives were chosen: a named class, or one-vs-rest over every class (worst reported). */
    positive: string;
    columns: ColumnFairness[];
  };
  importance?: ImportanceResult;
  /** Integrated gradients of the first rows (explanationRows). */
  explanations?: Explanation[];
  crossValidation?: CrossValidationResult;
  mutation?: MutationResult;
  /** Thresholds judged, when any were given. */
  thresholds?: ThresholdResult[];
  /** Seconds per test. */
  timings: Record<string, number>;
}

export interface ThresholdResult {
  condition: string;
  key: string;
  passed: boolean;
  actual: number | null;
  expected: string;
  message: string;
}

export interface TestModelOptions {
  sensitive?: string[];
  tests?: TestName[];
  positive?: string;
  seed?: number;
  repeats?: number;
  explanationRows?: number;
  /** Training rows: imputation values and the noise scale come from them; label mutants need them with `train`. */
  trainData?: TestData;
  train?: MutationOptions['train'];
  mutants?: number;
  /** e.g. ["tests.robustness.noise_0.1.accuracy >= 0.9"]. */
  thresholds?: string[];
  crossValidation?: CrossValidationResult;
  model?: string;
  epsilons?: number[];
  noiseLevels?: number[];
}

export async function testModel(
  tf: Tfjs,
  model: TestableModel,
  spec: ModelSpec,
  data: TestData,
  options: TestModelOptions = {},
): Promise<ModelTestReport> {
  const tests = new Set<TestName>(options.tests ?? TEST_NAMES);
  for (const t of tests)
    if (!(TEST_NAMES as readonly string[]).includes(t))
      throw new ModelTestError(
        `testModel: unknown test ${JSON.stringify(t)} (tests: ${TEST_NAMES.join(', ')})`,
      );
  const sensitive = options.sensitive ?? [];
  for (const column of sensitive)
    if (!data.rows.length || !(column in data.rows[0]))
      throw new ModelTestError(
        `testModel: sensitive column ${JSON.stringify(column)} is not in the data (columns: ${Object.keys(data.rows[0] ?? {}).join(', ')})`,
      );
  if (sensitive.length && spec.task !== 'classification')
    throw new ModelTestError('testModel: fairness by a sensitive column needs a classifier');
  const seed = options.seed ?? 0;
  const enc = encode(data, spec);
  const stats = featureStats(enc);
  const reference = options.trainData
    ? featureStats(encode(options.trainData, spec, 'trainData'))
    : undefined;
  const timings: Record<string, number> = {};
  const time = async <T>(name: string, f: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      timings[name] = (performance.now() - t0) / 1000;
    }
  };
  const base = await predictMatrix(tf, model, enc.x, enc.n, enc.d);
  const report: ModelTestReport = {
    format: REPORT_FORMAT,
    createdAt: Date.now(),
    model: options.model ?? null,
    spec,
    rows: enc.n,
    label: data.label,
    seed,
    quality: { metric: qualityName(spec), value: quality(spec, base.out, base.width, enc.y) },
    timings,
  };
  if (tests.has('robustness'))
    report.robustness = await time('robustness', () =>
      robustness(tf, model, spec, enc, stats, {
        seed,
        reference,
        epsilons: options.epsilons,
        noiseLevels: options.noiseLevels,
      }),
    );
  if (tests.has('fairness') && sensitive.length) {
    const pred = argmaxRows(base.out, enc.n, base.width);
    report.fairness = await time('fairness', () => ({
      positive:
        options.positive ??
        (spec.labels.length === 2
          ? spec.labels[1]
          : 'each class one-vs-rest (worst class reported)'),
      columns: sensitive.map((column) =>
        columnFairness(
          column,
          enc.y,
          pred,
          data.rows.map((r) => groupKey(r[column])),
          spec.labels,
          { positive: options.positive },
        ),
      ),
    }));
  }
  if (tests.has('importance'))
    report.importance = await time('importance', () =>
      permutationImportance(tf, model, spec, enc, { seed, repeats: options.repeats ?? 5 }),
    );
  if (tests.has('explanations')) {
    const count = Math.min(options.explanationRows ?? 5, enc.n);
    const baseline = (reference ?? stats).mean;
    report.explanations = await time('explanations', () =>
      Array.from({ length: count }, (_, r) =>
        integratedGradients(
          tf,
          model,
          spec,
          Array.from(enc.x.subarray(r * enc.d, (r + 1) * enc.d)),
          {
            baseline,
          },
        ),
      ),
    );
  }
  if (tests.has('mutation'))
    report.mutation = await time('mutation', () =>
      mutationAdequacy(tf, model, spec, enc, {
        seed,
        mutants: options.mutants,
        train: options.train,
        trainData: options.trainData,
      }),
    );
  if (options.crossValidation) report.crossValidation = options.crossValidation;
  if (options.thresholds?.length)
    report.thresholds = judgeThresholds(reportMetrics(report), options.thresholds);
  return report;
}

/** The report as `tests.*` numbers; booleans as 0/1; keys with spaces kept as they are. */
export function reportMetrics(report: ModelTestReport): Record<string, number> {
  const m: Record<string, number> = {};
  const metric = report.quality.metric;
  m[`tests.quality.${metric}`] = report.quality.value;
  const r = report.robustness;
  if (r) {
    m[`tests.robustness.clean.${metric}`] = r.clean;
    for (const p of [...r.noise, ...r.missing, ...r.flips, ...r.fgsm])
      m[`tests.robustness.${p.name}.${metric}`] = p.value;
  }
  for (const c of report.fairness?.columns ?? []) {
    const at = `tests.fairness.${c.column}`;
    m[`${at}.demographic_parity_difference`] = c.demographic_parity_difference;
    m[`${at}.demographic_parity_ratio`] = c.demographic_parity_ratio;
    m[`${at}.equalized_odds_difference`] = c.equalized_odds_difference;
    m[`${at}.four_fifths_violated`] = c.four_fifths_violated ? 1 : 0;
    for (const g of c.classes[0]?.groups ?? []) m[`${at}.${g.group}.accuracy`] = g.accuracy;
  }
  for (const f of report.importance?.features ?? []) {
    m[`tests.importance.${f.feature}.mean`] = f.mean;
    m[`tests.importance.${f.feature}.std`] = f.std;
  }
  if (report.explanations?.length)
    m['tests.explanations.max_completeness_gap'] = Math.max(
      ...report.explanations.map((e) => e.completenessGap),
    );
  const cv = report.crossValidation;
  if (cv) {
    m[`tests.cv.${cv.metric}.mean`] = cv.mean;
    m[`tests.cv.${cv.metric}.std`] = cv.std;
    m['tests.cv.gap'] = cv.gap;
  }
  if (report.mutation) {
    m['tests.mutation.score'] = report.mutation.score;
    for (const [op, o] of Object.entries(report.mutation.byOperator))
      m[`tests.mutation.${op}.score`] = o.score;
  }
  return m;
}

const OPS = ['>=', '<=', '!=', '==', '>', '<', '='] as const;

/** `tests.<key> <op> <number>`; the key may be in backticks (it may hold spaces); clauses joined by "and". */
export function parseTestCondition(
  condition: string,
): { key: string; op: string; value: number }[] {
  if (typeof condition !== 'string' || condition.trim() === '')
    throw new ModelTestError(
      'a test condition must be a non-empty text such as "tests.mutation.score >= 0.5"',
    );
  return condition.split(/\s+and\s+/i).map((clause) => {
    const m =
      /^\s*(?:`([^`]+)`|(tests\.\S+))\s*(>=|<=|!=|==|>|<|=)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(
        clause,
      );
    if (!m)
      throw new ModelTestError(
        `cannot read the test condition ${JSON.stringify(clause.trim())}: expected tests.<name> <op> <number> such as "tests.fairness.Sex.demographic_parity_ratio >= 0.8" (op one of ${OPS.join(' ')}; a name with spaces in backticks)`,
      );
    const key = (m[1] ?? m[2]).startsWith('tests.') ? (m[1] ?? m[2]) : `tests.${m[1] ?? m[2]}`;
    return { key, op: m[3], value: Number(m[4]) };
  });
}

function holds(actual: number, op: string, value: number): boolean {
  switch (op) {
    case '>=':
      return actual >= value;
    case '<=':
      return actual <= value;
    case '>':
      return actual > value;
    case '<':
      return actual < value;
    case '!=':
      return actual !== value;
    default:
      return actual === value;
  }
}

function fmt(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toPrecision(6))) : String(value);
}

export function judgeThresholds(
  metrics: Record<string, number>,
  conditions: string[],
): ThresholdResult[] {
  const out: ThresholdResult[] = [];
  for (const condition of conditions)
    for (const { key, op, value } of parseTestCondition(condition)) {
      const actual = metrics[key];
      const expected = `${op} ${value}`;
      const known = Object.keys(metrics);
      if (typeof actual !== 'number' || Number.isNaN(actual)) {
        const near = known
          .filter((k) => k.startsWith(key.split('.').slice(0, 2).join('.')))
          .slice(0, 8);
        out.push({
          condition: `${key} ${expected}`,
          key,
          passed: false,
          actual: null,
          expected,
          message: `the model test report has no ${actual === undefined ? '' : 'finite '}value ${key}${near.length ? ` (it has ${near.join(', ')})` : ''}`,
        });
        continue;
      }
      const passed = holds(actual, op, value);
      out.push({
        condition: `${key} ${expected}`,
        key,
        passed,
        actual,
        expected,
        message: passed
          ? `${key} is ${fmt(actual)} (needs ${expected})`
          : `${key} is ${fmt(actual)}; needs ${expected}`,
      });
    }
  return out;
}

/** The report as JSON text: NaN and ±Infinity become null (JSON has no such numbers). */
export function reportJson(report: ModelTestReport): string {
  return JSON.stringify(
    report,
    (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
    2,
  );
}

export function parseReport(text: string, where: string): ModelTestReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelTestError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
  const r = parsed as Partial<ModelTestReport> | null;
  if (!r || typeof r !== 'object' || r.format !== REPORT_FORMAT || !r.quality || !r.spec)
    throw new ModelTestError(`${where} is not a model test report (format ${REPORT_FORMAT})`);
  return r as ModelTestReport;
}
