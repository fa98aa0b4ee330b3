/**
 * Data the panels are tested and photographed with. Hostile strings stand where users'
 * names, params and tags go: notebooks write them, panels must show them as text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { driftReportToWire } from '../../core/common/drift-wire';
import type { TrialOutcome } from '../../core/common/optimisation-history';
import { toWireNumber } from '../../core/common/wire-number';
import { driftReport } from '../../core/drift/report';
import type {
  MetricPointItem,
  RunComparisonData,
  RunDetails,
  RunItem,
  RunsTableRow,
  GateResult,
  ModelCard,
  ModelDetails,
  ModelTransition,
  ModelVersionItem,
} from '../../core/service/protocol';
import type {
  ColumnProfile,
  DatasetProfile,
  HistogramBin,
  QualityIssue,
} from '../../core/quality/types';
import type { ColumnDrift, DriftBin, DriftReport } from '../../core/common/drift-types';
import type { MonitoringSnapshot, TrafficPoint } from '../../core/common/serve-types';
import { DEFAULT_MONITOR_THRESHOLDS, DEFAULT_SERVE_CONFIG } from '../../core/common/serve-types';

export const HOSTILE = {
  img: '<img src=x onerror="window.__xss=1">',
  script: '<script>window.__xss=2</script>',
  svg: '<svg onload="window.__xss=3"></svg>',
  link: '[click me](javascript:window.__xss=4)',
} as const;

export function hostileRunItem(overrides: Partial<RunItem> = {}): RunItem {
  return {
    id: '0123456789abcdef0123456789abcdef',
    experimentId: 1,
    experiment: `penguins ${HOSTILE.svg}`,
    name: `dense ${HOSTILE.img}`,
    status: 'finished',
    startTime: Date.UTC(2026, 10, 24, 9, 0, 0),
    endTime: Date.UTC(2026, 10, 24, 9, 1, 5),
    parentRunId: null,
    sourceNotebook: '/work/examples/penguins.ipynb',
    keyMetric: { key: 'val_acc', value: 0.93 },
    pinned: false,
    deletedAt: null,
    sweep: null,
    user: `ana ${HOSTILE.script}`,
    ...overrides,
  };
}

export function hostileRunDetails(): RunDetails {
  const history = Array.from({ length: 20 }, (_, step) => ({
    step,
    timestamp: Date.UTC(2026, 10, 24, 9, 0, step),
    value: 1 - Math.exp(-step / 5),
  }));
  return {
    ...hostileRunItem(),
    sourceCell: '3',
    gitCommit: 'a'.repeat(40),
    gitDirty: true,
    environment: {
      node: 'v20.19.0',
      platform: 'linux',
      arch: 'x64',
      packages: { '@tensorflow/tfjs': '4.22.0', [HOSTILE.script]: null },
    },
    error: null,
    params: { lr: '0.01', [HOSTILE.img]: HOSTILE.script },
    tags: { model: HOSTILE.svg, note: HOSTILE.link },
    latestMetrics: { val_acc: history[history.length - 1], [`acc ${HOSTILE.img}`]: history[3] },
    metricHistory: { val_acc: history, [`acc ${HOSTILE.img}`]: history.slice(0, 4) },
    artifacts: [
      {
        name: `model/${HOSTILE.img}.json`,
        sha256: 'b'.repeat(64),
        size: 2048,
        mediaType: 'application/json',
      },
    ],
    note: `# Findings\n\n${HOSTILE.img}\n${HOSTILE.link}`,
    gitDiffSummary: ` examples/penguins.ipynb | 4 ++--\n ${HOSTILE.script} | 1 +\n 2 files changed, 3 insertions(+), 2 deletions(-)`,
    sourceSnapshot: [{ index: 0, executionCount: 1, source: `const label = "${HOSTILE.img}";` }],
  };
}

/** A penguins-like comparison: 4 runs (lr, hidden units, epochs), acc/val_acc/loss/val_loss histories. */
export interface ComparisonFixtureOptions {
  /** Hostile strings in run names, a param key and values, and a metric key. */
  hostile?: boolean;
  /** Number of runs (2..8); default 4. */
  runs?: number;
}

export function penguinsComparison(options: ComparisonFixtureOptions = {}): RunComparisonData {
  const hostile = options.hostile ?? false;
  const count = Math.min(Math.max(options.runs ?? 4, 2), 8);
  const base = Date.UTC(2026, 10, 24, 9, 0, 0);
  const configs = [
    { name: 'baseline', lr: '0.01', units: '16', epochs: 30, optimizer: 'adam' },
    { name: 'wide', lr: '0.01', units: '64', epochs: 40, optimizer: 'adam' },
    { name: 'fast lr', lr: '0.1', units: '16', epochs: 20, optimizer: 'sgd' },
    { name: 'slow lr', lr: '0.001', units: '32', epochs: 50, optimizer: 'adam' },
    { name: 'tiny', lr: '0.01', units: '4', epochs: 25, optimizer: 'adam' },
    { name: 'deep', lr: '0.005', units: '128', epochs: 45, optimizer: 'adam' },
    { name: 'sgd wide', lr: '0.05', units: '64', epochs: 35, optimizer: 'sgd' },
    { name: 'long', lr: '0.002', units: '32', epochs: 50, optimizer: 'adam' },
  ].slice(0, count);
  const runs = configs.map((cfg, i) => ({
    id: `${(0xa1b2c3d4 + i * 0x1111).toString(16)}${'0123456789abcdef01234567'}`.slice(0, 32),
    name:
      hostile && i === 0
        ? `baseline ${HOSTILE.img}`
        : hostile && i === 1
          ? `wide ${HOSTILE.script}`
          : cfg.name,
    experiment: hostile ? `penguins ${HOSTILE.svg}` : 'penguins',
    status: i === count - 1 ? 'running' : 'finished',
  }));
  const startTimes: Record<string, number> = {};
  const histories: Record<string, Record<string, MetricPointItem[]>> = {
    acc: {},
    val_acc: {},
    loss: {},
    val_loss: {},
  };
  // Deterministic noise so screenshots and smoothing tests are stable.
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648 - 0.5;
  };
  configs.forEach((cfg, i) => {
    const id = runs[i].id;
    const start = base + i * 90_000;
    startTimes[id] = start;
    const rate = Number(cfg.lr) * 40 + Number(cfg.units) / 200;
    const ceiling = 0.86 + Math.min(Number(cfg.units), 64) / 640;
    for (const key of Object.keys(histories)) histories[key][id] = [];
    for (let step = 0; step < cfg.epochs; step++) {
      const timestamp = start + 500 + step * (900 + i * 150);
      const progress = 1 - Math.exp((-(step + 1) * rate) / 6);
      const acc = Math.min(0.999, 0.35 + (ceiling - 0.35) * progress + noise() * 0.04);
      const valAcc = Math.min(0.999, acc - 0.02 + noise() * 0.06);
      const loss = 1.1 * (1 - progress) + 0.08 + Math.abs(noise()) * 0.08;
      const valLoss = loss + 0.04 + noise() * 0.1;
      histories.acc[id].push({ step, timestamp, value: acc });
      histories.val_acc[id].push({ step, timestamp, value: valAcc });
      histories.loss[id].push({ step, timestamp, value: loss });
      // The fast-lr run diverges once: a NaN and an Infinity the charts must leave out.
      histories.val_loss[id].push({
        step,
        timestamp,
        value: i === 2 && step === 7 ? 'NaN' : i === 2 && step === 8 ? 'Infinity' : valLoss,
      });
    }
  });
  const paramRows: Record<string, (string | null)[]> = {
    epochs: configs.map((c) => String(c.epochs)),
    hidden_units: configs.map((c) => c.units),
    lr: configs.map((c) => c.lr),
    optimizer: configs.map((c) => c.optimizer),
    seed: configs.map(() => '42'),
    batch_size: configs.map(() => '32'),
    dataset: configs.map(() => 'penguins.csv'),
  };
  if (hostile) {
    paramRows[HOSTILE.img] = configs.map((_, i) => (i % 2 ? HOSTILE.script : HOSTILE.svg));
    paramRows['note.with[dots]'] = configs.map(() => HOSTILE.link);
  }
  const params = Object.keys(paramRows)
    .sort()
    .map((key) => {
      const values = paramRows[key];
      return { key, values, differs: new Set(values).size > 1 };
    });
  const latest = (key: string) =>
    configs.map((_, i) => {
      const points = histories[key][runs[i].id];
      return points[points.length - 1].value;
    });
  const metricKeys = Object.keys(histories).sort();
  const metrics = metricKeys.map((key) => {
    const values = latest(key);
    const higherIsBetter = !/loss/.test(key);
    const finite = values.map(Number).filter(Number.isFinite);
    const target = higherIsBetter ? Math.max(...finite) : Math.min(...finite);
    return {
      key,
      values,
      higherIsBetter,
      best: values.flatMap((v, i) => (v === target ? [i] : [])),
    };
  });
  return { comparison: { runs, params, metrics }, histories, startTimes };
}

