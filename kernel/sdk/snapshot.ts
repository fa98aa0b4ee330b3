/**
 * The source snapshot a run records at its start: the cells the kernel had executed in
 * this session, as an nbformat 4.5 notebook (artifact `labbook/source.ipynb`). Opening it
 * shows the code that produced the run even after the notebook itself has changed.
 * Kernel-internal; notebooks do not import this.
 */
import { TYPESCRIPT_KERNELSPEC, toLines } from '../../core/notebook/ipynb';
import type { ExecutedCell } from './context';

export const SOURCE_SNAPSHOT_ARTIFACT = 'labbook/source.ipynb';
export const SOURCE_SNAPSHOT_MEDIA_TYPE = 'application/x-ipynb+json';
/** Total source kept in a snapshot; the oldest cells are dropped beyond it. */
export const MAX_SNAPSHOT_SOURCE_BYTES = 5 * 1024 * 1024;

export interface SnapshotOptions {
  /** The notebook the cells came from (recorded in the metadata). */
  notebook?: string | null;
  runId?: string;
  maxSourceBytes?: number;
}

/**
 * The snapshot notebook as JSON text, or null when there is nothing to record. Only the
 * last execution of each cell index is kept, in execution order (the context already
 * keeps them so; repeated here so any list of cells gives a valid notebook).
 */
export function buildSourceNotebook(
  executed: readonly ExecutedCell[],
  options: SnapshotOptions = {},
): string | null {
  const cells: ExecutedCell[] = [];
  for (const cell of executed) {
    if (cell.index !== null) {
      const earlier = cells.findIndex((c) => c.index === cell.index);
      if (earlier >= 0) cells.splice(earlier, 1);
    }
    cells.push(cell);
  }
  const max = options.maxSourceBytes ?? MAX_SNAPSHOT_SOURCE_BYTES;
  let total = cells.reduce((sum, c) => sum + Buffer.byteLength(c.source), 0);
  let dropped = 0;
  while (cells.length > 0 && total > max) {
    total -= Buffer.byteLength(cells[0].source);
    cells.shift();
    dropped++;
  }
  if (cells.length === 0) return null;
  const labbook: Record<string, unknown> = { capturedAt: new Date().toISOString() };
  if (options.notebook) labbook.notebook = options.notebook;
  if (options.runId) labbook.runId = options.runId;
  if (dropped > 0) labbook.droppedCells = dropped;
  const notebook = {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: { ...JSON.parse(JSON.stringify(TYPESCRIPT_KERNELSPEC)), labbook },
    cells: cells.map((cell, i) => ({
      id: `labbook-${i + 1}`,
      cell_type: 'code',
      metadata: { labbook: { index: cell.index } },
      execution_count: cell.executionCount,
      source: toLines(cell.source),
      outputs: [],
    })),
  };
  return `${JSON.stringify(notebook, null, 1)}\n`;
}
