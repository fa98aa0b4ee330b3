/**
 * Data the panels are tested and photographed with. Hostile strings stand where users'
 * names, params and tags go: notebooks write them, panels must show them as text.
 */
import type { MetricPointItem, RunComparisonData, RunDetails, RunItem } from '../../core/service/protocol';
import type { RunsTableRow } from '../../core/service/protocol';
import type { GateResult, ModelCard, ModelDetails, ModelTransition, ModelVersionItem } from '../../core/service/protocol';

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
    ...overrides,
  };
}

export function hostileRunDetails(): RunDetails {
  const history = Array.from({ length: 20 }, (_, step) => ({ step, timestamp: Date.UTC(2026, 10, 24, 9, 0, step), value: 1 - Math.exp(-step / 5) }));
  return {
    ...hostileRunItem(),
    sourceCell: '3',
    gitCommit: 'a'.repeat(40),
    gitDirty: true,
    environment: { node: 'v20.19.0', platform: 'linux', arch: 'x64', packages: { '@tensorflow/tfjs': '4.22.0', [HOSTILE.script]: null } },
    error: null,
    params: { lr: '0.01', [HOSTILE.img]: HOSTILE.script },
    tags: { model: HOSTILE.svg, note: HOSTILE.link },
    latestMetrics: { val_acc: history[history.length - 1], [`acc ${HOSTILE.img}`]: history[3] },
    metricHistory: { val_acc: history, [`acc ${HOSTILE.img}`]: history.slice(0, 4) },
    artifacts: [{ name: `model/${HOSTILE.img}.json`, sha256: 'b'.repeat(64), size: 2048, mediaType: 'application/json' }],
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
    name: hostile && i === 0 ? `baseline ${HOSTILE.img}` : hostile && i === 1 ? `wide ${HOSTILE.script}` : cfg.name,
    experiment: hostile ? `penguins ${HOSTILE.svg}` : 'penguins',
    status: i === count - 1 ? 'running' : 'finished',
  }));
  const startTimes: Record<string, number> = {};
  const histories: Record<string, Record<string, MetricPointItem[]>> = { acc: {}, val_acc: {}, loss: {}, val_loss: {} };
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
      const progress = 1 - Math.exp(-(step + 1) * rate / 6);
      const acc = Math.min(0.999, 0.35 + (ceiling - 0.35) * progress + noise() * 0.04);
      const valAcc = Math.min(0.999, acc - 0.02 + noise() * 0.06);
      const loss = 1.1 * (1 - progress) + 0.08 + Math.abs(noise()) * 0.08;
      const valLoss = loss + 0.04 + noise() * 0.1;
      histories.acc[id].push({ step, timestamp, value: acc });
      histories.val_acc[id].push({ step, timestamp, value: valAcc });
      histories.loss[id].push({ step, timestamp, value: loss });
      // The fast-lr run diverges once: a NaN and an Infinity the charts must leave out.
      histories.val_loss[id].push({ step, timestamp, value: i === 2 && step === 7 ? 'NaN' : i === 2 && step === 8 ? 'Infinity' : valLoss });
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
  const params = Object.keys(paramRows).sort().map((key) => {
    const values = paramRows[key];
    return { key, values, differs: new Set(values).size > 1 };
  });
  const latest = (key: string) => configs.map((_, i) => {
    const points = histories[key][runs[i].id];
    return points[points.length - 1].value;
  });
  const metricKeys = Object.keys(histories).sort();
  const metrics = metricKeys.map((key) => {
    const values = latest(key);
    const higherIsBetter = !/loss/.test(key);
    const finite = values.map(Number).filter(Number.isFinite);
    const target = higherIsBetter ? Math.max(...finite) : Math.min(...finite);
    return { key, values, higherIsBetter, best: values.flatMap((v, i) => (v === target ? [i] : [])) };
  });
  return { comparison: { runs, params, metrics }, histories, startTimes };
}

