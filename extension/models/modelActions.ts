/**
 * What a user does to registered models from the command palette, the Models tree and the
 * registry panel: promote (through the gates, or overriding them with a reason), set an
 * alias, archive, compare versions, open a model card or the registry, register a model a
 * run saved. Quick picks show each version's stage, aliases and metrics, and the gates'
 * verdicts with their numbers, before anything is confirmed.
 *
 * Every action takes what it was invoked with:
 * - a Models tree node (`{ kind: 'model' | 'version', ... }`), a runs tree run node (register);
 * - an options object (links, the panels, tests):
 *   `{ name, version, to?, reason?, force?, alias?, versions?, runId?, artifactPath?, description?, confirm?: false }`.
 *   `confirm: false` runs without any dialog: nothing is asked, what is missing is an error,
 *   errors reject the command's promise (instead of a notification), and gates that fail
 *   refuse the promotion unless `force: true` with a non-empty `reason`;
 * - nothing: quick picks ask for each part.
 * Each resolves to what it did (the promotion, the new version...) or undefined when cancelled.
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import type {
  GateResult,
  ModelDetails,
  ModelTransition,
  ModelVersion,
  ModelVersionItem,
  PromotionPreview,
  RegisteredModel,
  RunItem,
  Stage,
} from '../../core/service/protocol';
import { keyMetricOf, metricText, type ModelsTreeNode } from './modelsTree';

/** The options object a command accepts besides tree nodes (see the module comment). */
export interface ModelCommandOptions {
  name?: string;
  version?: number;
  /** Target stage of a promotion, any case: `production`, `Staging`… */
  to?: string;
  reason?: string;
  force?: boolean;
  alias?: string;
  /** Versions to compare. */
  versions?: number[];
  /** Register Model from Run. */
  runId?: string;
  artifactPath?: string;
  description?: string;
  /** false: no dialogs (tests, scripts). */
  confirm?: false;
}

export interface PromotionOutcome {
  transition: ModelTransition;
  archived: number | null;
}

export interface ModelPanelsOpener {
  registry(name: string): void;
  card(name: string, version: number): void;
}

/** The stages, in their lifecycle order (messages list them so). */
export const STAGES_FOR_PICK: readonly Stage[] = ['Staging', 'Production', 'Archived', 'None'];

/** The stage pick's order: Production, the common target, first, so Enter picks it. */
export const STAGE_PICK_ORDER: readonly Stage[] = ['Production', 'Staging', 'Archived', 'None'];

const ALIAS_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_REASON = 2000;

/** Why an alias cannot be used, or undefined. */
export function validateAlias(alias: string): string | undefined {
  if (!ALIAS_PATTERN.test(alias))
    return 'An alias starts with a letter, then letters, digits, _ or - (at most 64 characters), e.g. champion';
  if (STAGES_FOR_PICK.some((s) => s.toLowerCase() === alias.toLowerCase()))
    return `"${alias}" is a stage name; aliases name versions, stages are set by promoting`;
  return undefined;
}

/** Why a model name cannot be used, or undefined (`NAME@alias` and `NAME/3` address versions). */
export function validateModelName(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return 'A model needs a name, e.g. penguins-classifier';
  if (trimmed.length > 200) return `At most 200 characters (this is ${trimmed.length})`;
  if (/[@/\\]/.test(trimmed))
    return 'A model name cannot contain @, / or \\ (they address versions: NAME@production, NAME/3)';
  return undefined;
}

export function parseStage(text: unknown): Stage | undefined {
  if (typeof text !== 'string') return undefined;
  return STAGES_FOR_PICK.find((s) => s.toLowerCase() === text.trim().toLowerCase());
}

/** `✓ metrics.val_acc >= 0.9: 0.961 (needs >= 0.9)`. */
export function gateLine(gate: GateResult): string {
  const actual = gate.actual === null ? 'not computed' : metricText(gate.actual);
  return `${gate.passed ? '✓' : '✗'} ${gate.gate}: ${actual} (needs ${gate.expected})${gate.passed || !gate.message ? '' : ` — ${gate.message}`}`;
}

