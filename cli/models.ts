/**
 * The model registry from the command line:
 *
 *   labbook models [--json]                       registered models
 *   labbook models show NAME [--json]             versions (stage, aliases, run, key metrics) and history
 *   labbook promote NAME VERSION --to STAGE [--reason TEXT] [--force]
 *   labbook alias NAME VERSION ALIAS [--remove] [--reason TEXT]
 *   labbook model-card NAME VERSION [--slice COLUMN] [--out FILE.md]
 *
 * `promote` exits 1 when the gates refuse (each failing gate printed with its numbers) and
 * 2 on unusable input, like the rest of the CLI. JSON times are ISO 8601 strings; metric
 * values NaN/±Infinity are strings, as in `labbook runs --json`.
 */
import { storeExists } from '../core/store/location';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { openStore, type OpenStore } from '../core/store';
import {
  Registry,
  RegistryError,
  buildModelCard,
  gatesPath,
  modelCardMarkdown,
  readGates,
  validateStage,
  type RegistryOptions,
} from '../core/registry';
import { fmt } from '../core/registry/gates';
import type {
  GateResult,
  GatesConfig,
  ModelTransition,
  ModelVersion,
  RegisteredModel,
  Stage,
} from '../core/registry/types';
import { toWireNumber, type WireNumber } from '../core/common/wire-number';
import { createProgress, type Progress } from './progress';
import { UsageError } from './errors';
import { COMMON_KEY_METRICS } from '../core/common/comparison';
import { existingStore } from './store';
import { alignColumns, scrub } from './terminal';

/** Metrics shown first in tables, when a run has them: the ones comparisons default to. */
const KEY_METRICS = COMMON_KEY_METRICS;

export interface ModelSummaryJson extends Omit<RegisteredModel, 'createdAt'> {
  createdAt: string;
}

export interface ModelVersionJson extends Omit<ModelVersion, 'createdAt'> {
  createdAt: string;
  runName: string | null;
  experiment: string | null;
  metrics: Record<string, WireNumber>;
  inUse: boolean;
}

export interface ModelTransitionJson extends Omit<ModelTransition, 'at'> {
  at: string;
}

export interface ModelDetailsJson {
  model: ModelSummaryJson;
  /** Newest first. */
  versions: ModelVersionJson[];
  /** Newest first. */
  history: ModelTransitionJson[];
  gates: GatesConfig | null;
  gatesPath: string;
}

const iso = (ms: number) => new Date(ms).toISOString();
const shortTime = (ms: number) => iso(ms).replace('T', ' ').slice(0, 16);
/** Names and reasons come from people and notebooks: never let them move the terminal's cursor. */
const safe = (text: string) => scrub(text, ' ');

function withRegistry<T>(
  storePath: string,
  options: RegistryOptions,
  fn: (registry: Registry, store: OpenStore) => T,
): T {
  const store = openStore({
    path: existingStore(storePath, 'no model has been registered'),
    forReading: true,
  });
  let result: T;
  try {
    result = fn(new Registry(store, options), store);
  } catch (error) {
    store.close();
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => store.close()) as T;
  store.close();
  return result;
}

function table(header: string[], rows: string[][]): string {
  return alignColumns(
    header.map(safe),
    rows.map((r) => r.map(safe)),
  );
}

export function modelSummaries(registry: Registry): ModelSummaryJson[] {
  return registry.listModels().map((m) => ({ ...m, createdAt: iso(m.createdAt) }));
}

export function listModelsCommand(storePath: string, options: { json?: boolean }): string {
  if (!storeExists(storePath))
    return options.json ? '[]\n' : `No models yet: there is no Labbook store at ${storePath}\n`;
  return withRegistry(storePath, {}, (registry) => {
    const models = modelSummaries(registry);
    if (options.json) return `${JSON.stringify(models, null, 2)}\n`;
    if (models.length === 0)
      return 'No registered models. Register one with run.logModel(model, { name }) in a notebook.\n';
    const rows = models.map((m) => [
      m.name,
      `v${m.latestVersion}`,
      m.production === null ? '-' : `v${m.production}`,
      m.staging === null ? '-' : `v${m.staging}`,
      Object.entries(m.aliases)
        .map(([a, v]) => `${a}=v${v}`)
        .join(' '),
    ]);
    return `${table(['NAME', 'LATEST', 'PRODUCTION', 'STAGING', 'ALIASES'], rows)}\n`;
  });
}

