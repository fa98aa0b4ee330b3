/**
 * The runs table: one page of runs with their params, user tags and metrics (latest, min,
 * max), plus what the table needs around the page (total, column choices, group counts,
 * best values). Everything is asked of the store set-wise in SQL, so a page costs the same
 * few queries whether the store holds a hundred runs or a hundred thousand.
 */
import { higherIsBetterByName } from '../common/comparison';
import { parseOrderBy, parseSearch, SearchSyntaxError } from '../search/parse';
import type { Experiment, RunFilter, RunStore } from '../store';
import type { RunSearch } from '../store/types';
import { SYSTEM_TAG_PREFIX } from '../store/types';
import {
  toWireNumber,
  type RunsTableMetric,
  type RunsTablePage,
  type RunsTableQuery,
  type RunsTableRow,
  type WireNumber,
} from './protocol';
import { sweepOf, toRunItem, userTags } from './queries';

export const MAX_TABLE_LIMIT = 1000;

function emptyPage(offset: number, error?: RunsTablePage['error']): RunsTablePage {
  return {
    total: 0,
    offset,
    rows: [],
    columns: { params: [], metrics: [], tags: [] },
    best: {},
    ...(error ? { error } : {}),
  };
}

function tableSearch(query: RunsTableQuery): RunSearch | RunsTablePage['error'] {
  const part = (inWhat: 'filter' | 'orderBy', parse: () => void) => {
    try {
      parse();
      return undefined;
    } catch (error) {
      if (error instanceof SearchSyntaxError)
        return { in: inWhat, message: error.message, position: error.position };
      throw error;
    }
  };
  let condition: ReturnType<typeof parseSearch> = null;
  let order: ReturnType<typeof parseOrderBy> = [];
  const problem =
    part('filter', () => {
      condition = parseSearch(query.filter ?? '');
    }) ??
    part('orderBy', () => {
      order = parseOrderBy(query.orderBy ?? '');
    });
  // One moment for every query of the page: a running run's duration is the same in each.
  return problem ?? { condition, order, now: Date.now() };
}

/** Whether higher is better for `key`: the experiment's own direction when it is that (single) experiment's key metric. */
function directionOf(key: string, experiment: Experiment | undefined): boolean {
  if (experiment?.keyMetric === key && experiment.keyMetricHigherIsBetter !== null)
    return experiment.keyMetricHigherIsBetter;
  return higherIsBetterByName(key);
}

const wireOrNull = (value: number | null): WireNumber | null =>
  value === null ? null : toWireNumber(value);

