/**
 * Cell speed of the notebook kernel, in one run: the real kernel process (started as the
 * CLI and the extension start it, through KernelClient) runs CELLS trivial cells in a
 * plain notebook; a second kernel imports tfjs and labbook (the import cell is timed) and
 * runs the same cells. Prints p50/p90 of both, the ratio of the p50s, the import cell's time
 * and the cold start-to-ready time of each kernel, each against its target.
 *
 * Not a timed test: it prints figures (exit code 0 even when a target is missed, so a loaded
 * machine does not fail a build; LABBOOK_BENCH_STRICT=1 makes a miss exit 1).
 * Usage: npm run bench:kernel   (LABBOOK_BENCH_CELLS overrides the cell count, default 20)
 *        npm run bench:kernel -- --breakdown   also prints where the import cell's time went
 *        (the kernels then run with TypeScript's performance counters on: compare figures
 *        of runs made the same way).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import type { CellPhases } from '../../kernel/protocol';
import { makeTempDir, removeDir } from '../unit/temp';

const CELLS = Number(process.env.LABBOOK_BENCH_CELLS ?? 20);
const BREAKDOWN = process.argv.includes('--breakdown');
/** LABBOOK_BENCH_KERNEL: another build's kernel/main.js, to compare two builds the same way. */
const kernelMain =
  process.env.LABBOOK_BENCH_KERNEL ?? path.join(__dirname, '..', '..', 'kernel', 'main.js');
/** A different text each time, as a user's cells are: an unchanged cell would be a cache hit. */
const trivial = (i: number): string => `${i} + 1`;
const IMPORTS =
  'import * as tf from "@tensorflow/tfjs";\nimport * as lab from "labbook";\ntf.version.tfjs';

/**
 * The third kernel's pause before its import cell, as a user reading the notebook makes one:
 * the kernel parses the declarations the notebook's cells import meanwhile (idle warm-up).
 */
const IDLE_MS = Number(process.env.LABBOOK_BENCH_IDLE_MS ?? 5000);
/** When, after the first cell, the third kernel is sent a trivial cell: while its warm-up runs. */
const DURING_WARM_UP_MS = 100;

const TARGETS = { ratio: 1.5, importMs: 1500, readyMs: 3000 };

