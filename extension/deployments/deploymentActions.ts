/**
 * What a user does to deployments from the command palette, the Deployments tree and the
 * monitor panel: deploy a model version, start a canary of a newer version, shift traffic,
 * promote the candidate (through the registry's gates, or overriding them with a reason),
 * roll back, stop, open the monitor, copy the bearer token.
 *
 * Starting a canary: "Start Canary…" sends the running server a `candidate` control
 * message; the server loads the chosen version beside the primary and only then routes
 * its share to it, so nothing restarts: same process, URL and token, no failed request.
 * "Deploy Model" offers every strategy, canary included, and replaces a running deployment
 * of the same name by stopping it and starting a new server.
 *
 * Every action takes what it was invoked with:
 * - a Deployments tree node, or a deployment name;
 * - an options object: `{ name?, ref?, strategy?, candidate?, weight?, port?, reason?, force?, replace?, confirm?: false }`.
 *   `confirm: false` runs without any dialog: nothing is asked, what is missing is an
 *   error, errors reject the command's promise, a deploy over a running deployment needs
 *   `replace: true`, and failing gates refuse a promotion unless `force: true` with a reason;
 *   Without `confirm: false`, Deploy Model given a `ref` asks nothing else either (single
 *   strategy and port 8501 unless given); only replacing a running deployment is confirmed;
 * - nothing: quick picks ask for each part (model, version/stage/alias, strategy with the
 *   candidate and its share, port).
 * Each resolves to what it did, or undefined when cancelled.
 */
import * as net from 'node:net';
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type {
  DeploymentItem,
  DeploymentStatusReport,
  ModelDetails,
  ModelVersionItem,
  StartDeploymentParams,
  Strategy,
} from '../../core/service/protocol';
import { DEFAULT_PORT, STRATEGIES, describeSplit } from '../../core/common/serve-types';
import type { ControlMessage } from '../../core/common/serve-types';
import {
  Cancelled,
  gateLine,
  modelWithVersions,
  pickModel,
  runSteps,
} from '../models/modelActions';
import { metricText, keyMetricOf } from '../models/modelsTree';
import type { DeploymentsTreeNode } from './deploymentsTree';
import { canaryPrompts, versionName } from './canaryText';

export interface DeploymentCommandOptions {
  name?: string;
  /** Model reference: NAME, NAME/3, NAME@production, NAME@champion. */
  ref?: string;
  strategy?: Strategy;
  /** Candidate version: `3`, `@staging`, `NAME/3`. */
  candidate?: string;
  /** Percent of traffic to the candidate. */
  weight?: number;
  port?: number;
  reason?: string;
  force?: boolean;
  /** Deploy over a running deployment of the same name (stops it first). */
  replace?: boolean;
  confirm?: false;
}

/** Key of a deployment's bearer token in VS Code's secret storage. */
export function tokenSecretKey(name: string): string {
  return `labbook.deployment.${name}`;
}

const STRATEGY_PICKS: { strategy: Strategy; label: string; detail: string }[] = [
  { strategy: 'single', label: 'Single', detail: 'One version answers every request.' },
  {
    strategy: 'canary',
    label: 'Canary',
    detail:
      'A second version answers a small share (sticky per request key); shift, promote or roll back later.',
  },
  {
    strategy: 'ab',
    label: 'A/B test',
    detail: 'Two versions split the traffic (sticky per key), compared per variant.',
  },
  {
    strategy: 'shadow',
    label: 'Shadow',
    detail:
      'The first version answers; the second scores every request too, logged, never answers.',
  },
  {
    strategy: 'bluegreen',
    label: 'Blue/green',
    detail: 'Both loaded, one answers everything; switch in one step.',
  },
];

const MAX_REASON = 2000;

