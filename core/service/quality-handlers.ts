/**
 * The workspace service's data quality requests (protocol.ts, "Data quality"). The
 * profiler (core/quality/profile, DuckDB) is required on the first request, not at start:
 * the service keeps serving runs and models when DuckDB cannot load on this machine.
 */
import { statSync } from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import type { DatasetProfile } from '../quality/types';
import * as protocol from './protocol';

/** What the service uses of core/quality/profile. */
export interface ProfileModule {
  /** `label`: the label column (conflicting labels lower consistency). */
  profileFile(path: string, options?: { label?: string }): Promise<DatasetProfile>;
}

export interface QualityHandlerContext {
  connection: MessageConnection;
  /** Relative paths resolve against this folder; default: the service's working folder (the workspace folder). */
  cwd?: () => string;
  /** Tests inject a fake profiler here; default: `require('../quality/profile')` on first use. */
  loadProfiler?: () => ProfileModule;
}

function bad(message: string): ResponseError<void> {
  return new ResponseError(ErrorCodes.InvalidParams, message);
}

/** Checks the params and resolves the file; messages name the field or the file. */
export function checkProfileParams(params: unknown, cwd: string): { file: string; label?: string } {
  if (!params || typeof params !== 'object' || Array.isArray(params)) throw bad('params must be an object');
  const p = params as Record<string, unknown>;
  if (typeof p.path !== 'string' || p.path.trim() === '') throw bad('path must be a non-empty string');
  if (p.path.length > 4096 || p.path.includes('\0')) throw bad('path must be a file path of at most 4096 characters');
  if (p.label !== undefined && (typeof p.label !== 'string' || p.label === '' || p.label.length > 1000)) throw bad('label must be a column name of 1 to 1000 characters');
  const file = path.resolve(cwd, p.path);
  let stat;
  try {
    stat = statSync(file);
  } catch {
    throw new ResponseError(ErrorCodes.InvalidParams, `There is no file at ${file}`);
  }
  if (!stat.isFile()) throw new ResponseError(ErrorCodes.InvalidParams, `${file} is not a file`);
  return { file, label: p.label as string | undefined };
}

function defaultLoader(): ProfileModule {
  return require('../quality/profile') as ProfileModule;
}

export function registerQualityHandlers(ctx: QualityHandlerContext): void {
  let profiler: ProfileModule | undefined;
  const load = (): ProfileModule => {
    if (profiler) return profiler;
    try {
      profiler = (ctx.loadProfiler ?? defaultLoader)();
    } catch (error) {
      throw new ResponseError(ErrorCodes.InternalError, `Data profiling is not available: the profiler (DuckDB) did not load: ${(error as Error).message}`);
    }
    return profiler;
  };

  ctx.connection.onRequest(protocol.ProfileData, async (params) => {
    const { file, label } = checkProfileParams(params, ctx.cwd?.() ?? process.cwd());
    const { profileFile } = load();
    try {
      return await profileFile(file, label !== undefined ? { label } : undefined);
    } catch (error) {
      if (error instanceof ResponseError) throw error;
      const message = (error as Error)?.message ?? String(error);
      // The profiler names the file (and line); say which file when it did not.
      const named = message.includes(file) || message.includes(path.basename(file)) ? message : `${file}: ${message}`;
      throw new ResponseError(ErrorCodes.InvalidRequest, named);
    }
  });
}
