/**
 * What the kernel tells the SDK about the code that is running (which notebook, which
 * cell), and what the SDK tells the kernel back (runs starting and ending). Kernel-facing;
 * notebooks do not import this.
 *
 * The state hangs off globalThis under a registered symbol so that the kernel and the
 * notebook share it even if the SDK module were loaded twice (two paths, two caches).
 */

export interface ExecutionContext {
  /** Absolute path of the notebook whose code is running. */
  notebook?: string;
  /** The running cell: its index in the notebook, or an id. */
  cell?: number | string;
}

export interface RunEvent {
  kind: 'started' | 'ended';
  runId: string;
  experiment: string;
  name: string;
  /** 'running' when started; 'finished', 'failed' or 'killed' when ended. */
  status: string;
}

export type RunEventListener = (event: RunEvent) => void;

/** One cell the kernel executed in this session (what a run's source snapshot is made of). */
export interface ExecutedCell {
  /** Index of the cell in the notebook when it ran, if the client said. */
  index: number | null;
  /** The execution counter shown beside the cell. */
  executionCount: number | null;
  source: string;
}

/** Cells without an index cannot replace their earlier runs; keep only this many of the latest. */
const MAX_EXECUTED_CELLS = 2000;

interface SharedState {
  context: ExecutionContext;
  listeners: Set<RunEventListener>;
  cells: ExecutedCell[];
}

const STATE = Symbol.for('labbook.sdk.executionContext');

function state(): SharedState {
  const global = globalThis as Record<symbol, unknown>;
  let shared = global[STATE] as SharedState | undefined;
  if (!shared) global[STATE] = shared = { context: {}, listeners: new Set(), cells: [] };
  // A state made by an older copy of this module (loaded from another path) lacks newer fields.
  shared.cells ??= [];
  return shared;
}

/** Replaces the context; runs started from now on record it. */
export function setExecutionContext(context: ExecutionContext): void {
  state().context = { ...context };
}

export function getExecutionContext(): ExecutionContext {
  return { ...state().context };
}

/**
 * Called by the kernel when a cell starts executing (so the running cell is included).
 * Cells are kept in execution order; a cell index run again replaces its earlier
 * execution, since the snapshot wants what each cell defines now.
 */
export function recordExecutedCell(cell: ExecutedCell): void {
  const { cells } = state();
  const entry: ExecutedCell = {
    index: typeof cell.index === 'number' && Number.isInteger(cell.index) ? cell.index : null,
    executionCount:
      typeof cell.executionCount === 'number' && Number.isInteger(cell.executionCount)
        ? cell.executionCount
        : null,
    source: String(cell.source ?? ''),
  };
  if (entry.index !== null) {
    const earlier = cells.findIndex((c) => c.index === entry.index);
    if (earlier >= 0) cells.splice(earlier, 1);
  }
  cells.push(entry);
  if (cells.length > MAX_EXECUTED_CELLS) cells.splice(0, cells.length - MAX_EXECUTED_CELLS);
}

/** The cells executed in this session, in execution order (last execution of each cell index). */
export function executedCells(): ExecutedCell[] {
  return state().cells.map((c) => ({ ...c }));
}

/** Forgets the executed cells (tests; a kernel restart starts a new process anyway). */
export function clearExecutedCells(): void {
  state().cells = [];
}

/** Subscribes to run starts and ends; returns the function that unsubscribes. */
export function onRunEvent(listener: RunEventListener): () => void {
  const { listeners } = state();
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

/** A failing listener must not break the user's training loop, so errors are reported, not thrown. */
export function emitRunEvent(event: RunEvent): void {
  for (const listener of [...state().listeners]) {
    try {
      listener(event);
    } catch (error) {
      process.emitWarning(
        `labbook: a run event listener failed: ${(error as Error)?.message ?? String(error)}`,
      );
    }
  }
}