/** Reads a tree node, a name or an options object. */
export function resolveDeploymentArgument(arg: unknown): DeploymentCommandOptions {
  if (typeof arg === 'string') return arg ? { name: arg } : {};
  if (!arg || typeof arg !== 'object') return {};
  const node = arg as DeploymentsTreeNode;
  if (node.kind === 'deployment') return { name: node.item.deployment.name };
  if (node.kind === 'variant' || node.kind === 'events' || node.kind === 'event')
    return { name: node.name };
  const o = arg as Record<string, unknown>;
  const options: DeploymentCommandOptions = {};
  if (typeof o.name === 'string' && o.name) options.name = o.name;
  if (typeof o.ref === 'string' && o.ref) options.ref = o.ref;
  if (typeof o.strategy === 'string') {
    if (!(STRATEGIES as readonly string[]).includes(o.strategy))
      throw new Error(`"${o.strategy}" is not a strategy: use one of ${STRATEGIES.join(', ')}`);
    options.strategy = o.strategy as Strategy;
  }
  if (typeof o.candidate === 'string' && o.candidate) options.candidate = o.candidate;
  if (typeof o.candidate === 'number') options.candidate = String(o.candidate);
  if (typeof o.weight === 'number') options.weight = o.weight;
  if (typeof o.port === 'number') options.port = o.port;
  if (typeof o.reason === 'string') options.reason = o.reason;
  if (o.force === true) options.force = true;
  if (o.replace === true) options.replace = true;
  if (o.confirm === false) options.confirm = false;
  return options;
}

export function validateWeight(text: string): string | undefined {
  const v = Number(text.trim());
  if (text.trim() === '' || !Number.isFinite(v) || v < 0 || v > 100)
    return 'A percentage from 0 to 100, e.g. 10';
  return undefined;
}

export function validatePort(text: string): string | undefined {
  const v = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || v > 65535)
    return 'A port from 1 to 65535, or 0 for any free port';
  return undefined;
}

/** Resolves once nothing listens on the port any more (a stopped server let go of it). */
async function portReleased(host: string, port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const connect = () =>
    new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: host === '0.0.0.0' ? '127.0.0.1' : host, port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
      socket.setTimeout(1000, () => {
        socket.destroy();
        resolve(false);
      });
    });
  while (Date.now() < deadline && (await connect())) await new Promise((r) => setTimeout(r, 100));
}

/** The version a reference names (NAME/3, NAME@production, NAME@alias), when the registry says. */
export function primaryVersionOf(details: ModelDetails, ref: string): number | undefined {
  const version = /\/(\d+)$/.exec(ref);
  if (version) return Number(version[1]);
  const at = /@([^@/]+)$/.exec(ref)?.[1];
  if (!at) return details.model.production ?? Math.max(...details.versions.map((v) => v.version));
  if (at.toLowerCase() === 'production') return details.model.production ?? undefined;
  if (at.toLowerCase() === 'staging') return details.model.staging ?? undefined;
  return details.model.aliases[at];
}

export interface DeploymentHooks {
  /** Something changed: refresh the tree and the panels. */
  changed(): void;
  openMonitor(name: string): void;
}

export class DeploymentActions {
  constructor(
    private readonly service: () => ServiceClient | undefined,
    private readonly secrets: vscode.SecretStorage,
    private readonly hooks: DeploymentHooks,
  ) {}

  private get client(): ServiceClient {
    const s = this.service();
    if (!s) throw new Error('the Labbook workspace service is not running');
    return s;
  }

  private async run<T>(
    arg: unknown,
    action: (o: DeploymentCommandOptions, interactive: boolean) => Promise<T>,
  ): Promise<T | undefined> {
    let options: DeploymentCommandOptions;
    try {
      options = resolveDeploymentArgument(arg);
    } catch (error) {
      if ((arg as { confirm?: unknown } | null)?.confirm === false) throw error;
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
      return undefined;
    }
    const interactive = options.confirm !== false;
    try {
      return await runSteps(interactive, () => action(options, interactive));
    } finally {
      this.hooks.changed();
    }
  }

  // ---- deploy, canary ----

