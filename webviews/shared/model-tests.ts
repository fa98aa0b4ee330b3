/**
 * The "Model tests" section of the model card and the registry panel: the stored model test report's quality,
 * robustness (table and chart of quality against perturbation size), fairness per sensitive
 * column, permutation importance, cross-validation and mutation score. Every name from the
 * report (features, groups, columns) is set as text.
 */
import { formatMetric } from '../../core/common/format';
import type { ModelCardTests } from '../../core/registry/types';
import { el, section, table } from './dom';

/** NaN crosses postMessage as null (JSON); both show as a dash. */
function num(v: number | null | undefined): string {
  return typeof v === 'number' && Number.isFinite(v) ? formatMetric(v) : '–';
}

export const TEST_MODEL_COMMAND = 'labbook test-model NAME/VERSION --data FILE --label COL';

export interface Perturbation {
  kind: 'noise' | 'fgsm' | 'missing' | 'flips' | 'other';
  /** Noise σ / FGSM ε / flip share, or the missing feature's name. */
  level: number | string;
  value: number;
}

const KIND_LABEL: Record<Perturbation['kind'], string> = {
  noise: 'Gaussian noise σ',
  fgsm: 'FGSM ε',
  missing: 'missing feature',
  flips: 'category flips',
  other: 'perturbation',
};

/** `noise_0.1`, `fgsm_0.05`, `missing_<feature>` (the feature may hold underscores), `flips_0.1`. */
export function perturbation(name: string, value: number): Perturbation {
  const m = /^(noise|fgsm|missing|flips?)_(.*)$/.exec(name);
  if (!m) return { kind: 'other', level: name, value };
  const kind = (m[1] === 'flip' ? 'flips' : m[1]) as Perturbation['kind'];
  const level = kind === 'missing' || !Number.isFinite(Number(m[2])) ? m[2] : Number(m[2]);
  return { kind, level, value };
}

export function noTestsLine(): HTMLElement {
  return el(
    'p',
    { className: 'empty no-tests' },
    'No model test report is stored with this version. Make one with ',
    el('code', { text: TEST_MODEL_COMMAND }),
    '.',
  );
}

