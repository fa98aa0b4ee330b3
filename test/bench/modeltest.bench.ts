/**
 * Model tests at speed (issue 20), each against a baseline measured in the same run:
 * 1. the full report (robustness with FGSM, fairness by Sex and Island, permutation
 *    importance, integrated gradients, weight mutants) on the penguins holdout, against one
 *    bare batched predict over the same rows; target under 5 s;
 * 2. permutation importance (5 repeats) on 100,000 rows × 20 features, against one bare
 *    predict over the same 100,000 rows; target under 10 s.
 * Not a timed test: it prints seconds, ratios and the load average (other processes on a
 * shared machine stretch every figure). tfjs backend: cpu (LABBOOK_BENCH_BACKEND=wasm to compare).
 * Usage: npm run bench:modeltest   (LABBOOK_BENCH_ROWS overrides the 100,000 rows)
 */
import { loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {
  encode,
  mulberry32,
  permutationImportance,
  predictMatrix,
  testModel,
  type ModelSpec,
  type Row,
} from '../../core/modeltest';
import { penguinsData } from '../support/penguins-data';
import { tfjsWasmBackend } from '../../core/engines';

const ROWS = Number(process.env.LABBOOK_BENCH_ROWS ?? 100_000);
const FEATURES = 20;

async function seconds<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t0 = performance.now();
  const value = await f();
  return [(performance.now() - t0) / 1000, value];
}

function line(name: string, s: number, base: number, target: number): void {
  console.log(
    `${name.padEnd(44)} ${s.toFixed(3)} s   bare predict ${base.toFixed(4)} s   ratio ${(s / base).toFixed(1)}x   target < ${target} s: ${s < target ? 'met' : 'MISSED'}`,
  );
}

async function penguins(): Promise<void> {
  const data = penguinsData();
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [4],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 7 }),
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 8 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d(data.X.slice(0, data.nTrain));
  const y = tf.tensor2d(data.y.slice(0, data.nTrain));
  await model.fit(x, y, { epochs: 20, batchSize: 32, shuffle: false, verbose: 0 });
  x.dispose();
  y.dispose();
  const spec: ModelSpec = { features: data.features, task: 'classification', labels: data.species };
  const enc = encode(data.holdout, spec);
  await predictMatrix(tf, model, enc.x, enc.n, enc.d); // warm-up
  const [base] = await seconds(() => predictMatrix(tf, model, enc.x, enc.n, enc.d));
  const [full, report] = await seconds(() =>
    testModel(tf, model, spec, data.holdout, { sensitive: ['Sex', 'Island'] }),
  );
  line(`full report, penguins holdout (${enc.n} rows)`, full, base, 5);
  console.log(
    `  per test: ${Object.entries(report.timings)
      .map(([k, v]) => `${k} ${v.toFixed(2)} s`)
      .join(', ')}`,
  );
  model.dispose();
}

async function importance(): Promise<void> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES],
        units: 16,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
      }),
      tf.layers.dense({
        units: 3,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
      }),
    ],
  });
  const random = mulberry32(3);
  const features = Array.from({ length: FEATURES }, (_, j) => `f${j}`);
  const spec: ModelSpec = { features, task: 'classification', labels: ['a', 'b', 'c'] };
  const rows: Row[] = Array.from({ length: ROWS }, () => {
    const row: Row = { label: 'a' };
    for (const f of features) row[f] = random() * 2 - 1;
    return row;
  });
  const enc = encode({ rows, label: 'label' }, spec);
  // Labels: the model's own answers, with 10% changed, so importances are not all zero.
  const own = await predictMatrix(tf, model, enc.x, enc.n, enc.d);
  for (let i = 0; i < enc.n; i++) {
    let best = 0;
    for (let k = 1; k < 3; k++) if (own.out[i * 3 + k] > own.out[i * 3 + best]) best = k;
    enc.y[i] = random() < 0.1 ? (best + 1) % 3 : best;
  }
  const [base] = await seconds(() => predictMatrix(tf, model, enc.x, enc.n, enc.d));
  const [s, result] = await seconds(() =>
    permutationImportance(tf, model, spec, enc, { repeats: 5, seed: 0 }),
  );
  line(`permutation importance, ${ROWS} rows × ${FEATURES} features, 5 repeats`, s, base, 10);
  const top = [...result.features].sort((a, b) => b.mean - a.mean).slice(0, 3);
  console.log(
    `  ${FEATURES * 5 + 1} predicts of ${ROWS} rows; top: ${top.map((f) => `${f.feature} ${f.mean.toFixed(4)}±${f.std.toFixed(4)}`).join(', ')}`,
  );
  model.dispose();
}

async function main(): Promise<void> {
  // LABBOOK_BENCH_BACKEND=wasm tries tfjs' WebAssembly backend (here it was slower than cpu).
  const backend = process.env.LABBOOK_BENCH_BACKEND ?? 'cpu';
  if (backend === 'wasm') tfjsWasmBackend();
  await tf.setBackend(backend);
  console.log(
    `tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}, load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  await penguins();
  await importance();
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