/** One page of the runs table. A filter or order-by that does not parse gives an empty page with `error`. */
export async function queryRunsTable(
  store: RunStore,
  query: RunsTableQuery,
): Promise<RunsTablePage> {
  const offset = Math.max(0, Math.floor(query.offset ?? 0));
  const limit = Math.min(MAX_TABLE_LIMIT, Math.max(1, Math.floor(query.limit ?? 100)));
  const search = tableSearch(query);
  if (!search || 'message' in search) return emptyPage(offset, search);

  const experimentIds = query.experimentIds ?? [];
  const filter: RunFilter = {
    search,
    experimentIds,
    ...(query.parentRunId !== undefined
      ? { parentRunId: query.parentRunId }
      : { topLevelOnly: query.topLevelOnly ?? true }),
  };
  const total = await store.countRuns(filter);
  const runs = await store.listRuns({
    ...filter,
    pinnedFirst: true,
    groupByParam: query.groupByParam,
    // Children read in the order they ran; top-level runs newest first.
    startTimeAscending: query.parentRunId !== undefined,
    limit,
    offset,
  });

  const ids = runs.map((r) => r.id);
  const params = await store.paramsOfRuns(ids);
  const tags = await store.tagsOfRuns(ids);
  const latest = await store.latestMetricsOfRuns(ids);
  const ranges = await store.metricRangesOfRuns(ids);
  const children = await store.childCounts(ids);
  const experiments = new Map((await store.listExperiments()).map((e) => [e.id, e]));

  const rows: RunsTableRow[] = runs.map((run) => {
    const runLatest = latest.get(run.id) ?? {};
    const runRanges = ranges.get(run.id) ?? {};
    const metrics: Record<string, RunsTableMetric> = {};
    for (const [key, value] of Object.entries(runLatest)) {
      const range = runRanges[key];
      metrics[key] = {
        latest: toWireNumber(value.value),
        min: wireOrNull(range?.min ?? null),
        max: wireOrNull(range?.max ?? null),
        step: value.step,
      };
    }
    const runTags = tags.get(run.id) ?? {};
    return {
      ...toRunItem(
        run,
        runLatest,
        runTags,
        experiments.get(run.experimentId)?.keyMetric ?? null,
        sweepOf(params.get(run.id), runTags),
      ),
      params: params.get(run.id) ?? {},
      tags: userTags(runTags),
      metrics,
      childCount: children.get(run.id) ?? 0,
    };
  });

  // The metric columns come with their ranges: one pass over latest_metrics instead of two.
  const keys = await store.runKeys(filter, ['params', 'tags']);
  const metricRanges = await store.latestMetricRanges(filter);
  const single = experimentIds.length === 1 ? experiments.get(experimentIds[0]) : undefined;
  const best: Record<string, WireNumber> = {};
  for (const [key, range] of Object.entries(metricRanges)) {
    const value = directionOf(key, single) ? range.max : range.min;
    if (value !== null) best[key] = toWireNumber(value);
  }

  return {
    total,
    offset,
    rows,
    columns: {
      params: keys.params,
      metrics: Object.keys(metricRanges).sort(),
      tags: keys.tags.filter((k) => !k.startsWith(SYSTEM_TAG_PREFIX)),
    },
    ...(query.groupByParam !== undefined
      ? { groups: await store.paramValueCounts(filter, query.groupByParam) }
      : {}),
    best,
  };
}

/** Runtime check of a RunsTableQuery from another process; a message, or undefined when fine. */
export function checkRunsTableQuery(p: unknown): string | undefined {
  if (!p || typeof p !== 'object' || Array.isArray(p))
    return 'the runs table query must be an object';
  const q = p as Record<string, unknown>;
  if (
    q.experimentIds !== undefined &&
    (!Array.isArray(q.experimentIds) || !q.experimentIds.every((id) => Number.isInteger(id)))
  ) {
    return 'experimentIds must be an array of integer experiment ids';
  }
  for (const key of ['filter', 'orderBy'] as const) {
    const value = q[key];
    if (value !== undefined && (typeof value !== 'string' || value.length > 10_000)) {
      return `${key} must be a string (the runs search language) of at most 10000 characters`;
    }
  }
  if (
    q.groupByParam !== undefined &&
    (typeof q.groupByParam !== 'string' || q.groupByParam === '')
  ) {
    return 'groupByParam must be a non-empty param name';
  }
  if (q.topLevelOnly !== undefined && typeof q.topLevelOnly !== 'boolean')
    return 'topLevelOnly must be true or false';
  if (
    q.parentRunId !== undefined &&
    (typeof q.parentRunId !== 'string' || q.parentRunId === '' || q.parentRunId.length > 200)
  ) {
    return 'parentRunId must be a non-empty run id';
  }
  if (!Number.isInteger(q.offset) || (q.offset as number) < 0)
    return `offset must be an integer >= 0, got ${JSON.stringify(q.offset)}`;
  // Out-of-range limits are clamped to 1..MAX_TABLE_LIMIT.
  if (!Number.isInteger(q.limit))
    return `limit must be an integer (1 to ${MAX_TABLE_LIMIT}), got ${JSON.stringify(q.limit)}`;
  return undefined;
}
