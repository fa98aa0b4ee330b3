/**
 * Sorting the numeric samples of a drift report. Every numeric method takes both samples
 * sorted; on a million values per column, V8's Float64Array.prototype.sort (~150 ms) and
 * DuckDB's ORDER BY (~100 ms, one thread per column) dominate the report. A bucket sort
 * by value (buckets spread linearly over [min, max], a bucket of more than a few values
 * sorted again the same way by its own range) is linear on the distributions real data
 * has, ~40 ms per million values, and the recursion keeps skewed data (outliers,
 * log-normal) from degrading.
 *
 * SortPool runs the same sort in worker threads (this file is the worker's script too), so
 * the main thread tests one column while the next is sorted, on machines with more than
 * one core. Where workers cannot start, it sorts in the calling thread.
 */
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

/** Buckets at most this small are finished by insertion sort. */
const SMALL = 48;
/** Deeper than this (e.g. values crowded at the ends of a huge range) the native sort takes over. */
const MAX_DEPTH = 8;

export class Sorter {
  private tmp = new Float64Array(0);
  private idx = new Int32Array(0);

  /** Sorts finite values ascending, in place, and returns the same array. */
  sort(values: Float64Array): Float64Array {
    if (this.tmp.length < values.length) {
      this.tmp = new Float64Array(values.length);
      this.idx = new Int32Array(values.length);
    }
    this.sortRange(values, 0, values.length, 0);
    return values;
  }

  private sortRange(a: Float64Array, s: number, e: number, depth: number): void {
    const n = e - s;
    if (n <= SMALL) {
      insertionSort(a, s, e);
      return;
    }
    let lo = a[s];
    let hi = a[s];
    for (let i = s + 1; i < e; i++) {
      const x = a[i];
      if (x < lo) lo = x;
      else if (x > hi) hi = x;
    }
    if (lo === hi) return;
    const buckets = Math.max(2, n >>> 3);
    const scale = buckets / (hi - lo);
    if (depth >= MAX_DEPTH || !Number.isFinite(scale) || scale === 0) {
      a.subarray(s, e).sort();
      return;
    }
    const { tmp, idx } = this;
    const start = new Int32Array(buckets + 1);
    const last = buckets - 1;
    for (let i = s; i < e; i++) {
      let b = ((a[i] - lo) * scale) | 0;
      if (b > last) b = last;
      idx[i] = b;
      start[b + 1]++;
    }
    for (let b = 0; b < buckets; b++) start[b + 1] += start[b];
    const next = start.slice(0, buckets);
    for (let i = s; i < e; i++) tmp[s + next[idx[i]]++] = a[i];
    a.set(tmp.subarray(s, e), s);
    for (let b = 0; b < buckets; b++) {
      const bs = s + start[b];
      const be = s + start[b + 1];
      if (be - bs > SMALL) this.sortRange(a, bs, be, depth + 1);
      else if (be - bs > 1) insertionSort(a, bs, be);
    }
  }
}

function insertionSort(a: Float64Array, s: number, e: number): void {
  for (let i = s + 1; i < e; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= s && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

interface SortMessage {
  id: number;
  buffer: ArrayBuffer;
  byteOffset: number;
  length: number;
}

export class SortPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (a: Float64Array) => void; reject: (e: Error) => void }
  >();
  private readonly local = new Sorter();
  private next = 0;

  constructor(size = Math.min(2, availableParallelism() - 1)) {
    for (let i = 0; i < size; i++) {
      try {
        const worker = new Worker(__filename, { workerData: { labbookSort: true } });
        worker.on('message', (m: SortMessage) => {
          this.pending.get(m.id)?.resolve(new Float64Array(m.buffer, m.byteOffset, m.length));
          this.pending.delete(m.id);
        });
        worker.on('error', (error) => {
          for (const p of this.pending.values()) p.reject(error);
          this.pending.clear();
        });
        this.workers.push(worker);
      } catch {
        break;
      }
    }
  }

  /** Sorts in a worker; the array's buffer moves there and back, so use the returned array. */
  sort(values: Float64Array): Promise<Float64Array> {
    if (this.workers.length === 0) return Promise.resolve(this.local.sort(values));
    const id = this.next++;
    const worker = this.workers[id % this.workers.length];
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      const message: SortMessage = {
        id,
        buffer: values.buffer as ArrayBuffer,
        byteOffset: values.byteOffset,
        length: values.length,
      };
      worker.postMessage(message, [message.buffer]);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

if (!isMainThread && (workerData as { labbookSort?: boolean } | null)?.labbookSort === true) {
  const sorter = new Sorter();
  parentPort!.on('message', (m: SortMessage) => {
    sorter.sort(new Float64Array(m.buffer, m.byteOffset, m.length));
    parentPort!.postMessage(m, [m.buffer]);
  });
}