export function modelDetails(registry: Registry, store: OpenStore, name: string): ModelDetailsJson {
  const model = registry.getModel(name);
  if (!model) {
    const known = registry.listModels().map((m) => m.name);
    throw new RegistryError(
      'NOT_FOUND',
      `no registered model named ${JSON.stringify(name)}${known.length ? ` (models: ${known.join(', ')})` : ''}`,
    );
  }
  const versions = registry.listVersions(name);
  const latest = store.latestMetricsOfRuns([...new Set(versions.map((v) => v.runId))]);
  return {
    model: { ...model, createdAt: iso(model.createdAt) },
    versions: versions.map((v) => {
      const run = store.getRun(v.runId);
      return {
        ...v,
        createdAt: iso(v.createdAt),
        runName: run?.name ?? null,
        experiment: run?.experimentName ?? null,
        metrics: Object.fromEntries(
          Object.entries(latest.get(v.runId) ?? {}).map(([k, m]) => [k, toWireNumber(m.value)]),
        ),
        inUse: registry.inUse(v.name, v.version),
      };
    }),
    history: registry.history(name).map((t) => ({ ...t, at: iso(t.at) })),
    gates: readGates(store.location, name),
    gatesPath: gatesPath(store.location, name),
  };
}

function keyMetrics(metrics: Record<string, WireNumber>, count = 3): string {
  const keys = Object.keys(metrics);
  const ordered = [
    ...KEY_METRICS.filter((k) => k in metrics),
    ...keys.filter((k) => !KEY_METRICS.includes(k)).sort(),
  ];
  return ordered
    .slice(0, count)
    .map((k) => {
      const v = metrics[k];
      return `${k}=${typeof v === 'number' ? fmt(v) : v}`;
    })
    .join(' ');
}

export function describeTransition(t: {
  version: number;
  kind: string;
  from: string | null;
  to: string | null;
  alias: string | null;
  by: string;
  reason: string | null;
  forced: boolean;
  gates: GateResult[] | null;
}): string {
  let what: string;
  if (t.kind === 'registered') what = `v${t.version} registered`;
  else if (t.kind === 'alias-set') what = `@${t.alias} -> v${t.version}`;
  else if (t.kind === 'alias-removed') what = `@${t.alias} removed (was v${t.version})`;
  else what = `v${t.version} ${t.from ?? '?'} -> ${t.to ?? '?'}`;
  const gates = t.gates?.length
    ? `, gates ${t.gates.filter((g) => g.passed).length}/${t.gates.length} passed`
    : '';
  return `${what} by ${t.by}${t.forced ? ' (FORCED past failing gates)' : ''}${gates}${t.reason ? `: ${t.reason}` : ''}`;
}

export function showModelCommand(
  storePath: string,
  name: string,
  options: { json?: boolean },
): string {
  return withRegistry(storePath, {}, (registry, store) => {
    const details = modelDetails(registry, store, name);
    if (options.json) return `${JSON.stringify(details, null, 2)}\n`;
    const m = details.model;
    const out: string[] = [];
    out.push(`${m.name}${m.description ? ` - ${m.description}` : ''}`);
    out.push(
      `${m.latestVersion} version${m.latestVersion === 1 ? '' : 's'}; Production: ${m.production === null ? 'none' : `v${m.production}`}; Staging: ${m.staging === null ? 'none' : `v${m.staging}`}`,
    );
    out.push('');
    out.push(
      table(
        ['VERSION', 'STAGE', 'ALIASES', 'RUN', 'REGISTERED (UTC)', 'METRICS (run, latest)'],
        details.versions.map((v) => [
          `v${v.version}`,
          v.stage,
          v.aliases.join(','),
          `${v.runId.slice(0, 8)} ${v.runName ?? '(missing)'}`,
          `${shortTime(Date.parse(v.createdAt))} ${v.createdBy}`,
          keyMetrics(v.metrics),
        ]),
      ),
    );
    out.push('');
    out.push(`Gates (${details.gatesPath}):`);
    const gates = details.gates;
    if (!gates || (!gates.staging && !gates.production)) out.push('  none');
    for (const stage of ['staging', 'production'] as const) {
      const g = gates?.[stage];
      if (!g) continue;
      const parts = [
        ...(g.metrics ?? []),
        ...(g.notWorseThanProduction
          ? [
              `not worse than Production (${g.notWorseThanProduction.metric}, tolerance ${fmt(g.notWorseThanProduction.tolerance)})`,
            ]
          : []),
      ];
      out.push(`  ${stage}: ${parts.length ? parts.join('; ') : 'none'}`);
    }
    out.push('');
    out.push('History (newest first):');
    out.push(
      details.history.length
        ? table(
            ['WHEN (UTC)', 'CHANGE'],
            details.history.map((t) => [shortTime(Date.parse(t.at)), describeTransition(t)]),
          )
        : '  none',
    );
    return `${out.join('\n')}\n`;
  });
}

