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

interface SharedState {
  context: ExecutionContext;
  listeners: Set<RunEventListener>;
}

const STATE = Symbol.for('labbook.sdk.executionContext');

function state(): SharedState {
  const global = globalThis as Record<symbol, unknown>;
  let shared = global[STATE] as SharedState | undefined;
  if (!shared) global[STATE] = shared = { context: {}, listeners: new Set() };
  return shared;
}

/** Replaces the context; runs started from now on record it. */
export function setExecutionContext(context: ExecutionContext): void {
  state().context = { ...context };
}

export function getExecutionContext(): ExecutionContext {
  return { ...state().context };
}

/** Subscribes to run starts and ends; returns the function that unsubscribes. */
export function onRunEvent(listener: RunEventListener): () => void {
  const { listeners } = state();
  listeners.add(listener);
  return () => { listeners.delete(listener); };
}

/** A failing listener must not break the user's training loop, so errors are reported, not thrown. */
export function emitRunEvent(event: RunEvent): void {
  for (const listener of [...state().listeners]) {
    try {
      listener(event);
    } catch (error) {
      process.emitWarning(`labbook: a run event listener failed: ${(error as Error)?.message ?? String(error)}`);
    }
  }
}
