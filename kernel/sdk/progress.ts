/**
 * `lab.progress(iterable)`: a progress bar for long loops, drawn in the cell's output and
 * updated in place. Updates are rate-limited (a tight loop of a million items makes a
 * handful of updates, not a million), and the last state is always drawn, also when the
 * loop ends early (`break`, an exception).
 *
 * ```ts
 * for (const batch of lab.progress(batches)) await train(batch);
 * for await (const row of lab.progress(stream, { total: 10_000, label: "rows" })) …
 * ```
 */
import { newDisplay } from './display';

export interface ProgressOptions {
  /** How many items there are; default: the iterable's `length` or `size`, when it has one. */
  total?: number;
  /** Shown before the count, e.g. "epochs". */
  label?: string;
  /** Least time between two updates, in milliseconds (default 100). */
  everyMs?: number;
}

const DEFAULT_EVERY_MS = 100;
const BAR_WIDTH = 30;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.round(seconds)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** What one state of the bar shows, as HTML and as text (the MIME bundle's two entries). */
export function progressBundle(state: {
  done: number;
  total?: number;
  elapsedMs: number;
  label?: string;
  finished: boolean;
}): Record<string, string> {
  const { done, total, elapsedMs, label, finished } = state;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts: string[] = [];
  const count = total !== undefined ? `${done}/${total}` : `${done}`;
  parts.push(label ? `${label} ${count}` : count);
  if (total !== undefined && total > 0) parts.push(`${Math.floor((100 * done) / total)}%`);
  if (rate > 0) parts.push(`${rate >= 10 ? rate.toFixed(0) : rate.toFixed(2)} it/s`);
  if (finished) parts.push(`done in ${duration(elapsedMs / 1000)}`);
  else if (total !== undefined && rate > 0) parts.push(`${duration((total - done) / rate)} left`);
  else parts.push(`${duration(elapsedMs / 1000)} elapsed`);
  const summary = parts.join(' · ');
  const fraction = total !== undefined && total > 0 ? Math.min(1, done / total) : undefined;
  const filled = fraction === undefined ? 0 : Math.round(fraction * BAR_WIDTH);
  const bar =
    fraction === undefined ? '' : `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] `;
  const meter =
    fraction === undefined
      ? ''
      : `<progress value="${done}" max="${total}" style="width:18em;vertical-align:middle"></progress> `;
  return {
    'text/html': `<div class="labbook-progress">${meter}<span>${escapeHtml(summary)}</span></div>`,
    'text/plain': `${bar}${summary}`,
  };
}

/** The length or size an iterable says it has, if any. */
function knownTotal(iterable: unknown): number | undefined {
  const v = iterable as { length?: unknown; size?: unknown };
  const n =
    typeof v.length === 'number' ? v.length : typeof v.size === 'number' ? v.size : undefined;
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : undefined;
}

class Bar {
  private done = 0;
  private lastDraw = -Infinity;
  private readonly started = performance.now();
  private readonly output = newDisplay();

  constructor(private readonly options: { total?: number; label?: string; everyMs: number }) {
    this.draw(false);
  }

  tick(): void {
    this.done++;
    if (performance.now() - this.lastDraw >= this.options.everyMs) this.draw(false);
  }

  finish(): void {
    this.draw(true);
  }

  private draw(finished: boolean): void {
    this.lastDraw = performance.now();
    this.output.bundle(
      progressBundle({
        done: this.done,
        total: this.options.total,
        elapsedMs: this.lastDraw - this.started,
        label: this.options.label,
        finished,
      }),
    );
  }
}

function checkOptions(
  iterable: unknown,
  options: ProgressOptions,
): {
  total?: number;
  label?: string;
  everyMs: number;
} {
  if (options === null || typeof options !== 'object')
    throw new TypeError('progress: options must be an object such as { total: 100 }');
  const { total, label, everyMs } = options;
  if (total !== undefined && (!Number.isFinite(total) || total < 0))
    throw new TypeError(`progress: total must be a non-negative number, got ${String(total)}`);
  if (label !== undefined && typeof label !== 'string')
    throw new TypeError('progress: label must be a string');
  if (everyMs !== undefined && (!Number.isFinite(everyMs) || everyMs < 0))
    throw new TypeError(`progress: everyMs must be a non-negative number, got ${String(everyMs)}`);
  return {
    total: total ?? knownTotal(iterable),
    label: label === undefined ? undefined : label.slice(0, 200),
    everyMs: everyMs ?? DEFAULT_EVERY_MS,
  };
}

function* syncProgress<T>(iterable: Iterable<T>, bar: Bar): Generator<T, void, undefined> {
  try {
    for (const item of iterable) {
      yield item;
      bar.tick();
    }
  } finally {
    bar.finish();
  }
}

async function* asyncProgress<T>(
  iterable: AsyncIterable<T>,
  bar: Bar,
): AsyncGenerator<T, void, undefined> {
  try {
    for await (const item of iterable) {
      yield item;
      bar.tick();
    }
  } finally {
    bar.finish();
  }
}

/**
 * Iterates `iterable` (an array, a generator, any iterable or async iterable) and draws a
 * progress bar that advances as the loop takes items. The bar appears when the loop starts.
 */
export function progress<T>(iterable: Iterable<T>, options?: ProgressOptions): Iterable<T>;
export function progress<T>(
  iterable: AsyncIterable<T>,
  options?: ProgressOptions,
): AsyncIterable<T>;
export function progress<T>(
  iterable: Iterable<T> | AsyncIterable<T>,
  options: ProgressOptions = {},
): Iterable<T> | AsyncIterable<T> {
  const isSync =
    iterable !== null &&
    iterable !== undefined &&
    typeof (iterable as Iterable<T>)[Symbol.iterator] === 'function';
  const isAsync =
    iterable !== null &&
    iterable !== undefined &&
    typeof (iterable as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
  if (!isSync && !isAsync)
    throw new TypeError(
      `progress: expected an iterable (an array, a generator, a Set…), got ${iterable === null ? 'null' : typeof iterable}`,
    );
  const checked = checkOptions(iterable, options);
  // The bar is drawn when the loop starts, not when progress() is called.
  if (isAsync)
    return {
      [Symbol.asyncIterator]: () => asyncProgress(iterable as AsyncIterable<T>, new Bar(checked)),
    };
  return { [Symbol.iterator]: () => syncProgress(iterable as Iterable<T>, new Bar(checked)) };
}
