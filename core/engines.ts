/**
 * The heavy engines, each loaded on its first use through one typed accessor, so that
 * `import * as lab from "labbook"`, the workspace service and the CLI start without them:
 * DuckDB (a native module, about half a second to load), apache-arrow, tfjs and the drift
 * report (the @stdlib statistics behind it are some 300 modules). Modules that use an
 * engine import its types only (`import type`) and call the accessor where they need it;
 * test/unit/startup.test.ts checks what the SDK and the service load at start-up.
 */
import type * as DuckDB from '@duckdb/node-api';
import type * as Arrow from 'apache-arrow';
import type * as Tf from '@tensorflow/tfjs';
import type * as DriftReportModule from './drift/report';

export type DuckDBModule = typeof DuckDB;
export type ArrowModule = typeof Arrow;
export type Tfjs = typeof Tf;
export type DriftEngine = typeof DriftReportModule;

/** What each engine's module id resolves to (relative ids resolve from this file). */
interface Engines {
  '@duckdb/node-api': DuckDBModule;
  'apache-arrow': ArrowModule;
  '@tensorflow/tfjs': Tfjs;
  /** Registers the WebAssembly backend with tfjs. */
  '@tensorflow/tfjs-backend-wasm': unknown;
  /** Optional (it downloads libtensorflow at install): registers the native backend with tfjs. */
  '@tensorflow/tfjs-node': unknown;
  './drift/report': DriftEngine;
}

function load<K extends keyof Engines>(id: K): Engines[K] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the one place engines load on demand: a static import would load them with the first module that names them (see the header)
  return require(id) as Engines[K];
}

/** A memoised loader: the first call loads, later calls return the same module; a failed load is tried again next time. */
function lazy<T>(get: () => T): () => T {
  let loaded: { value: T } | undefined;
  return () => (loaded ??= { value: get() }).value;
}

/** `@duckdb/node-api`. */
export const duckdb = lazy(() => load('@duckdb/node-api'));

/** `apache-arrow` (Arrow IPC files: DuckDB reads them only through an extension it downloads). */
export const arrow = lazy(() => load('apache-arrow'));

/** `@tensorflow/tfjs`; whatever backend is active stays active. */
export const tfjs = lazy(() => load('@tensorflow/tfjs'));

/** Registers tfjs' WebAssembly backend (`tf.setBackend('wasm')` then selects it). */
export const tfjsWasmBackend = lazy((): void => {
  load('@tensorflow/tfjs-backend-wasm');
});

/** Registers tfjs-node's native backend when it is installed and loads; false when it does not. */
export const tfjsNodeBackend = lazy((): boolean => {
  try {
    load('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false; // optional: not installed here, or libtensorflow missing
  }
});

/** The drift report engine (core/drift/report.ts: DuckDB and the statistical tests). */
export const driftEngine = lazy(() => load('./drift/report'));