/**
 * Eight trials of a sweep minimising val_loss, listed out of trial order. Hand-checked best
 * so far, trial 1..8: 0.62 0.62 0.62 0.48 0.48 0.48 0.48 0.39 (trial 3 pruned at 0.3, trial
 * 5 failed without a value, trial 6 NaN: none counts); six points have a finite value.
 */
export function sweepComparison(): RunComparisonData {
  const base = Date.UTC(2026, 10, 24, 9, 0, 0);
  const trials: { n: number; lr: string; value: number | null; state: TrialOutcome }[] = [
    { n: 1, lr: '0.01', value: 0.62, state: 'finished' },
    { n: 2, lr: '0.1', value: 0.71, state: 'finished' },
    { n: 3, lr: '0.3', value: 0.3, state: 'pruned' },
    { n: 4, lr: '0.003', value: 0.48, state: 'finished' },
    { n: 5, lr: '0.5', value: null, state: 'failed' },
    { n: 6, lr: '1', value: Number.NaN, state: 'finished' },
    { n: 7, lr: '0.005', value: 0.51, state: 'finished' },
    { n: 8, lr: '0.002', value: 0.39, state: 'finished' },
  ];
  const order = [3, 0, 7, 5, 1, 4, 2, 6];
  const listed = order.map((i) => trials[i]);
  const runs = listed.map((t) => ({
    id: `c0ffee${String(t.n).padStart(2, '0')}${'0123456789abcdef0123456789'}`.slice(0, 32),
    name: `trial-${t.n}`,
    experiment: 'penguins sweep',
    status: t.state === 'failed' ? 'failed' : 'finished',
  }));
  const startTimes = Object.fromEntries(runs.map((r, i) => [r.id, base + listed[i].n * 60_000]));
  const values = listed.map((t) => (t.value === null ? null : toWireNumber(t.value)));
  const histories: RunComparisonData['histories'] = { val_loss: {} };
  listed.forEach((t, i) => {
    if (t.value === null) return;
    histories.val_loss[runs[i].id] = [0, 1, 2].map((step) => ({
      step,
      timestamp: base + t.n * 60_000 + step * 1000,
      value: step === 2 ? toWireNumber(t.value!) : 1 - step * 0.1,
    }));
  });
  const finite = listed.flatMap((t) =>
    t.value !== null && Number.isFinite(t.value) && t.state === 'finished' ? [t.value] : [],
  );
  const min = Math.min(...finite);
  return {
    comparison: {
      runs,
      params: [{ key: 'lr', values: listed.map((t) => t.lr), differs: true }],
      metrics: [
        {
          key: 'val_loss',
          values,
          higherIsBetter: false,
          best: listed.flatMap((t, i) => (t.value === min ? [i] : [])),
        },
      ],
    },
    histories,
    startTimes,
    keyMetric: 'val_loss',
    sweep: {
      parentRunId: 'c0ffee00'.padEnd(32, '0'),
      metric: 'val_loss',
      goal: 'minimize',
      trials: listed.map((t, i) => ({ runId: runs[i].id, number: t.n, state: t.state })),
    },
  };
}

/** Runs for the runs table: `count` penguins-like top-level runs (lr, hidden units, epochs, val_acc, val_loss). */
export function penguinsTableRows(
  count: number,
  options: { hostile?: boolean } = {},
): RunsTableRow[] {
  const lrs = ['0.001', '0.003', '0.01', '0.03', '0.1'];
  const units = ['8', '16', '32', '64'];
  const statuses: RunsTableRow['status'][] = [
    'finished',
    'finished',
    'finished',
    'finished',
    'failed',
    'killed',
    'running',
  ];
  const rows: RunsTableRow[] = [];
  // A small deterministic generator, so screenshots are stable.
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (let i = 0; i < count; i++) {
    const lr = lrs[i % lrs.length];
    const hidden = units[Math.floor(i / lrs.length) % units.length];
    const epochs = String(20 + 10 * (i % 4));
    const status = i < 3 ? 'finished' : statuses[Math.floor(random() * statuses.length)];
    const quality = 1 - Math.abs(Math.log10(Number(lr)) + 2) / 2 + Number(hidden) / 640;
    const valAcc = 0.45 + 0.42 * quality + (random() - 0.5) * 0.08;
    const valLoss = (1 - valAcc) * 1.6 + random() * 0.05;
    const start = Date.UTC(2026, 10, 24, 9, 0, 0) + i * 97_000;
    const id = (i.toString(16).padStart(8, '0') + 'feedc0de'.repeat(3)).slice(0, 32);
    const metrics: RunsTableRow['metrics'] = {
      val_acc: {
        latest: valAcc,
        min: valAcc - 0.3,
        max: valAcc + random() * 0.02,
        step: Number(epochs) - 1,
      },
      val_loss: {
        latest: valLoss,
        min: valLoss - 0.01,
        max: valLoss + 0.9,
        step: Number(epochs) - 1,
      },
      loss: { latest: valLoss * 0.8, min: valLoss * 0.75, max: 1.2, step: Number(epochs) - 1 },
    };
    if (i % 9 === 4) metrics.val_loss.latest = 'NaN';
    const row: RunsTableRow = {
      id,
      experimentId: 1 + (i % 2),
      experiment: i % 2 ? 'penguins-tuning' : 'penguins',
      name: `${hidden}-unit dense, lr ${lr}`,
      status,
      startTime: start,
      endTime: status === 'running' ? null : start + 30_000 + Math.floor(random() * 90_000),
      parentRunId: null,
      sourceNotebook: '/work/examples/penguins.ipynb',
      keyMetric: { key: 'val_acc', value: valAcc },
      pinned: i === 2 || i === 5,
      deletedAt: null,
      sweep: null,
      user: i % 3 ? 'ana' : 'ben',
      params: { lr, hidden_units: hidden, epochs, optimizer: i % 3 ? 'adam' : 'sgd' },
      tags: i % 4 === 0 ? { model: 'dense', owner: 'ana' } : { model: 'dense' },
      metrics,
      childCount: i === 1 ? 3 : 0,
    };
    if (options.hostile && i % 2 === 0) {
      row.name = `run ${i} ${HOSTILE.img}`;
      row.params[HOSTILE.script] = HOSTILE.svg;
      row.tags.note = HOSTILE.link;
      row.metrics[`acc ${HOSTILE.img}`] = { latest: 0.5, min: 0.1, max: 0.6, step: 3 };
    }
    rows.push(row);
  }
  return rows;
}

