/**
 * Copies a whole store (every table of the schema) from one location to another, across
 * backends (SQLite <-> PostgreSQL, or the same one), keeping every id, then proves it:
 * per table, the row count and the checksum (digest.ts) of what was read from FROM against
 * what is read back from TO.
 *
 * Refused before anything is written: FROM and TO the same; either side at another schema
 * version than this Labbook's (an empty TO is first brought to it); a TO holding any row
 * (ids would collide, and a merge is not a copy).
 *
 * Artifact files: each artifact row records the root its content was written to. A row
 * with a root names a folder (a team's shared one) that stays where it is: the row is
 * copied as it is and the file is not moved. A row without one means "the store's own
 * root" (beside a SQLite file; the opening process's root on PostgreSQL): when FROM's and
 * TO's own roots differ, its content file is copied into TO's, checked by its hash.
 */
import { ArtifactFiles } from '../artifacts';
import type { StoreLocation } from '../location';
import { onSide, type CopySource, type CopyTarget } from './endpoint';
import { TableDigest } from './digest';
import { openPostgresSource, openPostgresTarget, type PostgresSideOptions } from '../postgres/copy';
import { openSqliteSource, openSqliteTarget } from '../sqlite/copy';
import { COPY_TABLES, CopyError, type CopyTable } from './tables';

export { CopyError } from './tables';

export interface CopyProgress {
  table: string;
  done: number;
  total: number;
}

export interface CopyOptions extends PostgresSideOptions {
  /** Rows per read and per write; default 20,000. */
  batchSize?: number;
  /** After every batch written. */
  onProgress?: (progress: CopyProgress) => void;
}

export interface TableCheck {
  table: string;
  sourceRows: number;
  targetRows: number;
  sourceDigest: string;
  targetDigest: string;
  ok: boolean;
}

export interface ArtifactFilesReport {
  /** Content files copied into TO's own root. */
  copied: number;
  /** Already there (content-addressed: the same hash is the same bytes). */
  present: number;
  /** Rows whose content file FROM's own root lacks: the hashes. */
  missing: string[];
  /** Rows naming their own root (a shared folder), left where they are. */
  elsewhere: number;
  /** FROM's and TO's own roots, when they differ (files were copied between them). */
  roots: { from: string; to: string } | null;
}

export interface CopyReport {
  from: string;
  to: string;
  tables: TableCheck[];
  files: ArtifactFilesReport;
  seconds: number;
  /** Every table arrived whole and no artifact content was missing. */
  ok: boolean;
}

export interface TableDigestResult {
  table: string;
  rows: number;
  digest: string;
}

const DEFAULT_BATCH = 20_000;

function sameLocation(a: StoreLocation, b: StoreLocation): boolean {
  if (a.backend !== b.backend) return false;
  if (a.backend === 'sqlite') return a.path === (b as { path: string }).path;
  try {
    const x = new URL(a.url);
    const y = new URL((b as { url: string }).url);
    return (
      x.hostname === y.hostname &&
      (x.port || '5432') === (y.port || '5432') &&
      x.pathname === y.pathname &&
      x.searchParams.get('options') === y.searchParams.get('options')
    );
  } catch {
    return a.url === (b as { url: string }).url;
  }
}

export function openSource(
  location: StoreLocation,
  options: CopyOptions = {},
): Promise<CopySource> {
  return onSide('FROM', async () =>
    location.backend === 'sqlite'
      ? openSqliteSource(location.path)
      : openPostgresSource(location.url, options),
  );
}

function openTarget(location: StoreLocation, options: CopyOptions): Promise<CopyTarget> {
  return onSide('TO', async () =>
    location.backend === 'sqlite'
      ? openSqliteTarget(location.path)
      : openPostgresTarget(location.url, options),
  );
}

async function digestAll(source: CopySource, batchSize: number): Promise<TableDigestResult[]> {
  const out: TableDigestResult[] = [];
  for (const table of COPY_TABLES) {
    const digest = new TableDigest(table);
    for await (const batch of source.batches(table, batchSize))
      for (const row of batch) digest.add(row);
    out.push({ table: table.name, rows: digest.rows, digest: digest.value });
  }
  return out;
}

/** Row count and checksum of every table of a store (read in one snapshot). */
export async function storeDigests(
  location: StoreLocation,
  options: CopyOptions = {},
): Promise<TableDigestResult[]> {
  const source = await openSource(location, options);
  try {
    return await digestAll(source, options.batchSize ?? DEFAULT_BATCH);
  } finally {
    await source.close();
  }
}

