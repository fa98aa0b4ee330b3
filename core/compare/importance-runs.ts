/**
 * Parameter importance for runs in a store: an experiment's runs (a sweep's children when
 * a parent run is named), the metric read as its latest value or an aggregate of its
 * history, then core/compare/importance.ts. Used by `labbook importance` and the service.
 */
import type { Aggregate } from '../search/parse';
import type { RunFilter, RunStore } from '../store';
import {
  parameterImportance,
  type ForestOptions,
  type ImportanceResult,
  type ImportanceRun,
} from './importance';

export interface ImportanceQuery {
  /** Experiment name or id. */
  experiment?: string | number;
  /** Only the children of this run (a sweep). */
  parentRunId?: string;
  metric: string;
  /** The metric's latest value (default), or its min / max over the run's history. */
  aggregate?: Extract<Aggregate, 'min' | 'max'>;
  seed?: number;
}

export interface RunsImportance extends ImportanceResult {
  metric: string;
  /** Runs looked at, with and without the metric. */
  considered: number;
}

export async function runsImportance(
  store: RunStore,
  query: ImportanceQuery,
  options: ForestOptions = {},
): Promise<RunsImportance> {
  if (typeof query.metric !== 'string' || query.metric === '')
    throw new TypeError('importance: metric must be a metric name such as "val_loss"');
  if (query.experiment !== undefined && !(await store.getExperiment(query.experiment)))
    throw new RangeError(`importance: no experiment ${JSON.stringify(query.experiment)}`);
  const filter: RunFilter = {
    ...(query.experiment === undefined ? {} : { experiment: query.experiment }),
    ...(query.parentRunId === undefined ? {} : { parentRunId: query.parentRunId }),
  };
  const runs = await store.listRuns(filter);
  const ids = runs.map((r) => r.id);
  const [params, latest, ranges] = await Promise.all([
    store.paramsOfRuns(ids),
    store.latestMetricsOfRuns(ids),
    query.aggregate ? store.metricRangesOfRuns(ids) : Promise.resolve(undefined),
  ]);
  const rows: ImportanceRun[] = ids.map((id) => {
    const range = ranges?.get(id)?.[query.metric];
    const metric = query.aggregate
      ? (range?.[query.aggregate] ?? undefined)
      : latest.get(id)?.[query.metric]?.value;
    return { params: params.get(id) ?? {}, metric };
  });
  const result = parameterImportance(rows, { seed: query.seed, ...options });
  if (result.runs < 2) {
    throw new RangeError(
      `importance: ${result.runs} of ${runs.length} runs have a finite metric ${JSON.stringify(query.metric)}; at least 2 are needed`,
    );
  }
  return { metric: query.metric, considered: runs.length, ...result };
}
