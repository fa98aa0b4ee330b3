/**
 * The workspace service's drift request (protocol.ts, "Drift"): two data files in, a
 * DriftReport out. The report module (core/drift/report, DuckDB) loads on the first
 * request (core/engines.ts), not at start: the service keeps serving runs and models when
 * DuckDB cannot load.
 */
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import {
  DRIFT_METHODS,
  type DriftOptions,
  type DriftReport,
  type DriftSource,
} from '../common/drift-types';
import { driftReportToWire } from '../common/drift-wire';
import { driftEngine } from '../engines';
import { onFirstUse, type HandlerContext } from './context';
import { dataFile, invalidParams as bad, isObject, object } from './params';
import * as protocol from './protocol';

/** What the service uses of core/drift/report. */
export interface DriftModule {
  driftReport(
    reference: DriftSource,
    current: DriftSource,
    options?: DriftOptions,
  ): Promise<DriftReport>;
}

export interface DriftHandlerContext extends Pick<HandlerContext, 'connection' | 'cwd'> {
  /** Tests inject a fake report module here; default: the drift engine, loaded on first use. */
  loadDrift?: () => DriftModule;
}

type WireOptions = Omit<DriftOptions, 'onProgress'>;

function isName(v: unknown): v is string {
  return typeof v === 'string' && v !== '' && v.length <= 1000;
}

function checkMap<T>(
  value: unknown,
  field: string,
  check: (v: unknown) => v is T,
  what: string,
): Record<string, T> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw bad(`options.${field} must be an object of column name to ${what}`);
  for (const [k, v] of Object.entries(value)) {
    if (!isName(k) || !check(v))
      throw bad(`options.${field}: ${JSON.stringify(k).slice(0, 200)} must map to ${what}`);
  }
  return value as Record<string, T>;
}

const isMethod = (v: unknown): v is DriftOptions['method'] & string =>
  typeof v === 'string' && (DRIFT_METHODS as readonly string[]).includes(v);
const isThreshold = (v: unknown): v is number =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isColumnType = (v: unknown): v is 'numeric' | 'categorical' =>
  v === 'numeric' || v === 'categorical';

/** Checks the options field by field; what reaches driftReport has the types it expects. */
export function checkDriftOptions(value: unknown): WireOptions | undefined {
  if (value === undefined || value === null) return undefined;
  const o = object(value, 'options');
  const out: WireOptions = {};
  if (o.method !== undefined) {
    if (!isMethod(o.method)) throw bad(`options.method must be one of ${DRIFT_METHODS.join(', ')}`);
    out.method = o.method;
  }
  const columnMethods = checkMap(
    o.columnMethods,
    'columnMethods',
    isMethod,
    `one of ${DRIFT_METHODS.join(', ')}`,
  );
  if (columnMethods) out.columnMethods = columnMethods;
  if (o.threshold !== undefined) {
    if (!isThreshold(o.threshold)) throw bad('options.threshold must be a finite number >= 0');
    out.threshold = o.threshold;
  }
  const columnThresholds = checkMap(
    o.columnThresholds,
    'columnThresholds',
    isThreshold,
    'a finite number >= 0',
  );
  if (columnThresholds) out.columnThresholds = columnThresholds;
  if (o.datasetShare !== undefined) {
    if (typeof o.datasetShare !== 'number' || !(o.datasetShare >= 0 && o.datasetShare <= 1))
      throw bad('options.datasetShare must be a number from 0 to 1');
    out.datasetShare = o.datasetShare;
  }
  if (o.columns !== undefined) {
    if (!Array.isArray(o.columns) || !o.columns.every(isName))
      throw bad('options.columns must be an array of column names');
    out.columns = o.columns;
  }
  const columnTypes = checkMap(
    o.columnTypes,
    'columnTypes',
    isColumnType,
    '"numeric" or "categorical"',
  );
  if (columnTypes) out.columnTypes = columnTypes;
  for (const key of ['target', 'prediction'] as const) {
    const v = o[key];
    if (v === undefined) continue;
    if (!isName(v)) throw bad(`options.${key} must be a column name of 1 to 1000 characters`);
    out[key] = v;
  }
  if (o.sample !== undefined) {
    if (typeof o.sample !== 'number' || !Number.isInteger(o.sample) || o.sample < 1)
      throw bad('options.sample must be a whole number of rows >= 1');
    out.sample = o.sample;
  }
  if (o.seed !== undefined) {
    if (typeof o.seed !== 'number' || !Number.isInteger(o.seed))
      throw bad('options.seed must be a whole number');
    out.seed = o.seed;
  }
  return out;
}

/** Checks the params and resolves both files; messages name the field or the file. */
export function checkDriftParams(
  params: unknown,
  cwd: string,
): { reference: string; current: string; options?: WireOptions } {
  const p = object(params);
  const reference = dataFile(p.reference, 'reference', cwd);
  const current = dataFile(p.current, 'current', cwd);
  const options = checkDriftOptions(p.options);
  return { reference, current, ...(options ? { options } : {}) };
}

/** DriftError (bad options, unusable data) and DataError (a file that cannot be read) are the user's to fix: say what they say. */
function isUserError(error: unknown): boolean {
  const name = (error as Error)?.name;
  return name === 'DriftError' || name === 'DataError';
}

export function registerDriftHandlers(ctx: DriftHandlerContext): void {
  const load = onFirstUse<DriftModule>(
    ctx.loadDrift ?? driftEngine,
    'Drift reports are not available: the drift module (DuckDB) did not load',
  );

  ctx.connection.onRequest(protocol.CompareDataForDrift, async (params) => {
    const { reference, current, options } = checkDriftParams(params, ctx.cwd());
    const { driftReport } = load();
    try {
      return driftReportToWire(await driftReport({ path: reference }, { path: current }, options));
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      const message = (error as Error)?.message ?? String(error);
      if (isUserError(error)) throw new ResponseError(ErrorCodes.InvalidRequest, message);
      const named = [reference, current].some(
        (f) => message.includes(f) || message.includes(path.basename(f)),
      )
        ? message
        : `comparing ${path.basename(current)} against ${path.basename(reference)}: ${message}`;
      throw new ResponseError(ErrorCodes.InternalError, named);
    }
  });
}
