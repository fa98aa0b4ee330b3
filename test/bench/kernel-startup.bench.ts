/**
 * Kernel start-up: the time from spawning a kernel to its answered `kernel/initialize`
 * (ready), and the time of a cell `import * as lab from "labbook"` in a fresh kernel (after
 * one warm-up cell, so the figure is the SDK's load and not the compiler's first program),
 * each against a baseline measured in the same run: a bare `node -e` spawn to its exit.
 * Median of REPETITIONS fresh kernels each.
 *
 * Not a timed test: it prints figures.
 * Usage: npm run bench:startup   (LABBOOK_BENCH_REPETITIONS overrides the repetitions, default 5)
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import { makeTempDir, removeDir } from '../unit/temp';

const REPETITIONS = Number(process.env.LABBOOK_BENCH_REPETITIONS ?? 5);
const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function bareNode(): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', () => resolve(performance.now() - started));
  });
}

async function cell(kernel: KernelClient, code: string, count: number): Promise<number> {
  const started = performance.now();
  const { status } = await kernel.execute({ cellId: `c${count}`, code, executionCount: count });
  if (status !== 'ok') throw new Error(`cell ${JSON.stringify(code)} ended ${status}`);
  return performance.now() - started;
}

async function main(): Promise<void> {
  const dir = makeTempDir('labbook-startup-bench-');
  const bare: number[] = [];
  const ready: number[] = [];
  const warmCell: number[] = [];
  const importCell: number[] = [];
  try {
    for (let i = 0; i < REPETITIONS; i++) {
      // Alternate so machine load hits both alike.
      bare.push(await bareNode());
      const started = performance.now();
      const kernel = await KernelClient.start({
        notebookPath: path.join(dir, `bench-${i}.ipynb`),
        storePath: path.join(dir, 'store', 'labbook.db'),
        kernelMain,
      });
      ready.push(performance.now() - started);
      try {
        warmCell.push(await cell(kernel, 'const warm: number = 1;\nwarm', 1));
        importCell.push(
          await cell(kernel, 'import * as lab from "labbook";\ntypeof lab.startRun', 2),
        );
      } finally {
        await kernel.shutdown();
      }
    }
  } finally {
    removeDir(dir);
  }
  const ms = (xs: number[]) =>
    `${median(xs).toFixed(0).padStart(5)} ms   runs: ${xs.map((x) => x.toFixed(0)).join(', ')}`;
  const b = median(bare);
  process.stdout.write(
    `kernel start-up, ${REPETITIONS} fresh kernels (median)\n` +
      `  bare node -e spawn       ${ms(bare)}\n` +
      `  kernel spawn to ready    ${ms(ready)}\n` +
      `  first cell (warm-up)     ${ms(warmCell)}\n` +
      `  import "labbook" cell    ${ms(importCell)}\n` +
      `  ratio ready/bare node ${(median(ready) / b).toFixed(2)}x   import cell/bare node ${(median(importCell) / b).toFixed(2)}x\n`,
  );
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
