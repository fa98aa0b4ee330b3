/**
 * The workspace service's data quality requests (protocol.ts, "Data quality"). DuckDB
 * loads on the first profile or suite (core/engines.ts), not at start: the service keeps
 * serving runs and models when DuckDB cannot load on this machine.
 */
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import type { DatasetProfile } from '../quality/types';
import { inferSuite, validate, type Suite, type ValidationResult } from '../quality/suite';
import { listSuites, loadSuite, saveSuite } from '../quality/suite-io';
import { profileFile } from '../quality/profile';
import { applyValidation } from '../quality/dimensions';
import {
  getDataset,
  listDatasets,
  runsUsingDataset,
  snapshotArtifactName,
} from '../quality/datasets';
import { findArtifactByName, type OpenStore } from '../store';
import { onFirstUse, type HandlerContext } from './context';
import { dataFile, invalidParams as bad, object } from './params';
import * as protocol from './protocol';

/** What the service uses of core/quality/profile. */
export interface ProfileModule {
  /** `label`: the label column (conflicting labels lower consistency). */
  profileFile(path: string, options?: { label?: string }): Promise<DatasetProfile>;
}

/** What the service uses of core/quality/suite (DuckDB, loaded with the profiler). */
export interface SuiteModule {
  inferSuite(source: string, options: { name: string }): Promise<Suite>;
  validate(source: string, suite: Suite): Promise<ValidationResult>;
}

/** Data set versions live in the store; suites in the `suites` folder beside the store file. */
export interface QualityHandlerContext extends Pick<
  HandlerContext,
  'connection' | 'currentStore' | 'storePath' | 'cwd'
> {
  /** Tests inject a fake profiler here; default: core/quality/profile (DuckDB loads with the first profile). */
  loadProfiler?: () => ProfileModule;
  /** Tests inject fake suites here; default: core/quality/suite. */
  loadSuites?: () => SuiteModule;
}

/** Checks the params and resolves the file; messages name the field or the file. */
export function checkProfileParams(
  params: unknown,
  cwd: string,
): { file: string; label?: string; suite?: string } {
  const p = object(params);
  if (
    p.label !== undefined &&
    (typeof p.label !== 'string' || p.label === '' || p.label.length > 1000)
  )
    throw bad('label must be a column name of 1 to 1000 characters');
  if (
    p.suite !== undefined &&
    (typeof p.suite !== 'string' || p.suite === '' || p.suite.length > 200)
  )
    throw bad('suite must be a suite name of 1 to 200 characters');
  return { file: dataFile(p.path, 'path', cwd), label: p.label, suite: p.suite };
}

function checkDatasetVersion(params: unknown): asserts params is { name: string; version: number } {
  const p = params as { name?: unknown; version?: unknown } | null;
  if (!p || typeof p.name !== 'string' || !Number.isSafeInteger(p.version))
    throw bad('params must be { name: string, version: whole number }');
}

/** A suite that cannot be read or written is the request's fault: its name or its rules. */
function suiteProblem(error: unknown): ResponseError<void> {
  return error instanceof ResponseError ? error : bad((error as Error).message);
}

function defaultLoader(): ProfileModule {
  return { profileFile };
}

