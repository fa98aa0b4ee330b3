/**
 * The kernel as a real child process for tests: where its built entry point is, and a
 * session that runs cells one after another and collects each cell's outputs, the way the
 * editor numbers and routes them.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import { KernelClient, type KernelStartOptions } from '../../kernel/client';
import type { CellOutput, ExecuteStatus } from '../../kernel/protocol';

/** The built kernel (dist/kernel/main.js), from any folder of dist/test/. */
export const KERNEL_MAIN = path.join(__dirname, '..', '..', 'kernel', 'main.js');

export interface Ran {
  status: ExecuteStatus;
  outputs: CellOutput[];
}

export class KernelSession {
  private count = 0;
  private readonly outputs = new Map<string, CellOutput[]>();
  /** Every output in the order it arrived, with when (performance.now()). */
  readonly arrivals: { cellId: string; at: number; output: CellOutput }[] = [];

  /** Starts a kernel on the built entry point (the options' kernelMain, if any, wins). */
  static async start(options: Omit<KernelStartOptions, 'kernelMain'> & { kernelMain?: string }) {
    return new KernelSession(await KernelClient.start({ kernelMain: KERNEL_MAIN, ...options }));
  }

  constructor(readonly kernel: KernelClient) {
    kernel.on('output', ({ cellId, output }) => {
      this.outputs.get(cellId)?.push(output);
      this.arrivals.push({ cellId, at: performance.now(), output });
    });
  }

  /** Runs `code` as the next cell; resolves with its status and every output it produced. */
  async run(code: string, cellIndex?: number): Promise<Ran> {
    const cellId = `c${++this.count}`;
    this.outputs.set(cellId, []);
    const { status } = await this.kernel.execute({
      cellId,
      code,
      executionCount: this.count,
      cellIndex,
    });
    // Notifications sent before the response are delivered before it; one tick for safety.
    await new Promise((r) => setImmediate(r));
    return { status, outputs: this.outputs.get(cellId)! };
  }

  /** Runs `code` and returns its result's text, failing with the cell's outputs otherwise. */
  async value(code: string): Promise<string | undefined> {
    const ran = await this.run(code);
    assert.equal(ran.status, 'ok', `${code}: ${JSON.stringify(ran.outputs)}`);
    return resultText(ran.outputs);
  }
}

/** The text/plain of a cell's result, if it had one. */
export function resultText(outputs: readonly CellOutput[]): string | undefined {
  const r = outputs.find((o) => o.kind === 'result');
  return r?.kind === 'result' ? String(r.data['text/plain']) : undefined;
}
