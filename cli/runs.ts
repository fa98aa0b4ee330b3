/**
 * `labbook runs`: the runs in a store, as a table for people or JSON for scripts.
 *
 * JSON shape (one object per run, newest first): id, experiment, name, status, user (who
 * started it, null when not recorded), startTime,
 * endTime (ISO 8601, null while running), params, metrics (latest value per key), tags.
 * JSON has no NaN or Infinity, so those metric values are written as the strings "NaN",
 * "Infinity" and "-Infinity", the spelling JavaScript's Number() reads back.
 */
import { existsSync } from 'node:fs';
import { openRunStore, type RunStore, type StoreLocation } from '../core/store';
import { UsageError } from './errors';
import { alignColumns, scrub } from './terminal';
import { toWireNumber, type WireNumber } from '../core/common/wire-number';
import { formatDuration, formatMetric } from '../core/common/format';
import { parseOrderBy, parseSearch } from '../core/search/parse';

export interface RunSummary {
  id: string;
  experiment: string;
  name: string;
  status: string;
  /** Who started it; null for runs recorded before Labbook knew. */
  user: string | null;
  startTime: string;
  endTime: string | null;
  params: Record<string, string>;
  metrics: Record<string, WireNumber>;
  tags: Record<string, string>;
}

export interface RunQuery {
  experiment?: string;
  /** Search language, e.g. `metrics.acc > 0.9 and params.lr = "0.01"`. */
  filter?: string;
  /** e.g. `metrics.acc DESC, params.lr`. */
  orderBy?: string;
  /** Only runs this person started (`--mine`). */
  user?: string;
}

export async function summarizeRuns(store: RunStore, query: RunQuery = {}): Promise<RunSummary[]> {
  const { experiment } = query;
  // Parsed before the store is touched: a typo is reported with its position, fast.
  const search =
    query.filter || query.orderBy
      ? { condition: parseSearch(query.filter ?? ''), order: parseOrderBy(query.orderBy ?? '') }
      : undefined;
  if (experiment !== undefined && !(await store.getExperiment(experiment))) {
    const known = (await store.listExperiments()).map((e) => e.name);
    throw new UsageError(
      `No experiment named "${experiment}" in ${store.location}${known.length ? ` (experiments: ${known.join(', ')})` : ''}`,
    );
  }
  const runs = await store.listRuns({
    ...(experiment === undefined ? {} : { experiment }),
    ...(query.user === undefined ? {} : { user: query.user }),
    search,
  });
  const ids = runs.map((run) => run.id);
  const [params, latest, tags] = await Promise.all([
    store.paramsOfRuns(ids),
    store.latestMetricsOfRuns(ids),
    store.tagsOfRuns(ids),
  ]);
  return runs.map((run) => ({
    id: run.id,
    experiment: run.experimentName,
    name: run.name,
    status: run.status,
    user: run.user,
    startTime: new Date(run.startTime).toISOString(),
    endTime: run.endTime === null ? null : new Date(run.endTime).toISOString(),
    params: params.get(run.id) ?? {},
    metrics: Object.fromEntries(
      Object.entries(latest.get(run.id) ?? {}).map(([k, m]) => [k, toWireNumber(m.value)]),
    ),
    tags: tags.get(run.id) ?? {},
  }));
}

/** `labbook runs`: on a SQLite file or a PostgreSQL database. */
export async function listRunsCommand(
  location: StoreLocation,
  options: RunQuery & { json?: boolean },
): Promise<string> {
  if (options.filter) parseSearch(options.filter);
  if (options.orderBy) parseOrderBy(options.orderBy);
  if (location.backend === 'sqlite' && !existsSync(location.path)) {
    // Listing must not create a store as a side effect.
    if (options.json) return '[]\n';
    return `No runs yet: there is no Labbook store at ${location.path}\n`;
  }
  const store = await openRunStore(
    location.backend === 'sqlite'
      ? { path: location.path, forReading: true }
      : { path: location.url, detectKilledRuns: false },
  );
  try {
    const runs = await summarizeRuns(store, options);
    return options.json ? `${JSON.stringify(runs, null, 2)}\n` : formatTable(runs);
  } finally {
    await store.close();
  }
}

function formatTable(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No runs.\n';
  const rows = runs.map((r) => [
    r.id.slice(0, 8),
    r.experiment,
    r.name,
    r.status,
    r.user ?? '-',
    r.startTime.replace('T', ' ').slice(0, 19),
    duration(r),
    Object.entries(r.metrics)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${typeof v === 'number' ? formatMetric(v) : v}`)
      .join(' '),
  ]);
  const header = [
    'ID',
    'EXPERIMENT',
    'NAME',
    'STATUS',
    'USER',
    'STARTED (UTC)',
    'DURATION',
    'METRICS (latest)',
  ];
  return `${alignColumns(
    header,
    rows.map((row) => row.map((cell) => scrub(cell))),
  )}\n`;
}

function duration(run: RunSummary): string {
  if (!run.endTime) return run.status === 'running' ? 'running' : '-';
  return formatDuration(Date.parse(run.endTime) - Date.parse(run.startTime));
}
