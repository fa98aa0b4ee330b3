/**
 * The report as escaped HTML (inline in a notebook, `labbook test-model --html`) and as
 * vega-lite charts (quality against perturbation, importance, attributions). Every text
 * from the data or the model goes through escapeHtml; no scripts, styles inline only.
 */
import { escapeHtml, htmlPage } from '../html-report';
import type { Explanation } from './explain';
import type { ModelTestReport } from './report';

const num = (v: number | null | undefined) =>
  typeof v === 'number' && Number.isFinite(v) ? String(Number(v.toPrecision(4))) : '–';

function table(header: string[], rows: string[][]): string {
  return `<table><tr>${header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`)
    .join('')}</table>`;
}

export function modelTestHtmlBody(report: ModelTestReport): string {
  const out: string[] = [];
  const metric = report.quality.metric;
  out.push(
    `<p>${escapeHtml(report.model ?? 'model')} on ${report.rows} rows (label ${escapeHtml(report.label)}): ${escapeHtml(metric)} ${num(report.quality.value)}; seed ${report.seed}.</p>`,
  );
  if (report.thresholds?.length)
    out.push(
      `<h2>Thresholds</h2>${table(
        ['condition', 'result', ''],
        report.thresholds.map((t) => [
          escapeHtml(t.condition),
          t.passed ? 'pass' : '<b>FAIL</b>',
          escapeHtml(t.message),
        ]),
      )}`,
    );
  const r = report.robustness;
  if (r) {
    out.push(`<h2>Robustness (${escapeHtml(metric)}; clean ${num(r.clean)})</h2>`);
    out.push(
      table(
        ['perturbation', metric, 'change'],
        [...r.noise, ...r.fgsm, ...r.missing, ...r.flips].map((p) => [
          escapeHtml(p.name),
          num(p.value),
          num(p.change),
        ]),
      ),
    );
    out.push(
      `<p>Missing features are imputed with the ${r.imputation === 'reference' ? 'training' : 'test data'} mean (numeric) or mode (categorical). ${r.skipped.map(escapeHtml).join('; ')}</p>`,
    );
  }
  if (report.fairness) {
    out.push(`<h2>Fairness (positive: ${escapeHtml(report.fairness.positive)})</h2>`);
    for (const c of report.fairness.columns) {
      out.push(
        `<h3>By ${escapeHtml(c.column)}: parity difference ${num(c.demographic_parity_difference)}, parity ratio ${num(c.demographic_parity_ratio)}${c.four_fifths_violated ? ' <b>(below four-fifths)</b>' : ''}, equalized-odds difference ${num(c.equalized_odds_difference)}</h3>`,
      );
      for (const k of c.classes)
        out.push(
          table(
            [c.column, 'count', `selection rate (${k.positive})`, 'accuracy', 'TPR', 'FPR'],
            k.groups.map((g) => [
              escapeHtml(g.group),
              String(g.count),
              num(g.selection_rate),
              num(g.accuracy),
              num(g.tpr),
              num(g.fpr),
            ]),
          ),
        );
    }
  }
  if (report.importance)
    out.push(
      `<h2>Permutation importance (${escapeHtml(report.importance.score)} drop, ${report.importance.repeats} repeats)</h2>${table(
        ['feature', 'mean', 'std'],
        report.importance.features.map((f) => [escapeHtml(f.feature), num(f.mean), num(f.std)]),
      )}`,
    );
  if (report.explanations?.length)
    out.push(
      `<h2>Integrated gradients (first ${report.explanations.length} rows)</h2>${table(
        ['row', 'class', ...report.spec.features, 'completeness gap'],
        report.explanations.map((e, i) => [
          String(i),
          escapeHtml(e.target),
          ...e.attributions.map(num),
          `${num(e.completenessGap)}${e.complete ? '' : ' <b>(over tolerance)</b>'}`,
        ]),
      )}`,
    );
  const cv = report.crossValidation;
  if (cv)
    out.push(
      `<h2>Cross-validation (${cv.k} folds${cv.stratified ? ', stratified' : ''})</h2><p>${escapeHtml(cv.metric)} ${num(cv.mean)} ± ${num(cv.std)}; train ${num(cv.trainMean)}; train-to-holdout gap ${num(cv.gap)}</p>${
        cv.slices
          ? table(
              [cv.slices.column, 'rows', cv.metric],
              cv.slices.groups.map((g) => [escapeHtml(g.value), String(g.rows), num(g.score)]),
            )
          : ''
      }`,
    );
  const m = report.mutation;
  if (m)
    out.push(
      `<h2>Mutation adequacy: ${num(m.score)} (${m.killed} of ${m.mutants.length} mutants killed)</h2>${table(
        ['operator', 'mutants', 'killed', 'score'],
        Object.entries(m.byOperator).map(([op, o]) => [
          escapeHtml(op),
          String(o.mutants),
          String(o.killed),
          num(o.score),
        ]),
      )}${m.skipped.length ? `<p>${m.skipped.map(escapeHtml).join('; ')}</p>` : ''}`,
    );
  return out.join('\n');
}

export function modelTestHtml(report: ModelTestReport): string {
  return htmlPage(
    `Model tests: ${report.model ?? 'model'}`,
    'h2{margin-top:24px}',
    modelTestHtmlBody(report),
  );
}

/** Quality against perturbation strength: Gaussian noise and FGSM ε, one line each. */
export function robustnessChart(report: ModelTestReport): Record<string, unknown> | null {
  const r = report.robustness;
  if (!r) return null;
  const values = [
    { kind: 'Gaussian noise (× std)', level: 0, value: r.clean },
    ...r.noise.map((p) => ({ kind: 'Gaussian noise (× std)', level: p.level, value: p.value })),
    { kind: 'FGSM ε (× std)', level: 0, value: r.clean },
    ...r.fgsm.map((p) => ({ kind: 'FGSM ε (× std)', level: p.level, value: p.value })),
  ];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${r.metric} under perturbation`,
    width: 360,
    height: 200,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'level', type: 'quantitative', title: 'perturbation strength' },
      y: { field: 'value', type: 'quantitative', title: r.metric },
      color: { field: 'kind', type: 'nominal', title: null },
    },
  };
}

