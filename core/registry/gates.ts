/**
 * Promotion gates: `.labbook/gates/<model name>.json` next to the store (see GatesConfig in
 * types.ts), read and validated here, and judged for one version at promotion time.
 *
 * - `metrics`: conditions in the runs search language, judged on the version's source run
 *   (one GateResult per clause, with the run's value and the threshold).
 * - `notWorseThanProduction`: the candidate and the current Production version are both
 *   evaluated on the CANDIDATE's holdout set; the candidate passes when it is at most
 *   `tolerance` worse (rmse/mae: lower is better).
 */
import { storeFilesDir } from '../store/location';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { encodedJsonFileName, encodedJsonPath, writeJsonAtomic } from '../named-files';
import type { SyncRunStore } from '../store/types';
import { parseFilter, SearchSyntaxError, type Clause } from '../search/parse';
import { judgeThresholds, parseTestCondition, reportMetrics } from '../modeltest/report';
import { loadVersionTests } from '../modeltest/stored';
import {
  RegistryError,
  STAGES,
  type GateResult,
  type GatesConfig,
  type Holdout,
  type HoldoutEvaluation,
  type HoldoutMetric,
  type ModelVersion,
  type StageGates,
} from './types';

export const HOLDOUT_METRICS: readonly HoldoutMetric[] = ['accuracy', 'f1_macro', 'rmse', 'mae'];
const LOWER_IS_BETTER: ReadonlySet<HoldoutMetric> = new Set(['rmse', 'mae']);

export function lowerIsBetter(metric: HoldoutMetric): boolean {
  return LOWER_IS_BETTER.has(metric);
}

/** How `evaluateVersion` (core/registry/evaluate.ts) is called; injectable for tests. */
export type EvaluateVersion = (
  store: SyncRunStore,
  version: ModelVersion,
  options?: { sliceColumn?: string; holdout?: Holdout },
) => Promise<HoldoutEvaluation>;

// ---- the file ----

/** A model name as a file name that stays inside the gates folder (see core/named-files.ts). */
export const gatesFileName = encodedJsonFileName;

/** `<folder of the store>/gates/<encoded name>.json`, e.g. `.labbook/gates/penguins.json`. */
export function gatesPath(storeLocation: string, name: string): string {
  if (typeof name !== 'string' || name === '')
    throw new RegistryError('INVALID', 'model name must be a non-empty string');
  const folder = resolve(storeFilesDir(storeLocation), 'gates');
  return encodedJsonPath(
    folder,
    name,
    () =>
      new RegistryError(
        'INVALID',
        `model name ${JSON.stringify(name)} cannot be used as a gates file name`,
      ),
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'string'
    ? `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
    : `${typeof value} ${typeof value === 'object' ? '' : String(value)}`.trim();
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(where: string, field: string, problem: string): RegistryError {
  return new RegistryError('INVALID', `${where}: ${field} ${problem}`);
}

function validateStageGates(value: unknown, field: string, where: string): StageGates {
  if (!isPlainObject(value))
    throw invalid(where, field, `must be an object, got ${describe(value)}`);
  for (const key of Object.keys(value)) {
    if (key !== 'metrics' && key !== 'notWorseThanProduction') {
      throw invalid(
        where,
        `${field}.${key}`,
        'is not a known gate (expected "metrics" or "notWorseThanProduction")',
      );
    }
  }
  const out: StageGates = {};
  if (value.metrics !== undefined) {
    if (!Array.isArray(value.metrics))
      throw invalid(
        where,
        `${field}.metrics`,
        `must be an array of conditions, got ${describe(value.metrics)}`,
      );
    out.metrics = value.metrics.map((condition, i) => {
      const at = `${field}.metrics[${i}]`;
      if (typeof condition !== 'string' || condition.trim() === '') {
        throw invalid(
          where,
          at,
          `must be a non-empty condition such as "metrics.val_acc >= 0.9", got ${describe(condition)}`,
        );
      }
      if (isTestCondition(condition)) {
        try {
          parseTestCondition(condition);
        } catch (error) {
          throw invalid(where, at, `does not parse: ${(error as Error).message}`);
        }
        return condition;
      }
      let clauses: Clause[];
      try {
        clauses = parseFilter(condition);
      } catch (error) {
        if (error instanceof SearchSyntaxError)
          throw invalid(where, at, `does not parse: ${error.message}`);
        throw error;
      }
      // A gate reports the run's value next to each condition: a latest value or attribute.
      const unjudged = clauses.find(
        (c) => c.aggregate || c.entity === 'datasets' || c.value === null,
      );
      if (unjudged) {
        throw invalid(
          where,
          at,
          `compares a run's latest metrics, params, tags and attributes; ${clauseText(unjudged)} is not supported in a gate`,
        );
      }
      return condition;
    });
  }
  const nwtp = value.notWorseThanProduction;
  if (nwtp === null) out.notWorseThanProduction = null;
  else if (nwtp !== undefined) {
    const at = `${field}.notWorseThanProduction`;
    if (!isPlainObject(nwtp))
      throw invalid(
        where,
        at,
        `must be an object such as { "metric": "accuracy", "tolerance": 0.01 } or null, got ${describe(nwtp)}`,
      );
    for (const key of Object.keys(nwtp)) {
      if (key !== 'metric' && key !== 'tolerance')
        throw invalid(where, `${at}.${key}`, 'is not known (expected "metric" and "tolerance")');
    }
    if (
      typeof nwtp.metric !== 'string' ||
      !(HOLDOUT_METRICS as readonly string[]).includes(nwtp.metric)
    ) {
      throw invalid(
        where,
        `${at}.metric`,
        `must be one of ${HOLDOUT_METRICS.join(', ')}, got ${describe(nwtp.metric)}`,
      );
    }
    const tolerance = nwtp.tolerance === undefined ? 0 : nwtp.tolerance;
    if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0) {
      throw invalid(
        where,
        `${at}.tolerance`,
        `must be a number >= 0, got ${describe(nwtp.tolerance)}`,
      );
    }
    out.notWorseThanProduction = { metric: nwtp.metric as HoldoutMetric, tolerance };
  }
  return out;
}

