/**
 * Local model serving from the command line:
 *
 *   labbook deploy NAME[@stage|@alias|/VERSION] [--port P] [--host H] [--name N]
 *          [--strategy single|canary|ab|shadow|bluegreen] [--candidate REF] [--weight PERCENT]
 *          [--body-limit BYTES] [--log-sampling SHARE]
 *          [--log-retention-rows N] [--log-retention-days DAYS] [--seed N]
 *          [--max-batch-size N] [--batch-timeout-ms MS] [--reason TEXT] [--json]
 *   labbook deployments [--all] [--json]
 *   labbook deployment show NAME [--json]
 *   labbook deployment shift NAME --weight PERCENT [--reason TEXT]
 *   labbook deployment switch NAME [--reason TEXT]
 *   labbook deployment promote NAME [--to STAGE] [--force] [--reason TEXT]
 *   labbook deployment rollback NAME [--reason TEXT]
 *   labbook deployment canary NAME --candidate REF [--strategy S] [--weight PERCENT] [--reason TEXT]
 *   labbook deployment stop-candidate NAME [--reason TEXT]
 *   labbook deployment stop NAME [--reason TEXT]
 *
 * `deploy` starts the server as a detached process and returns once it listens; every later
 * change (canary, shift, switch, promote, rollback, stop-candidate) is a control message to
 * that running server (POST /v1/deployment:control with its token), which loads and warms up
 * a new version beside the old before moving traffic: same port, same token, no restart. Exit codes
 * as elsewhere: 0 done, 1 the gates refused a promotion, 2 unusable input or a server that
 * is not running.
 */
import { storeExists } from '../core/store/location';
import { Option, type Command } from 'commander';
import { deploymentStore, openStore } from '../core/store';
import {
  baseUrl,
  controlDeployment,
  deploymentHealth,
  requireDeployment,
  startDeployment,
  stopDeployment,
} from '../core/serve/deployments';
import {
  STRATEGIES,
  ServeError,
  describeSplit,
  type ControlMessage,
  type Deployment,
  type DeploymentEvent,
  type DeploymentStatusReport,
  type Strategy,
} from '../core/common/serve-types';
import type { GateResult } from '../core/registry/types';
import { UsageError } from './errors';
import { existingStore } from './store';
import { alignColumns, scrub } from './terminal';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function table(header: string[], rows: string[][]): string {
  return alignColumns(
    header.map((h) => scrub(h, ' ')),
    rows.map((r) => r.map((c) => scrub(c, ' '))),
  );
}

function number(text: string, what: string, check: (n: number) => boolean): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || !check(n))
    throw new UsageError(`${what}: ${JSON.stringify(text)} is not valid`);
  return n;
}

/** ServeErrors become usage errors (exit 2); refused gates print and exit 1. */
async function handled<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (error instanceof ServeError) {
      if (error.code === 'GATES_FAILED') {
        const gates = (error as ServeError & { gates?: GateResult[] }).gates ?? [];
        process.stderr.write(
          `${error.message}\n${gates
            .filter((g) => !g.passed)
            .map((g) => `  FAILED ${g.gate}: ${g.message}`)
            .join('\n')}\n`,
        );
        process.exitCode = 1;
        return undefined;
      }
      throw new UsageError(error.message);
    }
    throw error;
  }
}

export interface DeploymentJson extends Omit<
  Deployment,
  'createdAt' | 'startedAt' | 'stoppedAt' | 'updatedAt'
> {
  createdAt: string;
  startedAt: string | null;
  stoppedAt: string | null;
  updatedAt: string;
  url: string;
  /** The process exists and /healthz answers (checked now). */
  healthy: boolean;
  health: string;
}

async function toJson(d: Deployment): Promise<DeploymentJson> {
  const live = d.status === 'running' || d.status === 'starting';
  const health = live ? await deploymentHealth(d) : { healthy: false, detail: d.status };
  return {
    ...d,
    createdAt: iso(d.createdAt)!,
    startedAt: iso(d.startedAt),
    stoppedAt: iso(d.stoppedAt),
    updatedAt: iso(d.updatedAt)!,
    url: `${baseUrl(d)}/v1/models/${d.name}`,
    healthy: health.healthy,
    health: health.detail,
  };
}

