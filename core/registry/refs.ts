/**
 * Model references, as the SDK (`lab.loadModel`), the CLI and the views write them:
 *
 *   penguins             the latest version
 *   penguins/3           version 3
 *   penguins@production  the version in that stage (production, staging, archived, none;
 *                        any case; the newest when several share Staging/Archived/None)
 *   penguins@champion    the version an alias points at
 *
 * Model names may contain spaces and dots but never `@` or `/`.
 */
import { RegistryError, STAGES, type ModelVersion, type Stage } from './types';
import type { Registry } from './registry';

export type ModelSelector =
  | { kind: 'latest' }
  | { kind: 'version'; version: number }
  | { kind: 'stage'; stage: Stage }
  | { kind: 'alias'; alias: string };

export interface ModelRef {
  name: string;
  selector: ModelSelector;
}

/** A stage from any spelling of its name (`production`, `PRODUCTION`, `Production`), else undefined. */
export function parseStage(text: string): Stage | undefined {
  const lower = text.trim().toLowerCase();
  return STAGES.find((s) => s.toLowerCase() === lower);
}

function badSyntax(text: string, why: string): RegistryError {
  return new RegistryError(
    'INVALID',
    `bad model reference ${JSON.stringify(text)}: ${why}. Use NAME (latest version), NAME/3, NAME@production (or @staging, @archived, @none) or NAME@alias`,
  );
}

export function parseModelRef(text: string): ModelRef {
  if (typeof text !== 'string')
    throw new RegistryError('INVALID', `a model reference must be a string, got ${typeof text}`);
  const at = text.split('@');
  const slash = text.split('/');
  if (at.length > 2) throw badSyntax(text, 'more than one "@" (model names cannot contain "@")');
  if (slash.length > 2) throw badSyntax(text, 'more than one "/" (model names cannot contain "/")');
  if (at.length === 2 && slash.length === 2)
    throw badSyntax(text, 'use either "@" or "/", not both');
  const [rawName, rest] = at.length === 2 ? at : slash.length === 2 ? slash : [text, undefined];
  const name = rawName.trim();
  if (name === '') throw badSyntax(text, 'the model name is empty');
  if (rest === undefined) return { name, selector: { kind: 'latest' } };
  const tail = rest.trim();
  if (tail === '') throw badSyntax(text, `nothing after "${at.length === 2 ? '@' : '/'}"`);
  if (slash.length === 2) {
    if (!/^\d+$/.test(tail) || Number(tail) < 1 || !Number.isSafeInteger(Number(tail))) {
      throw badSyntax(text, `"${tail}" is not a version number (1, 2, 3, …)`);
    }
    return { name, selector: { kind: 'version', version: Number(tail) } };
  }
  const stage = parseStage(tail);
  if (stage) return { name, selector: { kind: 'stage', stage } };
  if (/^\d+$/.test(tail))
    throw badSyntax(text, `write a version number as ${name}/${tail}, not ${name}@${tail}`);
  return { name, selector: { kind: 'alias', alias: tail } };
}

export function formatModelRef(ref: ModelRef): string {
  const s = ref.selector;
  switch (s.kind) {
    case 'latest':
      return ref.name;
    case 'version':
      return `${ref.name}/${s.version}`;
    case 'stage':
      return `${ref.name}@${s.stage.toLowerCase()}`;
    default:
      return `${ref.name}@${s.alias}`;
  }
}

/** The version a reference names, or a RegistryError NOT_FOUND / INVALID saying what is missing. */
export function resolveModelRef(registry: Registry, ref: string | ModelRef): ModelVersion {
  const parsed = typeof ref === 'string' ? parseModelRef(ref) : ref;
  const { name, selector } = parsed;
  const model = registry.getModel(name);
  if (!model) {
    const known = registry.listModels().map((m) => m.name);
    throw new RegistryError(
      'NOT_FOUND',
      `no registered model named ${JSON.stringify(name)}${known.length ? ` (models: ${known.join(', ')})` : ' (no model has been registered yet)'}`,
    );
  }
  const versions = registry.listVersions(name); // newest first
  switch (selector.kind) {
    case 'latest':
      return versions[0];
    case 'version': {
      const found = versions.find((v) => v.version === selector.version);
      if (!found)
        throw new RegistryError(
          'NOT_FOUND',
          `model ${JSON.stringify(name)} has no version ${selector.version} (versions 1 to ${model.latestVersion})`,
        );
      return found;
    }
    case 'stage': {
      const found = versions.find((v) => v.stage === selector.stage);
      if (!found)
        throw new RegistryError(
          'NOT_FOUND',
          `model ${JSON.stringify(name)} has no version in ${selector.stage}`,
        );
      return found;
    }
    default: {
      const aliases = model.aliases;
      let version = aliases[selector.alias];
      if (version === undefined) {
        // `@Champion` finds `champion` when that is unambiguous.
        const matches = Object.keys(aliases).filter(
          (a) => a.toLowerCase() === selector.alias.toLowerCase(),
        );
        if (matches.length === 1) version = aliases[matches[0]];
      }
      if (version === undefined) {
        const known = Object.keys(aliases).sort();
        throw new RegistryError(
          'NOT_FOUND',
          `model ${JSON.stringify(name)} has no alias ${JSON.stringify(selector.alias)}${known.length ? ` (aliases: ${known.join(', ')})` : ' (it has no aliases)'}`,
        );
      }
      return versions.find((v) => v.version === version)!;
    }
  }
}