/**
 * A condition on the version's model test report (core/modeltest), e.g.
 * `tests.fairness.Sex.demographic_parity_ratio >= 0.8`, rather than on its source run.
 */
export function isTestCondition(condition: string): boolean {
  return /^\s*`?tests\./.test(condition);
}

/** Judges `tests.*` conditions on the version's stored model test report. */
function judgeTestCondition(
  store: SyncRunStore,
  version: ModelVersion,
  condition: string,
): GateResult[] {
  const who = `${version.name} v${version.version}`;
  let report: ReturnType<typeof loadVersionTests>;
  try {
    report = loadVersionTests(store, version);
  } catch (error) {
    return parseTestCondition(condition).map((c) => ({
      gate: `${c.key} ${c.op} ${c.value}`,
      passed: false,
      actual: null,
      expected: `${c.op} ${c.value}`,
      message: (error as Error).message,
    }));
  }
  if (!report)
    return parseTestCondition(condition).map((c) => ({
      gate: `${c.key} ${c.op} ${c.value}`,
      passed: false,
      actual: null,
      expected: `${c.op} ${c.value}`,
      message: `${who} has no model test report, so ${c.key} cannot be judged; run \`labbook test-model ${version.name}/${version.version} --data FILE --label COL\` or lab.testModel(…, { version }) first`,
    }));
  const when = new Date(report.createdAt).toISOString().replace('T', ' ').slice(0, 16);
  return judgeThresholds(reportMetrics(report), [condition]).map((r) => ({
    gate: r.condition,
    passed: r.passed,
    actual: r.actual,
    expected: r.expected,
    message: `${r.message} (model test report of ${who}: ${report.rows} rows, ${when} UTC)`,
  }));
}

/** Checks a GatesConfig from a file or the wire; errors name the field (`production.metrics[1]`). */
export function validateGatesConfig(value: unknown, where = 'gates'): GatesConfig {
  if (!isPlainObject(value))
    throw new RegistryError(
      'INVALID',
      `${where}: must be an object with "staging" and/or "production", got ${describe(value)}`,
    );
  const out: GatesConfig = {};
  for (const key of Object.keys(value)) {
    if (key !== 'staging' && key !== 'production') {
      const hint =
        (STAGES as readonly string[]).map((s) => s.toLowerCase()).includes(key.toLowerCase()) &&
        key !== key.toLowerCase()
          ? ` (write "${key.toLowerCase()}")`
          : ' (expected "staging" or "production")';
      throw invalid(where, key, `is not a stage with gates${hint}`);
    }
  }
  if (value.staging !== undefined)
    out.staging = validateStageGates(value.staging, 'staging', where);
  if (value.production !== undefined)
    out.production = validateStageGates(value.production, 'production', where);
  return out;
}