/** Runs for the runs table: `count` penguins-like top-level runs (lr, hidden units, epochs, val_acc, val_loss). */
export function penguinsTableRows(count: number, options: { hostile?: boolean } = {}): RunsTableRow[] {
  const lrs = ['0.001', '0.003', '0.01', '0.03', '0.1'];
  const units = ['8', '16', '32', '64'];
  const statuses: RunsTableRow['status'][] = ['finished', 'finished', 'finished', 'finished', 'failed', 'killed', 'running'];
  const rows: RunsTableRow[] = [];
  // A small deterministic generator, so screenshots are stable.
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
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
      val_acc: { latest: valAcc, min: valAcc - 0.3, max: valAcc + random() * 0.02, step: Number(epochs) - 1 },
      val_loss: { latest: valLoss, min: valLoss - 0.01, max: valLoss + 0.9, step: Number(epochs) - 1 },
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
      { name: 'bill_length_mm', dtype: 'float32' as const }, { name: 'bill_depth_mm', dtype: 'float32' as const },
      { name: 'flipper_length_mm', dtype: 'float32' as const }, { name: 'body_mass_g', dtype: 'float32' as const },
    ],
    inputShape: [null, 4], outputShape: [null, 3], task: 'classification' as const, labels: ['Adelie', 'Chinstrap', 'Gentoo'],
  };
  const holdout = { artifact: 'model/holdout.json', rows: 68, label: 'species', columns: ['bill_length_mm', 'bill_depth_mm', 'flipper_length_mm', 'body_mass_g', 'island', 'sex', 'species'], sha256: 'c'.repeat(64) };
  const version = (n: number, overrides: Partial<ModelVersionItem>): ModelVersionItem => ({
    name, version: n, stage: 'None', aliases: [], runId: `${n}a2b3c4d5e6f708192a3b4c5d6e7f8091`.slice(0, 32), artifactPath: 'model/',
    signature, holdout, description: null, intendedUse: null, limitations: null,
    createdAt: MODEL_T0 + n * 24 * HOUR, createdBy: 'ana', runName: `dense-${n * 8}`, experiment: 'penguins', metrics: {}, inUse: false,
    ...overrides,
  });
  const versions = [
    version(3, { stage: 'Production', aliases: hostile ? ['champion', `x${HOSTILE.svg}`] : ['champion'], description: hostile ? `wide net ${HOSTILE.script}` : 'Two hidden layers of 24 units.',
      metrics: { val_acc: 0.9612, val_loss: 0.1184, acc: 0.978, loss: 0.072 }, runName: hostile ? `dense ${HOSTILE.img}` : 'dense-24', inUse: true }),
    version(2, { stage: 'Archived', metrics: { val_acc: 0.9418, val_loss: 0.1502, acc: 0.962, loss: 0.101 }, runName: 'dense-16' }),
    version(1, { stage: 'None', aliases: hostile ? [] : ['baseline'], metrics: { val_acc: 0.8731, val_loss: 'NaN', acc: 0.901, loss: 0.254 }, runName: 'linear', signature: null, holdout: null }),
  ];
  const gate = (text: string, passed: boolean, actual: number | null, expected: string, message: string): GateResult => ({ gate: text, passed, actual, expected, message });
  const t = (id: number, at: number, fields: Partial<ModelTransition>): ModelTransition => ({
    id, name, version: 1, kind: 'stage', from: null, to: null, alias: null, at: MODEL_T0 + at * HOUR, by: 'ana', reason: null, forced: false, gates: null, ...fields,
  });
  const history: ModelTransition[] = [
    t(9, 80, { version: 3, kind: 'alias-set', alias: 'champion', reason: hostile ? `best so far ${HOSTILE.img}` : 'best so far' }),
    t(8, 79, { version: 2, kind: 'stage', from: 'Production', to: 'Archived', reason: 'replaced by v3' }),
    t(7, 79, { version: 3, kind: 'stage', from: 'Staging', to: 'Production', by: 'ben', reason: hostile ? `ship it ${HOSTILE.script}` : 'Approved in the Thursday review', gates: [
      gate('metrics.val_acc >= 0.95', true, 0.9612, '>= 0.95', 'val_acc 0.9612 is at least 0.95'),
      gate('not worse than Production v2 on the holdout (accuracy, tolerance 0.01)', true, 0.9559, '>= 0.9194 (v2 0.9294 - 0.01)', 'accuracy 0.9559 on 68 holdout rows; v2 has 0.9294'),
    ] }),
    t(6, 75, { version: 3, kind: 'stage', from: 'None', to: 'Staging', gates: [gate('metrics.val_acc >= 0.9', true, 0.9612, '>= 0.9', 'val_acc 0.9612 is at least 0.9')] }),
    t(5, 74, { version: 3, kind: 'registered' }),
    t(4, 50, { version: 2, kind: 'stage', from: 'Staging', to: 'Production', forced: true, reason: hostile ? `deadline ${HOSTILE.link}` : 'Demo on Friday; the gate threshold is being revised', gates: [
      gate('metrics.val_acc >= 0.95', false, 0.9418, '>= 0.95', 'val_acc 0.9418 is below 0.95 by 0.0082'),
    ] }),
    t(3, 49, { version: 2, kind: 'stage', from: 'None', to: 'Staging', gates: [gate('metrics.val_acc >= 0.9', true, 0.9418, '>= 0.9', 'val_acc 0.9418 is at least 0.9')] }),
    t(2, 48, { version: 2, kind: 'registered' }),
    t(1, 24, { version: 1, kind: 'registered' }),
  ];
  return {
    model: {
      name, description: hostile ? `Species from measurements ${HOSTILE.img}` : 'Penguin species from bill, flipper and body measurements.',
      createdAt: MODEL_T0 + 24 * HOUR, latestVersion: 3, production: 3, staging: null,
      aliases: hostile ? { champion: 3, [`x${HOSTILE.svg}`]: 3 } : { champion: 3, baseline: 1 },
    },
    versions,
    history,
    gates: {
      production: { metrics: ['metrics.val_acc >= 0.95'], notWorseThanProduction: { metric: 'accuracy', tolerance: 0.01 } },
      staging: { metrics: ['metrics.val_acc >= 0.9'] },
    },
    gatesPath: '/work/examples/.labbook/gates/penguins-classifier.json',
  };
}