/** Nested runs (folds of a cross-validation) under `parent`. */
export function childTableRows(parent: RunsTableRow, count: number): RunsTableRow[] {
  return Array.from({ length: count }, (_, fold) => ({
    ...parent,
    id: `${parent.id.slice(0, 24)}c0fold0${fold}`,
    name: `fold ${fold + 1}`,
    parentRunId: parent.id,
    pinned: false,
    childCount: 0,
    startTime: parent.startTime + fold * 10_000,
    metrics: { val_acc: { latest: 0.9 + fold / 100, min: 0.5, max: 0.95, step: 19 } },
  }));
}

// ---- Model registry ----

export interface RegistryFixtureOptions {
  /** Hostile strings in the model name, aliases, reasons, descriptions, run names and slice values. */
  hostile?: boolean;
}

const MODEL_T0 = Date.UTC(2026, 10, 20, 9, 0, 0);
const HOUR = 3_600_000;

/** penguins-classifier: v3 Production + champion, v2 Archived, v1 None; a forced promotion and a refused gate in the history. */
export function penguinsModel(options: RegistryFixtureOptions = {}): ModelDetails {
  const hostile = options.hostile ?? false;
  const name = hostile ? `penguins ${HOSTILE.img}` : 'penguins-classifier';
  const signature = {
    features: [
      { name: 'bill_length_mm', dtype: 'float32' as const },
      { name: 'bill_depth_mm', dtype: 'float32' as const },
      { name: 'flipper_length_mm', dtype: 'float32' as const },
      { name: 'body_mass_g', dtype: 'float32' as const },
    ],
    inputShape: [null, 4],
    outputShape: [null, 3],
    task: 'classification' as const,
    labels: ['Adelie', 'Chinstrap', 'Gentoo'],
  };
  const holdout = {
    artifact: 'model/holdout.json',
    rows: 68,
    label: 'species',
    columns: [
      'bill_length_mm',
      'bill_depth_mm',
      'flipper_length_mm',
      'body_mass_g',
      'island',
      'sex',
      'species',
    ],
    sha256: 'c'.repeat(64),
  };
  const version = (n: number, overrides: Partial<ModelVersionItem>): ModelVersionItem => ({
    name,
    version: n,
    stage: 'None',
    aliases: [],
    runId: `${n}a2b3c4d5e6f708192a3b4c5d6e7f8091`.slice(0, 32),
    artifactPath: 'model/',
    signature,
    holdout,
    description: null,
    intendedUse: null,
    limitations: null,
    createdAt: MODEL_T0 + n * 24 * HOUR,
    createdBy: 'ana',
    runName: `dense-${n * 8}`,
    experiment: 'penguins',
    metrics: {},
    inUse: false,
    ...overrides,
  });
  const versions = [
    version(3, {
      stage: 'Production',
      aliases: hostile ? ['champion', `x${HOSTILE.svg}`] : ['champion'],
      description: hostile ? `wide net ${HOSTILE.script}` : 'Two hidden layers of 24 units.',
      metrics: { val_acc: 0.9612, val_loss: 0.1184, acc: 0.978, loss: 0.072 },
      runName: hostile ? `dense ${HOSTILE.img}` : 'dense-24',
      inUse: true,
    }),
    version(2, {
      stage: 'Archived',
      metrics: { val_acc: 0.9418, val_loss: 0.1502, acc: 0.962, loss: 0.101 },
      runName: 'dense-16',
    }),
    version(1, {
      stage: 'None',
      aliases: hostile ? [] : ['baseline'],
      metrics: { val_acc: 0.8731, val_loss: 'NaN', acc: 0.901, loss: 0.254 },
      runName: 'linear',
      signature: null,
      holdout: null,
    }),
  ];
  const gate = (
    text: string,
    passed: boolean,
    actual: number | null,
    expected: string,
    message: string,
  ): GateResult => ({ gate: text, passed, actual, expected, message });
  const t = (id: number, at: number, fields: Partial<ModelTransition>): ModelTransition => ({
    id,
    name,
    version: 1,
    kind: 'stage',
    from: null,
    to: null,
    alias: null,
    at: MODEL_T0 + at * HOUR,
    by: 'ana',
    reason: null,
    forced: false,
    gates: null,
    ...fields,
  });
  const history: ModelTransition[] = [
    t(9, 80, {
      version: 3,
      kind: 'alias-set',
      alias: 'champion',
      reason: hostile ? `best so far ${HOSTILE.img}` : 'best so far',
    }),
    t(8, 79, {
      version: 2,
      kind: 'stage',
      from: 'Production',
      to: 'Archived',
      reason: 'replaced by v3',
    }),
    t(7, 79, {
      version: 3,
      kind: 'stage',
      from: 'Staging',
      to: 'Production',
      by: 'ben',
      reason: hostile ? `ship it ${HOSTILE.script}` : 'Approved in the Thursday review',
      gates: [
        gate('metrics.val_acc >= 0.95', true, 0.9612, '>= 0.95', 'val_acc 0.9612 is at least 0.95'),
        gate(
          'not worse than Production v2 on the holdout (accuracy, tolerance 0.01)',
          true,
          0.9559,
          '>= 0.9194 (v2 0.9294 - 0.01)',
          'accuracy 0.9559 on 68 holdout rows; v2 has 0.9294',
        ),
      ],
    }),
    t(6, 75, {
      version: 3,
      kind: 'stage',
      from: 'None',
      to: 'Staging',
      gates: [
        gate('metrics.val_acc >= 0.9', true, 0.9612, '>= 0.9', 'val_acc 0.9612 is at least 0.9'),
      ],
    }),
    t(5, 74, { version: 3, kind: 'registered' }),
    t(4, 50, {
      version: 2,
      kind: 'stage',
      from: 'Staging',
      to: 'Production',
      forced: true,
      reason: hostile
        ? `deadline ${HOSTILE.link}`
        : 'Demo on Friday; the gate threshold is being revised',
      gates: [
        gate(
          'metrics.val_acc >= 0.95',
          false,
          0.9418,
          '>= 0.95',
          'val_acc 0.9418 is below 0.95 by 0.0082',
        ),
      ],
    }),
    t(3, 49, {
      version: 2,
      kind: 'stage',
      from: 'None',
      to: 'Staging',
      gates: [
        gate('metrics.val_acc >= 0.9', true, 0.9418, '>= 0.9', 'val_acc 0.9418 is at least 0.9'),
      ],
    }),
    t(2, 48, { version: 2, kind: 'registered' }),
    t(1, 24, { version: 1, kind: 'registered' }),
  ];
  return {
    model: {
      name,
      description: hostile
        ? `Species from measurements ${HOSTILE.img}`
        : 'Penguin species from bill, flipper and body measurements.',
      createdAt: MODEL_T0 + 24 * HOUR,
      latestVersion: 3,
      production: 3,
      staging: null,
      aliases: hostile ? { champion: 3, [`x${HOSTILE.svg}`]: 3 } : { champion: 3, baseline: 1 },
    },
    versions,
    history,
    gates: {
      production: {
        metrics: ['metrics.val_acc >= 0.95'],
        notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 },
      },
      staging: { metrics: ['metrics.val_acc >= 0.9'] },
    },
    gatesPath: '/work/examples/.labbook/gates/penguins-classifier.json',
  };
}