function statusText(d: DeploymentJson): string {
  if (d.status === 'running' && !d.healthy) return `running? (${d.health})`;
  return d.status;
}

function eventLine(e: DeploymentEvent): string {
  const change =
    e.before && e.after
      ? `${describeSplit(e.before)} -> ${describeSplit(e.after)}`
      : e.after
        ? describeSplit(e.after)
        : '';
  return `${new Date(e.at).toISOString().replace('T', ' ').slice(0, 19)}  ${e.kind.padEnd(8)}  ${e.by}${change ? `  ${change}` : ''}${e.reason ? `  (${e.reason})` : ''}`;
}

function report(r: DeploymentStatusReport): string {
  return `${r.message ?? describeSplit(r.split)}\n`;
}

export function registerDeployCommands(program: Command, storePath: () => string): void {
  program
    .command('deploy')
    .description('serve a registered model over HTTP (TF Serving API) from a process of its own')
    .argument('<ref>', 'model reference: NAME, NAME/3, NAME@production, NAME@champion')
    .option('--name <name>', 'deployment name, served at /v1/models/NAME (default: the model name)')
    .option('--port <port>', 'port to listen on; 0 picks a free one', '8501')
    .option('--host <host>', 'address to bind (default 127.0.0.1: this machine only)', '127.0.0.1')
    .addOption(
      new Option('--strategy <strategy>', 'how the candidate takes part').choices([...STRATEGIES]),
    )
    .option('--candidate <ref>', 'second version of the same model: NAME/4, 4, @staging')
    .option(
      '--weight <percent>',
      'percent of requests for the candidate (canary default 10, ab 50, bluegreen 0 or 100)',
    )
    .option('--body-limit <bytes>', 'largest request body accepted', String(1024 * 1024))
    .option('--log-sampling <share>', 'share of requests written to the prediction log, 0..1', '1')
    .option('--log-retention-rows <n>', 'newest prediction-log rows kept per deployment', '1000000')
    .option('--log-retention-days <days>', 'prediction-log rows older than this are deleted', '30')
    .option('--seed <n>', 'seed of the random split of requests without a key')
    .option(
      '--max-batch-size <n>',
      'most rows scored as one tensor when requests come together',
      '128',
    )
    .option(
      '--batch-timeout-ms <ms>',
      'most a request waits for the batch being scored (0: until it ends)',
      '0',
    )
    .option('--reason <text>', 'why, recorded with the deployment')
    .option('--json', 'print the deployment as JSON')
    .action(
      async (
        ref: string,
        opts: {
          name?: string;
          port: string;
          host: string;
          strategy?: Strategy;
          candidate?: string;
          weight?: string;
          bodyLimit: string;
          logSampling: string;
          logRetentionRows: string;
          logRetentionDays: string;
          seed?: string;
          maxBatchSize: string;
          batchTimeoutMs: string;
          reason?: string;
          json?: boolean;
        },
      ) => {
        const path = existingStore(storePath(), 'no model has been registered');
        const d = await handled(() =>
          startDeployment(path, {
            ref,
            name: opts.name,
            strategy: opts.strategy,
            candidate: opts.candidate ?? null,
            weight:
              opts.weight === undefined
                ? undefined
                : number(opts.weight, '--weight', (n) => n >= 0 && n <= 100),
            host: opts.host,
            port: number(opts.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535),
            config: {
              bodyLimit: number(
                opts.bodyLimit,
                '--body-limit',
                (n) => Number.isInteger(n) && n >= 1,
              ),
              logSampling: number(opts.logSampling, '--log-sampling', (n) => n >= 0 && n <= 1),
              logRetentionRows: number(
                opts.logRetentionRows,
                '--log-retention-rows',
                (n) => Number.isSafeInteger(n) && n >= 1,
              ),
              logRetentionDays: number(
                opts.logRetentionDays,
                '--log-retention-days',
                (n) => Number.isFinite(n) && n > 0,
              ),
              seed:
                opts.seed === undefined ? null : number(opts.seed, '--seed', Number.isSafeInteger),
              maxBatchSize: number(
                opts.maxBatchSize,
                '--max-batch-size',
                (n) => Number.isSafeInteger(n) && n >= 1,
              ),
              batchTimeoutMs: number(
                opts.batchTimeoutMs,
                '--batch-timeout-ms',
                (n) => Number.isFinite(n) && n >= 0,
              ),
            },
            reason: opts.reason ?? null,
          }),
        );
        if (!d) return;
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(await toJson(d), null, 2)}\n`);
          return;
        }
        const url = `${baseUrl(d)}/v1/models/${d.name}`;
        if (!['127.0.0.1', '::1', 'localhost'].includes(d.host)) {
          process.stderr.write(
            `Note: listening on ${d.host}, not only on this machine: anyone who can reach it and holds the token can call it (plain HTTP, no TLS).\n`,
          );
        }
        process.stdout.write(
          `Deployed ${d.modelName} ${describeSplit({ strategy: d.strategy, primary: d.primaryVersion, candidate: d.candidateVersion, weight: d.weight })}` +
            ` as ${d.name} (${d.strategy}, pid ${d.pid})\n` +
            `  predict:  POST ${url}:predict   {"instances": [...]}\n` +
            `  feedback: POST ${url}:feedback  {"id": "...", "label": ...}\n` +
            `  metrics:  GET  ${baseUrl(d)}/metrics\n` +
            `  token:    ${d.tokenFile}  (send "Authorization: Bearer $(cat ${d.tokenFile})")\n` +
            `  stop:     labbook deployment stop ${d.name}\n`,
        );
      },
    );

  program
    .command('deployments')
    .description('list deployments (running ones; --all for stopped too), checking each process')
    .option('--all', 'include stopped and failed deployments')
    .option('--json', 'print a JSON array')
    .action(async (opts: { all?: boolean; json?: boolean }) => {
      const path = storePath();
      if (!storeExists(path)) {
        process.stdout.write(
          opts.json ? '[]\n' : `No deployments: there is no Labbook store at ${path}\n`,
        );
        return;
      }
      const store = openStore({ path, detectKilledRuns: false });
      let list: Deployment[];
      try {
        list = deploymentStore(store).list({ all: opts.all });
      } finally {
        store.close();
      }
      const rows = await Promise.all(list.map(toJson));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write(
          opts.all
            ? 'No deployments yet: labbook deploy NAME@production\n'
            : 'No running deployments (--all shows stopped ones).\n',
        );
        return;
      }
      process.stdout.write(
        `${table(
          ['NAME', 'MODEL', 'SERVING', 'STRATEGY', 'STATUS', 'PID', 'URL'],
          rows.map((d) => [
            d.name,
            d.modelName,
            describeSplit({
              strategy: d.strategy,
              primary: d.primaryVersion,
              candidate: d.candidateVersion,
              weight: d.weight,
            }),
            d.strategy,
            statusText(d),
            d.pid === null ? '-' : String(d.pid),
            d.status === 'running' ? d.url : '-',
          ]),
        )}\n`,
      );
    });

  const deployment = program
    .command('deployment')
    .description('operate a deployment: show, shift, switch, promote, rollback, stop');

  deployment
    .command('show')
    .description('a deployment, its health and its history')
    .argument('<name>')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }) => {
      const path = existingStore(storePath());
      const store = openStore({ path, detectKilledRuns: false });
      let d: Deployment;
      let events: DeploymentEvent[];
      try {
        d = (await handled(async () =>
          requireDeployment(deploymentStore(store), name),
        )) as Deployment;
        events = deploymentStore(store).events(d.id);
      } finally {
        store.close();
      }
      const json = await toJson(d);
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ ...json, events: events.map((e) => ({ ...e, at: iso(e.at) })) }, null, 2)}\n`,
        );
        return;
      }
      process.stdout.write(
        `${d.name}: ${d.modelName} ${describeSplit({ strategy: d.strategy, primary: d.primaryVersion, candidate: d.candidateVersion, weight: d.weight })}\n` +
          `  status:   ${statusText(json)}${d.error ? ` (${d.error})` : ''}\n  url:      ${json.url}\n  token:    ${d.tokenFile}\n  history:\n` +
          `${events.map((e) => `    ${eventLine(e)}`).join('\n')}\n`,
      );
    });

  const control = (
    verb: string,
    description: string,
    build: (opts: Record<string, unknown>) => ControlMessage,
    extra?: (c: Command) => Command,
  ) => {
    let c = deployment
      .command(verb)
      .description(description)
      .argument('<name>', 'deployment name')
      .option('--reason <text>', 'why, recorded in the history');
    if (extra) c = extra(c);
    c.action(async (name: string, opts: Record<string, unknown>) => {
      const path = existingStore(storePath());
      const result = await handled(() => controlDeployment(path, name, build(opts)));
      if (result) process.stdout.write(report(result));
    });
  };

  control(
    'shift',
    'send a new share of traffic to the candidate (canary, ab)',
    (o) => ({
      type: 'shift',
      weight: number(String(o.weight ?? ''), '--weight', (n) => n >= 0 && n <= 100),
      reason: (o.reason as string) ?? null,
    }),
    (c) => c.requiredOption('--weight <percent>', 'percent of requests for the candidate'),
  );
  control('switch', 'blue/green: make the other version live', (o) => ({
    type: 'switch',
    reason: (o.reason as string) ?? null,
  }));
  control(
    'promote',
    'promote the candidate through the registry gates; at Production it serves alone',
    (o) => ({
      type: 'promote',
      to: (o.to as string) ?? 'Production',
      force: o.force === true,
      reason: (o.reason as string) ?? null,
    }),
    (c) =>
      c
        .option('--to <stage>', 'target stage', 'Production')
        .option('--force', 'override failing gates (needs --reason)'),
  );
  control('rollback', 'take the candidate out (blue/green: back to blue)', (o) => ({
    type: 'rollback',
    reason: (o.reason as string) ?? null,
  }));
  control(
    'canary',
    'load a candidate beside the running version and give it a share of traffic (no restart)',
    (o) => ({
      type: 'candidate',
      ref: String(o.candidate),
      ...(o.strategy !== undefined ? { strategy: o.strategy as 'canary' } : {}),
      ...(o.weight !== undefined
        ? { weight: number(String(o.weight), '--weight', (n) => n >= 0 && n <= 100) }
        : {}),
      reason: (o.reason as string) ?? null,
    }),
    (c) =>
      c
        .requiredOption('--candidate <ref>', 'another version of the model: 4, NAME/4, @staging')
        .addOption(
          new Option(
            '--strategy <strategy>',
            'how the candidate takes part (default canary)',
          ).choices(STRATEGIES.filter((s) => s !== 'single')),
        )
        .option(
          '--weight <percent>',
          'percent of requests for the candidate (canary default 10, ab 50, bluegreen 0 or 100)',
        ),
  );
  control('stop-candidate', 'take the candidate out whatever the strategy', (o) => ({
    type: 'stop-candidate',
    reason: (o.reason as string) ?? null,
  }));

  deployment
    .command('stop')
    .description('stop the server and mark the deployment stopped')
    .argument('<name>')
    .option('--reason <text>', 'why, recorded in the history')
    .action(async (name: string, opts: { reason?: string }) => {
      const path = existingStore(storePath());
      const d = await handled(() => stopDeployment(path, name, { reason: opts.reason ?? null }));
      if (d) process.stdout.write(`Stopped ${d.name}\n`);
    });
}