const quantile = (xs: number[], q: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

interface KernelFigures {
  readyMs: number;
  /** The first cell after ready: ready is answered before the compiler loads, so this cell may wait for it. */
  firstCellMs: number;
  importMs?: number;
  importPhases?: CellPhases;
  /** A trivial cell sent while the idle warm-up runs (third kernel only). */
  duringWarmUpMs?: number;
  duringWarmUpPhases?: CellPhases;
  cells: number[];
  cellPhases: CellPhases[];
}

let lastPhases: CellPhases | undefined;

async function timedCell(kernel: KernelClient, code: string, count: number): Promise<number> {
  const started = performance.now();
  const result = await kernel.execute({ cellId: `c${count}`, code, executionCount: count });
  if (result.status !== 'ok')
    throw new Error(`cell ${JSON.stringify(code)} ended ${result.status}`);
  lastPhases = result.phases;
  return performance.now() - started;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The notebook file the kernel serves, as the editor saves it: its cells are what the idle warm-up reads. */
function writeNotebook(file: string, cells: string[]): void {
  const nb = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {},
    cells: cells.map((source) => ({
      cell_type: 'code',
      metadata: {},
      execution_count: null,
      outputs: [],
      source,
    })),
  };
  fs.writeFileSync(file, JSON.stringify(nb));
}

async function measure(
  dir: string,
  name: string,
  withImports: boolean,
  idleMs?: number,
): Promise<KernelFigures> {
  const errors: string[] = [];
  const notebookPath = path.join(dir, `${name}.ipynb`);
  writeNotebook(notebookPath, [
    'undefined',
    ...(withImports ? [IMPORTS] : []),
    ...Array.from({ length: CELLS }, (_, i) => trivial(i)),
  ]);
  const started = performance.now();
  const kernel = await KernelClient.start({
    notebookPath,
    storePath: path.join(dir, 'store', 'labbook.db'),
    kernelMain,
    env: BREAKDOWN ? { LABBOOK_KERNEL_PHASES: '1' } : {},
  });
  const readyMs = performance.now() - started;
  kernel.on('output', (p) => {
    if (p.output.kind === 'error') errors.push(p.output.traceback.join('\n'));
  });
  try {
    let count = 1;
    const cells: number[] = [];
    // The first cell pays for the compiler's warm-up (see firstCellMs); in the tfjs kernel it
    // comes before the import, so the import cell's time is tfjs and labbook only.
    const firstCellMs = await timedCell(kernel, 'undefined', count++);
    let duringWarmUpMs: number | undefined;
    let duringWarmUpPhases: CellPhases | undefined;
    if (idleMs !== undefined) {
      const idleStarted = performance.now();
      await sleep(DURING_WARM_UP_MS);
      duringWarmUpMs = await timedCell(kernel, trivial(-1), count++);
      duringWarmUpPhases = lastPhases;
      await sleep(Math.max(0, idleMs - (performance.now() - idleStarted)));
    }
    const importMs = withImports ? await timedCell(kernel, IMPORTS, count++) : undefined;
    const importPhases = withImports ? lastPhases : undefined;
    const cellPhases: CellPhases[] = [];
    for (let i = 0; i < CELLS; i++) {
      cells.push(await timedCell(kernel, trivial(i), count++));
      if (lastPhases) cellPhases.push(lastPhases);
    }
    return {
      readyMs,
      firstCellMs,
      importMs,
      importPhases,
      duringWarmUpMs,
      duringWarmUpPhases,
      cells,
      cellPhases,
    };
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${errors.join('\n')}`);
  } finally {
    await kernel.shutdown();
  }
}

async function main(): Promise<void> {
  const dir = makeTempDir('labbook-kernel-bench-');
  let plain: KernelFigures;
  let tf: KernelFigures;
  let idle: KernelFigures;
  try {
    plain = await measure(dir, 'plain', false);
    tf = await measure(dir, 'tfjs', true);
    idle = await measure(dir, 'tfjs-idle', true, IDLE_MS);
  } finally {
    removeDir(dir);
  }
  const p50Plain = quantile(plain.cells, 0.5);
  const p50Tf = quantile(tf.cells, 0.5);
  const ratio = p50Tf / p50Plain;
  const verdict = (ok: boolean) => (ok ? 'ok  ' : 'MISS');
  const ms = (x: number) => `${x.toFixed(0).padStart(5)} ms`;
  const coldReady = Math.max(plain.readyMs, tf.readyMs);
  const lines = [
    `kernel cells: ${CELLS} trivial cells (${JSON.stringify(trivial(0))}, ${JSON.stringify(trivial(1))}, ...) per kernel`,
    `  plain notebook           p50 ${ms(p50Plain)}   p90 ${ms(quantile(plain.cells, 0.9))}`,
    `  tfjs + labbook imported  p50 ${ms(p50Tf)}   p90 ${ms(quantile(tf.cells, 0.9))}`,
    `  ${verdict(ratio <= TARGETS.ratio)} ratio of p50s           ${ratio.toFixed(2)}x      target ≤ ${TARGETS.ratio}x`,
    `  ${verdict(tf.importMs! <= TARGETS.importMs)} import cell (tfjs+labbook) ${ms(tf.importMs!)}   target ≤ ${TARGETS.importMs} ms`,
    `  ${verdict(coldReady <= TARGETS.readyMs)} cold start to ready      ${ms(coldReady)}   target ≤ ${TARGETS.readyMs} ms   (plain ${plain.readyMs.toFixed(0)}, tfjs ${tf.readyMs.toFixed(0)})`,
    `       first cell after ready   ${ms(plain.firstCellMs)}   (plain; tfjs kernel ${tf.firstCellMs.toFixed(0)} ms): loads the compiler, Node's declarations, first checker`,
    `       import cell after ${(IDLE_MS / 1000).toFixed(0)} s idle ${ms(idle.importMs!)}   (third kernel, idle before its import cell: time for the idle warm-up)`,
    `       trivial cell during warm-up ${ms(idle.duringWarmUpMs!)}   (sent ${DURING_WARM_UP_MS} ms after the first cell; plain p50 ${p50Plain.toFixed(0)} ms)`,
    `  cells (plain): ${plain.cells.map((x) => x.toFixed(0)).join(', ')}`,
    `  cells (tfjs):  ${tf.cells.map((x) => x.toFixed(0)).join(', ')}`,
  ];
  if (tf.importPhases) lines.push(...breakdown('import cell (tfjs+labbook)', tf.importPhases));
  if (idle.importPhases)
    lines.push(...breakdown(`import cell after ${IDLE_MS} ms idle`, idle.importPhases));
  if (idle.duringWarmUpPhases)
    lines.push(...breakdown('trivial cell sent during the warm-up', idle.duringWarmUpPhases));
  const median = medianPhases(tf.cellPhases);
  if (median) lines.push(...breakdown('trivial cell, tfjs kernel (p50 of each phase)', median));
  process.stdout.write(`${lines.join('\n')}\n`);
  const missed =
    ratio > TARGETS.ratio || tf.importMs! > TARGETS.importMs || coldReady > TARGETS.readyMs;
  if (missed && process.env.LABBOOK_BENCH_STRICT === '1') process.exitCode = 1;
}

/** Lines of a cell's breakdown: what it spent, from the kernel's own measures (protocol.CellPhases). */
function breakdown(title: string, p: CellPhases): string[] {
  const ms = (x: number) => `${x.toFixed(0).padStart(6)} ms`;
  const other = p.programMs - p.parseMs - p.ioReadMs - p.resolveMs;
  const checkerRest = p.convertMs - p.programMs - p.bindMs - p.checkMs - p.emitMs;
  const requires = Object.entries(p.requireMs);
  const requireTotal = requires.reduce((sum, [, t]) => sum + t, 0);
  return [
    `  breakdown: ${title}`,
    `    compiler load (no warm-up before)  ${ms(p.compilerMs)}`,
    `    type check and compile             ${ms(p.convertMs)}`,
    `      program creation                 ${ms(p.programMs)}   (${p.filesParsed} files parsed)`,
    `        parse                          ${ms(p.parseMs)}`,
    `        file reads                     ${ms(p.ioReadMs)}`,
    `        module resolution              ${ms(p.resolveMs)}`,
    `        the rest of program creation   ${ms(other)}`,
    `      bind (checker creation)          ${ms(p.bindMs)}`,
    `      check                            ${ms(p.checkMs)}`,
    `      emit (transpile)                 ${ms(p.emitMs)}`,
    `      tslab's converter, the rest      ${ms(checkerRest)}`,
    `    run (imports included)             ${ms(p.runMs)}`,
    ...requires.map(([id, t]) => `      require ${id.padEnd(26)}${ms(t)}`),
    `      the cell itself                  ${ms(p.runMs - requireTotal)}`,
    ...(p.prewarmedFiles !== undefined
      ? [`    declaration files the idle warm-up parsed so far: ${p.prewarmedFiles}`]
      : []),
  ];
}

function medianPhases(all: CellPhases[]): CellPhases | undefined {
  if (all.length === 0) return undefined;
  const mid = (pick: (p: CellPhases) => number) => quantile(all.map(pick), 0.5);
  const keys = Object.keys(all[0]).filter(
    (k) => typeof all[0][k as keyof CellPhases] === 'number',
  ) as (keyof CellPhases)[];
  const out: CellPhases = { ...all[0], requireMs: {} };
  for (const k of keys) (out as unknown as Record<string, number>)[k] = mid((p) => p[k] as number);
  return out;
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