export function importanceChart(report: ModelTestReport): Record<string, unknown> | null {
  const imp = report.importance;
  if (!imp) return null;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: 'Permutation importance',
    width: 360,
    data: {
      values: imp.features.map((f) => ({
        feature: f.feature,
        mean: f.mean,
        lo: f.mean - f.std,
        hi: f.mean + f.std,
      })),
    },
    layer: [
      {
        mark: 'bar',
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: '-x', title: null },
          x: { field: 'mean', type: 'quantitative', title: `${imp.score} drop` },
        },
      },
      {
        mark: 'rule',
        encoding: {
          y: { field: 'feature', type: 'nominal', sort: '-x' },
          x: { field: 'lo', type: 'quantitative' },
          x2: { field: 'hi' },
        },
      },
    ],
  };
}

export function explanationChart(e: Explanation): Record<string, unknown> {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `Integrated gradients for ${e.target} (f(x) ${num(e.output)}, baseline ${num(e.baselineOutput)}, gap ${num(e.completenessGap)})`,
    width: 360,
    data: {
      values: e.features.map((feature, j) => ({
        feature,
        attribution: e.attributions[j],
        value: e.values[j],
      })),
    },
    mark: 'bar',
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: null, title: null },
      x: { field: 'attribution', type: 'quantitative' },
      color: { condition: { test: 'datum.attribution < 0', value: '#c0392b' }, value: '#2e86c1' },
      tooltip: [{ field: 'feature' }, { field: 'value' }, { field: 'attribution' }],
    },
  };
}