/** The card of v3, sliced by island: Torgersen is much worse than overall. */
export function penguinsModelCard(
  options: RegistryFixtureOptions & { sliceColumn?: string | null } = {},
): { card: ModelCard; markdown: string } {
  const hostile = options.hostile ?? false;
  const details = penguinsModel(options);
  const v = details.versions[0];
  const column = options.sliceColumn === undefined ? 'island' : options.sliceColumn;
  const islandGroups = [
    { value: 'Biscoe', rows: 33, metrics: { accuracy: 0.9697, f1_macro: 0.9612 } },
    { value: 'Dream', rows: 25, metrics: { accuracy: 0.96, f1_macro: 0.9583 } },
    {
      value: hostile ? `Torgersen ${HOSTILE.img}` : 'Torgersen',
      rows: 10,
      metrics: { accuracy: 0.8, f1_macro: 0.7407 },
    },
  ];
  const sexGroups = [
    { value: 'female', rows: 34, metrics: { accuracy: 0.9412, f1_macro: 0.9391 } },
    { value: 'male', rows: 34, metrics: { accuracy: 0.9706, f1_macro: 0.9688 } },
  ];
  const card: ModelCard = {
    name: details.model.name,
    version: 3,
    stage: 'Production',
    aliases: v.aliases,
    details: {
      description: v.description,
      createdAt: v.createdAt,
      createdBy: v.createdBy,
      runId: v.runId,
      runName: v.runName,
      experiment: 'penguins',
      gitCommit: 'd'.repeat(40),
      framework: 'TensorFlow.js 4.22.0 (layers model)',
      signature: v.signature,
    },
    intendedUse: hostile
      ? `Teaching ${HOSTILE.script}`
      : 'Teaching examples of multi-class classification on tabular data.',
    limitations: null,
    trainingData: {
      params: {
        epochs: '40',
        hidden_units: '24',
        lr: '0.01',
        optimizer: 'adam',
        [hostile ? HOSTILE.img : 'seed']: hostile ? HOSTILE.svg : '42',
      },
      datasets: [
        {
          name: hostile ? `penguins.csv ${HOSTILE.img}` : 'penguins.csv',
          role: 'training',
          fingerprint: 'e'.repeat(64),
          rows: 276,
        },
      ],
    },
    metrics: {
      run: { val_acc: 0.9612, val_loss: 0.1184, acc: 0.978, loss: 0.072, lr_final: 'NaN' },
      holdout: {
        rows: 68,
        metrics: { accuracy: 0.9412, f1_macro: 0.9351 },
        ...(column
          ? { slices: { column, groups: column === 'sex' ? sexGroups : islandGroups } }
          : {}),
      },
    },
    caveats: [
      `Slice island = ${islandGroups[2].value} has accuracy 0.8 (10 rows), 0.1412 below overall 0.9412.`,
      'The holdout set has 68 rows: metrics per slice rest on few rows.',
    ],
  };
  const markdown = `# Model card: ${card.name} v3\n\n## Model details\n\n- Stage: Production\n\n## Metrics\n\n| island | rows | accuracy |\n| --- | --- | --- |\n| Biscoe | 33 | 0.9697 |\n`;
  return { card, markdown };
}

// ---- Data quality ----

/** `n` equal-width bins over [min, max] whose counts follow `shape` (any positive function of 0..1), summing to `total`. */
function bins(
  min: number,
  max: number,
  n: number,
  total: number,
  shape: (x: number) => number,
): HistogramBin[] {
  const weights = Array.from({ length: n }, (_, i) => Math.max(0, shape((i + 0.5) / n)));
  const sum = weights.reduce((a, b) => a + b, 0) || 1;
  const counts = weights.map((w) => Math.floor((w / sum) * total));
  counts[counts.indexOf(Math.max(...counts))] += total - counts.reduce((a, b) => a + b, 0);
  const width = (max - min) / n;
  return counts.map((count, i) => ({
    start: min + i * width,
    end: i === n - 1 ? max : min + (i + 1) * width,
    count,
  }));
}

const skewed = (x: number) => Math.exp(-7 * x);
const bell = (mu: number, sigma: number) => (x: number) =>
  Math.exp(-((x - mu) ** 2) / (2 * sigma ** 2));

function column(
  rows: number,
  c: Partial<ColumnProfile> & Pick<ColumnProfile, 'name' | 'type' | 'missing' | 'distinct'>,
): ColumnProfile {
  const count = rows - c.missing;
  return {
    count,
    missingShare: c.missing / rows,
    min: null,
    max: null,
    mean: null,
    std: null,
    quantiles: null,
    top: [],
    constant: c.distinct === 1,
    almostConstant: false,
    missingByKind: { null: c.missing, empty: 0, nan: 0, infinite: 0 },
    ...c,
  };
}

function numeric(
  rows: number,
  c: Pick<ColumnProfile, 'name' | 'missing' | 'distinct'> & {
    type?: 'numeric' | 'integer';
    min: number;
    max: number;
    mean: number;
    std: number;
    q: [number, number, number, number, number];
    shape: (x: number) => number;
    zeros?: number;
    negatives?: number;
    outliers: number;
    top?: ColumnProfile['top'];
  },
): ColumnProfile {
  const count = rows - c.missing;
  return column(rows, {
    name: c.name,
    type: c.type ?? 'integer',
    missing: c.missing,
    distinct: c.distinct,
    min: c.min,
    max: c.max,
    mean: c.mean,
    std: c.std,
    quantiles: { p5: c.q[0], p25: c.q[1], p50: c.q[2], p75: c.q[3], p95: c.q[4] },
    top: c.top ?? [],
    histogram: bins(c.min, c.max, 20, count, c.shape),
    zeros: c.zeros ?? 0,
    negatives: c.negatives ?? 0,
    outliers: c.outliers,
    invalid: 0,
  });
}