  deploy(arg: unknown): Promise<DeploymentItem | undefined> {
    return this.run(arg, async (o, interactive) => {
      let ref = o.ref;
      // Given a reference, the defaults stand for what was not given: no pickers.
      const ask = interactive && ref === undefined;
      let details: ModelDetails | undefined;
      if (!ref) {
        if (!interactive)
          throw new Error('say which model version to deploy: { ref: "penguins@production" }');
        details = await this.pickModel('Deploy which model?');
        ref = await this.pickRef(details);
      }
      const modelName = ref.split(/[@/]/)[0];
      let strategy = o.strategy;
      let candidate = o.candidate;
      let weight = o.weight;
      if (ask && !strategy) {
        const picked = await vscode.window.showQuickPick(
          STRATEGY_PICKS.map((p) => ({
            label: p.label,
            description: p.strategy === 'single' ? 'default' : '',
            detail: p.detail,
            strategy: p.strategy,
          })),
          { title: `Deploy ${ref}: how should traffic be served?` },
        );
        if (!picked) throw new Cancelled();
        strategy = picked.strategy;
      }
      strategy ??= candidate ? 'canary' : 'single';
      if (strategy !== 'single' && !candidate) {
        if (!interactive)
          throw new Error(`a ${strategy} deployment needs a candidate version: { candidate: "3" }`);
        details ??= await modelWithVersions(this.client, modelName);
        const primary = primaryVersionOf(details, ref);
        candidate = String(
          (
            await this.pickVersion(
              details,
              `Candidate of ${ref} (${strategy}): which version?`,
              (v) => v.version !== primary,
            )
          ).version,
        );
      }
      if ((strategy === 'canary' || strategy === 'ab') && weight === undefined && ask)
        weight = await this.askWeight(
          strategy === 'canary' ? 10 : 50,
          `Share of traffic for the candidate ${versionName(candidate!)}`,
        );
      let port = o.port;
      if (port === undefined && ask) {
        const text = await vscode.window.showInputBox({
          title: `Port for ${ref}`,
          value: String(DEFAULT_PORT),
          prompt: 'The server listens on 127.0.0.1; 0 picks any free port.',
          validateInput: validatePort,
        });
        if (text === undefined) throw new Cancelled();
        port = Number(text.trim());
      }
      const name = o.name ?? modelName;
      return this.start(
        {
          ref,
          name,
          strategy,
          ...(candidate ? { candidate } : {}),
          ...(weight !== undefined ? { weight } : {}),
          ...(port !== undefined ? { port } : {}),
          ...(o.reason ? { reason: o.reason } : {}),
        },
        interactive,
        o.replace === true,
      );
    });
  }

  /** Redeploys a running deployment with a candidate (see the module comment). */
  startCanary(arg: unknown): Promise<DeploymentItem | undefined> {
    return this.run(arg, async (o, interactive) => {
      const item = await this.runningDeployment(
        o.name,
        interactive,
        'Start a canary on which deployment?',
      );
      const d = item.deployment;
      let candidate = o.candidate;
      if (!candidate) {
        if (!interactive)
          throw new Error('say which version is the candidate: { name, candidate: "3" }');
        const details = await modelWithVersions(this.client, d.modelName);
        candidate = String(
          (
            await this.pickVersion(
              details,
              `Canary of ${d.name} (serving v${d.primaryVersion}): which version?`,
              (v) => v.version !== d.primaryVersion,
            )
          ).version,
        );
      }
      const weight =
        o.weight ??
        (interactive
          ? await this.askWeight(
              10,
              canaryPrompts({ ...d, url: item.url }, candidate, 10).weightTitle,
            )
          : 10);
      const text = canaryPrompts({ ...d, url: item.url }, candidate, weight);
      if (interactive) {
        const go = 'Start Canary';
        const choice = await vscode.window.showWarningMessage(
          text.confirm,
          { modal: true, detail: text.confirmDetail },
          go,
        );
        if (choice !== go) throw new Cancelled();
      }
      const message: ControlMessage = {
        type: 'candidate',
        ref: candidate,
        strategy: 'canary',
        weight,
        reason: o.reason ?? text.reason,
      };
      const started = () => this.client.controlDeployment(d.name, message);
      const report = interactive
        ? await vscode.window.withProgress(
            {
              location: vscode.ProgressLocation.Notification,
              title: `Loading the canary ${versionName(candidate)} beside v${d.primaryVersion}…`,
            },
            started,
          )
        : await started();
      const done = `${d.name}: ${describeSplit(report.split)} at ${item.url}.`;
      if (interactive)
        void vscode.window.showInformationMessage(done, 'Open Monitor').then((c) => {
          if (c === 'Open Monitor') this.hooks.openMonitor(d.name);
        });
      else vscode.window.setStatusBarMessage(done, 5000);
      const after = (await this.client.listDeployments()).find((i) => i.deployment.name === d.name);
      return after ?? { ...item, deployment: report.deployment, split: report.split };
    });
  }

