/**
 * Lineage between data set versions, recorded without a schema change: a derived
 * version's `source` is `derived:<name>@<version>:<how>` (how = clean, augment-smote, …),
 * and the run that made it keeps the full recipe (the cleaning plan or augmentation
 * parameters) as the artifact `labbook/datasets/<fingerprint>.lineage.json`, so the
 * version can be rebuilt from its parent. A lineage table would make "children of a
 * version" a query; until then they are found by their `source`.
 */
export interface Lineage {
  /** The parent version. */
  from: { name: string; version: number };
  /** clean, augment-smote, augment-noise, augment-mixup. */
  how: string;
}

const PREFIX = 'derived:';

export function lineageSource(lineage: Lineage): string {
  return `${PREFIX}${lineage.from.name}@${lineage.from.version}:${lineage.how}`;
}

/** The lineage in a version's `source`, or null for a version read from a file or rows. */
export function parseLineageSource(source: string | null | undefined): Lineage | null {
  if (!source || !source.startsWith(PREFIX)) return null;
  const m = /^derived:(.+)@(\d+):([a-z-]+)$/.exec(source);
  if (!m) return null;
  return { from: { name: m[1], version: Number(m[2]) }, how: m[3] };
}

export function lineageArtifactName(fingerprint: string): string {
  return `labbook/datasets/${fingerprint}.lineage.json`;
}