function categorical(
  rows: number,
  c: Pick<ColumnProfile, 'name' | 'missing' | 'distinct' | 'top'> & {
    type?: 'categorical' | 'text';
    length: [number, number, number];
    mixedTypes?: boolean;
  },
): ColumnProfile {
  const sorted = c.top.map((t) => String(t.value)).sort();
  return column(rows, {
    name: c.name,
    type: c.type ?? 'categorical',
    missing: c.missing,
    distinct: c.distinct,
    top: c.top,
    min: sorted[0] ?? null,
    max: sorted[sorted.length - 1] ?? null,
    length: { min: c.length[0], mean: c.length[1], max: c.length[2] },
    ...(c.mixedTypes !== undefined ? { mixedTypes: c.mixedTypes } : {}),
  });
}

/**
 * A profile modelled on movies.json of vega-datasets (3,201 films, 16 columns): a messy
 * real data set with high-missing columns (US DVD Sales, Running Time min), mixed types
 * (Title holds numbers, Release Date unparseable strings), correlated grosses and issues
 * of each severity. `hostile`: markup in a column name, top values, an issue and the path.
 */
export function moviesProfile(options: { hostile?: boolean } = {}): DatasetProfile {
  const hostile = options.hostile ?? false;
  const rows = 3201;
  const distributor = hostile ? `Distributor ${HOSTILE.img}` : 'Distributor';
  const columns: ColumnProfile[] = [
    categorical(rows, {
      name: 'Title',
      type: 'text',
      missing: 1,
      distinct: 3177,
      mixedTypes: true,
      length: [1, 15.8, 66],
      top: [
        { value: 'Hamlet', count: 3 },
        { value: 'The Three Musketeers', count: 3 },
        { value: 'Alice in Wonderland', count: 2 },
        { value: 1776, count: 1 },
        { value: 'Dracula', count: 2 },
      ],
    }),
    numeric(rows, {
      name: 'US Gross',
      missing: 7,
      distinct: 3161,
      min: 0,
      max: 760167650,
      mean: 44002085.16,
      std: 62555311.24,
      q: [125000, 5493221, 22019466, 56091762, 164469813],
      shape: skewed,
      zeros: 27,
      outliers: 218,
    }),
    numeric(rows, {
      name: 'Worldwide Gross',
      missing: 7,
      distinct: 3138,
      min: 0,
      max: 2767891499,
      mean: 85343399.85,
      std: 149947266.3,
      q: [142000, 7209710, 33346910, 101071530, 341784377],
      shape: (x) => Math.exp(-9 * x),
      zeros: 5,
      outliers: 301,
    }),
    numeric(rows, {
      name: 'US DVD Sales',
      missing: 2637,
      distinct: 563,
      min: 618454,
      max: 352582053,
      mean: 34901546.8,
      std: 45895122.02,
      q: [2287460, 9906211, 20331558, 41300172, 120100000],
      shape: skewed,
      outliers: 46,
    }),
    numeric(rows, {
      name: 'Production Budget',
      missing: 1,
      distinct: 291,
      min: 218,
      max: 300000000,
      mean: 31069171.88,
      std: 35585913.36,
      q: [1000000, 6500000, 20000000, 42000000, 110000000],
      shape: (x) => Math.exp(-6 * x),
      outliers: 185,
      top: [
        { value: 20000000, count: 111 },
        { value: 15000000, count: 107 },
      ],
    }),
    {
      ...column(rows, {
        name: 'Release Date',
        type: 'datetime',
        missing: 7,
        distinct: 1603,
        min: '1915-02-08',
        max: '2046-12-01',
        mixedTypes: true,
        top: [
          { value: '1998-12-25', count: 10 },
          { value: '2005-10-21', count: 9 },
        ],
      }),
      histogram: bins(
        Date.UTC(1915, 1, 8),
        Date.UTC(2046, 11, 1),
        24,
        rows - 7,
        (x) => Math.exp(-((x - 0.66) ** 2) / 0.004) + 0.01,
      ),
    },
    categorical(rows, {
      name: 'MPAA Rating',
      missing: 605,
      distinct: 7,
      length: [1, 2.4, 9],
      top: [
        { value: 'R', count: 1271 },
        { value: 'PG-13', count: 1032 },
        { value: 'PG', count: 477 },
        { value: 'G', count: 91 },
        { value: 'Not Rated', count: 84 },
        { value: 'NC-17', count: 7 },
        { value: 'Open', count: 34 },
      ],
    }),
    numeric(rows, {
      name: 'Running Time min',
      missing: 1992,
      distinct: 133,
      min: 46,
      max: 222,
      mean: 110.19,
      std: 20.2,
      q: [83, 95, 107, 121, 146],
      shape: bell(0.35, 0.12),
      outliers: 41,
    }),
    categorical(rows, {
      name: distributor,
      missing: 232,
      distinct: 174,
      length: [3, 14.2, 33],
      top: [
        { value: 'Warner Bros.', count: 313 },
        { value: 'Sony Pictures', count: 302 },
        { value: 'Paramount Pictures', count: 277 },
        { value: hostile ? HOSTILE.script : 'Universal', count: 274 },
        { value: hostile ? HOSTILE.svg : '20th Century Fox', count: 247 },
        { value: 'Walt Disney Pictures', count: 144 },
      ],
    }),
    categorical(rows, {
      name: 'Source',
      missing: 365,
      distinct: 18,
      length: [6, 19.5, 36],
      top: [
        { value: 'Original Screenplay', count: 1295 },
        { value: 'Based on Book/Short Story', count: 486 },
        { value: 'Remake', count: 129 },
        { value: 'Based on Real Life Events', count: 121 },
        { value: 'Based on Comic/Graphic Novel', count: 55 },
      ],
    }),
    categorical(rows, {
      name: 'Major Genre',
      missing: 275,
      distinct: 12,
      length: [5, 7.1, 19],
      top: [
        { value: 'Drama', count: 789 },
        { value: 'Comedy', count: 675 },
        { value: 'Action', count: 420 },
        { value: 'Adventure', count: 274 },
        { value: 'Thriller/Suspense', count: 239 },
        { value: 'Horror', count: 219 },
      ],
    }),
    categorical(rows, {
      name: 'Creative Type',
      missing: 446,
      distinct: 9,
      length: [7, 18.9, 24],
      top: [
        { value: 'Contemporary Fiction', count: 1453 },
        { value: 'Historical Fiction', count: 277 },
        { value: 'Fantasy', count: 152 },
        { value: 'Science Fiction', count: 150 },
        { value: 'Kids Fiction', count: 120 },
      ],
    }),
    categorical(rows, {
      name: 'Director',
      type: 'text',
      missing: 1331,
      distinct: 550,
      length: [6, 13.7, 26],
      top: [
        { value: 'Steven Spielberg', count: 24 },
        { value: 'Clint Eastwood', count: 19 },
        { value: 'Martin Scorsese', count: 16 },
        { value: 'Tim Burton', count: 14 },
        { value: 'Woody Allen', count: 13 },
      ],
    }),
    numeric(rows, {
      name: 'Rotten Tomatoes Rating',
      missing: 880,
      distinct: 100,
      min: 1,
      max: 100,
      mean: 54.34,
      std: 28.08,
      q: [10, 30, 55, 80, 96],
      shape: () => 1,
      outliers: 0,
    }),
    numeric(rows, {
      name: 'IMDB Rating',
      type: 'numeric',
      missing: 213,
      distinct: 78,
      min: 1.4,
      max: 9.2,
      mean: 6.283,
      std: 1.2529,
      q: [4.1, 5.6, 6.4, 7.1, 8.1],
      shape: bell(0.63, 0.16),
      outliers: 57,
    }),
    numeric(rows, {
      name: 'IMDB Votes',
      missing: 213,
      distinct: 2827,
      min: 18,
      max: 519541,
      mean: 29908.67,
      std: 44937.58,
      q: [619, 4928, 15106, 35435, 113366],
      shape: (x) => Math.exp(-12 * x),
      outliers: 240,
    }),
  ];
  const dvd = columns[3];
  const runtime = columns[7];
  const issues: QualityIssue[] = [
    {
      severity: 'error',
      column: 'US DVD Sales',
      kind: 'missing',
      message: `82.4% of the values are missing (${dvd.missing} of ${rows} rows).`,
    },
    {
      severity: 'error',
      column: 'Running Time min',
      kind: 'missing',
      message: `62.2% of the values are missing (${runtime.missing} of ${rows} rows).`,
    },
    {
      severity: 'warning',
      column: 'Director',
      kind: 'missing',
      message: '41.6% of the values are missing (1331 of 3201 rows).',
    },
    {
      severity: 'warning',
      column: 'Rotten Tomatoes Rating',
      kind: 'missing',
      message: '27.5% of the values are missing (880 of 3201 rows).',
    },
    {
      severity: 'warning',
      column: 'Title',
      kind: 'mixed-types',
      message:
        'Holds numbers and text (e.g. 1776, 2012 and "Hamlet"): 9 numbers among 3200 values.',
    },
    {
      severity: 'warning',
      column: 'Release Date',
      kind: 'mixed-types',
      message: 'Holds dates and text that is not a date (e.g. "TBD"): 4 values did not parse.',
    },
    {
      severity: 'info',
      column: 'IMDB Votes',
      kind: 'outliers',
      message: '240 values (8.0%) lie outside [p25 − 1.5 IQR, p75 + 1.5 IQR] = [−40832, 81195].',
    },
    {
      severity: 'info',
      column: null,
      kind: 'correlated',
      message: 'US Gross and Worldwide Gross are highly correlated (r = 0.939).',
    },
    {
      severity: 'info',
      column: distributor,
      kind: 'missing',
      message: hostile
        ? `7.2% missing; e.g. ${HOSTILE.img}`
        : '7.2% of the values are missing (232 of 3201 rows).',
    },
  ];
  const missing = columns.reduce((a, c) => a + c.missing, 0);
  const cells = rows * columns.length;
  const completeness = 1 - missing / cells;
  const quality = {
    completeness,
    uniqueness: 1,
    validity: 0.9012,
    consistency: 0.875,
    timeliness: null,
  };
  const weights = {
    completeness: 0.3,
    uniqueness: 0.2,
    validity: 0.3,
    consistency: 0.2,
    timeliness: 0,
  };
  const score =
    weights.completeness * completeness +
    weights.uniqueness * 1 +
    weights.validity * quality.validity +
    weights.consistency * quality.consistency;
  return {
    source: hostile
      ? `/work/examples/data/${HOSTILE.img}/movies.json`
      : '/work/examples/data/movies.json',
    rows,
    columns,
    duplicateRows: 0,
    emptyRows: 0,
    emptyColumns: [],
    duplicatedColumns: [],
    correlatedPairs: [
      { a: 'US Gross', b: 'Worldwide Gross', r: 0.9389 },
      { a: 'US Gross', b: 'US DVD Sales', r: 0.9017 },
    ],
    sizeBytes: 1_381_440,
    quality: {
      score,
      ...quality,
      dimensions: {
        completeness: {
          score: completeness,
          weight: weights.completeness,
          explanation: `1 − missing cells / all cells = 1 − ${missing} / ${cells} (${rows} rows × ${columns.length} columns).`,
        },
        uniqueness: {
          score: 1,
          weight: weights.uniqueness,
          explanation: `1 − duplicate rows / rows = 1 − 0 / ${rows}.`,
        },
        validity: {
          score: quality.validity,
          weight: weights.validity,
          explanation:
            'No suite: values within the inferred types and ranges. 2,889 of 41,989 non-missing values failed (negative or future-dated, unparseable dates, ratings out of range).',
        },
        consistency: {
          score: quality.consistency,
          weight: weights.consistency,
          explanation:
            '1 − columns with mixed types / columns = 1 − 2 / 16. No label column named, so conflicting labels were not checked.',
        },
        timeliness: {
          score: 0,
          weight: 0,
          explanation: 'Not measured: no timestamp column and freshness were configured.',
        },
      },
    },
    issues,
    seconds: 0.412,
  };
}