  private async start(
    params: StartDeploymentParams,
    interactive: boolean,
    replace: boolean,
  ): Promise<DeploymentItem> {
    const name = params.name!;
    const running = (await this.client.listDeployments()).find((i) => i.deployment.name === name);
    if (running) {
      if (!replace) {
        if (!interactive)
          throw new Error(
            `deployment ${name} is already running (${describeSplit(running.split)} on port ${running.deployment.port}): pass replace: true to stop it and deploy again, or another name`,
          );
        const again = 'Replace';
        const choice = await vscode.window.showWarningMessage(
          `${name} is already running (${describeSplit(running.split)} at ${running.url}). Replace it?`,
          {
            modal: true,
            detail: 'The running server stops, then the new one starts under the same name.',
          },
          again,
        );
        if (choice !== again) throw new Cancelled();
      }
      await this.client.controlDeployment(name, {
        type: 'stop',
        reason: params.reason ?? `replaced by ${params.ref}`,
      });
      // The new server takes the same port: wait until the old one let go of it.
      if ((params.port ?? DEFAULT_PORT) !== 0)
        await portReleased(running.deployment.host, running.deployment.port);
    }
    const started = async () => this.client.startDeployment(params);
    const item = interactive
      ? await vscode.window.withProgress(
          {
            location: vscode.ProgressLocation.Notification,
            title: `Starting ${name} (${params.ref})…`,
          },
          started,
        )
      : await started();
    await this.storeToken(name).catch(() => undefined);
    const message = `Deployed ${name}: ${describeSplit(item.split)} at ${item.url}.`;
    if (interactive) {
      void vscode.window.showInformationMessage(message, 'Open Monitor', 'Copy Token').then((c) => {
        if (c === 'Open Monitor') this.hooks.openMonitor(name);
        else if (c === 'Copy Token') void this.copyToken({ name });
      });
    } else {
      vscode.window.setStatusBarMessage(message, 5000);
    }
    return item;
  }

  // ---- traffic ----

  shift(arg: unknown): Promise<DeploymentStatusReport | undefined> {
    return this.run(arg, async (o, interactive) => {
      const item = await this.runningDeployment(
        o.name,
        interactive,
        'Shift traffic of which deployment?',
        true,
      );
      const split = item.split;
      let weight = o.weight;
      if (weight === undefined) {
        if (!interactive)
          throw new Error('say which share goes to the candidate: { name, weight: 50 }');
        weight = await this.askWeight(
          split.weight,
          `${item.deployment.name}: share of traffic for the candidate v${split.candidate} (now ${split.weight}%)`,
        );
      }
      const report = await this.client.controlDeployment(item.deployment.name, {
        type: 'shift',
        weight,
        ...(o.reason ? { reason: o.reason } : {}),
      });
      this.tell(interactive, `${item.deployment.name}: ${describeSplit(report.split)}.`);
      return report;
    });
  }