/**
 * What the last step of a promotion shows: the title names the move and the gates'
 * verdict, the prompt (one line, as an input box shows it) each gate with its numbers and
 * the version that will be archived, `lines` the same for a dialog.
 */
export function promotionPrompt(
  name: string,
  version: { version: number; stage: Stage },
  to: Stage,
  preview: PromotionPreview,
): { title: string; prompt: string; lines: string[] } {
  const verb = to === 'Archived' ? 'Archive' : 'Promote';
  const n = preview.gates.length;
  const failing = preview.gates.filter((g) => !g.passed).length;
  const lines = n
    ? preview.gates.map(gateLine)
    : [
        `No gates for ${to}${to === 'Production' || to === 'Staging' ? ' (set them in the registry panel)' : ''}.`,
      ];
  const archives =
    preview.willArchive !== null
      ? `Archives v${preview.willArchive} (the current Production version).`
      : undefined;
  const move = `${name} v${version.version} (${version.stage}) → ${to}`;
  const title = preview.passed
    ? `${verb} ${move}: ${n ? `${n === 1 ? 'the gate passes' : `all ${n} gates pass`}` : 'no gates'}`
    : `${failing} of ${n} gate${n === 1 ? '' : 's'} refuse${failing === 1 ? 's' : ''} ${move}`;
  const keys = `Enter ${to === 'Archived' ? 'archives' : 'promotes'}; Escape cancels.`;
  const prompt = [...lines, ...(archives ? [archives] : []), keys].join('  ·  ');
  return { title, prompt, lines: archives ? [...lines, '', archives] : lines };
}

/** Stops an action quietly (the user cancelled, or was told why); the deployment commands throw it too. */
export class Cancelled extends Error {}

/** The gates a failed promotion reported (the service's error data), when it did. */
function gatesOfError(error: unknown): GateResult[] | undefined {
  const data = (error as { data?: unknown } | null)?.data;
  return Array.isArray(data) &&
    data.length > 0 &&
    data.every((g) => g && typeof g === 'object' && typeof (g as GateResult).gate === 'string')
    ? (data as GateResult[])
    : undefined;
}

/**
 * Runs a model or deployment command's steps. Cancelled ends it quietly (undefined). Any
 * other error rejects when the command runs without dialogs (`confirm: false`, scripts and
 * tests want the error); otherwise it is shown, a promotion its gates refused as a modal
 * listing each gate, so the user sees which threshold to meet or override.
 */
