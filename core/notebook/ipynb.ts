/**
 * Jupyter notebooks (nbformat 4) as the CLI reads and writes them: parse with errors that
 * name the file and what is wrong, inject parameters the way papermill does, and turn
 * kernel outputs into nbformat outputs that Jupyter and VS Code both open.
 */
import { readFileSync } from 'node:fs';
import type { CellOutput } from '../../kernel/protocol';

export type MultilineString = string | string[];

export interface NotebookCell {
  cell_type: 'code' | 'markdown' | 'raw';
  source: MultilineString;
  metadata: Record<string, unknown> & { tags?: string[] };
  id?: string;
  execution_count?: number | null;
  outputs?: NbOutput[];
}

export type NbOutput =
  | { output_type: 'stream'; name: 'stdout' | 'stderr'; text: string[] }
  | {
      output_type: 'display_data';
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      transient?: { display_id?: string };
    }
  | {
      output_type: 'execute_result';
      data: Record<string, unknown>;
      metadata: Record<string, unknown>;
      execution_count: number;
    }
  | { output_type: 'error'; ename: string; evalue: string; traceback: string[] };

export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

export class NotebookFormatError extends Error {
  override name = 'NotebookFormatError';
}

/** Kernelspec metadata that tslab, Jupyter and VS Code all recognise as TypeScript. */
export const TYPESCRIPT_KERNELSPEC = {
  kernelspec: { name: 'tslab', display_name: 'TypeScript (Labbook)', language: 'typescript' },
  language_info: { name: 'typescript', file_extension: '.ts', mimetype: 'text/typescript' },
};

export function sourceText(source: MultilineString): string {
  return Array.isArray(source) ? source.join('') : source;
}

/** Jupyter stores text as lines that keep their newline. */
export function toLines(text: string): string[] {
  const lines = text.split(/(?<=\n)/);
  return lines.length === 1 && lines[0] === '' ? [] : lines;
}

export function readNotebook(file: string): Notebook {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new NotebookFormatError(`Cannot read notebook ${file}: ${(error as Error).message}`);
  }
  return parseNotebook(text, file);
}

export function parseNotebook(text: string, file: string): Notebook {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const at = /position (\d+)/.exec((error as Error).message);
    const where = at ? ` at line ${text.slice(0, Number(at[1])).split('\n').length}` : '';
    throw new NotebookFormatError(`${file} is not valid JSON${where}: ${(error as Error).message}`);
  }
  const nb = data as Partial<Notebook>;
  if (!nb || typeof nb !== 'object' || Array.isArray(nb))
    throw new NotebookFormatError(`${file} is not a notebook: the top level must be a JSON object`);
  if (nb.nbformat !== 4)
    throw new NotebookFormatError(
      `${file} is nbformat ${String(nb.nbformat)}; Labbook reads nbformat 4 notebooks`,
    );
  if (!Array.isArray(nb.cells))
    throw new NotebookFormatError(`${file} is not a notebook: "cells" must be an array`);
  nb.cells.forEach((cell, i) => {
    if (!cell || typeof cell !== 'object')
      throw new NotebookFormatError(`${file}: cell ${i + 1} is not an object`);
    if (!['code', 'markdown', 'raw'].includes(cell.cell_type)) {
      throw new NotebookFormatError(
        `${file}: cell ${i + 1} has unknown cell_type ${JSON.stringify(cell.cell_type)}`,
      );
    }
    const src = cell.source;
    if (!(
      typeof src === 'string' ||
      (Array.isArray(src) && src.every((s) => typeof s === 'string'))
    )) {
      throw new NotebookFormatError(
        `${file}: cell ${i + 1} has a "source" that is neither a string nor a list of strings`,
      );
    }
    cell.metadata ??= {};
  });
  return {
    nbformat: 4,
    nbformat_minor: nb.nbformat_minor ?? 5,
    metadata: nb.metadata ?? {},
    cells: nb.cells,
  };
}