  promote(arg: unknown): Promise<DeploymentStatusReport | undefined> {
    return this.run(arg, async (o, interactive) => {
      const item = await this.runningDeployment(
        o.name,
        interactive,
        'Promote the candidate of which deployment?',
        true,
      );
      const d = item.deployment;
      const candidate = item.split.candidate!;
      const preview = await this.client.previewPromotion(d.modelName, candidate, 'Production');
      let reason = o.reason?.trim() || undefined;
      let force = false;
      if (!interactive) {
        if (!preview.passed && !o.force) {
          throw new Error(
            `${d.modelName} v${candidate} cannot be promoted to Production: ${preview.gates
              .filter((g) => !g.passed)
              .map(gateLine)
              .join('; ')}. Override with force and a reason.`,
          );
        }
        if (!preview.passed) {
          if (!reason) throw new Error('Overriding failing gates needs a reason');
          force = true;
        }
      } else {
        const lines = preview.gates.length
          ? preview.gates.map(gateLine)
          : ['No gates for Production (set them in the registry panel).'];
        if (preview.willArchive !== null)
          lines.push('', `Will archive v${preview.willArchive} (the current Production version).`);
        lines.push('', `Then v${candidate} serves all of ${d.name}'s traffic alone.`);
        const failing = preview.gates.filter((g) => !g.passed).length;
        const override = 'Override…';
        const title = preview.passed
          ? `Promote ${d.modelName} v${candidate} to Production on ${d.name}?`
          : `${failing} of ${preview.gates.length} gate${preview.gates.length === 1 ? '' : 's'} refuse${failing === 1 ? 's' : ''} ${d.modelName} v${candidate} for Production`;
        const show = preview.passed
          ? vscode.window.showInformationMessage
          : vscode.window.showWarningMessage;
        const choice = await show(
          title,
          { modal: true, detail: lines.join('\n') },
          preview.passed ? 'Promote' : override,
        );
        if (!choice) throw new Cancelled();
        if (choice === override) {
          const given = await vscode.window.showInputBox({
            title: `Reason for overriding the gates of ${d.modelName} v${candidate} → Production`,
            prompt: "Required: recorded in the model's history with the failing gates.",
            value: reason,
            validateInput: (v) =>
              v.trim() === ''
                ? 'Overriding gates needs a reason'
                : v.length > MAX_REASON
                  ? `At most ${MAX_REASON} characters`
                  : undefined,
          });
          if (given === undefined || given.trim() === '') throw new Cancelled();
          reason = given.trim();
          force = true;
        }
      }
      const report = await this.client.controlDeployment(d.name, {
        type: 'promote',
        ...(force ? { force: true } : {}),
        ...(reason ? { reason } : {}),
      });
      this.tell(
        interactive,
        `${d.modelName} v${candidate} is Production${force ? ' (gates overridden)' : ''}; ${d.name} serves ${describeSplit(report.split)}.`,
      );
      return report;
    });
  }

  rollback(arg: unknown): Promise<DeploymentStatusReport | undefined> {
    return this.run(arg, async (o, interactive) => {
      const item = await this.runningDeployment(
        o.name,
        interactive,
        'Roll back which deployment?',
        true,
      );
      const d = item.deployment;
      if (interactive) {
        const go = 'Roll Back';
        const choice = await vscode.window.showWarningMessage(
          `Roll back ${d.name}?`,
          {
            modal: true,
            detail:
              item.split.strategy === 'bluegreen'
                ? `Blue v${item.split.primary} becomes live again.`
                : `The candidate v${item.split.candidate} leaves; v${item.split.primary} answers every request.`,
          },
          go,
        );
        if (choice !== go) throw new Cancelled();
      }
      const report = await this.client.controlDeployment(d.name, {
        type: 'rollback',
        ...(o.reason ? { reason: o.reason } : {}),
      });
      this.tell(interactive, `${d.name} rolled back: ${describeSplit(report.split)}.`);
      return report;
    });
  }

