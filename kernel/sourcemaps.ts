/**
 * Source maps from a cell's JavaScript back to the TypeScript the user typed.
 *
 * tslab's converter compiles a cell twice (TypeScript to ES modules, then ES modules to
 * CommonJS) and keeps no map, so stack traces would point at generated lines. We ask the
 * first step for an inline map, have the second step produce a map too, and compose them.
 * Both steps are calls on the `@tslab/typescript-for-tslab` module, whose exports are
 * read-only getters; so before tslab's converter is first loaded, the module's cache entry
 * is replaced by a copy whose two functions are wrapped.
 */
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import remapping from '@ampproject/remapping';
import {
  TraceMap,
  decodedMappings,
  originalPositionFor,
  type EncodedSourceMap,
  type SourceMapSegment,
} from '@jridgewell/trace-mapping';

const INLINE_MAP = /\n?\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)\s*$/;
/** tslab compiles each cell as this file, behind a one-line `export {};` prefix. */
const CELL_SOURCE = '__tslab__.ts';
const CELL_PREFIX_LINES = 1;

type TsModule = {
  createWatchCompilerHost: (...args: unknown[]) => unknown;
  transpileModule: (
    input: string,
    options: { fileName?: string; compilerOptions?: Record<string, unknown> },
  ) => { outputText: string; sourceMapText?: string };
};

let installed: TsModule | undefined;

/** Returns the TypeScript module tslab will use, with the hooks in place. Call before requiring tslab's converter. */
export function installSourceMapHooks(): TsModule & Record<string, unknown> {
  if (installed) return installed;
  const tslabDir = path.dirname(require.resolve('tslab/package.json'));
  const tsPath = require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] });
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- resolved from tslab's own folder at run time, to hook the very copy it loads
  const original = require(tsPath) as Record<string, unknown>;
  const ts = {} as TsModule & Record<string, unknown>;
  for (const key of Object.keys(original)) {
    Object.defineProperty(ts, key, {
      enumerable: true,
      configurable: true,
      get: () => original[key],
    });
  }
  require.cache[tsPath]!.exports = ts;
  installed = ts;
  const createHost = ts.createWatchCompilerHost;
  define(
    ts,
    'createWatchCompilerHost',
    (rootFiles: unknown, options: Record<string, unknown>, ...rest: unknown[]) =>
      createHost(rootFiles, { ...options, inlineSourceMap: true, sourceMap: false }, ...rest),
  );

  const transpile = ts.transpileModule;
  define(
    ts,
    'transpileModule',
    (input: string, options: Parameters<TsModule['transpileModule']>[1]) => {
      const inline = INLINE_MAP.exec(input);
      if (options.fileName !== 'custom.js' || !inline) return transpile(input, options);
      const stripped = input.slice(0, inline.index);
      const out = transpile(stripped, {
        ...options,
        compilerOptions: { ...options.compilerOptions, sourceMap: true },
      });
      if (!out.sourceMapText) return out;
      const first = JSON.parse(
        Buffer.from(inline[1], 'base64').toString('utf8'),
      ) as EncodedSourceMap;
      const composed = remapping(JSON.parse(out.sourceMapText) as EncodedSourceMap, (file) =>
        file === 'custom.js' ? first : null,
      );
      const code = out.outputText.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
      const encoded = Buffer.from(JSON.stringify(composed)).toString('base64');
      return {
        ...out,
        outputText: `${code}\n//# sourceMappingURL=data:application/json;base64,${encoded}`,
      };
    },
  );
  return ts;
}

function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { enumerable: true, configurable: true, value });
}

/** Splits a cell's converted JavaScript into code and a map to the cell's own lines. */
export function takeCellSourceMap(js: string): { code: string; map: CellSourceMap | undefined } {
  const inline = INLINE_MAP.exec(js);
  if (!inline) return { code: js, map: undefined };
  const raw = JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')) as EncodedSourceMap;
  return { code: js.slice(0, inline.index), map: new CellSourceMap(new TraceMap(raw)) };
}

export class CellSourceMap {
  constructor(private readonly trace: TraceMap) {}

  /** 1-based line and column in generated code to 1-based line and column in the cell. */
  toCell(line: number, column: number): { line: number; column: number } | undefined {
    const pos = originalPositionFor(this.trace, { line, column: Math.max(0, column - 1) });
    if (pos.line == null || pos.source == null || !pos.source.endsWith(CELL_SOURCE))
      return undefined;
    const cellLine = pos.line - CELL_PREFIX_LINES;
    return cellLine >= 1 ? { line: cellLine, column: (pos.column ?? 0) + 1 } : undefined;
  }
}

/**
 * The `//# sourceMappingURL` comment a debugger reads for a cell run under the inspector:
 * the map points at `sourcePath`, a real file holding the cell's text, line for line, so
 * that a breakpoint set in the cell (mapped to that file by the editor) binds. The
 * converter's map names tslab's `__tslab__.ts` behind its one-line prefix; here lines are
 * moved up by that prefix, and down by the `wrapperLines` the executor puts before the code.
 */
export function debuggerMapComment(
  converterOutput: string,
  sourcePath: string,
  source: string,
  wrapperLines: number,
): string | undefined {
  const inline = INLINE_MAP.exec(converterOutput);
  if (!inline) return undefined;
  const trace = new TraceMap(
    JSON.parse(Buffer.from(inline[1], 'base64').toString('utf8')) as EncodedSourceMap,
  );
  const cell = trace.sources.findIndex((s) => !!s && s.endsWith(CELL_SOURCE));
  if (cell === -1) return undefined;
  const lines: SourceMapSegment[][] = Array.from({ length: wrapperLines }, () => []);
  for (const line of decodedMappings(trace)) {
    const kept: SourceMapSegment[] = [];
    for (const seg of line) {
      if (seg.length < 4) continue;
      const [column, source, sourceLine, sourceColumn] = seg as readonly number[];
      if (source !== cell || sourceLine < CELL_PREFIX_LINES) continue;
      kept.push([column, 0, sourceLine - CELL_PREFIX_LINES, sourceColumn]);
    }
    lines.push(kept);
  }
  const map = remapping(
    {
      version: 3,
      file: path.basename(sourcePath),
      names: [],
      sources: [pathToFileURL(sourcePath).href],
      sourcesContent: [source],
      mappings: lines,
    },
    () => null,
  );
  const encoded = Buffer.from(JSON.stringify(map)).toString('base64');
  return `//# sourceMappingURL=data:application/json;base64,${encoded}`;
}