export function registerQualityHandlers(ctx: QualityHandlerContext): void {
  const load = onFirstUse(
    ctx.loadProfiler ?? defaultLoader,
    'Data profiling is not available: the profiler (DuckDB) did not load',
  );

  const loadSuites = (): SuiteModule => {
    load();
    return (ctx.loadSuites ?? (() => ({ inferSuite, validate })))();
  };
  const suiteFiles = () => {
    load();
    return { listSuites, loadSuite, saveSuite };
  };
  const storeFile = (): string => {
    const file = ctx.storePath();
    if (!file)
      throw new ResponseError(
        ErrorCodes.InvalidRequest,
        'The Labbook service has no store yet: suites live beside it.',
      );
    return file;
  };
  /** Errors of the data engine as InvalidRequest with the file named. */
  const named = (file: string, error: unknown): ResponseError<void> => {
    if (error instanceof ResponseError) return error;
    const message = (error as Error)?.message ?? String(error);
    return new ResponseError(
      ErrorCodes.InvalidRequest,
      message.includes(file) || message.includes(path.basename(file))
        ? message
        : `${file}: ${message}`,
    );
  };

  ctx.connection.onRequest(protocol.ProfileData, async (params) => {
    const { file, label, suite } = checkProfileParams(params, ctx.cwd());
    const { profileFile } = load();
    // A missing or malformed suite is refused before the (possibly long) profile.
    let loaded: Suite | undefined;
    try {
      if (suite !== undefined) loaded = suiteFiles().loadSuite(storeFile(), suite);
    } catch (error) {
      throw suiteProblem(error);
    }
    try {
      const profile = await profileFile(file, label !== undefined ? { label } : undefined);
      return loaded ? applyValidation(profile, await loadSuites().validate(file, loaded)) : profile;
    } catch (error) {
      throw named(file, error);
    }
  });

  ctx.connection.onRequest(protocol.ListSuites, () =>
    ctx.storePath() ? suiteFiles().listSuites(storeFile()) : [],
  );

  ctx.connection.onRequest(protocol.InferSuite, async (params) => {
    if (!params || typeof params !== 'object') throw bad('params must be an object');
    const file = dataFile(params.path, 'path', ctx.cwd());
    if (typeof params.name !== 'string' || params.name.trim() === '')
      throw bad('name must be a non-empty suite name');
    let suite: Suite;
    try {
      suite = await loadSuites().inferSuite(file, { name: params.name });
    } catch (error) {
      throw named(file, error);
    }
    try {
      return {
        name: suite.name,
        file: suiteFiles().saveSuite(storeFile(), suite),
        rules: suite.rules.length,
      };
    } catch (error) {
      throw suiteProblem(error);
    }
  });

  ctx.connection.onRequest(protocol.ListDatasets, () => {
    const store = ctx.currentStore();
    return store ? datasetItems(store) : [];
  });

  ctx.connection.onRequest(protocol.GetDatasetSnapshot, (params) => {
    checkDatasetVersion(params);
    const store = ctx.currentStore();
    const dataset = store && getDataset(store, params.name, params.version);
    if (!store || !dataset) return null;
    const artifact = findArtifactByName(store, snapshotArtifactName(dataset.fingerprint));
    return artifact ? { path: store.artifactPath(artifact.sha256), rows: dataset.rows } : null;
  });

  ctx.connection.onRequest(protocol.GetDatasetProfile, (params) => {
    checkDatasetVersion(params);
    const store = ctx.currentStore();
    return (store && getDataset(store, params.name, params.version)?.profile) ?? null;
  });
}

/** Every data set version with the runs that used it (names looked up once per run). */
export function datasetItems(store: OpenStore): protocol.DatasetVersionItem[] {
  const runs = new Map<string, { runName: string; experiment: string; deleted: boolean }>();
  const runInfo = (runId: string) => {
    let info = runs.get(runId);
    if (!info) {
      const run = store.getRun(runId);
      info = {
        runName: run?.name ?? runId,
        experiment: run?.experimentName ?? '',
        deleted: !run || run.deletedAt !== null,
      };
      runs.set(runId, info);
    }
    return info;
  };
  return listDatasets(store).map((d) => ({
    name: d.name,
    version: d.version,
    fingerprint: d.fingerprint,
    rows: d.rows,
    columns: d.schema.columns.length,
    score: d.profile?.quality.score ?? null,
    source: d.source,
    createdAt: d.createdAt,
    runs: runsUsingDataset(store, d.id).map((r) => ({ ...r, ...runInfo(r.runId) })),
  }));
}