/** The section, and the chart spec to draw into its `.chart-body` once it is in the page. */
export function testsSection(t: ModelCardTests): {
  node: HTMLElement;
  chart?: { target: HTMLElement; spec: Record<string, unknown> };
} {
  const parts: Node[] = [];
  parts.push(
    el(
      'p',
      { className: 'tests-summary' },
      el('span', { className: 'quality', text: `${t.metric} ${num(t.quality)}` }),
      el('span', {
        className: 'sub',
        text: ` on ${t.rows} rows · tested ${new Date(t.createdAt).toISOString().slice(0, 16).replace('T', ' ')}`,
      }),
    ),
  );

  // Robustness.
  const perturbations = t.robustness.map((p) => perturbation(p.name, p.value));
  let chart: { target: HTMLElement; spec: Record<string, unknown> } | undefined;
  if (perturbations.length) {
    const rows = perturbations.map((p) => {
      const drop =
        Number.isFinite(p.value) && Number.isFinite(t.quality) ? p.value - t.quality : NaN;
      return [
        KIND_LABEL[p.kind],
        typeof p.level === 'number' ? String(p.level) : el('span', { text: p.level }),
        el('span', { className: 'num', text: num(p.value) }),
        el('span', {
          className: drop < -0.05 ? 'num drop' : 'num',
          text: Number.isFinite(drop) ? (drop > 0 ? '+' : '') + formatMetric(drop) : '–',
        }),
      ];
    });
    const robustPart = el(
      'div',
      {},
      el('h3', { text: 'Robustness' }),
      table(['perturbation', 'level', t.metric, `Δ vs ${num(t.quality)}`], rows, 'robustness'),
    );
    const points = perturbations
      .filter(
        (p) =>
          typeof p.level === 'number' &&
          (p.kind === 'noise' || p.kind === 'fgsm' || p.kind === 'flips'),
      )
      .map((p) => ({ kind: KIND_LABEL[p.kind], level: p.level as number, value: p.value }))
      .filter((p) => Number.isFinite(p.value));
    const pair = el('div', { className: 'pair' }, robustPart);
    if (points.length) {
      const target = el('div', { className: 'chart-body robustness-chart' });
      pair.append(
        el(
          'figure',
          { className: 'chart' },
          el('figcaption', { text: `${t.metric} against perturbation size` }),
          target,
        ),
      );
      chart = { target, spec: robustnessSpec(t.metric, points, t.quality) };
    }
    parts.push(pair);
  }

  // Fairness.
  for (const f of t.fairness) {
    const flag = f.fourFifthsViolated
      ? el('p', {
          className: 'four-fifths violated',
          text: `⚠ Fails the four-fifths rule: the lowest selection rate is ${num(f.demographicParityRatio)} of the highest (needs ≥ 0.8).`,
        })
      : el('p', {
          className: 'four-fifths ok',
          text: `✓ Passes the four-fifths rule (selection-rate ratio ${num(f.demographicParityRatio)} ≥ 0.8).`,
        });
    const dl = el(
      'dl',
      { className: 'fairness-summary' },
      el('dt', { text: 'demographic parity difference' }),
      el('dd', { className: 'num', text: num(f.demographicParityDifference) }),
      el('dt', { text: 'demographic parity ratio' }),
      el('dd', { className: 'num', text: num(f.demographicParityRatio) }),
      el('dt', { text: 'equalized odds difference' }),
      el('dd', { className: 'num', text: num(f.equalizedOddsDifference) }),
    );
    const h = el('h3', {}, 'Fairness by ', el('span', { text: f.column }));
    parts.push(
      el(
        'div',
        { className: 'fairness' },
        h,
        el('p', { className: 'sub' }, 'positive class ', el('span', { text: f.positive })),
        flag,
        dl,
        table(
          ['group', 'count', 'selection rate', 'accuracy', 'TPR', 'FPR'],
          f.groups.map((g) => [
            el('span', { text: g.group }),
            String(g.count),
            num(g.selectionRate),
            num(g.accuracy),
            num(g.tpr),
            num(g.fpr),
          ]),
          'fairness-groups',
          'No groups.',
        ),
      ),
    );
  }

  // Importance: bars scaled to the largest drop, as plain elements (no chart needed).
  if (t.importance.length) {
    const sorted = [...t.importance].sort((a, b) => (b.mean || 0) - (a.mean || 0));
    const top = Math.max(
      ...sorted.map((f) => (Number.isFinite(f.mean) ? Math.abs(f.mean) : 0)),
      1e-12,
    );
    parts.push(
      el('h3', { text: `Permutation importance (drop in ${t.metric})` }),
      el(
        'div',
        { className: 'importance' },
        ...sorted.map((f) => {
          const bar = el('span', { className: 'bar' });
          bar.style.width = `${Math.max(0, (Number.isFinite(f.mean) ? f.mean : 0) / top) * 100}%`;
          return el(
            'div',
            { className: 'importance-row' },
            el('span', { className: 'feature', text: f.feature, title: f.feature }),
            el('span', { className: 'bar-track' }, bar),
            el('span', { className: 'num', text: `${num(f.mean)} ± ${num(f.std)}` }),
          );
        }),
      ),
    );
  }

  // Cross-validation and mutation score.
  const dl = el('dl', { className: 'tests-extra' });
  const cv = t.crossValidation;
  if (cv) {
    dl.append(
      el('dt', { text: `${cv.k}-fold cross-validation` }),
      el('dd', {
        className: 'cv',
        text: `${cv.metric} ${num(cv.mean)} ± ${num(cv.std)} · train − test gap ${num(cv.gap)}`,
      }),
    );
  }
  if (t.mutationScore !== null)
    dl.append(
      el('dt', { text: 'mutation score' }),
      el('dd', {
        className: 'mutation',
        text: `${num(t.mutationScore)} (share of mutated models the test data tells apart)`,
      }),
    );
  if (dl.childElementCount) parts.push(dl);
  return { node: section('Model tests', 'tests-section', ...parts), chart };
}

function robustnessSpec(
  metric: string,
  values: { kind: string; level: number; value: number }[],
  clean: number,
): Record<string, unknown> {
  const layers: unknown[] = [
    {
      mark: { type: 'line', point: true, tooltip: true },
      encoding: {
        x: { field: 'level', type: 'quantitative', title: 'perturbation size (σ, ε)' },
        y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
        color: {
          field: 'kind',
          type: 'nominal',
          scale: { range: ['#3794ff', '#cca700', '#b180d7'] },
          legend: { title: null, orient: 'bottom' },
        },
        tooltip: [
          { field: 'kind', type: 'nominal' },
          { field: 'level', type: 'quantitative' },
          { field: 'value', type: 'quantitative', title: metric, format: '.4~f' },
        ],
      },
    },
  ];
  if (Number.isFinite(clean))
    layers.push({
      data: { values: [{}] },
      mark: { type: 'rule', color: '#cccccc', strokeDash: [5, 4], strokeWidth: 1.5 },
      encoding: { y: { datum: clean } },
    });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: 'container',
    height: 200,
    background: 'transparent',
    data: { values },
    layer: layers,
    config: {
      axis: {
        labelColor: '#9d9d9d',
        titleColor: '#9d9d9d',
        gridColor: 'rgba(128,128,128,0.2)',
        domainColor: '#888',
        tickColor: '#888',
        titleFontWeight: 'normal',
      },
      legend: { labelColor: '#bbbbbb' },
      view: { stroke: 'transparent' },
    },
  };
}
