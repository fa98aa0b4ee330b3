/**
 * Adaptive batching of one loaded model (TF Serving's batching, on Node's event loop):
 * requests that arrive together are scored as one tensor and each is answered with its own
 * rows.
 *
 * - A request that finds nothing queued and nothing being scored is scored on the next turn
 *   of the event loop (`setImmediate`): it never waits for a window, yet requests read from
 *   other sockets in the same turn join its batch.
 * - While a batch is being scored, arrivals queue; they go as the next batch as soon as the
 *   model is free, or after `batchTimeoutMs` at most, or at once when `maxBatchSize` rows
 *   are queued.
 * - A batch never holds more than `maxBatchSize` rows, except a single request that alone has
 *   more (it is scored alone, never split).
 */

export interface BatchOptions {
  /** Most rows in one batch. */
  maxBatchSize: number;
  /** Most milliseconds a queued request waits for the batch being scored (0: until it is done). */
  batchTimeoutMs: number;
}

/** What scoring a batch gives: one entry per row, plus the batch's time. */
export interface BatchResult<Out> {
  rows: Out[];
  ms: number;
}

interface Waiting<In, Out> {
  rows: In[];
  resolve(result: BatchResult<Out>): void;
  reject(error: unknown): void;
}

export class Batcher<In, Out> {
  private queue: Waiting<In, Out>[] = [];
  private queuedRows = 0;
  private scoring = 0;
  private scheduled: 'immediate' | 'timer' | null = null;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  /** Batches scored and rows in them (tests and metrics read these). */
  batches = 0;
  rowsScored = 0;

  constructor(
    private readonly score: (rows: In[]) => Promise<BatchResult<Out>>,
    private readonly options: BatchOptions,
  ) {}

  /** Scores `rows` (in a batch with others if they come together); resolves to exactly their results. */
  submit(rows: In[]): Promise<BatchResult<Out>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ rows, resolve, reject });
      this.queuedRows += rows.length;
      if (this.queuedRows >= this.options.maxBatchSize) this.flushSoon('now');
      else if (this.scoring === 0) this.flushSoon('immediate');
      else if (this.options.batchTimeoutMs > 0) this.flushSoon('timer');
      // else: the batch being scored takes the queue when it ends.
    });
  }

  /** Requests queued or being scored. */
  get busy(): boolean {
    return this.queue.length > 0 || this.scoring > 0;
  }

  private flushSoon(when: 'now' | 'immediate' | 'timer'): void {
    if (when === 'now') {
      this.cancel();
      this.flush();
      return;
    }
    if (this.scheduled === 'immediate' || (this.scheduled === 'timer' && when === 'timer')) return;
    this.cancel();
    this.scheduled = when;
    this.timer =
      when === 'immediate'
        ? setImmediate(() => this.flush())
        : setTimeout(() => this.flush(), this.options.batchTimeoutMs);
  }

  private cancel(): void {
    if (this.timer) {
      if (this.scheduled === 'immediate') clearImmediate(this.timer as NodeJS.Immediate);
      else clearTimeout(this.timer as NodeJS.Timeout);
    }
    this.timer = null;
    this.scheduled = null;
  }

  private flush(): void {
    this.cancel();
    while (this.queue.length > 0) {
      const batch: Waiting<In, Out>[] = [];
      let size = 0;
      while (
        this.queue.length > 0 &&
        (batch.length === 0 || size + this.queue[0].rows.length <= this.options.maxBatchSize)
      ) {
        const next = this.queue.shift()!;
        batch.push(next);
        size += next.rows.length;
      }
      this.queuedRows -= size;
      void this.run(batch, size);
      // What is left over a full batch goes at once; a partial rest waits for the model.
      if (this.queuedRows < this.options.maxBatchSize) break;
    }
    if (this.queue.length > 0 && this.options.batchTimeoutMs > 0) this.flushSoon('timer');
  }

  private async run(batch: Waiting<In, Out>[], size: number): Promise<void> {
    this.scoring++;
    try {
      const rows = batch.length === 1 ? batch[0].rows : batch.flatMap((w) => w.rows);
      let result: BatchResult<Out>;
      try {
        result = await this.score(rows);
      } catch (error) {
        for (const w of batch) w.reject(error);
        return;
      }
      this.batches++;
      this.rowsScored += size;
      let at = 0;
      for (const w of batch) {
        const n = w.rows.length;
        w.resolve({
          rows: batch.length === 1 ? result.rows : result.rows.slice(at, at + n),
          // Each request carries its share of the batch's time, so per-row latency stays comparable.
          ms: (result.ms * n) / size,
        });
        at += n;
      }
    } finally {
      this.scoring--;
      if (this.queue.length > 0 && this.scoring === 0) this.flushSoon('immediate');
    }
  }
}
