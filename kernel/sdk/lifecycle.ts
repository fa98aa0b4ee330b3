/**
 * Process-wide bookkeeping for the SDK: which stores are open and which runs are still
 * active, so that nothing a notebook or script logged is lost when the process exits
 * normally or is stopped by Ctrl+C, SIGTERM or a closed terminal.
 *
 * process.on('exit') handlers run synchronously and cannot await; better-sqlite3 is
 * synchronous, so flushing and ending runs there works.
 */
import {
  openStore,
  resolveStoreLocation,
  type OpenStore,
  type SyncRunStore,
} from '../../core/store';

export interface ExitAware {
  /** Flush and end the run because the process is exiting with `code`. */
  endAtExit(code: number): void;
  /** Flush and end the run because the process is being stopped by `signal`. */
  endAtSignal(signal: NodeJS.Signals): void;
  /** Store what is buffered, keeping the run going. */
  flush(): void;
}

const activeRuns = new Set<ExitAware>();
let exitHandlerInstalled = false;

function endActiveRunsAtExit(code: number): void {
  for (const run of [...activeRuns]) {
    try {
      run.endAtExit(code);
    } catch (error) {
      process.stderr.write(
        `labbook: could not save a run while exiting: ${(error as Error)?.message ?? String(error)}\n`,
      );
    }
  }
}

/** Signals whose default action ends the process without running 'exit' handlers. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onStopSignal(signal: NodeJS.Signals): void {
  if (process.listenerCount(signal) > 1) {
    // Someone else owns this signal (the notebook kernel turns SIGINT into "interrupt the
    // cell"): the process goes on, and so do its runs; store what they buffered all the same.
    for (const run of [...activeRuns]) {
      try {
        run.flush();
      } catch (error) {
        process.stderr.write(
          `labbook: could not save metrics on ${signal}: ${(error as Error)?.message ?? String(error)}\n`,
        );
      }
    }
    return;
  }
  for (const run of [...activeRuns]) {
    try {
      run.endAtSignal(signal);
    } catch (error) {
      process.stderr.write(
        `labbook: could not save a run on ${signal}: ${(error as Error)?.message ?? String(error)}\n`,
      );
    }
  }
  // Then stop as the signal would have, so the exit status still says what happened.
  for (const s of STOP_SIGNALS) process.removeListener(s, onStopSignal);
  process.kill(process.pid, signal);
}

export function trackRun(run: ExitAware): void {
  activeRuns.add(run);
  if (!exitHandlerInstalled) {
    exitHandlerInstalled = true;
    process.on('exit', endActiveRunsAtExit);
    for (const signal of STOP_SIGNALS) process.on(signal, onStopSignal);
  }
}

export function untrackRun(run: ExitAware): void {
  activeRuns.delete(run);
}

/** A store borrowed by a run; release it when the run ends. */
export interface StoreLease {
  store: SyncRunStore;
  release(): void;
}

const openStores = new Map<string, { store: OpenStore; users: number }>();

/**
 * Runs that name the same store (a SQLite file or a PostgreSQL URL) share one connection.
 * The connection closes when its last run ends, so a long-lived kernel holds no file or
 * server connection open between runs. A SyncRunStore handed in by the caller stays the
 * caller's to close.
 */
export function leaseStore(option?: string | SyncRunStore): StoreLease {
  if (option !== undefined && typeof option !== 'string')
    return { store: option, release: () => undefined };
  const location = resolveStoreLocation({ path: option });
  const path = location.backend === 'postgres' ? location.url : location.path;
  let entry = openStores.get(path);
  if (!entry || !entry.store.isOpen) {
    entry = { store: openStore({ path }), users: 0 };
    openStores.set(path, entry);
  }
  entry.users += 1;
  const held = entry;
  let released = false;
  return {
    store: held.store,
    release: () => {
      if (released) return;
      released = true;
      held.users -= 1;
      if (held.users === 0) {
        held.store.close();
        if (openStores.get(path) === held) openStores.delete(path);
      }
    },
  };
}
