/**
 * Model cards (Mitchell et al. 2019): generated from the registry, the source run and an
 * evaluation on the version's holdout set (overall and per slice of a column), plus the
 * parts people write (intended use, limitations), and rendered as markdown.
 */
import type { SyncRunStore } from '../store/types';
import { toWireNumber } from '../common/wire-number';
import { fmt, HOLDOUT_METRICS, loadHoldout, lowerIsBetter, type EvaluateVersion } from './gates';
import { defaultEvaluate, type Registry } from './registry';
import { loadVersionTests } from '../modeltest/stored';
import type { ModelTestReport } from '../modeltest/report';
import {
  RegistryError,
  type HoldoutEvaluation,
  type HoldoutMetric,
  type ModelCard,
  type ModelCardTests,
} from './types';

/** NaN (stored as null in JSON) stays NaN in the card. */
const n = (v: number | null | undefined): number => (typeof v === 'number' ? v : NaN);

export function cardTests(report: ModelTestReport): ModelCardTests {
  const r = report.robustness;
  return {
    createdAt: report.createdAt,
    rows: report.rows,
    metric: report.quality.metric,
    quality: n(report.quality.value),
    robustness: r
      ? [...r.noise, ...r.fgsm, ...r.missing, ...r.flips].map((p) => ({
          name: p.name,
          value: n(p.value),
        }))
      : [],
    fairness: (report.fairness?.columns ?? []).map((c) => {
      const worst =
        c.classes.find((k) => k.positive === c.worst_class.parity_ratio) ?? c.classes[0];
      return {
        column: c.column,
        positive: worst?.positive ?? '',
        demographicParityDifference: n(c.demographic_parity_difference),
        demographicParityRatio: n(c.demographic_parity_ratio),
        equalizedOddsDifference: n(c.equalized_odds_difference),
        fourFifthsViolated: c.four_fifths_violated,
        groups: (worst?.groups ?? []).map((g) => ({
          group: g.group,
          count: g.count,
          selectionRate: n(g.selection_rate),
          accuracy: n(g.accuracy),
          tpr: n(g.tpr),
          fpr: n(g.fpr),
        })),
      };
    }),
    importance: (report.importance?.features ?? []).map((f) => ({
      feature: f.feature,
      mean: n(f.mean),
      std: n(f.std),
    })),
    mutationScore: report.mutation ? n(report.mutation.score) : null,
    crossValidation: report.crossValidation
      ? {
          k: report.crossValidation.k,
          metric: report.crossValidation.metric,
          mean: n(report.crossValidation.mean),
          std: n(report.crossValidation.std),
          gap: n(report.crossValidation.gap),
        }
      : null,
  };
}

/** Holdouts smaller than this get a caveat: their metrics are too uncertain to lean on. */
export const SMALL_HOLDOUT_ROWS = 50;
/** A slice whose accuracy is more than this below overall is named in the caveats. */
export const SLICE_GAP = 0.05;

export interface BuildCardOptions {
  /** A column of the holdout set to break the metrics down by (e.g. `island`). */
  sliceColumn?: string;
  evaluate?: EvaluateVersion;
  onProgress?: (event: { phase: 'start' | 'done'; label: string }) => void;
}

