/**
 * Data set snapshots: the rows of a logged data set version kept as a Parquet run artifact
 * (`labbook/datasets/<fingerprint>.parquet`), so two logged versions can be compared for
 * drift later, when the notebook's arrays or the original file are long gone. Huge data is
 * kept as a seeded reservoir sample: drift statistics need the shape of a distribution, not
 * every row, and the store stays small.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DATA_TABLE,
  ident,
  literal,
  loadFile,
  loadRows,
  withEngine,
  type Engine,
  type InMemoryData,
} from './engine';

/** Rows kept by default; more are sampled down to this many. */
export const DEFAULT_SNAPSHOT_ROWS = 100_000;

/** The Parquet bytes of a snapshot, its row count and whether it is a sample. */
export interface Snapshot {
  bytes: Buffer;
  rows: number;
  sampled: boolean;
}

export { snapshotArtifactName } from './datasets';

/** The data as Parquet bytes (zstd), sampled down to `maxRows` rows with a fixed seed. */
export async function snapshotParquet(
  source: string | InMemoryData,
  maxRows = DEFAULT_SNAPSHOT_ROWS,
): Promise<Snapshot> {
  checkMaxRows(maxRows);
  return withEngine(async (engine) => {
    if (typeof source === 'string') await loadFile(engine, source, DATA_TABLE);
    else await loadRows(engine, source, DATA_TABLE);
    return snapshotLoaded(engine, maxRows);
  });
}

/** The snapshot of the data already loaded into the table `data` of `engine` (by loadFile or loadRows). */
export async function snapshotLoaded(
  engine: Engine,
  maxRows = DEFAULT_SNAPSHOT_ROWS,
): Promise<Snapshot> {
  checkMaxRows(maxRows);
  const table = ident(DATA_TABLE);
  const total = Number(
    (await engine.all(`SELECT CAST(count(*) AS DOUBLE) AS n FROM ${table}`))[0].n,
  );
  const sampled = total > maxRows;
  const dir = mkdtempSync(join(tmpdir(), 'labbook-snapshot-'));
  try {
    const file = join(dir, 'snapshot.parquet');
    const select = sampled
      ? `SELECT * FROM ${table} USING SAMPLE reservoir(${maxRows} ROWS) REPEATABLE (42)`
      : `SELECT * FROM ${table}`;
    await engine.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
    return { bytes: readFileSync(file), rows: sampled ? maxRows : total, sampled };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function checkMaxRows(maxRows: number): void {
  if (!Number.isSafeInteger(maxRows) || maxRows < 1)
    throw new TypeError(`snapshot: maxRows must be a whole number >= 1, got ${maxRows}`);
}
