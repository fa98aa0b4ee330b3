/**
 * The penguins notebook's preprocessing, shared by the registry and model-test suites:
 * drop rows without measurements, standardise, shuffle with mulberry32(7), split 80/20;
 * the holdout keeps Island, Sex and Species beside the features.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Holdout } from '../../core/registry/types';

interface Penguin {
  Species: string;
  Island: string;
  Sex: string | null;
  [measurement: string]: string | number | null;
}

export function penguinsData() {
  const dataDir = join(dirname(require.resolve('vega-datasets')), '..', 'data');
  const raw = JSON.parse(readFileSync(join(dataDir, 'penguins.json'), 'utf8')) as Penguin[];
  const features = ['Beak Length (mm)', 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'];
  const penguins = raw.filter((p) => features.every((f) => typeof p[f] === 'number'));
  const species = [...new Set(penguins.map((p) => p.Species))].sort();
  let a = 7;
  const random = () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const order = penguins.map((_, i) => i).sort(() => random() - 0.5);
  const columns = features.map((f) => penguins.map((p) => p[f] as number));
  const means = columns.map((c) => c.reduce((s, v) => s + v, 0) / c.length);
  const stds = columns.map((c, j) =>
    Math.sqrt(c.reduce((s, v) => s + (v - means[j]) ** 2, 0) / (c.length - 1)),
  );
  const X = order.map((i) =>
    features.map((f, j) => ((penguins[i][f] as number) - means[j]) / stds[j]),
  );
  const y = order.map((i) => species.map((s) => (penguins[i].Species === s ? 1 : 0)));
  const nTrain = Math.round(X.length * 0.8);
  const holdout: Holdout = {
    label: 'Species',
    rows: order.slice(nTrain).map((i, k) => ({
      ...Object.fromEntries(features.map((f, j) => [f, X[nTrain + k][j]])),
      Island: penguins[i].Island,
      Sex: penguins[i].Sex,
      Species: penguins[i].Species,
    })),
  };
  return { features, species, X, y, nTrain, holdout };
}