  stop(arg: unknown): Promise<DeploymentStatusReport | undefined> {
    return this.run(arg, async (o, interactive) => {
      const item = await this.runningDeployment(o.name, interactive, 'Stop which deployment?');
      const d = item.deployment;
      if (interactive) {
        const go = 'Stop';
        const choice = await vscode.window.showWarningMessage(
          `Stop ${d.name}?`,
          {
            modal: true,
            detail: `The server at ${item.url} (${describeSplit(item.split)}) stops answering; clients get connection errors.`,
          },
          go,
        );
        if (choice !== go) throw new Cancelled();
      }
      const report = await this.client.controlDeployment(d.name, {
        type: 'stop',
        ...(o.reason ? { reason: o.reason } : {}),
      });
      this.tell(interactive, `${d.name} stopped.`);
      return report;
    });
  }

  // ---- monitor, token ----

  openMonitor(arg: unknown): Promise<string | undefined> {
    return this.run(arg, async (o, interactive) => {
      let name = o.name;
      if (!name) {
        if (!interactive) throw new Error('say which deployment: { name: "penguins" }');
        name = (
          await this.pickDeployment(
            await this.client.listDeployments(true),
            'Monitor which deployment?',
          )
        ).deployment.name;
      }
      this.hooks.openMonitor(name);
      return name;
    });
  }

  /** Fetches the token (it changes with each start), keeps it in secret storage and copies it; resolves to the secret's key. */
  copyToken(arg: unknown): Promise<{ name: string; secret: string } | undefined> {
    return this.run(arg, async (o, interactive) => {
      const name =
        o.name ??
        (
          await this.runningDeployment(
            undefined,
            interactive,
            'Copy the token of which deployment?',
          )
        ).deployment.name;
      const token = await this.storeToken(name);
      await vscode.env.clipboard.writeText(token);
      this.tell(
        interactive,
        `The bearer token of ${name} is on the clipboard (send it as "Authorization: Bearer TOKEN").`,
      );
      return { name, secret: tokenSecretKey(name) };
    });
  }

  /** The token kept in secret storage (tests read it to call the server). */
  storedToken(name: string): Thenable<string | undefined> {
    return this.secrets.get(tokenSecretKey(name));
  }

  private async storeToken(name: string): Promise<string> {
    const token = await this.client.deploymentToken(name);
    await this.secrets.store(tokenSecretKey(name), token);
    return token;
  }

  // ---- picks ----

  private tell(interactive: boolean, message: string): void {
    if (interactive) void vscode.window.showInformationMessage(message);
    else vscode.window.setStatusBarMessage(message, 5000);
  }

  private async runningDeployment(
    name: string | undefined,
    interactive: boolean,
    title: string,
    needsCandidate = false,
  ): Promise<DeploymentItem> {
    const running = await this.client.listDeployments();
    let item: DeploymentItem | undefined;
    if (name !== undefined) {
      item = running.find((i) => i.deployment.name === name);
      if (!item)
        throw new Error(
          `no running deployment named "${name}"${running.length ? ` (running: ${running.map((i) => i.deployment.name).join(', ')})` : ' (none is running: "Labbook: Deploy Model")'}`,
        );
    } else {
      if (!interactive) throw new Error('say which deployment: { name: "penguins" }');
      const eligible = needsCandidate ? running.filter((i) => i.split.candidate !== null) : running;
      if (eligible.length === 0) {
        void vscode.window.showInformationMessage(
          needsCandidate
            ? 'No running deployment has a candidate: start one with "Labbook: Start Canary…".'
            : 'No deployment is running: "Labbook: Deploy Model" starts one.',
        );
        throw new Cancelled();
      }
      item = eligible.length === 1 ? eligible[0] : await this.pickDeployment(eligible, title);
    }
    if (needsCandidate && item.split.candidate === null)
      throw new Error(
        `${item.deployment.name} serves v${item.split.primary} alone: it has no candidate (start one with "Labbook: Start Canary…")`,
      );
    return item;
  }

