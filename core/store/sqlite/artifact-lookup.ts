/**
 * Artifacts found by name across runs: a data set's snapshot is content-addressed, so any
 * run that logged it under its name holds the same file.
 */
import type { SqlAccess } from '../types';

export interface ArtifactFile {
  sha256: string;
  size: number;
}

/** The run's artifact of that name if it has one, else any run's. */
export function artifactByName(
  sql: SqlAccess,
  name: string,
  preferRunId?: string,
): ArtifactFile | undefined {
  return (
    (preferRunId === undefined
      ? undefined
      : sql.get<ArtifactFile>(
          'SELECT sha256, size FROM artifacts WHERE run_id = ? AND name = ?',
          preferRunId,
          name,
        )) ??
    sql.get<ArtifactFile>('SELECT sha256, size FROM artifacts WHERE name = ? LIMIT 1', name)
  );
}