// ---- drift ----

/** A numeric column of the seattle-weather comparison: K-S (reference has 366 rows, <= 1000). Bins: Sturges on both sides (11). */
function driftNumeric(
  name: string,
  distinct: number,
  statistic: number,
  pValue: number,
  bins: [number, number, number, number][],
): ColumnDrift {
  const drifted = pValue < 0.05;
  return {
    name,
    type: 'numeric',
    method: 'ks',
    methodKind: 'test',
    statistic,
    pValue,
    threshold: 0.05,
    drifted,
    reason: `reference has 366 rows (<= 1000) and ${distinct} distinct values (> 5): K-S test`,
    message: drifted
      ? `The distributions differ: K-S p-value ${pValue.toPrecision(3)} < 0.05.`
      : `No drift detected: K-S p-value ${pValue.toPrecision(3)} >= 0.05.`,
    referenceCount: 366,
    currentCount: 365,
    referenceMissing: 0,
    currentMissing: 0,
    bins: bins.map(([start, end, reference, current]) => ({ start, end, reference, current })),
  };
}

function driftCategorical(
  name: string,
  method: 'chisquare' | 'z',
  statistic: number,
  pValue: number,
  categories: [string, number, number][],
  reason: string,
): ColumnDrift {
  const drifted = pValue < 0.05;
  const label = method === 'z' ? 'Z-test' : 'chi-square';
  const bins: DriftBin[] = categories.map(([category, reference, current]) => ({
    category,
    reference,
    current,
  }));
  return {
    name,
    type: 'categorical',
    method,
    methodKind: 'test',
    statistic,
    pValue,
    threshold: 0.05,
    drifted,
    reason,
    message: drifted
      ? `The category shares differ: ${label} p-value ${pValue.toPrecision(3)} < 0.05.`
      : `No drift detected: ${label} p-value ${pValue.toPrecision(3)} >= 0.05.`,
    referenceCount: bins.reduce((n, b) => n + b.reference, 0),
    currentCount: bins.reduce((n, b) => n + b.current, 0),
    referenceMissing: 0,
    currentMissing: 0,
    bins,
  };
}

/**
 * The drift of vega-datasets' seattle-weather.csv, 2015 (current, 365 rows) against 2012
 * (reference, 366 rows), with statistics from SciPy (ks_2samp, chisquare): temperatures
 * and the weather drifted, precipitation and wind did not; `date` is skipped. Two columns
 * are made up for the tests: a classifier's `predicted_weather` (target `weather`, with
 * quality on both sides) and a station column whose name (and a category) hold markup.
 * `hostile`: markup in the station column's name, a category and the sources.
 */
