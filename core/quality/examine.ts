/**
 * One data set through its profile, a suite's validation and its Parquet snapshot with a
 * single load (what `run.logDataset` records): the data go into one DuckDB table once and
 * the three read that table, where each used to load the data into a DuckDB of its own.
 */
import { DATA_TABLE, loadFile, loadRows, withEngine, type InMemoryData } from './engine';
import { profileLoaded, type ProfileOptions } from './profile';
import { snapshotLoaded, type Snapshot } from './snapshot';
import { validateLoaded, type Suite, type ValidationResult } from './suite';
import type { DatasetProfile } from './types';

export interface ExamineOptions {
  profile?: ProfileOptions;
  /** Validate against this (parsed) suite. */
  suite?: Suite;
  /** Rows the snapshot keeps (default: snapshot.ts DEFAULT_SNAPSHOT_ROWS), or false for no snapshot. */
  snapshot?: number | false;
}

export interface ExaminedDataset {
  profile: DatasetProfile;
  validation?: ValidationResult;
  snapshot?: Snapshot;
}

/**
 * The profile (as profileFile / profileRows), the validation (as validate) and the
 * snapshot (as snapshotParquet) of a file or in-memory data, from one load.
 */
export async function examineDataset(
  source: string | InMemoryData,
  options: ExamineOptions = {},
): Promise<ExaminedDataset> {
  const profileOptions = options.profile ?? {};
  const started = performance.now();
  return withEngine(async (engine) => {
    if (typeof source === 'string') {
      profileOptions.onProgress?.(`Reading ${source}`);
      await loadFile(engine, source, DATA_TABLE, profileOptions.format);
    } else {
      await loadRows(engine, source, DATA_TABLE);
    }
    const result: ExaminedDataset = {
      profile: await profileLoaded(engine, source, profileOptions, started),
    };
    // Before the validation, which turns a Parquet view into a table: the snapshot samples
    // the rows it sampled when it loaded the file itself.
    if (options.snapshot !== false)
      result.snapshot = await snapshotLoaded(engine, options.snapshot);
    if (options.suite) result.validation = await validateLoaded(engine, source, options.suite);
    return result;
  });
}