export function parseVersionArgument(text: string): number {
  const match = /^v?(\d+)$/i.exec(text.trim());
  const version = match ? Number(match[1]) : NaN;
  if (!Number.isSafeInteger(version) || version < 1)
    throw new UsageError(`VERSION must be a version number such as 3, got ${JSON.stringify(text)}`);
  return version;
}

function progressHooks(progress: Progress): RegistryOptions['onProgress'] {
  const started = new Map<string, number>();
  return (event) => {
    if (event.phase === 'start') {
      started.set(event.label, performance.now());
      progress.start(event.label);
    } else {
      progress.done(
        event.label,
        'ok',
        performance.now() - (started.get(event.label) ?? performance.now()),
      );
    }
  };
}

function gateLine(g: GateResult): string {
  return `  ${g.passed ? 'pass' : 'FAIL'}  ${safe(g.gate)}: ${safe(g.message)}`;
}

/** Returns the exit code: 0 promoted, 1 refused by the gates. Usage problems throw (exit 2). */
export async function promoteCommand(
  storePath: string,
  name: string,
  versionText: string,
  options: { to?: string; reason?: string; force?: boolean },
  io: { out: (text: string) => void; err: (text: string) => void } = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
  },
  registryOptions: RegistryOptions = {},
): Promise<number> {
  const version = parseVersionArgument(versionText);
  if (!options.to) throw new UsageError('--to is required: staging, production, archived or none');
  let to: Stage;
  try {
    to = validateStage(options.to);
  } catch {
    throw new UsageError(
      `--to must be staging, production, archived or none, got ${JSON.stringify(options.to)}`,
    );
  }
  if (options.force && !options.reason?.trim())
    throw new UsageError(
      '--force needs --reason TEXT: overriding the gates is recorded with its reason',
    );
  const progress = createProgress();
  try {
    return await withRegistry(
      storePath,
      { ...registryOptions, onProgress: progressHooks(progress) },
      async (registry) => {
        try {
          const { transition, archived, gates } = await registry.promote({
            name,
            version,
            to,
            reason: options.reason,
            force: options.force,
          });
          progress.stop();
          io.out(
            `${name} v${version}: ${transition.from} -> ${transition.to}${archived !== null ? ` (v${archived} archived: replaced by v${version})` : ''}\n`,
          );
          if (gates.length) {
            io.out(
              `Gates: ${gates.filter((g) => g.passed).length} of ${gates.length} passed${transition.forced ? '; the failing ones were overridden (--force), reason recorded' : ''}\n`,
            );
            io.out(`${gates.map(gateLine).join('\n')}\n`);
          }
          return 0;
        } catch (error) {
          if (error instanceof RegistryError && error.code === 'GATES_FAILED') {
            progress.stop();
            const gates = error.gates ?? [];
            const failing = gates.filter((g) => !g.passed);
            io.err(
              `Promotion of ${name} v${version} to ${to} refused: ${failing.length} of ${gates.length} gate${gates.length === 1 ? '' : 's'} failed\n`,
            );
            io.err(`${gates.map(gateLine).join('\n')}\n`);
            io.err(`Gates: ${gatesPath(storePath, name)}. To override: --force --reason "why"\n`);
            return 1;
          }
          throw error;
        }
      },
    );
  } finally {
    progress.stop();
  }
}

