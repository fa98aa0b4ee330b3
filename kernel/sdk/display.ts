/**
 * Rich display from notebook cells: each call emits one Jupyter MIME bundle into the
 * output of the cell that is running. The kernel installs the sink; outside a kernel
 * (a plain `node` script) the text fallback is printed so the call still shows something.
 */
import { randomBytes } from 'node:crypto';
import * as util from 'node:util';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';

/** What the kernel registers to receive display data. */
export type DisplaySink = (
  data: Record<string, unknown>,
  metadata: Record<string, unknown>,
  displayId: string | undefined,
  update: boolean,
) => void;

const SINK = Symbol.for('labbook.kernel.displaySink');

/** Called by the kernel process; not part of the notebook-facing API. */
export function installDisplaySink(sink: DisplaySink | undefined): void {
  (globalThis as Record<symbol, unknown>)[SINK] = sink;
}

function emit(data: Record<string, unknown>, displayId: string | undefined, update: boolean): void {
  const sink = (globalThis as Record<symbol, unknown>)[SINK] as DisplaySink | undefined;
  if (sink) {
    sink(data, {}, displayId, update);
    return;
  }
  const text = data['text/plain'];
  process.stdout.write(
    `${typeof text === 'string' ? text : `[${Object.keys(data).join(', ')}]`}\n`,
  );
}

function toBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** A handle that displays rich content; a handle made by `newDisplay()` replaces its own output on each call. */
export class Display {
  private shown = false;
  /** @internal */
  constructor(private readonly displayId?: string) {}

  /** Any MIME bundle, e.g. `{"text/html": "<b>hi</b>", "text/plain": "hi"}`. Binary data must be base64. */
  bundle(data: Record<string, unknown>): void {
    const update = this.displayId !== undefined && this.shown;
    this.shown = true;
    emit(data, this.displayId, update);
  }
  /** One MIME type; a Uint8Array is base64-encoded as Jupyter expects. */
  raw(mimeType: string, data: string | Uint8Array): void {
    if (typeof mimeType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(mimeType)) {
      throw new TypeError(`display.raw: "${String(mimeType)}" is not a MIME type`);
    }
    this.bundle({ [mimeType]: typeof data === 'string' ? data : toBase64(data) });
  }
  html(html: string): void {
    this.raw('text/html', html);
  }
  markdown(markdown: string): void {
    this.raw('text/markdown', markdown);
  }
  text(text: string): void {
    this.raw('text/plain', text);
  }
  svg(svg: string): void {
    this.raw('image/svg+xml', svg);
  }
  png(bytes: Uint8Array): void {
    this.raw('image/png', bytes);
  }
  jpeg(bytes: Uint8Array): void {
    this.raw('image/jpeg', bytes);
  }
  gif(bytes: Uint8Array): void {
    this.raw('image/gif', bytes);
  }
  pdf(bytes: Uint8Array): void {
    this.raw('application/pdf', bytes);
  }
  latex(latex: string): void {
    this.raw('text/latex', latex);
  }
  javascript(code: string): void {
    this.raw('text/javascript', code);
  }
  /** A JSON value, shown as an expandable tree where the front end supports it. */
  json(value: unknown): void {
    this.bundle({
      'application/json': JSON.parse(JSON.stringify(value)),
      'text/plain': JSON.stringify(value, null, 2),
    });
  }
  /** A vega-lite (v5) chart; renders inline in VS Code with the Labbook extension and in Jupyter. */
  vegalite(spec: Record<string, unknown>): void {
    if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
      throw new TypeError('display.vegalite: the spec must be a vega-lite specification object');
    }
    const title = typeof spec.title === 'string' ? spec.title : 'vega-lite chart';
    this.bundle({ [VEGALITE_MIME]: JSON.parse(JSON.stringify(spec)), 'text/plain': `<${title}>` });
  }
  /**
   * Shows `value` in an output that `update()` replaces in place, also after the cell has
   * finished (from a timer, a callback, a later cell):
   *
   * ```ts
   * const status = lab.display.updatable("starting…");
   * for (let i = 1; i <= 10; i++) { await step(); status.update(`step ${i} of 10`); }
   * ```
   */
  updatable(value: unknown): UpdatableDisplay {
    const handle = new UpdatableDisplay(newDisplayId());
    handle.update(value);
    return handle;
  }
}

/** Symbol an object implements to give its own MIME bundle (also the kernel's cell results). */
const MIME_BUNDLE = Symbol.for('labbook.mimeBundle');

/**
 * A value as a MIME bundle, the way a cell's last expression is shown: a string as text, an
 * object with its own representation (`Symbol.for("labbook.mimeBundle")`) as that, anything
 * else as Node's inspection of it.
 */
export function valueBundle(value: unknown): Record<string, unknown> {
  if (typeof value === 'string') return { 'text/plain': value };
  const text = util.inspect(value, { depth: 4, maxArrayLength: 100, breakLength: 100 });
  const own =
    value !== null && typeof value === 'object'
      ? (value as Record<symbol, unknown>)[MIME_BUNDLE]
      : undefined;
  if (typeof own === 'function') {
    const bundle = own.call(value) as Record<string, unknown>;
    if (bundle && typeof bundle === 'object') return { 'text/plain': text, ...bundle };
  }
  return { 'text/plain': text };
}

/**
 * The handle `display.updatable()` returns: `update(value)` replaces what it shows; the
 * other methods (`html`, `vegalite`, `bundle`, …) replace it too, with that kind of content.
 */
export class UpdatableDisplay extends Display {
  /** @internal */
  constructor(readonly id: string) {
    super(id);
  }
  /** Replaces the output with `value`, shown as a cell result would be. */
  update(value: unknown): void {
    this.bundle(valueBundle(value));
  }
}

function newDisplayId(): string {
  return randomBytes(8).toString('hex');
}

/** Display rich content in the running cell's output. */
export const display = new Display();

/** A display whose every call replaces what it showed before (for progress tables and live charts). */
export function newDisplay(): Display {
  return new Display(newDisplayId());
}