export function seattleDrift(options: { hostile?: boolean } = {}): DriftReport {
  const hostile = options.hostile ?? false;
  const station = hostile ? `station ${HOSTILE.img}` : 'station';
  const weather = driftCategorical(
    'weather',
    'chisquare',
    510.745617,
    3.17593e-109,
    [
      ['rain', 191, 144],
      ['sun', 118, 162],
      ['drizzle', 31, 7],
      ['snow', 21, 0],
      ['fog', 5, 52],
    ],
    'reference has 366 rows (<= 1000) and 5 categories (> 2): chi-square test',
  );
  const predicted = driftCategorical(
    'predicted_weather',
    'chisquare',
    174.065428,
    1.40222e-36,
    [
      ['rain', 201, 139],
      ['sun', 131, 205],
      ['drizzle', 12, 2],
      ['snow', 19, 0],
      ['fog', 3, 19],
    ],
    'reference has 366 rows (<= 1000) and 5 categories (> 2): chi-square test',
  );
  const columns: ColumnDrift[] = [
    {
      name: 'date',
      type: 'categorical',
      method: 'chisquare',
      methodKind: 'test',
      statistic: null,
      pValue: null,
      threshold: 0.05,
      drifted: false,
      reason: 'date columns are not compared',
      skipped: 'unsupported-type',
      message:
        'Skipped: date holds dates (2012-01-01 to 2012-12-31 and 2015-01-01 to 2015-12-31); compare a derived column such as the month instead.',
      referenceCount: 366,
      currentCount: 365,
      referenceMissing: 0,
      currentMissing: 0,
      bins: [],
    },
    driftNumeric('precipitation', 67, 0.094857, 0.0659632, [
      [0.0, 5.0818, 288, 304],
      [5.0818, 10.1636, 36, 27],
      [10.1636, 15.2455, 22, 9],
      [15.2455, 20.3273, 10, 7],
      [20.3273, 25.4091, 4, 4],
      [25.4091, 30.4909, 2, 7],
      [30.4909, 35.5727, 2, 4],
      [35.5727, 40.6545, 1, 0],
      [40.6545, 45.7364, 0, 0],
      [45.7364, 50.8182, 0, 1],
      [50.8182, 55.9, 1, 2],
    ]),
    driftNumeric('temp_max', 57, 0.152541, 0.000315709, [
      [-1.1, 2.1818, 4, 1],
      [2.1818, 5.4636, 12, 6],
      [5.4636, 8.7455, 62, 29],
      [8.7455, 12.0273, 62, 58],
      [12.0273, 15.3091, 52, 63],
      [15.3091, 18.5909, 46, 66],
      [18.5909, 21.8727, 49, 39],
      [21.8727, 25.1545, 49, 38],
      [25.1545, 28.4364, 21, 35],
      [28.4364, 31.7182, 4, 18],
      [31.7182, 35.0, 5, 12],
    ]),
    driftNumeric('temp_min', 39, 0.11804, 0.0112367, [
      [-3.8, -1.7909, 7, 5],
      [-1.7909, 0.2182, 14, 10],
      [0.2182, 2.2273, 44, 20],
      [2.2273, 4.2364, 43, 32],
      [4.2364, 6.2455, 50, 55],
      [6.2455, 8.2545, 42, 36],
      [8.2545, 10.2636, 59, 63],
      [10.2636, 12.2727, 48, 51],
      [12.2727, 14.2818, 36, 33],
      [14.2818, 16.2909, 19, 41],
      [16.2909, 18.3, 4, 19],
    ]),
    driftNumeric('wind', 64, 0.076203, 0.217467, [
      [0.5, 1.3182, 9, 23],
      [1.3182, 2.1364, 66, 56],
      [2.1364, 2.9545, 89, 106],
      [2.9545, 3.7727, 74, 80],
      [3.7727, 4.5909, 48, 47],
      [4.5909, 5.4091, 43, 29],
      [5.4091, 6.2273, 22, 11],
      [6.2273, 7.0455, 9, 9],
      [7.0455, 7.8636, 2, 3],
      [7.8636, 8.6818, 3, 1],
      [8.6818, 9.5, 1, 0],
    ]),
    weather,
    driftCategorical(
      station,
      'z',
      -0.861738,
      0.388832,
      [
        ['KSEA', 300, 290],
        [hostile ? HOSTILE.script : 'KBFI', 66, 75],
      ],
      'reference has 366 rows (<= 1000) and 2 categories: Z-test',
    ),
    predicted,
  ];
  const tested = columns.filter((c) => !c.skipped);
  const driftedColumns = tested.filter((c) => c.drifted).length;
  const dir = hostile ? `/work/examples/data/${HOSTILE.svg}` : '/work/examples/data';
  return {
    reference: { source: `${dir}/seattle-2012.csv`, rows: 366 },
    current: { source: `${dir}/seattle-2015.csv`, rows: 365 },
    dataset: {
      drifted: driftedColumns / tested.length >= 0.5,
      share: driftedColumns / tested.length,
      driftedColumns,
      columns: tested.length,
      threshold: 0.5,
    },
    columns,
    target: {
      target: 'weather',
      prediction: 'predicted_weather',
      targetDrift: weather,
      predictionDrift: predicted,
      referenceQuality: {
        kind: 'classification',
        accuracy: 0.847,
        precision: 0.7123,
        recall: 0.6412,
        f1: 0.6604,
        rows: 366,
      },
      currentQuality: {
        kind: 'classification',
        accuracy: 0.7123,
        precision: 0.5218,
        recall: 0.4907,
        f1: 0.4811,
        rows: 365,
      },
      change: {
        accuracy: 0.7123 - 0.847,
        precision: 0.5218 - 0.7123,
        recall: 0.4907 - 0.6412,
        f1: 0.4811 - 0.6604,
        rows: -1,
      },
    },
    options: {
      columnMethods: {},
      datasetShare: 0.5,
      seed: 42,
      target: 'weather',
      prediction: 'predicted_weather',
    } as DriftReport['options'],
    seconds: 0.184,
  };
}

export interface MonitoringFixtureOptions {
  /** Markup in the deployment's name, a drifted column's name and an alert. */
  hostile?: boolean;
  /** The candidate misbehaves: slow, wrong, erroring; alerts raised. */
  degraded?: boolean;
  /** Snapshot time (epoch ms); the series ends here. */
  now?: number;
}

/**
 * A monitoring snapshot of a penguins classifier served as a canary (v2 answers 90%, v3
 * 10%) over the last 5 minutes in 10 s buckets: a steady ~6 requests/s, feedback for about
 * a third of the predictions, the inputs compared with v2's training data (344 rows).
 * `degraded`: the candidate answers slowly and wrongly, ADWIN detects the change, and the
 * error rate, latency, accuracy and drift alerts are raised.
 */
