/**
 * A served model for the serve tests and the bench: two versions of a small penguins
 * classifier (vega-datasets penguins.json, 4 standardised measurements -> 3 species),
 * trained with tfjs on the CPU backend and registered in a real store in a temp folder.
 * v1 is trained well, v2 barely (so the variants answer differently).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Registry } from '../../core/registry/registry';
import { saveModelArtifacts } from '../../core/registry/model-io';
import { openStore, type OpenStore } from '../../core/store';
import { logDatasetForRun } from '../../kernel/sdk/dataset';

export const MODEL = 'penguins';
export const FEATURES = [
  'Beak Length (mm)',
  'Beak Depth (mm)',
  'Flipper Length (mm)',
  'Body Mass (g)',
];

export interface PenguinRow {
  [feature: string]: number | string;
  Species: string;
}

export function penguinRows(): { rows: PenguinRow[]; species: string[] } {
  const dataDir = join(dirname(require.resolve('vega-datasets')), '..', 'data');
  const raw = JSON.parse(readFileSync(join(dataDir, 'penguins.json'), 'utf8')) as Record<
    string,
    string | number | null
  >[];
  const clean = raw.filter((p) => FEATURES.every((f) => typeof p[f] === 'number'));
  const columns = FEATURES.map((f) => clean.map((p) => p[f] as number));
  const means = columns.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
  const stds = columns.map((c, j) =>
    Math.sqrt(c.reduce((s, v) => s + (v - means[j]) ** 2, 0) / (c.length - 1)),
  );
  const rows = clean.map((p) => ({
    ...Object.fromEntries(FEATURES.map((f, j) => [f, ((p[f] as number) - means[j]) / stds[j]])),
    Species: p.Species as string,
  })) as PenguinRow[];
  const species = [...new Set(rows.map((r) => r.Species))].sort();
  return { rows, species };
}

async function train(
  rows: PenguinRow[],
  species: string[],
  epochs: number,
  seed: number,
): Promise<tf.LayersModel> {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({
        inputShape: [FEATURES.length],
        units: 8,
        activation: 'relu',
        kernelInitializer: tf.initializers.glorotUniform({ seed }),
      }),
      tf.layers.dense({
        units: species.length,
        activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }),
      }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.05), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d(rows.map((r) => FEATURES.map((f) => r[f] as number)));
  const y = tf.tensor2d(rows.map((r) => species.map((s) => (r.Species === s ? 1 : 0))));
  try {
    if (epochs > 0) await model.fit(x, y, { epochs, batchSize: 32, shuffle: false, verbose: 0 });
  } finally {
    x.dispose();
    y.dispose();
  }
  return model;
}

export interface ServeFixture {
  dir: string;
  dbPath: string;
  store: OpenStore;
  registry: Registry;
  rows: PenguinRow[];
  species: string[];
  close(): void;
}

export interface ServeFixtureOptions {
  /**
   * Each version's run logs its training rows as data set `penguins-train` (role train,
   * with its Parquet snapshot), as run.logDataset does: monitoring compares live inputs
   * with it. Off by default: it costs DuckDB a second or so.
   */
  logTrainingData?: boolean;
  /** The store to fill (a SQLite file or a PostgreSQL URL); default `<dir>/.labbook/labbook.db`. */
  location?: string;
}

/** A store at `<dir>/.labbook/labbook.db` with penguins v1 (good) and v2 (barely trained). */
export async function servedPenguins(
  dir: string,
  options: ServeFixtureOptions = {},
): Promise<ServeFixture> {
  if (tf.getBackend() !== 'cpu') await tf.setBackend('cpu');
  const dbPath = options.location ?? join(dir, '.labbook', 'labbook.db');
  const store = openStore({ path: dbPath, cwd: dir });
  const registry = new Registry(store, { who: () => 'serve-test' });
  const { rows, species } = penguinRows();
  const signature = {
    features: FEATURES.map((name) => ({ name, dtype: 'float32' as const })),
    inputShape: [null, FEATURES.length],
    outputShape: [null, species.length],
    task: 'classification' as const,
    labels: species,
  };
  for (const [epochs, seed] of [
    [30, 7],
    [0, 11],
  ] as const) {
    const model = await train(rows, species, epochs, seed);
    // An experiment of its own: the integration suites share the example workspace's store,
    // and the runs suite expects every "penguins" run to come from the example notebook.
    const run = store.createRun({
      experiment: 'penguins-serving',
      name: `dense-8-${epochs}-epochs`,
    });
    await saveModelArtifacts(store, run.id, model, 'model/');
    if (options.logTrainingData)
      await logDatasetForRun(run.id, store, rows, { name: 'penguins-train', role: 'train' });
    store.endRun(run.id, 'finished');
    registry.registerVersion({
      name: MODEL,
      runId: run.id,
      artifactPath: 'model/',
      signature,
      by: 'serve-test',
    });
    model.dispose();
  }
  return { dir, dbPath, store, registry, rows, species, close: () => store.close() };
}