export function serializeNotebook(nb: Notebook): string {
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** A `-p name=value` pair: JSON values keep their type (number, boolean, quoted string); anything else is a string. */
export function parseParameter(spec: string): [string, unknown] {
  const eq = spec.indexOf('=');
  if (eq <= 0) throw new Error(`Parameter "${spec}" must look like name=value`);
  const name = spec.slice(0, eq).trim();
  if (!/^[A-Za-z_$][\w$]*$/.test(name))
    throw new Error(`Parameter name "${name}" is not a valid TypeScript identifier`);
  const raw = spec.slice(eq + 1);
  try {
    return [name, JSON.parse(raw)];
  } catch {
    return [name, raw];
  }
}

/**
 * Papermill's rule: the injected cell goes right after the cell tagged `parameters` (or
 * first, when none is tagged) and replaces an injected cell of an earlier run. Redeclaring a
 * `const` in a later cell is allowed in tslab notebooks, so the injected values win.
 */
export function injectParameters(nb: Notebook, params: Record<string, unknown>): Notebook {
  const names = Object.keys(params);
  if (names.length === 0) return nb;
  const cells = nb.cells.filter((c) => !c.metadata.tags?.includes('injected-parameters'));
  const at = cells.findIndex(
    (c) => c.cell_type === 'code' && c.metadata.tags?.includes('parameters'),
  );
  const source = [
    '// Parameters injected by `labbook run -p`\n',
    ...names.map((n) => `const ${n} = ${JSON.stringify(params[n])};\n`),
  ];
  const injected: NotebookCell = {
    cell_type: 'code',
    source,
    metadata: { tags: ['injected-parameters'] },
    execution_count: null,
    outputs: [],
  };
  cells.splice(at + 1, 0, injected);
  return { ...nb, cells };
}

/**
 * How much of one stream output a saved notebook keeps: a cell that prints 100 MB must not
 * write a 100 MB notebook (nor hold it in memory). Like Jupyter front ends, keep the head
 * and the tail, which is where a training log's settings and results are, with a note of
 * what was left out between them.
 */
export const STREAM_KEEP_CHARS = { head: 1 << 20, tail: 1 << 20 };

interface StreamTail {
  /** Lines after the head, oldest first; `start` skips the ones already dropped. */
  lines: string[];
  start: number;
  chars: number;
  omittedLines: number;
  omittedChars: number;
}

interface StreamState {
  headChars: number;
  /** Present once the head is full. */
  tail?: StreamTail;
}

/** Per stream output being written: how full its head is, and what is kept of its tail. */
const streams = new WeakMap<NbOutput, StreamState>();

/** Where to cut `text` to keep at most `room` characters, never inside a surrogate pair. */
function cutAt(text: string, room: number): number {
  if (room >= text.length) return text.length;
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}

/**
 * Adds text to a stream output in time linear in the text added: the last line is
 * continued when it had no newline yet, and nothing already stored is joined again. One
 * line can be the whole stream (a progress bar redrawn with `\r`), so the caps count
 * characters, cutting a line where it crosses them.
 */
function appendStreamText(
  stream: Extract<NbOutput, { output_type: 'stream' }>,
  text: string,
): void {
  const incoming = toLines(text);
  if (incoming.length === 0) return;
  let state = streams.get(stream);
  if (!state) {
    state = { headChars: 0 };
    for (const line of stream.text) state.headChars += line.length;
    streams.set(stream, state);
  }
  for (let piece of incoming) {
    if (!state.tail) {
      const room = STREAM_KEEP_CHARS.head - state.headChars;
      const fits = piece.slice(0, cutAt(piece, Math.max(room, 0)));
      if (fits) {
        appendPiece(stream.text, 0, fits);
        state.headChars += fits.length;
        piece = piece.slice(fits.length);
      }
      if (!piece) continue;
      // The rest of a cut line starts the tail as a line of its own.
      state.tail = { lines: [''], start: 0, chars: 0, omittedLines: 0, omittedChars: 0 };
    }
    appendToTail(state.tail, piece);
  }
}

/** Continues the last line when it has no newline yet, else starts a new one. */
function appendPiece(lines: string[], start: number, piece: string): void {
  const last = lines.length - 1;
  if (last >= start && !lines[last].endsWith('\n')) lines[last] += piece;
  else lines.push(piece);
}

function appendToTail(tail: StreamTail, piece: string): void {
  appendPiece(tail.lines, tail.start, piece);
  tail.chars += piece.length;
  while (tail.chars > STREAM_KEEP_CHARS.tail && tail.lines.length - tail.start > 1) {
    const dropped = tail.lines[tail.start++];
    tail.chars -= dropped.length;
    tail.omittedLines++;
    tail.omittedChars += dropped.length;
  }
  // A single line longer than the tail keeps its end.
  const last = tail.lines.length - 1;
  const over = tail.chars - STREAM_KEEP_CHARS.tail;
  if (over > 0) {
    const line = tail.lines[last];
    const from = cutAt(line, over) === over ? over : over + 1;
    tail.lines[last] = line.slice(from);
    tail.chars -= from;
    tail.omittedChars += from;
  }
  // Compact now and then, so dropped lines do not pile up in memory.
  if (tail.start > 4096 && tail.start * 2 > tail.lines.length) {
    tail.lines = tail.lines.slice(tail.start);
    tail.start = 0;
  }
}

function omittedNote(tail: StreamTail): string {
  const mb = (tail.omittedChars / (1 << 20)).toFixed(1);
  const what =
    tail.omittedLines > 0
      ? `${tail.omittedLines.toLocaleString('en-US')} lines (${mb} MB)`
      : `${mb} MB of one line`;
  return `\n[Labbook: ${what} of output left out here; the notebook keeps the first and last ${STREAM_KEEP_CHARS.head >> 20} MB of each stream]\n\n`;
}

/** Appends a kernel output to a cell's nbformat outputs (merging consecutive stream text, updating displays in place). */
export function appendOutput(outputs: NbOutput[], output: CellOutput): void {
  switch (output.kind) {
    case 'stream': {
      const last = outputs[outputs.length - 1];
      if (last?.output_type === 'stream' && last.name === output.name) {
        appendStreamText(last, output.text);
      } else {
        const stream: NbOutput = { output_type: 'stream', name: output.name, text: [] };
        outputs.push(stream);
        appendStreamText(stream, output.text);
      }
      return;
    }
    case 'display': {
      if (output.update && output.displayId) {
        const shown = outputs.find(
          (o) => o.output_type === 'display_data' && o.transient?.display_id === output.displayId,
        );
        if (shown && shown.output_type === 'display_data') {
          shown.data = output.data;
          return;
        }
      }
      outputs.push({
        output_type: 'display_data',
        data: output.data,
        metadata: output.metadata,
        ...(output.displayId ? { transient: { display_id: output.displayId } } : {}),
      });
      return;
    }
    case 'result':
      outputs.push({
        output_type: 'execute_result',
        data: output.data,
        metadata: {},
        execution_count: output.executionCount,
      });
      return;
    case 'error':
      outputs.push({
        output_type: 'error',
        ename: output.ename,
        evalue: output.evalue,
        traceback: output.traceback,
      });
      return;
  }
}

/**
 * The outputs as saved: `transient` is runtime-only in nbformat and is dropped, and a capped
 * stream gets its note and kept tail.
 */
export function finalizeOutputs(outputs: NbOutput[]): NbOutput[] {
  return outputs.map((o) => {
    if (o.output_type === 'stream') {
      const tail = streams.get(o)?.tail;
      if (!tail || tail.omittedChars === 0) {
        return tail ? { ...o, text: [...o.text, ...tail.lines.slice(tail.start)] } : o;
      }
      return { ...o, text: [...o.text, omittedNote(tail), ...tail.lines.slice(tail.start)] };
    }
    if (o.output_type !== 'display_data' || !o.transient) return o;
    const { transient: _ignored, ...rest } = o;
    return rest;
  });
}