export function aliasCommand(
  storePath: string,
  name: string,
  versionText: string,
  alias: string,
  options: { remove?: boolean; reason?: string },
): string {
  const version = parseVersionArgument(versionText);
  return withRegistry(storePath, {}, (registry) => {
    if (options.remove) {
      registry.removeAlias(name, alias, { version, reason: options.reason });
      return `${name}@${alias} removed (it pointed at v${version})\n`;
    }
    const before = registry.getModel(name)?.aliases[alias];
    const transition = registry.setAlias(name, version, alias, { reason: options.reason });
    if (!transition) return `${name}@${alias} already points at v${version}\n`;
    return `${name}@${alias} -> v${version}${before !== undefined ? ` (was v${before})` : ''}\n`;
  });
}

export async function modelCardCommand(
  storePath: string,
  name: string,
  versionText: string,
  options: { slice?: string; out?: string },
  registryOptions: RegistryOptions = {},
): Promise<string> {
  const version = parseVersionArgument(versionText);
  const progress = createProgress();
  try {
    const markdown = await withRegistry(storePath, registryOptions, async (registry, store) => {
      const card = await buildModelCard(store, registry, name, version, {
        sliceColumn: options.slice,
        evaluate: registryOptions.evaluate,
        onProgress: progressHooks(progress),
      });
      return modelCardMarkdown(card);
    });
    progress.stop();
    if (options.out) {
      const out = resolve(options.out);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, markdown);
      process.stderr.write(`Model card of ${name} v${version} written to ${out}\n`);
      return '';
    }
    return markdown;
  } finally {
    progress.stop();
  }
}

/** Adds the registry commands to the `labbook` program. */
export function registerModelCommands(program: Command, storePath: () => string): void {
  const models = program
    .command('models')
    .description('list registered models')
    .option('--json', 'print a JSON array')
    .action((opts: { json?: boolean }) => {
      process.stdout.write(listModelsCommand(storePath(), opts));
    });
  models
    .command('show')
    .description("a model's versions (stage, aliases, source run, key metrics), gates and history")
    .argument('<name>', 'model name')
    .option('--json', 'print JSON')
    .action((name: string, opts: { json?: boolean }) => {
      // `models show NAME --json`: commander hands --json to `models`, which has the same option.
      const json = opts.json || models.opts<{ json?: boolean }>().json;
      process.stdout.write(showModelCommand(storePath(), name, { json }));
    });

  program
    .command('promote')
    .description(
      'move a model version to a stage; gates of staging/production must pass (exit 1 when they refuse)',
    )
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .requiredOption('--to <stage>', 'staging, production, archived or none')
    .option('--reason <text>', 'why (recorded in the history; required with --force)')
    .option('--force', 'promote even though gates fail (needs --reason)')
    .action(
      async (
        name: string,
        version: string,
        opts: { to?: string; reason?: string; force?: boolean },
      ) => {
        const code = await promoteCommand(storePath(), name, version, opts);
        if (code !== 0) process.exitCode = code;
      },
    );

  program
    .command('alias')
    .description('point an alias (e.g. champion) at a model version, or remove it with --remove')
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .argument('<alias>', 'alias name: a letter, then letters, digits, _ or -')
    .option('--remove', 'remove the alias (it must point at VERSION)')
    .option('--reason <text>', 'why (recorded in the history)')
    .action(
      (
        name: string,
        version: string,
        alias: string,
        opts: { remove?: boolean; reason?: string },
      ) => {
        process.stdout.write(aliasCommand(storePath(), name, version, alias, opts));
      },
    );

  program
    .command('model-card')
    .description(
      'the model card of a version as markdown: details, intended use, training data, metrics per slice, caveats',
    )
    .argument('<name>', 'model name')
    .argument('<version>', 'version number')
    .option('--slice <column>', 'break holdout metrics down by this column of the holdout set')
    .option('-o, --out <file>', 'write the markdown to this file instead of stdout')
    .action(async (name: string, version: string, opts: { slice?: string; out?: string }) => {
      process.stdout.write(await modelCardCommand(storePath(), name, version, opts));
    });
}