/** The card of v3, sliced by island: Torgersen is much worse than overall. */
export function penguinsModelCard(options: RegistryFixtureOptions & { sliceColumn?: string | null } = {}): { card: ModelCard; markdown: string } {
  const hostile = options.hostile ?? false;
  const details = penguinsModel(options);
  const v = details.versions[0];
  const column = options.sliceColumn === undefined ? 'island' : options.sliceColumn;
  const islandGroups = [
    { value: 'Biscoe', rows: 33, metrics: { accuracy: 0.9697, f1_macro: 0.9612 } },
    { value: 'Dream', rows: 25, metrics: { accuracy: 0.96, f1_macro: 0.9583 } },
    { value: hostile ? `Torgersen ${HOSTILE.img}` : 'Torgersen', rows: 10, metrics: { accuracy: 0.8, f1_macro: 0.7407 } },
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
      description: v.description, createdAt: v.createdAt, createdBy: v.createdBy, runId: v.runId, runName: v.runName, experiment: 'penguins',
      gitCommit: 'd'.repeat(40), framework: 'TensorFlow.js 4.22.0 (layers model)', signature: v.signature,
    },
    intendedUse: hostile ? `Teaching ${HOSTILE.script}` : 'Teaching examples of multi-class classification on tabular data.',
    limitations: null,
    trainingData: {
      params: { epochs: '40', hidden_units: '24', lr: '0.01', optimizer: 'adam', [hostile ? HOSTILE.img : 'seed']: hostile ? HOSTILE.svg : '42' },
      datasets: [{ name: hostile ? `penguins.csv ${HOSTILE.img}` : 'penguins.csv', role: 'training', fingerprint: 'e'.repeat(64), rows: 276 }],
    },
    metrics: {
      run: { val_acc: 0.9612, val_loss: 0.1184, acc: 0.978, loss: 0.072, lr_final: 'NaN' },
      holdout: {
        rows: 68,
        metrics: { accuracy: 0.9412, f1_macro: 0.9351 },
        ...(column ? { slices: { column, groups: column === 'sex' ? sexGroups : islandGroups } } : {}),
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