export async function runSteps<T>(
  interactive: boolean,
  steps: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await steps();
  } catch (error) {
    if (error instanceof Cancelled) return undefined;
    if (!interactive) throw error;
    const gates = gatesOfError(error);
    if (gates)
      void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`, {
        modal: true,
        detail: gates.map(gateLine).join('\n'),
      });
    else void vscode.window.showErrorMessage(`Labbook: ${(error as Error).message}`);
    return undefined;
  }
}

/** The registered model and its versions; rejects when there is none or it has no version. */
export async function modelWithVersions(
  client: ServiceClient,
  name: string,
): Promise<ModelDetails> {
  const details = await client.model(name);
  if (!details) throw new Error(`no registered model named "${name}"`);
  if (details.versions.length === 0) throw new Error(`model "${name}" has no versions`);
  return details;
}

/** Asks which registered model (none asked when there is one); Cancelled when there is none or the user cancelled. */
export async function pickModel(client: ServiceClient, title: string): Promise<RegisteredModel> {
  const models = await client.listModels();
  if (models.length === 0) {
    void vscode.window.showInformationMessage(
      'No registered models yet: call run.logModel(model, { name }) in a notebook, or "Labbook: Register Model from Run".',
    );
    throw new Cancelled();
  }
  if (models.length === 1) return models[0];
  const picked = await vscode.window.showQuickPick(
    models.map((model) => ({
      label: model.name,
      description: [
        `${model.latestVersion} version${model.latestVersion === 1 ? '' : 's'}`,
        model.production !== null ? `Production v${model.production}` : '',
        model.staging !== null ? `Staging v${model.staging}` : '',
      ]
        .filter(Boolean)
        .join(' · '),
      detail: model.description ?? undefined,
      model,
    })),
    { title, matchOnDescription: true },
  );
  if (!picked) throw new Cancelled();
  return picked.model;
}

type Resolved = { options: ModelCommandOptions; name?: string; version?: number; runId?: string };

/** Reads a tree node or an options object. */
export function resolveArgument(arg: unknown): Resolved {
  if (!arg || typeof arg !== 'object')
    return { options: {}, name: typeof arg === 'string' && arg ? arg : undefined };
  const node = arg as ModelsTreeNode | { kind: 'run'; run: RunItem };
  if (node.kind === 'model') return { options: {}, name: node.model.name };
  if (node.kind === 'version')
    return { options: {}, name: node.name, version: node.version.version };
  if (node.kind === 'run') return { options: {}, runId: node.run.id };
  const o = arg as Record<string, unknown>;
  const options: ModelCommandOptions = {};
  if (typeof o.name === 'string') options.name = o.name;
  if (Number.isInteger(o.version)) options.version = o.version as number;
  if (typeof o.to === 'string') options.to = o.to;
  if (typeof o.reason === 'string') options.reason = o.reason;
  if (o.force === true) options.force = true;
  if (typeof o.alias === 'string') options.alias = o.alias;
  if (Array.isArray(o.versions) && o.versions.every(Number.isInteger))
    options.versions = o.versions as number[];
  if (typeof o.runId === 'string') options.runId = o.runId;
  if (typeof o.artifactPath === 'string') options.artifactPath = o.artifactPath;
  if (typeof o.description === 'string') options.description = o.description;
  if (o.confirm === false) options.confirm = false;
  return { options, name: options.name, version: options.version, runId: options.runId };
}

export class ModelActions {
  constructor(
    private readonly service: () => ServiceClient | undefined,
    private readonly open: ModelPanelsOpener,
    private readonly changed: () => void,
  ) {}

  private get client(): ServiceClient {
    const s = this.service();
    if (!s) throw new Error('the Labbook workspace service is not running');
    return s;
  }

  /**
   * Runs an action: interactive ones show errors as notifications and resolve undefined;
   * `confirm: false` ones reject with the error.
   */
  async run<T>(
    arg: unknown,
    action: (r: Resolved, interactive: boolean) => Promise<T>,
  ): Promise<T | undefined> {
    const resolved = resolveArgument(arg);
    const interactive = resolved.options.confirm !== false;
    return runSteps(interactive, () => action(resolved, interactive));
  }

  // ---- promote, archive ----

  /**
   * Promotes a version. The common path asks at most three things: which version (none
   * from the tree), which stage (Production first; none for "Promote to Production…"),
   * then one input box that shows the gates' verdicts and takes the reason: Enter
   * promotes, Escape cancels. Gates that refuse come first as a warning, with the choice
   * to stop or to override with a required reason.
   */
  promote(arg: unknown, fixedTo?: Stage): Promise<PromotionOutcome | undefined> {
    return this.run(arg, async (r, interactive) => {
      const doing = fixedTo === 'Archived' ? 'Archive' : 'Promote';
      const toWhere = fixedTo === 'Production' ? ' to Production' : '';
      const filter = fixedTo ? (v: ModelVersionItem) => v.stage !== fixedTo : undefined;
      // From the palette, one pick of every model's versions: a model pick first would
      // add a step to the common path.
      const picked =
        r.name === undefined && interactive
          ? await this.pickAnyVersion(`${doing} which version${toWhere}?`, filter)
          : undefined;
      const details =
        picked?.details ??
        (await this.modelDetails(r.name, interactive, `${doing} a version of which model?`));
      const name = details.model.name;
      const version =
        picked?.version ??
        (await this.versionOf(
          details,
          r.version,
          interactive,
          `${doing} which version of ${name}${toWhere}?`,
          filter,
        ));
      let to = fixedTo ?? parseStage(r.options.to);
      if (r.options.to !== undefined && !to)
        throw new Error(
          `"${r.options.to}" is not a stage: use one of ${STAGES_FOR_PICK.join(', ')}`,
        );
      if (!to) {
        if (!interactive) throw new Error('say which stage to promote to: { to: "Production" }');
        to = await this.pickStage(details, version);
      }
      if (to === version.stage) {
        const message = `${name} v${version.version} is already ${to}.`;
        if (!interactive) throw new Error(message);
        void vscode.window.showInformationMessage(message);
        return undefined;
      }
      const preview = await this.client.previewPromotion(name, version.version, to);
      let reason = r.options.reason?.trim() || undefined;
      let force = false;
      if (!interactive) {
        if (!preview.passed && !r.options.force) {
          throw new Error(
            `${name} v${version.version} cannot be promoted to ${to}: ${preview.gates
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
        const asked = await this.askReason(name, version, to, preview, reason);
        if (!asked) return undefined;
        ({ reason, force } = asked);
      }
      const result = await this.client.promote({
        name,
        version: version.version,
        to,
        ...(reason ? { reason } : {}),
        ...(force ? { force: true } : {}),
      });
      this.changed();
      const archived = result.archived !== null ? `; v${result.archived} archived` : '';
      const message = `${name} v${version.version} is now ${to}${archived}${force ? ' (gates overridden)' : ''}.`;
      if (interactive) {
        void vscode.window.showInformationMessage(message, 'Open Registry').then((c) => {
          if (c) this.open.registry(name);
        });
      } else {
        vscode.window.setStatusBarMessage(message, 5000);
      }
      return result;
    });
  }

  archive(arg: unknown): Promise<PromotionOutcome | undefined> {
    return this.promote(arg, 'Archived');
  }

  /** "Promote to Production…" (the Models view's inline action): the version, then the reason. */
  promoteToProduction(arg: unknown): Promise<PromotionOutcome | undefined> {
    return this.promote(arg, 'Production');
  }

  /**
   * The last step of a promotion. Gates that pass: one input box whose title and prompt
   * show the verdicts and what is archived; the reason typed there is recorded, Enter
   * promotes, Escape cancels (the box is the confirmation). Gates that refuse: a warning
   * listing them, then the required reason for overriding them.
   */
  private async askReason(
    name: string,
    version: ModelVersionItem,
    to: Stage,
    preview: PromotionPreview,
    reason: string | undefined,
  ): Promise<{ reason: string | undefined; force: boolean } | undefined> {
    const text = promotionPrompt(name, version, to, preview);
    if (preview.passed) {
      const given = await vscode.window.showInputBox({
        title: text.title,
        prompt: text.prompt,
        placeHolder: "Reason (optional): recorded in the model's history",
        value: reason,
        validateInput: (v) =>
          v.length > MAX_REASON ? `At most ${MAX_REASON} characters` : undefined,
      });
      if (given === undefined) return undefined;
      return { reason: given.trim() || undefined, force: false };
    }
    const override = 'Override…';
    const choice = await vscode.window.showWarningMessage(
      text.title,
      { modal: true, detail: text.lines.join('\n') },
      override,
    );
    if (choice !== override) return undefined;
    const given = await vscode.window.showInputBox({
      title: `Reason for overriding the gates of ${name} v${version.version} → ${to}`,
      prompt: "Required: recorded in the model's history with the failing gates. Enter promotes.",
      value: reason,
      validateInput: (v) =>
        v.trim() === ''
          ? 'Overriding gates needs a reason'
          : v.length > MAX_REASON
            ? `At most ${MAX_REASON} characters`
            : undefined,
    });
    if (given === undefined || given.trim() === '') return undefined;
    return { reason: given.trim(), force: true };
  }

  // ---- aliases ----

  setAlias(arg: unknown): Promise<{ name: string; version: number; alias: string } | undefined> {
    return this.run(arg, async (r, interactive) => {
      const details = await this.modelDetails(
        r.name,
        interactive,
        'Set an alias on a version of which model?',
      );
      const name = details.model.name;
      const version = await this.versionOf(
        details,
        r.version,
        interactive,
        `Set an alias on which version of ${name}?`,
      );
      let alias = r.options.alias?.trim();
      if (alias === undefined) {
        if (!interactive) throw new Error('say which alias to set: { alias: "champion" }');
        const existing = Object.entries(details.model.aliases)
          .map(([a, v]) => `${a} → v${v}`)
          .join(', ');
        alias = (
          await vscode.window.showInputBox({
            title: `Alias for ${name} v${version.version}`,
            prompt: existing
              ? `Existing: ${existing}. Setting one that exists moves it here.`
              : 'e.g. champion, challenger',
            placeHolder: 'champion',
            validateInput: (v) => validateAlias(v.trim()),
          })
        )?.trim();
        if (alias === undefined) return undefined;
      }
      const problem = validateAlias(alias);
      if (problem) throw new Error(problem);
      const current = details.model.aliases[alias];
      if (current === version.version) {
        const message = `${name} v${version.version} already has the alias ${alias}.`;
        if (interactive) void vscode.window.showInformationMessage(message);
        return { name, version: version.version, alias };
      }
      if (current !== undefined && interactive) {
        const move = 'Move Alias';
        const choice = await vscode.window.showWarningMessage(
          `Move the alias "${alias}" of ${name} from v${current} to v${version.version}?`,
          { modal: true, detail: `Code that loads ${name}@${alias} will get v${version.version}.` },
          move,
        );
        if (choice !== move) return undefined;
      }
      await this.client.setModelAlias(
        name,
        version.version,
        alias,
        r.options.reason?.trim() || undefined,
      );
      this.changed();
      const message = `${name}@${alias} is now v${version.version}${current !== undefined ? ` (was v${current})` : ''}.`;
      if (interactive) void vscode.window.showInformationMessage(message);
      else vscode.window.setStatusBarMessage(message, 5000);
      return { name, version: version.version, alias };
    });
  }

  // ---- compare, open ----

  /** Opens the Compare Runs panel on the source runs of two or more versions. */
  compare(arg: unknown): Promise<string[] | undefined> {
    return this.run(arg, async (r, interactive) => {
      const details = await this.modelDetails(
        r.name,
        interactive,
        'Compare versions of which model?',
      );
      const name = details.model.name;
      let versions: ModelVersionItem[];
      if (r.options.versions) {
        versions = r.options.versions.map((n) => this.findVersion(details, n));
      } else {
        if (!interactive) throw new Error('say which versions to compare: { versions: [2, 3] }');
        const keyMetric = keyMetricOf(details);
        const picked = await vscode.window.showQuickPick(
          details.versions.map((v) => ({
            ...this.versionItem(v, keyMetric),
            picked: v.version === r.version,
          })),
          {
            title: `Compare which versions of ${name}? (two or more)`,
            canPickMany: true,
            matchOnDescription: true,
            matchOnDetail: true,
          },
        );
        if (!picked) return undefined;
        versions = picked.map((p) => p.version);
      }
      const runIds = [...new Set(versions.map((v) => v.runId))];
      if (runIds.length < 2) {
        const message =
          versions.length < 2
            ? 'Select at least two versions to compare.'
            : `Those versions of ${name} come from the same run: nothing to compare.`;
        if (!interactive) throw new Error(message);
        void vscode.window.showInformationMessage(message);
        return undefined;
      }
      await vscode.commands.executeCommand('labbook.compareRuns', runIds);
      return runIds;
    });
  }

  openCard(arg: unknown): Promise<{ name: string; version: number } | undefined> {
    return this.run(arg, async (r, interactive) => {
      const details = await this.modelDetails(r.name, interactive, 'Model card of which model?');
      const version = await this.versionOf(
        details,
        r.version,
        interactive,
        `Model card of which version of ${details.model.name}?`,
      );
      this.open.card(details.model.name, version.version);
      return { name: details.model.name, version: version.version };
    });
  }

  openRegistry(arg: unknown): Promise<string | undefined> {
    return this.run(arg, async (r, interactive) => {
      const name =
        r.name ??
        (interactive
          ? (await pickModel(this.client, 'Open the registry of which model?')).name
          : undefined);
      if (!name) throw new Error('say which model: { name: "penguins-classifier" }');
      if (!(await this.client.model(name))) throw new Error(`no registered model named "${name}"`);
      this.open.registry(name);
      return name;
    });
  }

  // ---- register ----

  /** Registers the model a run saved as an artifact folder (model.json + weights) as a new version. */
  registerFromRun(arg: unknown): Promise<ModelVersion | undefined> {
    return this.run(arg, async (r, interactive) => {
      const runId = r.runId ?? (interactive ? (await this.pickRun()).id : undefined);
      if (!runId) throw new Error('say which run: { runId, artifactPath, name }');
      const details = await this.client.runDetails(runId);
      if (!details) throw new Error(`no run with id ${runId}`);
      const folders = details.artifacts
        .filter((a) => a.name === 'model.json' || a.name.endsWith('/model.json'))
        .map((a) => a.name.slice(0, a.name.length - 'model.json'.length));
      let artifactPath = r.options.artifactPath;
      if (artifactPath === undefined) {
        if (folders.length === 0) {
          const message = `Run "${details.name}" saved no model: none of its artifacts is a model.json (save one with run.logModel(model, { name }) or model.save).`;
          if (!interactive) throw new Error(message);
          void vscode.window.showInformationMessage(message);
          return undefined;
        }
        if (folders.length === 1 || !interactive) {
          if (folders.length > 1)
            throw new Error(
              `run ${runId} has ${folders.length} model folders (${folders.join(', ')}): say which with artifactPath`,
            );
          artifactPath = folders[0];
        } else {
          const picked = await vscode.window.showQuickPick(
            folders.map((f) => ({
              label: f || '(artifacts root)',
              description: `${f}model.json`,
              folder: f,
            })),
            { title: `Which model of run "${details.name}"?` },
          );
          if (!picked) return undefined;
          artifactPath = picked.folder;
        }
      }
      let name = r.options.name?.trim();
      if (name === undefined) {
        if (!interactive)
          throw new Error('say which model to register into: { name: "penguins-classifier" }');
        name = await this.pickModelName(details.experiment);
        if (name === undefined) return undefined;
      }
      const problem = validateModelName(name);
      if (problem) throw new Error(problem);
      const version = await this.client.registerModelFromRun({
        runId,
        artifactPath,
        name,
        ...(r.options.description ? { description: r.options.description } : {}),
      });
      this.changed();
      const message = `Registered ${version.name} v${version.version} from run "${details.name}".`;
      if (interactive) {
        void vscode.window.showInformationMessage(message, 'Open Model Card').then((c) => {
          if (c) this.open.card(version.name, version.version);
        });
      } else {
        vscode.window.setStatusBarMessage(message, 5000);
      }
      return version;
    });
  }

  // ---- picks ----

  private async modelDetails(
    name: string | undefined,
    interactive: boolean,
    title: string,
  ): Promise<ModelDetails> {
    if (name === undefined) {
      if (!interactive) throw new Error('say which model: { name: "penguins-classifier" }');
      name = (await pickModel(this.client, title)).name;
    }
    return modelWithVersions(this.client, name);
  }

  private findVersion(details: ModelDetails, version: number): ModelVersionItem {
    const found = details.versions.find((v) => v.version === version);
    if (!found)
      throw new Error(
        `${details.model.name} has no version ${version} (versions: ${details.versions.map((v) => v.version).join(', ')})`,
      );
    return found;
  }

  private async versionOf(
    details: ModelDetails,
    version: number | undefined,
    interactive: boolean,
    title: string,
    filter?: (v: ModelVersionItem) => boolean,
  ): Promise<ModelVersionItem> {
    if (version !== undefined) return this.findVersion(details, version);
    if (!interactive) throw new Error('say which version: { name, version: 3 }');
    const candidates = filter ? details.versions.filter(filter) : details.versions;
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(
        `No version of ${details.model.name} to choose from.`,
      );
      throw new Cancelled();
    }
    const keyMetric = keyMetricOf(details);
    const picked = await vscode.window.showQuickPick(
      candidates.map((v) => this.versionItem(v, keyMetric)),
      { title, matchOnDescription: true, matchOnDetail: true },
    );
    if (!picked) throw new Cancelled();
    return picked.version;
  }

  /**
   * One quick pick of the versions of every registered model, newest first under each
   * model's name; with one model, its versions alone.
   */
  private async pickAnyVersion(
    title: string,
    filter?: (v: ModelVersionItem) => boolean,
  ): Promise<{ details: ModelDetails; version: ModelVersionItem }> {
    const models = await this.client.listModels();
    if (models.length <= 1) {
      const details = await this.modelDetails(undefined, true, title);
      return { details, version: await this.versionOf(details, undefined, true, title, filter) };
    }
    const all = await Promise.all(models.map((m) => this.client.model(m.name)));
    type Item = vscode.QuickPickItem & { version?: ModelVersionItem; details?: ModelDetails };
    const items: Item[] = [];
    for (const details of all) {
      if (!details) continue;
      const keyMetric = keyMetricOf(details);
      const versions = details.versions
        .filter((v) => !filter || filter(v))
        .sort((a, b) => b.version - a.version);
      if (versions.length === 0) continue;
      items.push({ label: details.model.name, kind: vscode.QuickPickItemKind.Separator });
      for (const v of versions) items.push({ ...this.versionItem(v, keyMetric), details });
    }
    if (items.length === 0) {
      void vscode.window.showInformationMessage('No model version to choose from.');
      throw new Cancelled();
    }
    const chosen = await vscode.window.showQuickPick(items, {
      title,
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!chosen?.version || !chosen.details) throw new Cancelled();
    return { details: chosen.details, version: chosen.version };
  }

  /** `v3` · `Production · champion` · `val_acc 0.961 · loss 0.12 · run "dense-16" · 2 h ago by ana`. */
  private versionItem(
    v: ModelVersionItem,
    keyMetric: string | null,
  ): vscode.QuickPickItem & { version: ModelVersionItem } {
    const keys = Object.keys(v.metrics).sort();
    const shown =
      keyMetric && keys.includes(keyMetric)
        ? [keyMetric, ...keys.filter((k) => k !== keyMetric)]
        : keys;
    const metrics = shown.slice(0, 4).map((k) => `${k} ${metricText(v.metrics[k])}`);
    return {
      label: `v${v.version}`,
      description: [v.stage, ...v.aliases.map((a) => `@${a}`)].join(' · '),
      detail: [
        ...metrics,
        `run "${v.runName}"`,
        `${new Date(v.createdAt).toLocaleString()} by ${v.createdBy}`,
      ].join(' · '),
      version: v,
    };
  }

  /** The stages other than the version's own, each with its gates' verdict (previewed now). */
  private async pickStage(details: ModelDetails, version: ModelVersionItem): Promise<Stage> {
    const name = details.model.name;
    const targets = STAGE_PICK_ORDER.filter((s) => s !== version.stage);
    const previews = await Promise.allSettled(
      targets.map((to) => this.client.previewPromotion(name, version.version, to)),
    );
    const icons: Record<Stage, string> = {
      Production: '$(rocket)',
      Staging: '$(beaker)',
      Archived: '$(archive)',
      None: '$(circle-outline)',
    };
    const items = targets.map((to, i) => {
      const p = previews[i];
      let description: string;
      let detail: string | undefined;
      if (p.status === 'rejected') {
        description = `gates could not be checked: ${(p.reason as Error).message}`;
      } else if (p.value.gates.length === 0) {
        description = 'no gates';
      } else {
        const failing = p.value.gates.filter((g) => !g.passed);
        description =
          failing.length === 0
            ? `$(pass) ${p.value.gates.length} gate${p.value.gates.length === 1 ? '' : 's'} pass`
            : `$(error) ${failing.length} of ${p.value.gates.length} gates fail`;
        detail = p.value.gates.map(gateLine).join('  ');
      }
      if (p.status === 'fulfilled' && p.value.willArchive !== null)
        description += ` · archives v${p.value.willArchive}`;
      return { label: `${icons[to]} ${to}`, description, detail, stage: to };
    });
    const picked = await vscode.window.showQuickPick(items, {
      title: `Move ${name} v${version.version} (${version.stage}) to which stage?`,
      matchOnDescription: true,
    });
    if (!picked) throw new Cancelled();
    return picked.stage;
  }

  private async pickRun(): Promise<RunItem> {
    const experiments = await this.client.listExperiments();
    if (experiments.length === 0) {
      void vscode.window.showInformationMessage(
        'No runs recorded yet: run a notebook that calls lab.withRun.',
      );
      throw new Cancelled();
    }
    let experiment = experiments[0];
    if (experiments.length > 1) {
      const picked = await vscode.window.showQuickPick(
        experiments.map((e) => ({
          label: e.name,
          description: `${e.runCount} run${e.runCount === 1 ? '' : 's'}`,
          experiment: e,
        })),
        { title: 'Register a model from a run of which experiment?' },
      );
      if (!picked) throw new Cancelled();
      experiment = picked.experiment;
    }
    const runs = (await this.client.listRuns(experiment.id)).filter(
      (run) => run.deletedAt === null,
    );
    if (runs.length === 0) {
      void vscode.window.showInformationMessage(`Experiment "${experiment.name}" has no runs.`);
      throw new Cancelled();
    }
    const picked = await vscode.window.showQuickPick(
      runs.map((run) => ({
        label: run.name,
        description: [
          run.status,
          run.keyMetric ? `${run.keyMetric.key} ${metricText(run.keyMetric.value)}` : '',
          new Date(run.startTime).toLocaleString(),
        ]
          .filter(Boolean)
          .join(' · '),
        detail: run.id,
        run,
      })),
      {
        title: `Register the model of which run of "${experiment.name}"?`,
        matchOnDescription: true,
        matchOnDetail: true,
      },
    );
    if (!picked) throw new Cancelled();
    return picked.run;
  }

  /** An existing model (a new version of it) or a new name. */
  private async pickModelName(suggestion: string): Promise<string | undefined> {
    const models = await this.client.listModels();
    const NEW = '$(add) New model…';
    let name: string | undefined;
    if (models.length > 0) {
      const picked = await vscode.window.showQuickPick(
        [
          ...models.map((m) => ({
            label: m.name,
            description: `new version v${m.latestVersion + 1}`,
          })),
          { label: NEW, description: 'register under a new name' },
        ],
        { title: 'Register as a version of which model?' },
      );
      if (!picked) return undefined;
      if (picked.label !== NEW) name = picked.label;
    }
    name ??= await vscode.window.showInputBox({
      title: 'Name of the new model',
      value: suggestion.replace(/[@/\\]/g, '-'),
      placeHolder: 'penguins-classifier',
      validateInput: (v) =>
        validateModelName(v) ??
        (models.some((m) => m.name === v.trim())
          ? `"${v.trim()}" exists: pick it from the list to add a version`
          : undefined),
    });
    return name?.trim();
  }
}