  private async pickDeployment(items: DeploymentItem[], title: string): Promise<DeploymentItem> {
    if (items.length === 0) {
      void vscode.window.showInformationMessage(
        'Nothing has been deployed yet: "Labbook: Deploy Model" starts a deployment.',
      );
      throw new Cancelled();
    }
    const picked = await vscode.window.showQuickPick(
      items.map((item) => ({
        label: item.deployment.name,
        description: `${item.deployment.status} · ${item.split.strategy} · ${describeSplit(item.split)}`,
        detail: item.url,
        item,
      })),
      { title, matchOnDescription: true },
    );
    if (!picked) throw new Cancelled();
    return picked.item;
  }

  private async pickModel(title: string): Promise<ModelDetails> {
    return modelWithVersions(this.client, (await pickModel(this.client, title)).name);
  }

  /** Stages and aliases first (`@production` follows promotions when redeployed), then each version. */
  private async pickRef(details: ModelDetails): Promise<string> {
    const name = details.model.name;
    const keyMetric = keyMetricOf(details);
    const items: (vscode.QuickPickItem & { ref?: string })[] = [];
    for (const [stage, version] of [
      ['production', details.model.production],
      ['staging', details.model.staging],
    ] as const) {
      if (version !== null)
        items.push({
          label: `$(rocket) ${name}@${stage}`,
          description: `v${version}`,
          detail: `The ${stage === 'production' ? 'Production' : 'Staging'} version`,
          ref: `${name}@${stage}`,
        });
    }
    for (const [alias, version] of Object.entries(details.model.aliases))
      items.push({
        label: `$(tag) ${name}@${alias}`,
        description: `v${version}`,
        ref: `${name}@${alias}`,
      });
    if (items.length) items.push({ label: 'Versions', kind: vscode.QuickPickItemKind.Separator });
    for (const v of [...details.versions].sort((a, b) => b.version - a.version))
      items.push({ ...this.versionItem(v, keyMetric), ref: `${name}/${v.version}` });
    const picked = await vscode.window.showQuickPick(items, {
      title: `Deploy which version of ${name}?`,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked?.ref) throw new Cancelled();
    return picked.ref;
  }

  private async pickVersion(
    details: ModelDetails,
    title: string,
    filter: (v: ModelVersionItem) => boolean,
  ): Promise<ModelVersionItem> {
    const keyMetric = keyMetricOf(details);
    const versions = details.versions
      .filter((v) => v.stage !== 'Archived' && filter(v))
      .sort((a, b) => b.version - a.version);
    if (versions.length === 0) {
      void vscode.window.showInformationMessage(
        `${details.model.name} has no other version to use: register a newer one first.`,
      );
      throw new Cancelled();
    }
    const picked = await vscode.window.showQuickPick(
      versions.map((v) => ({ ...this.versionItem(v, keyMetric), version: v })),
      { title, matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) throw new Cancelled();
    return picked.version;
  }

  private versionItem(v: ModelVersionItem, keyMetric: string | null): vscode.QuickPickItem {
    const metric =
      keyMetric && v.metrics[keyMetric] !== undefined
        ? `${keyMetric} ${metricText(v.metrics[keyMetric])}`
        : '';
    return {
      label: `v${v.version}`,
      description: [v.stage !== 'None' ? v.stage : '', ...v.aliases.map((a) => `@${a}`)]
        .filter(Boolean)
        .join(' · '),
      detail: [metric, `run "${v.runName}"`, new Date(v.createdAt).toLocaleString()]
        .filter(Boolean)
        .join(' · '),
    };
  }

  private async askWeight(value: number, title: string): Promise<number> {
    const text = await vscode.window.showInputBox({
      title,
      value: String(value),
      prompt: 'Percent of requests answered by the candidate (0–100).',
      validateInput: validateWeight,
    });
    if (text === undefined) throw new Cancelled();
    return Number(text.trim());
  }
}