async function refuseNonEmpty(target: CopyTarget): Promise<void> {
  const held: string[] = [];
  for (const table of COPY_TABLES) {
    const n = await target.count(table);
    if (n > 0) held.push(`${n.toLocaleString('en-US')} ${table.name}`);
  }
  if (held.length) {
    throw new CopyError(
      `TO ${target.where} is not empty (${held.join(', ')}): copy into a new SQLite file or an empty PostgreSQL database; nothing was copied`,
    );
  }
}

interface CopiedTable {
  digest: TableDigest;
  /** Hashes of artifacts recorded without a root (artifacts only). */
  ownRoot: Set<string>;
  elsewhere: number;
}

async function copyTable(
  table: CopyTable,
  source: CopySource,
  target: CopyTarget,
  options: CopyOptions,
): Promise<CopiedTable> {
  const total = await source.count(table);
  const digest = new TableDigest(table);
  const ownRoot = new Set<string>();
  let elsewhere = 0;
  const selfRef = table.columns.findIndex((c) => c.selfReference);
  const keyIndex = table.key ? table.columns.findIndex((c) => c.name === table.key) : -1;
  const references: [string, string][] = [];
  const rootIndex =
    table.name === 'artifacts' ? table.columns.findIndex((c) => c.name === 'root') : -1;
  const shaIndex = table.columns.findIndex((c) => c.name === 'sha256');
  options.onProgress?.({ table: table.name, done: 0, total });
  for await (const batch of source.batches(table, options.batchSize ?? DEFAULT_BATCH)) {
    for (const row of batch) {
      digest.add(row);
      if (rootIndex >= 0) {
        if (row[rootIndex] === null) ownRoot.add(row[shaIndex] as string);
        else elsewhere++;
      }
      if (selfRef >= 0 && row[selfRef] !== null) {
        references.push([row[keyIndex] as string, row[selfRef] as string]);
        row[selfRef] = null;
      }
    }
    await target.write(table, batch);
    options.onProgress?.({ table: table.name, done: digest.rows, total });
  }
  if (references.length) await target.setReferences(table, table.columns[selfRef].name, references);
  return { digest, ownRoot, elsewhere };
}

function copyFiles(
  source: CopySource,
  target: CopyTarget,
  hashes: Iterable<string>,
  elsewhere: number,
): ArtifactFilesReport {
  const report: ArtifactFilesReport = {
    copied: 0,
    present: 0,
    missing: [],
    elsewhere,
    roots: null,
  };
  if (source.defaultArtifactRoot === target.defaultArtifactRoot) return report;
  report.roots = { from: source.defaultArtifactRoot, to: target.defaultArtifactRoot };
  const from = new ArtifactFiles(source.defaultArtifactRoot);
  const to = new ArtifactFiles(target.defaultArtifactRoot);
  for (const sha256 of hashes) {
    if (to.has(sha256)) report.present++;
    else if (!from.has(sha256)) report.missing.push(sha256);
    else {
      const stored = to.putFile(from.pathOf(sha256));
      if (stored.sha256 !== sha256)
        throw new CopyError(
          `artifact content ${from.pathOf(sha256)} does not hash to its name (${stored.sha256}): the file was changed after it was written`,
        );
      report.copied++;
    }
  }
  return report;
}

export async function copyStore(
  from: StoreLocation,
  to: StoreLocation,
  options: CopyOptions = {},
): Promise<CopyReport> {
  const started = performance.now();
  if (sameLocation(from, to)) throw new CopyError('FROM and TO are the same store');
  const source = await openSource(from, options);
  let copied: Map<string, CopiedTable>;
  let files: ArtifactFilesReport;
  let target: CopyTarget | undefined;
  let targetWhere = '';
  try {
    target = await openTarget(to, options);
    targetWhere = target.where;
    await refuseNonEmpty(target);
    await target.begin();
    copied = new Map();
    try {
      for (const table of COPY_TABLES)
        copied.set(table.name, await copyTable(table, source, target, options));
      await target.commit();
    } catch (error) {
      await target.rollback();
      throw error;
    }
    const artifacts = copied.get('artifacts')!;
    files = copyFiles(source, target, artifacts.ownRoot, artifacts.elsewhere);
  } finally {
    await target?.close();
    await source.close();
  }
  const back = await storeDigests(to, options);
  const tables = back.map((t): TableCheck => {
    const sent = copied.get(t.table)!.digest;
    return {
      table: t.table,
      sourceRows: sent.rows,
      targetRows: t.rows,
      sourceDigest: sent.value,
      targetDigest: t.digest,
      ok: sent.rows === t.rows && sent.value === t.digest,
    };
  });
  return {
    from: source.where,
    to: targetWhere,
    tables,
    files,
    seconds: (performance.now() - started) / 1000,
    ok: tables.every((t) => t.ok) && files.missing.length === 0,
  };
}