function caveatsOf(card: Omit<ModelCard, 'caveats'>, evaluationError: string | null): string[] {
  const caveats: string[] = [];
  const holdout = card.metrics.holdout;
  if (evaluationError)
    caveats.push(
      `The holdout set could not be evaluated (${evaluationError}); the metrics are the training run's own.`,
    );
  else if (!holdout) {
    caveats.push(
      'No holdout set was stored with this version: the only metrics are those the training run logged, not measured on held-out data.',
    );
  }
  if (holdout && holdout.rows < SMALL_HOLDOUT_ROWS) {
    caveats.push(
      `The holdout set has only ${holdout.rows} rows (under ${SMALL_HOLDOUT_ROWS}): its metrics are uncertain.`,
    );
  }
  const overall = holdout?.metrics.accuracy;
  if (holdout?.slices && typeof overall === 'number') {
    for (const group of holdout.slices.groups) {
      const acc = group.metrics.accuracy;
      if (typeof acc === 'number' && overall - acc > SLICE_GAP) {
        caveats.push(
          `Accuracy on ${holdout.slices.column} = ${JSON.stringify(group.value)} (${group.rows} rows) is ${fmt(acc)}, ${fmt(overall - acc)} below the overall ${fmt(overall)}: the model serves this group worse.`,
        );
      }
    }
  }
  if (card.stage === 'Production')
    caveats.push(
      `This version is in Production: it is the one \`${card.name}@production\` loads, and a change to it affects everything that uses it.`,
    );
  if (card.stage === 'Archived')
    caveats.push(
      'This version is Archived: it has been replaced or retired and should not be used for new work.',
    );
  return caveats;
}

export async function buildModelCard(
  store: SyncRunStore,
  registry: Registry,
  name: string,
  version: number,
  options: BuildCardOptions = {},
): Promise<ModelCard> {
  const v = registry.requireVersion(name, version);
  const run = store.getRun(v.runId);
  if (!run)
    throw new RegistryError(
      'NOT_FOUND',
      `the source run ${v.runId} of ${name} v${version} is missing from ${store.location}`,
    );
  const sliceColumn = options.sliceColumn?.trim() || undefined;
  if (sliceColumn !== undefined) {
    if (!v.holdout)
      throw new RegistryError(
        'INVALID',
        `${name} v${version} has no holdout set to slice by ${JSON.stringify(sliceColumn)}`,
      );
    if (v.holdout.columns.length && !v.holdout.columns.includes(sliceColumn)) {
      throw new RegistryError(
        'INVALID',
        `the holdout set of ${name} v${version} has no column ${JSON.stringify(sliceColumn)} (columns: ${v.holdout.columns.join(', ')})`,
      );
    }
  }
  let holdout: HoldoutEvaluation | null = null;
  let evaluationError: string | null = null;
  if (v.holdout) {
    const evaluate = options.evaluate ?? defaultEvaluate;
    const label = `Evaluating ${name} v${version} on its holdout (${v.holdout.rows} rows${sliceColumn ? `, by ${sliceColumn}` : ''})`;
    options.onProgress?.({ phase: 'start', label });
    try {
      holdout = await evaluate(store, v, { sliceColumn, holdout: loadHoldout(store, v) });
    } catch (error) {
      evaluationError = (error as Error).message;
    } finally {
      options.onProgress?.({ phase: 'done', label });
    }
  }
  const card: Omit<ModelCard, 'caveats'> = {
    name: v.name,
    version: v.version,
    stage: v.stage,
    aliases: v.aliases,
    details: {
      description: v.description,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      runId: run.id,
      runName: run.name,
      experiment: run.experimentName,
      gitCommit: run.gitCommit,
      framework: 'TensorFlow.js',
      signature: v.signature,
    },
    intendedUse: v.intendedUse,
    limitations: v.limitations,
    trainingData: { params: store.getParams(run.id), datasets: [] },
    metrics: {
      run: Object.fromEntries(
        Object.entries(store.latestMetrics(run.id)).map(([k, m]) => [k, toWireNumber(m.value)]),
      ),
      holdout,
    },
  };
  let tests: ModelCardTests | null = null;
  const caveats = caveatsOf(card, evaluationError);
  try {
    const report = loadVersionTests(store, v);
    if (report) {
      tests = cardTests(report);
      for (const f of tests.fairness)
        if (f.fourFifthsViolated)
          caveats.push(
            `Selection rates by ${f.column} fail the four-fifths rule: the demographic parity ratio is ${fmt(f.demographicParityRatio)} (class ${f.positive}).`,
          );
    }
  } catch (error) {
    caveats.push(`The model test report could not be read (${(error as Error).message}).`);
  }
  return { ...card, caveats, tests };
}

// ---- markdown ----

