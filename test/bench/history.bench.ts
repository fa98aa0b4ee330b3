/**
 * A 1,000,000-point metric history served for a chart (issue 23): the service's run
 * details (read + downsampled to 1000 pixel columns, core/common/downsample.ts) against the
 * bare read of the same points from the same store in the same run (store.metricHistory).
 * Prints the median of REPETITIONS of each, the ratio, and the points and JSON bytes that
 * would cross to the webview either way.
 *
 * Not a timed test: it prints figures.
 * Usage: npm run bench:history (LABBOOK_BENCH_REPETITIONS overrides 3)
 */
import * as path from 'node:path';
import { asyncRunStore } from '../../core/store/sqlite/async-run-store';
import { Store } from '../../core/store';
import { runDetails } from '../../core/service/queries';
import { makeTempDir, removeDir } from '../unit/temp';

const POINTS = 1_000_000;
const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const dir = makeTempDir();
  try {
    const sync = Store.open({ path: path.join(dir, 'labbook.db') });
    const run = sync.createRun({ experiment: 'bench' });
    for (let start = 0; start < POINTS; start += 100_000) {
      sync.insertMetricPoints(
        Array.from({ length: 100_000 }, (_, i) => {
          const step = start + i;
          const value =
            step % 50_000 === 7 ? Number.NaN : Math.exp(-step / 300_000) + Math.sin(step) * 0.01;
          return { runId: run.id, key: 'loss', step, timestamp: 1 + step, value };
        }),
      );
    }
    const store = asyncRunStore(sync);
    const bare: number[] = [];
    const served: number[] = [];
    let bareBytes = 0;
    let servedBytes = 0;
    let servedPoints = 0;
    for (let r = 0; r < REPETITIONS; r++) {
      let t = performance.now();
      const points = await store.metricHistory(run.id, 'loss');
      bare.push(performance.now() - t);
      if (r === 0) bareBytes = JSON.stringify(points).length;
      t = performance.now();
      const details = await runDetails(store, run.id);
      served.push(performance.now() - t);
      if (r === 0) {
        servedPoints = details!.metricHistory.loss.length;
        servedBytes = JSON.stringify(details!.metricHistory).length;
      }
    }
    const b = median(bare);
    const s = median(served);
    console.log(`history of ${POINTS.toLocaleString('en')} points, median of ${REPETITIONS}:`);
    console.log(
      `  bare read (store.metricHistory):     ${b.toFixed(0)} ms, ${POINTS} points, ${(bareBytes / 1e6).toFixed(1)} MB as JSON`,
    );
    console.log(
      `  run details, downsampled (service):  ${s.toFixed(0)} ms, ${servedPoints} points, ${(servedBytes / 1e3).toFixed(0)} kB as JSON`,
    );
    console.log(`  ratio served / bare read: ${(s / b).toFixed(2)}`);
    sync.close();
  } finally {
    removeDir(dir);
  }
}

void main();
