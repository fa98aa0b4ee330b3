/**
 * Why a kernel process ended without being asked to, in the words shown under the cell
 * that was running and in the notification. Pure (no `vscode` import): unit-testable.
 */
import { PROCESS_EXIT_NOTICE } from '../../kernel/protocol';

export interface KernelExitInfo {
  code: number | null;
  signal: string | null;
  /** The end of the kernel's own stderr: V8 and Node write why they died there. */
  stderrTail: string;
}

export interface KernelExitDescription {
  /** Error name shown in the cell: KernelExited, KernelOutOfMemory, KernelDied. */
  ename: string;
  /** What happened, naming the notebook (and the cell when one ran). */
  message: string;
}

const HEAP_OUT_OF_MEMORY = /JavaScript heap out of memory|Reached heap limit|Allocation failed/;
const EXIT_CALL = new RegExp(`${escape(PROCESS_EXIT_NOTICE)}\\((-?\\d+)\\)`);

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * `notebook` is the file name shown to the user; `cellNumber` the 1-based position of the
 * cell that was running, if one was.
 */
export function describeKernelExit(
  exit: KernelExitInfo,
  notebook: string,
  cellNumber?: number,
): KernelExitDescription {
  const during = cellNumber === undefined ? '' : ` while cell ${cellNumber} ran`;
  const after = `Its variables are lost; the next cell you run starts a new kernel (or run "Labbook: Restart Kernel").`;
  const exitCall = EXIT_CALL.exec(exit.stderrTail);
  if (exitCall) {
    const who = cellNumber === undefined ? 'The notebook' : `Cell ${cellNumber}`;
    return {
      ename: 'KernelExited',
      message: `${who} called process.exit(${exitCall[1]}), which ends the TypeScript kernel of ${notebook}. ${after}`,
    };
  }
  if (HEAP_OUT_OF_MEMORY.test(exit.stderrTail)) {
    return {
      ename: 'KernelOutOfMemory',
      message:
        `The TypeScript kernel of ${notebook} ran out of memory (JavaScript heap out of memory)${during}. ${after} ` +
        `Keep less in memory (smaller batches, tensor.dispose(), tf.tidy) or give Node a larger heap, e.g. NODE_OPTIONS=--max-old-space-size=8192.`,
    };
  }
  const how = exit.signal ? `was killed (${exit.signal})` : `exited (exit code ${exit.code})`;
  const last = lastLines(exit.stderrTail, 3);
  return {
    ename: 'KernelDied',
    message: `The TypeScript kernel of ${notebook} ${how}${during}. ${after}${last ? `\nIts last output: ${last}` : ''}`,
  };
}

function lastLines(text: string, n: number): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(-n)
    .join(' | ');
}