/** Text for a table cell: pipes escaped, line breaks as <br>, HTML and markdown specials neutralized. */
export function cell(text: unknown): string {
  return String(text ?? '')
    .replace(/\\/g, '\\\\')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/([*`[\]])/g, '\\$1')
    .replace(/\r\n|\r|\n/g, '<br>');
}

/** A code span (ids, commits): backticks cannot end it early, pipes cannot split the table. */
function code(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``;
}

/** Inline text outside tables (names in headings and lists): one line, specials escaped. */
function inline(text: unknown): string {
  return cell(text).replace(/<br>/g, ' ').replace(/^#/, '\\#');
}

/** Paragraphs people wrote (intended use, limitations): kept as markdown, raw HTML neutralized. */
function prose(text: string | null, missing: string): string {
  return text ? text.replace(/</g, '&lt;').trim() : `_${missing}_`;
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => ' --- ').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function metricValue(value: number | string | undefined): string {
  if (value === undefined) return '–';
  return typeof value === 'number' ? fmt(value) : value;
}

function holdoutMetricsOf(evaluation: HoldoutEvaluation): HoldoutMetric[] {
  const present = new Set<HoldoutMetric>();
  for (const m of Object.keys(evaluation.metrics) as HoldoutMetric[]) present.add(m);
  for (const g of evaluation.slices?.groups ?? [])
    for (const m of Object.keys(g.metrics) as HoldoutMetric[]) present.add(m);
  return HOLDOUT_METRICS.filter((m) => present.has(m));
}

export function modelCardMarkdown(card: ModelCard): string {
  const d = card.details;
  const out: string[] = [];
  out.push(`# Model card: ${inline(card.name)} v${card.version}`);
  out.push(
    `Stage: **${card.stage}**${card.aliases.length ? ` · aliases: ${card.aliases.map(code).join(', ')}` : ''}`,
  );

  out.push('## Model details');
  const sig = d.signature;
  const detailRows: string[][] = [
    ['Description', cell(d.description ?? '–')],
    ['Version', String(card.version)],
    [
      'Registered',
      `${new Date(d.createdAt).toISOString().replace('T', ' ').slice(0, 16)} UTC by ${cell(d.createdBy)}`,
    ],
    ['Source run', `${cell(d.runName)} (${code(d.runId)}) in experiment ${cell(d.experiment)}`],
    ['Git commit', d.gitCommit ? code(d.gitCommit) : '–'],
    ['Framework', cell(d.framework)],
  ];
  if (sig) {
    detailRows.push(['Task', cell(sig.task)]);
    detailRows.push([
      'Inputs',
      cell(
        sig.features.length
          ? sig.features.map((f) => `${f.name} (${f.dtype})`).join(', ')
          : JSON.stringify(sig.inputShape),
      ),
    ]);
    detailRows.push([
      'Outputs',
      cell(
        sig.labels?.length ? `classes: ${sig.labels.join(', ')}` : JSON.stringify(sig.outputShape),
      ),
    ]);
  }
  out.push(table(['', ''], detailRows));

  out.push('## Intended use');
  out.push(
    prose(
      card.intendedUse,
      'Not written yet: who should use this model, for what, and what it is not for.',
    ),
  );
  out.push('## Limitations');
  out.push(
    prose(card.limitations, 'Not written yet: known failure modes, data it was not trained on.'),
  );

  out.push('## Training data');
  const params = Object.entries(card.trainingData.params).sort(([a], [b]) => a.localeCompare(b));
  out.push(
    params.length
      ? `Training configuration (params of the source run):\n\n${table(
          ['param', 'value'],
          params.map(([k, v]) => [cell(k), cell(v)]),
        )}`
      : '_The source run logged no params._',
  );
  out.push(
    card.trainingData.datasets.length
      ? table(
          ['data set', 'role', 'rows', 'fingerprint'],
          card.trainingData.datasets.map((s) => [
            cell(s.name),
            cell(s.role),
            s.rows === null ? '–' : String(s.rows),
            code(s.fingerprint.slice(0, 12)),
          ]),
        )
      : '_No data sets were recorded with the run._',
  );

  out.push('## Metrics');
  out.push('### Source run (latest values)');
  const runMetrics = Object.entries(card.metrics.run).sort(([a], [b]) => a.localeCompare(b));
  out.push(
    runMetrics.length
      ? table(
          ['metric', 'value'],
          runMetrics.map(([k, v]) => [cell(k), metricValue(v)]),
        )
      : '_The source run logged no metrics._',
  );
  const h = card.metrics.holdout;
  if (h) {
    const metrics = holdoutMetricsOf(h);
    out.push(`### Holdout set (${h.rows} rows)`);
    out.push(
      table(
        ['metric', 'value'],
        metrics.map((m) => [
          `${m}${lowerIsBetter(m) ? ' (lower is better)' : ''}`,
          metricValue(h.metrics[m]),
        ]),
      ),
    );
    if (h.slices) {
      out.push(`### By ${inline(h.slices.column)}`);
      out.push(
        table(
          [cell(h.slices.column), 'rows', ...metrics],
          h.slices.groups.map((g) => [
            cell(g.value),
            String(g.rows),
            ...metrics.map((m) => metricValue(g.metrics[m])),
          ]),
        ),
      );
    }
  } else {
    out.push('_No holdout evaluation._');
  }

  out.push('## Model Tests');
  out.push(
    card.tests
      ? modelTestsMarkdown(card.tests)
      : '_No model test report is stored with this version (`labbook test-model`)._',
  );

  out.push('## Caveats');
  out.push(
    card.caveats.length
      ? card.caveats.map((c) => `- ${c.replace(/</g, '&lt;').replace(/\r?\n/g, ' ')}`).join('\n')
      : '_None found._',
  );
  return `${out.join('\n\n')}\n`;
}

function modelTestsMarkdown(t: ModelCardTests): string {
  const out: string[] = [];
  out.push(
    `On ${t.rows} rows, ${new Date(t.createdAt).toISOString().replace('T', ' ').slice(0, 16)} UTC: ${cell(t.metric)} ${metricValue(t.quality)}${t.mutationScore === null ? '' : ` · mutation adequacy ${metricValue(t.mutationScore)}`}`,
  );
  if (t.robustness.length)
    out.push(
      `### Robustness\n\n${table(
        ['perturbation', cell(t.metric)],
        t.robustness.map((r) => [cell(r.name), metricValue(r.value)]),
      )}`,
    );
  for (const f of t.fairness)
    out.push(
      `### Fairness by ${inline(f.column)}\n\nDemographic parity difference ${metricValue(f.demographicParityDifference)}, ratio ${metricValue(f.demographicParityRatio)}${f.fourFifthsViolated ? ' (**below four-fifths**)' : ''}, equalized-odds difference ${metricValue(f.equalizedOddsDifference)}; groups for positive class ${cell(f.positive)}:\n\n${table(
        [cell(f.column), 'count', 'selection rate', 'accuracy', 'TPR', 'FPR'],
        f.groups.map((g) => [
          cell(g.group),
          String(g.count),
          metricValue(g.selectionRate),
          metricValue(g.accuracy),
          metricValue(g.tpr),
          metricValue(g.fpr),
        ]),
      )}`,
    );
  if (t.importance.length)
    out.push(
      `### Permutation importance\n\n${table(
        ['feature', 'mean', 'std'],
        t.importance.map((i) => [cell(i.feature), metricValue(i.mean), metricValue(i.std)]),
      )}`,
    );
  if (t.crossValidation)
    out.push(
      `### Cross-validation\n\n${t.crossValidation.k} folds: ${cell(t.crossValidation.metric)} ${metricValue(t.crossValidation.mean)} ± ${metricValue(t.crossValidation.std)}, train-to-holdout gap ${metricValue(t.crossValidation.gap)}`,
    );
  return out.join('\n\n');
}