/** The model's gates, or null when it has no gates file. */
export function readGates(storeLocation: string, name: string): GatesConfig | null {
  const path = gatesPath(storeLocation, name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new RegistryError(
      'INVALID',
      `cannot read the gates file ${path}: ${(error as Error).message}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RegistryError(
      'INVALID',
      `gates file ${path} is not valid JSON: ${(error as Error).message}`,
    );
  }
  return validateGatesConfig(parsed, `gates file ${path}`);
}

/** Validates and writes the file (atomically: temp file, then rename). Returns its path. */
export function saveGates(storeLocation: string, name: string, config: unknown): string {
  const path = gatesPath(storeLocation, name);
  const valid = validateGatesConfig(config, `gates of ${JSON.stringify(name)}`);
  writeJsonAtomic(path, valid);
  return path;
}

// ---- judging ----

/** Numbers in messages: up to 6 significant digits, no trailing zeros. */
export function fmt(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(6)));
}

function keyText(key: string): string {
  return /^[A-Za-z_][\w-]*(\.[\w-]+)*$/.test(key) ? key : `\`${key}\``;
}

function valueText(value: Clause['value']): string {
  if (value === null) return '';
  const one = (v: string | number) => (typeof v === 'number' ? String(v) : JSON.stringify(v));
  return Array.isArray(value) ? `(${value.map(one).join(', ')})` : one(value);
}

export function clauseText(clause: Clause): string {
  const name = `${clause.entity}.${keyText(clause.key)}`;
  const operand = clause.aggregate ? `${clause.aggregate}(${name})` : name;
  return `${operand} ${clause.comparator} ${valueText(clause.value)}`.trimEnd();
}

const ENTITY_NOUN: Record<Clause['entity'], string> = {
  metrics: 'metric',
  params: 'param',
  tags: 'tag',
  attributes: 'attribute',
  datasets: 'data set',
};

/** The run's value for the clause's key (metrics: latest value; NaN kept), undefined when absent. */
function actualOf(
  store: SyncRunStore,
  runId: string,
  clause: Clause,
  now: number,
): number | string | null | undefined {
  switch (clause.entity) {
    case 'metrics':
      return store.latestMetrics(runId)[clause.key]?.value;
    case 'params':
      return store.getParams(runId)[clause.key];
    case 'tags':
      return store.getTags(runId)[clause.key];
    default: {
      const run = store.getRun(runId);
      if (!run) return undefined;
      const attrs: Record<string, string | number | null> = {
        run_id: run.id,
        run_name: run.name,
        status: run.status,
        experiment: run.experimentName,
        start_time: run.startTime,
        end_time: run.endTime,
        duration:
          run.endTime !== null
            ? run.endTime - run.startTime
            : run.status === 'running'
              ? now - run.startTime
              : null,
      };
      return attrs[clause.key];
    }
  }
}

/** One clause of a `metrics` condition, judged by the same SQL as the runs search. */
export function judgeClause(store: SyncRunStore, runId: string, clause: Clause): GateResult {
  const gate = clauseText(clause);
  const expected = `${clause.comparator} ${valueText(clause.value)}`;
  const runIdClause: Clause = {
    entity: 'attributes',
    key: 'run_id',
    comparator: '=',
    value: runId,
    position: 0,
  };
  // One moment for the SQL and the number shown, should the clause name a running run's duration.
  const now = Date.now();
  const passed =
    store.countRuns({
      search: { clauses: [clause, runIdClause], now },
      includeDeleted: true,
    }) > 0;
  const actual = actualOf(store, runId, clause, now);
  const name = `${clause.entity}.${keyText(clause.key)}`;
  let message: string;
  if (actual === undefined || actual === null) {
    message = `the source run ${runId} has no ${ENTITY_NOUN[clause.entity]} ${JSON.stringify(clause.key)}, so ${gate} cannot hold`;
  } else {
    const shown = typeof actual === 'number' ? fmt(actual) : JSON.stringify(actual);
    message = passed
      ? `${name} is ${shown} (needs ${expected})`
      : `${name} is ${shown}; needs ${expected}`;
  }
  return { gate, passed, actual: typeof actual === 'number' ? actual : null, expected, message };
}

/** Reads the version's holdout set (artifact named in its HoldoutInfo) from its source run. */
export function loadHoldout(store: SyncRunStore, version: ModelVersion): Holdout {
  const info = version.holdout;
  if (!info)
    throw new RegistryError('INVALID', `${version.name} v${version.version} has no holdout set`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(store.readArtifact(version.runId, info.artifact).toString('utf8'));
  } catch (error) {
    throw new RegistryError(
      'INVALID',
      `cannot read the holdout set of ${version.name} v${version.version} (artifact ${info.artifact} of run ${version.runId}): ${(error as Error).message}`,
    );
  }
  if (Array.isArray(parsed)) return { rows: parsed as Holdout['rows'], label: info.label };
  const h = parsed as Partial<Holdout> | null;
  if (h && Array.isArray(h.rows))
    return { rows: h.rows, label: typeof h.label === 'string' ? h.label : info.label };
  throw new RegistryError(
    'INVALID',
    `the holdout artifact ${info.artifact} of ${version.name} v${version.version} holds neither rows nor { rows, label }`,
  );
}

export interface JudgeContext {
  store: SyncRunStore;
  evaluate: EvaluateVersion;
  /** Progress of slow steps (holdout evaluation), for the CLI's progress line. */
  onProgress?: (event: { phase: 'start' | 'done'; label: string }) => void;
}

async function notWorseThanProduction(
  ctx: JudgeContext,
  candidate: ModelVersion,
  production: ModelVersion | null,
  rule: { metric: HoldoutMetric; tolerance: number },
): Promise<GateResult> {
  const { metric, tolerance } = rule;
  const lower = lowerIsBetter(metric);
  const op = lower ? '<=' : '>=';
  if (!production) {
    return {
      gate: `not worse than Production on the holdout (${metric}, tolerance ${fmt(tolerance)})`,
      passed: true,
      actual: null,
      expected: 'a Production version',
      message: 'no Production version to compare with',
    };
  }
  const gate = `not worse than Production v${production.version} on the holdout (${metric}, tolerance ${fmt(tolerance)})`;
  const fail = (
    message: string,
    actual: number | null = null,
    expected = `${op} Production v${production.version} ${lower ? '+' : '-'} ${fmt(tolerance)}`,
  ): GateResult => ({ gate, passed: false, actual, expected, message });
  if (!candidate.holdout) {
    return fail(
      `v${candidate.version} has no holdout set to compare with Production v${production.version} on; register it with a holdout (run.logModel(model, { holdout }))`,
    );
  }
  const label = `Evaluating v${candidate.version} and Production v${production.version} on v${candidate.version}'s holdout (${candidate.holdout.rows} rows)`;
  ctx.onProgress?.({ phase: 'start', label });
  let cand: HoldoutEvaluation;
  let prod: HoldoutEvaluation;
  try {
    const holdout = loadHoldout(ctx.store, candidate);
    cand = await ctx.evaluate(ctx.store, candidate, { holdout });
    prod = await ctx.evaluate(ctx.store, production, { holdout });
  } catch (error) {
    return fail(`could not evaluate on the holdout: ${(error as Error).message}`);
  } finally {
    ctx.onProgress?.({ phase: 'done', label });
  }
  const c = cand.metrics[metric];
  const p = prod.metrics[metric];
  if (typeof c !== 'number' || Number.isNaN(c))
    return fail(
      `${metric} of v${candidate.version} could not be computed on the holdout (is it the right metric for this task?)`,
    );
  if (typeof p !== 'number' || Number.isNaN(p))
    return fail(
      `${metric} of Production v${production.version} could not be computed on v${candidate.version}'s holdout`,
      c,
    );
  const bound = lower ? p + tolerance : p - tolerance;
  // A hair of slack so 0.95 vs 0.96 - 0.01 is not lost to binary rounding.
  const eps = 1e-9 * Math.max(1, Math.abs(bound));
  const passed = lower ? c <= bound + eps : c >= bound - eps;
  const expected = `${op} ${fmt(bound)} (v${production.version} ${fmt(p)} ${lower ? '+' : '-'} ${fmt(tolerance)})`;
  const better = lower ? 'lower is better' : 'higher is better';
  const message = passed
    ? `${metric} of v${candidate.version} is ${fmt(c)}, Production v${production.version} has ${fmt(p)} on the same ${cand.rows} rows (${better}, tolerance ${fmt(tolerance)})`
    : `${metric} of v${candidate.version} is ${fmt(c)}, worse than Production v${production.version}'s ${fmt(p)} by more than the tolerance ${fmt(tolerance)} on the same ${cand.rows} rows (${better}; needs ${expected})`;
  return { gate, passed, actual: c, expected, message };
}

/** Every gate of one stage for a version; `production` is the current Production version other than it. */
export async function judgeGates(
  ctx: JudgeContext,
  version: ModelVersion,
  gates: StageGates | undefined,
  production: ModelVersion | null,
): Promise<GateResult[]> {
  const results: GateResult[] = [];
  for (const condition of gates?.metrics ?? []) {
    if (isTestCondition(condition)) {
      results.push(...judgeTestCondition(ctx.store, version, condition));
      continue;
    }
    for (const clause of parseFilter(condition))
      results.push(judgeClause(ctx.store, version.runId, clause));
  }
  if (gates?.notWorseThanProduction)
    results.push(
      await notWorseThanProduction(ctx, version, production, gates.notWorseThanProduction),
    );
  return results;
}

/** `2 of 3 gates failed for …:` then one line per failing gate with its numbers. */
export function describeFailures(
  name: string,
  version: number,
  to: string,
  results: GateResult[],
): string {
  const failing = results.filter((r) => !r.passed);
  const lines = failing.map((r) => `  - ${r.gate}: ${r.message}`);
  return `Promotion of ${name} v${version} to ${to} refused: ${failing.length} of ${results.length} gate${results.length === 1 ? '' : 's'} failed:\n${lines.join('\n')}`;
}
