/**
 * `labbook importance EXP --metric M [--json]`: which params of an experiment's runs (or a
 * sweep's children, --parent) move a metric: random-forest importance and Pearson
 * correlation (core/compare/importance.ts).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { openRunStore, type StoreLocation } from '../core/store';
import { runsImportance, type RunsImportance } from '../core/compare/importance-runs';
import { UsageError } from './errors';
import { alignColumns, scrub } from './terminal';

export function importanceText(result: RunsImportance): string {
  const rows = result.params.map((p) => [
    scrub(p.param),
    p.kind,
    p.importance.toFixed(3),
    p.correlation === null ? '-' : p.correlation.toFixed(3),
  ]);
  return (
    `${result.metric}: ${result.runs} of ${result.considered} runs (random forest, 100 trees; Pearson r for numeric params)\n` +
    `${alignColumns(['param', 'kind', 'importance', 'correlation'], rows)}\n`
  );
}

export function registerImportanceCommand(program: Command, location: () => StoreLocation): void {
  program
    .command('importance')
    .description(
      "which params move a metric: random-forest importance and correlation over an experiment's runs",
    )
    .argument('<experiment>', 'experiment name')
    .requiredOption('-m, --metric <name>', 'the metric, e.g. val_loss (its latest value)')
    .option('--aggregate <min|max>', "the metric's min or max over each run's history instead")
    .option('--parent <runId>', "only this run's children (a sweep)")
    .option('--seed <n>', 'seed of the forest', '0')
    .option('--json', 'print JSON')
    .action(
      async (
        experiment: string,
        opts: { metric: string; aggregate?: string; parent?: string; seed: string; json?: boolean },
      ) => {
        if (opts.aggregate !== undefined && opts.aggregate !== 'min' && opts.aggregate !== 'max')
          throw new UsageError(
            `--aggregate must be min or max, got ${JSON.stringify(opts.aggregate)}`,
          );
        const seed = Number(opts.seed);
        if (!Number.isInteger(seed) || seed < 0)
          throw new UsageError(
            `--seed must be a whole number >= 0, got ${JSON.stringify(opts.seed)}`,
          );
        const where = location();
        if (where.backend === 'sqlite' && !existsSync(where.path))
          throw new UsageError(
            `There is no Labbook store at ${where.path}: no run has been recorded`,
          );
        const store = await openRunStore(
          where.backend === 'postgres'
            ? { path: where.url, detectKilledRuns: false }
            : { path: where.path, forReading: true },
        );
        try {
          if (!(await store.getExperiment(experiment))) {
            const known = (await store.listExperiments()).map((e) => e.name);
            throw new UsageError(
              `No experiment named "${experiment}" in ${store.location}${known.length ? ` (experiments: ${known.join(', ')})` : ''}`,
            );
          }
          let result: RunsImportance;
          try {
            result = await runsImportance(store, {
              experiment,
              metric: opts.metric,
              seed,
              ...(opts.parent ? { parentRunId: opts.parent } : {}),
              ...(opts.aggregate ? { aggregate: opts.aggregate } : {}),
            });
          } catch (error) {
            if (error instanceof RangeError) throw new UsageError(error.message);
            throw error;
          }
          process.stdout.write(
            opts.json ? `${JSON.stringify(result, null, 2)}\n` : importanceText(result),
          );
        } finally {
          await store.close();
        }
      },
    );
}
