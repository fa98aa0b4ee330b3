/**
 * The prediction log: scored instances buffered in memory and written to `prediction_logs`
 * in one transaction when `flushRows` are waiting or `flushMs` after the first one, so a
 * busy server costs SQLite one commit per batch, not one per request. A sampling share
 * below 1 keeps only that share of requests (all instances of a request together).
 * A failed write never fails a request: the rows are counted as dropped and the error
 * reported once per burst.
 */
import { isBusy, type PredictionLogStore } from '../store';
import type { LoggedPrediction, PredictionLog } from '../common/serve-types';

export type { LoggedPrediction };

export interface PredictionLogOptions {
  flushRows: number;
  flushMs: number;
  sampling: number;
  /** Bounds of the log per deployment, enforced after writes (see prunePredictionLogs). */
  retention?: { rows: number; days: number };
  /** Least time between two prunes; default a minute. */
  pruneEveryMs?: number;
  random?: () => number;
  onError?: (error: Error, dropped: number) => void;
}

/** Rows kept in memory while the store is locked by another writer; beyond this they are dropped. */
export const MAX_RETAINED_ROWS = 100_000;

export class PredictionLogWriter {
  private buffer: PredictionLog[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  written = 0;
  dropped = 0;

  constructor(
    private readonly log: PredictionLogStore,
    private readonly options: PredictionLogOptions,
  ) {}

  get buffered(): number {
    return this.buffer.length;
  }

  /** Whether this request is logged (decided once per request, so its instances stay together). */
  sample(): boolean {
    const share = this.options.sampling;
    if (share >= 1) return true;
    if (share <= 0) return false;
    return (this.options.random ?? Math.random)() < share;
  }

  add(rows: readonly PredictionLog[]): void {
    if (this.closed || rows.length === 0) return;
    for (const row of rows) this.buffer.push(row);
    if (this.buffer.length >= this.options.flushRows) this.flush();
    else if (this.timer === null) {
      this.timer = setTimeout(() => this.flush(), this.options.flushMs);
      this.timer.unref?.();
    }
  }

  /** Writes everything buffered now, in one transaction. */
  flush(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.buffer.length === 0) return;
    const rows = this.buffer;
    this.buffer = [];
    try {
      // The write runs on the server's only thread: waiting for another writer's lock
      // would hold every request behind it. Fail at once and retry after flushMs instead.
      this.log.write(rows, { waitMs: 0 });
      this.written += rows.length;
      this.pruneNow(rows);
    } catch (error) {
      // Another process holds the write lock (a long transaction): keep the rows and try
      // again shortly, up to a bound; anything else, or too much waiting, is dropped.
      if (isBusy(error) && !this.closed && rows.length + this.buffer.length <= MAX_RETAINED_ROWS) {
        this.buffer = rows.concat(this.buffer);
        if (this.timer === null) {
          this.timer = setTimeout(() => this.flush(), this.options.flushMs);
          this.timer.unref?.();
        }
        return;
      }
      this.dropped += rows.length;
      this.options.onError?.(error as Error, rows.length);
    }
  }

  private lastPrune = 0;
  private writtenSincePrune = 0;

  /**
   * Keeps the log within its retention, now and then: every `pruneEveryMs`, or sooner when
   * a tenth of the row bound was written since. A failed prune is retried next time.
   */
  private pruneNow(rows: readonly PredictionLog[]): void {
    const retention = this.options.retention;
    if (!retention) return;
    this.writtenSincePrune += rows.length;
    const now = Date.now();
    if (
      now - this.lastPrune < (this.options.pruneEveryMs ?? 60_000) &&
      this.writtenSincePrune < retention.rows / 10
    )
      return;
    try {
      for (const deploymentId of new Set(rows.map((r) => r.deploymentId))) {
        this.pruned += prunePredictionLogs(this.log, deploymentId, {
          maxRows: retention.rows,
          maxAgeMs: retention.days * 86_400_000,
          now,
        });
      }
      this.lastPrune = now;
      this.writtenSincePrune = 0;
    } catch (error) {
      if (!isBusy(error)) this.options.onError?.(error as Error, 0);
    }
  }

  pruned = 0;

  /** Writes what is buffered (once: a locked store then drops it) and takes no more rows. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
  }
}

/**
 * Deletes a deployment's prediction-log rows beyond its retention: older than `maxAgeMs`,
 * and all but the newest `maxRows`; feedback goes with its prediction. Returns the rows
 * deleted. Asks for the lock without waiting, like the writes.
 */
export function prunePredictionLogs(
  log: PredictionLogStore,
  deploymentId: number,
  retention: { maxRows: number; maxAgeMs: number; now?: number },
): number {
  const cutoff = (retention.now ?? Date.now()) - retention.maxAgeMs;
  return log.prune(deploymentId, { maxRows: retention.maxRows, cutoff }, { waitMs: 0 });
}

/** Logged predictions of a deployment with their feedback joined by id, newest first. */
export function readPredictionLogs(
  log: PredictionLogStore,
  deploymentId: number,
  options: { limit?: number; since?: number } = {},
): LoggedPrediction[] {
  return log.read(deploymentId, { limit: options.limit ?? 1000, since: options.since ?? 0 });
}