export function penguinsMonitoring(options: MonitoringFixtureOptions = {}): MonitoringSnapshot {
  const hostile = options.hostile ?? false;
  const degraded = options.degraded ?? false;
  const now = options.now ?? Date.UTC(2026, 10, 24, 14, 30, 0);
  const bucketMs = 10_000;
  const windowMs = 5 * 60_000;
  const name = hostile ? `penguins ${HOSTILE.img}` : 'penguins';
  const start = now - windowMs;
  const traffic: TrafficPoint[] = [];
  for (let i = 0; i < windowMs / bucketMs; i++) {
    const t = start + i * bucketMs;
    const wave = Math.sin(i / 4);
    const primary = Math.round(54 + 8 * wave + (i % 3));
    const candidate = Math.round(6 + 2 * Math.cos(i / 3) + (i % 2));
    const slow = degraded && i > 16;
    traffic.push({
      t,
      variant: 'primary',
      predictions: primary,
      shadow: 0,
      p50: 3.1 + 0.3 * wave,
      p95: 7.8 + 1.2 * wave,
      p99: 12.4 + 2 * wave,
    });
    traffic.push({
      t,
      variant: 'candidate',
      predictions: candidate,
      shadow: 0,
      p50: slow ? 140 : 3.4,
      p95: slow ? 310 + 20 * wave : 8.6 + wave,
      p99: slow ? 420 : 14,
    });
  }
  const sum = (v: 'primary' | 'candidate') =>
    traffic.filter((p) => p.variant === v).reduce((n, p) => n + p.predictions, 0);
  const errors: { i: number; error: number; mean: number }[] = [];
  let wrong = 0;
  const labelled = degraded ? 240 : 180;
  for (let i = 0; i < labelled; i++) {
    const error = degraded && i >= 150 ? (i % 3 === 0 ? 0 : 1) : i % 19 === 7 ? 1 : 0;
    wrong += error;
    errors.push({ i, error, mean: wrong / (i + 1) });
  }
  const column = (
    col: string,
    statistic: number,
    pValue: number,
    drifted: boolean,
  ): ColumnDrift => ({
    name: col,
    type: 'numeric',
    method: 'ks',
    methodKind: 'test',
    statistic,
    pValue,
    threshold: 0.05,
    drifted,
    reason: 'reference has 344 rows (<= 1000) and more than 5 distinct values: K-S test',
    message: drifted
      ? `The distributions differ: K-S p-value ${pValue.toPrecision(3)} < 0.05.`
      : `No drift detected: K-S p-value ${pValue.toPrecision(3)} >= 0.05.`,
    referenceCount: 342,
    currentCount: 500,
    referenceMissing: 2,
    currentMissing: 0,
    bins: [],
  });
  const columns = [
    column(
      hostile ? `Beak Length (mm) ${HOSTILE.script}` : 'Beak Length (mm)',
      degraded ? 0.2114 : 0.0412,
      degraded ? 0.00002 : 0.82,
      degraded,
    ),
    column('Beak Depth (mm)', 0.0521, 0.58, false),
    column('Flipper Length (mm)', degraded ? 0.1623 : 0.0388, degraded ? 0.0019 : 0.87, degraded),
    column('Body Mass (g)', 0.0602, 0.41, false),
  ];
  const driftedColumns = columns.filter((c) => c.drifted).length;
  const candidateAccuracy = degraded ? 0.62 : 0.95;
  const alerts: MonitoringSnapshot['alerts'] = degraded
    ? [
        {
          kind: 'error-rate',
          severity: 'error',
          message: 'error rate 7.9% over the window is above 5%',
        },
        { kind: 'latency', severity: 'warning', message: 'p95 latency 298 ms is above 250 ms' },
        {
          kind: 'accuracy',
          severity: 'error',
          message: `candidate v3 live accuracy 62% (${hostile ? HOSTILE.svg : '58 labels'}) is below 80%`,
        },
        {
          kind: 'concept-drift',
          severity: 'warning',
          message: 'ADWIN detected a change in the error stream at label 163',
        },
        {
          kind: 'data-drift',
          severity: 'warning',
          message: '2 of 4 input columns drifted against penguins-train v1',
        },
      ]
    : [];
  const split = { strategy: 'canary' as const, primary: 2, candidate: 3, weight: 10 };
  return {
    deployment: {
      id: 7,
      name,
      modelName: 'penguins',
      modelRef: 'penguins@production',
      strategy: 'canary',
      primaryVersion: 2,
      candidateRef: 'penguins/3',
      candidateVersion: 3,
      weight: 10,
      host: '127.0.0.1',
      port: 8501,
      pid: 41234,
      status: 'running',
      error: null,
      config: DEFAULT_SERVE_CONFIG,
      tokenFile: '/work/examples/.labbook/deployments/penguins-7.token',
      createdAt: start - 60_000,
      createdBy: 'ana',
      startedAt: start - 58_000,
      stoppedAt: null,
      updatedAt: start,
    },
    split,
    url: `http://127.0.0.1:8501/v1/models/${name}`,
    up: true,
    at: now,
    windowMs,
    bucketMs,
    thresholds: DEFAULT_MONITOR_THRESHOLDS,
    requestsPerSecond: (sum('primary') + sum('candidate')) / (windowMs / 1000),
    latency: degraded ? { p50: 3.3, p95: 298.4, p99: 415.2 } : { p50: 3.2, p95: 8.1, p99: 13.7 },
    responsesByCode: degraded ? { 200: 1712, 422: 9, 500: 139 } : { 200: 1843, 422: 7 },
    errorRate: degraded ? 148 / 1860 : 7 / 1850,
    traffic,
    variants: [
      {
        variant: 'primary',
        version: 2,
        predictions: sum('primary'),
        labelled: Math.round(labelled * 0.76),
        accuracy: 0.953,
        mae: null,
      },
      {
        variant: 'candidate',
        version: 3,
        predictions: sum('candidate'),
        labelled: Math.round(labelled * 0.24),
        accuracy: candidateAccuracy,
        mae: null,
      },
    ],
    drift: {
      reference: 'penguins-train v1',
      rows: 500,
      report: {
        reference: { source: 'penguins-train v1', rows: 344 },
        current: { source: 'recent inputs', rows: 500 },
        dataset: {
          drifted: driftedColumns / columns.length >= 0.5,
          share: driftedColumns / columns.length,
          driftedColumns,
          columns: columns.length,
          threshold: 0.5,
        },
        columns,
        options: { columnMethods: {}, datasetShare: 0.5 } as DriftReport['options'],
      },
      message: null,
    },
    detector: { name: 'adwin', values: labelled, detections: degraded ? [163] : [], errors },
    alerts,
    status: degraded ? 'degraded' : 'healthy',
  };
}

/**
 * A real drift report, as the host and the kernel send it (issue 14, item 5): cars.json
 * without the Japanese cars against all of them, so Origin's chi-square statistic is
 * infinite (p 0), and Year is a datetime column. Computed by core/drift (DuckDB) in this
 * Node process, put on the wire by drift-wire.ts, then through JSON as VS Code does.
 */
export async function carsOriginDrift(): Promise<unknown> {
  type Car = Record<string, unknown> & { Origin: string };
  const cars = JSON.parse(
    readFileSync(
      join(__dirname, '..', '..', '..', 'node_modules', 'vega-datasets', 'data', 'cars.json'),
      'utf8',
    ),
  ) as Car[];
  const report = await driftReport(
    { data: cars.filter((c) => c.Origin !== 'Japan'), name: 'cars-no-japan' },
    { data: cars, name: 'cars' },
  );
  return JSON.parse(JSON.stringify(driftReportToWire(report))) as unknown;
}
