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
import { ident, literal, loadFile, loadRows, withEngine, type InMemoryData } from './engine';

/** Rows kept by default; more are sampled down to this many. */
export const DEFAULT_SNAPSHOT_ROWS = 100_000;

export { snapshotArtifactName } from './datasets';

/** The data as Parquet bytes (zstd), sampled down to `maxRows` rows with a fixed seed. */
export async function snapshotParquet(source: string | InMemoryData, maxRows = DEFAULT_SNAPSHOT_ROWS): Promise<{ bytes: Buffer; rows: number; sampled: boolean }> {
  if (!Number.isSafeInteger(maxRows) || maxRows < 1) throw new TypeError(`snapshot: maxRows must be a whole number >= 1, got ${maxRows}`);
  return withEngine(async (engine) => {
    if (typeof source === 'string') await loadFile(engine, source, 'data');
    else await loadRows(engine, source, 'data');
    const total = Number((await engine.all('SELECT CAST(count(*) AS DOUBLE) AS n FROM data'))[0].n);
    const sampled = total > maxRows;
    const dir = mkdtempSync(join(tmpdir(), 'labbook-snapshot-'));
    try {
      const file = join(dir, 'snapshot.parquet');
      const select = sampled ? `SELECT * FROM ${ident('data')} USING SAMPLE reservoir(${maxRows} ROWS) REPEATABLE (42)` : `SELECT * FROM ${ident('data')}`;
      await engine.run(`COPY (${select}) TO ${literal(file)} (FORMAT parquet, COMPRESSION zstd)`);
      return { bytes: readFileSync(file), rows: sampled ? maxRows : total, sampled };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
