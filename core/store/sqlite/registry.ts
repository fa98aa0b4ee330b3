/**
 * RegistryStore over SQLite: the `registered_models`, `model_versions`, `model_aliases`
 * and `model_transitions` tables of migration 2. A version's signature and holdout and a
 * transition's gate results are JSON text; `forced` is 0/1.
 */
import type {
  GateResult,
  HoldoutInfo,
  ModelSignature,
  ModelTransition,
  ModelVersion,
  RegisteredModel,
  Stage,
} from '../../registry/types';
import type { ModelCardChanges, NewModelVersion, RegistryStore } from '../registry';
import { SqliteDomainStore } from './domain';
import { assignments, fromRow, isTrue, jsonOrNull, jsonText } from './rows';

const VERSION_DECODERS = {
  signature: jsonOrNull<ModelSignature>,
  holdout: jsonOrNull<HoldoutInfo>,
};

/** Transitions under their field names (`from`, `to`: reserved words, so quoted). */
const TRANSITION_COLUMNS = `id, name, version, kind, from_stage AS "from", to_stage AS "to", alias, at, by,
  reason, forced, gates`;

const toTransition = (row: object) =>
  fromRow<ModelTransition>(row, { forced: isTrue, gates: jsonOrNull<GateResult[]> });

/** Column of each model card field: the only names that reach the UPDATE's text. */
const CARD_COLUMNS: Record<keyof ModelCardChanges, string> = {
  description: 'description',
  intendedUse: 'intended_use',
  limitations: 'limitations',
};

export class SqliteRegistryStore extends SqliteDomainStore implements RegistryStore {
  modelNames(): string[] {
    return this.sql
      .all<{ name: string }>('SELECT name FROM registered_models ORDER BY name')
      .map((r) => r.name);
  }

  model(name: string): RegisteredModel | undefined {
    const row = this.sql.get<{ name: string; description: string | null; created_at: number }>(
      'SELECT name, description, created_at FROM registered_models WHERE name = ?',
      name,
    );
    if (!row) return undefined;
    const stats = this.sql.get<{
      latest: number | null;
      production: number | null;
      staging: number | null;
    }>(
      `SELECT MAX(version) AS latest,
              MAX(CASE WHEN stage = 'Production' THEN version END) AS production,
              MAX(CASE WHEN stage = 'Staging' THEN version END) AS staging
         FROM model_versions WHERE name = ?`,
      name,
    )!;
    const aliases: Record<string, number> = {};
    for (const a of this.aliases(name)) aliases[a.alias] = a.version;
    return {
      name: row.name,
      description: row.description,
      createdAt: row.created_at,
      latestVersion: stats.latest ?? 0,
      production: stats.production,
      staging: stats.staging,
      aliases,
    };
  }

  private aliases(name: string): { alias: string; version: number }[] {
    return this.sql.all<{ alias: string; version: number }>(
      'SELECT alias, version FROM model_aliases WHERE name = ? ORDER BY alias',
      name,
    );
  }

  /** Version rows as ModelVersions, each with its aliases (read once per model). */
  private toVersions(rows: object[]): ModelVersion[] {
    const byModel = new Map<string, Map<number, string[]>>();
    const aliasesOf = (name: string) => {
      let found = byModel.get(name);
      if (!found) {
        found = new Map();
        for (const a of this.aliases(name))
          found.set(a.version, [...(found.get(a.version) ?? []), a.alias]);
        byModel.set(name, found);
      }
      return found;
    };
    return rows.map((row) => {
      const version = fromRow<Omit<ModelVersion, 'aliases'>>(row, VERSION_DECODERS);
      return { ...version, aliases: aliasesOf(version.name).get(version.version) ?? [] };
    });
  }

  versions(name: string): ModelVersion[] {
    return this.toVersions(
      this.sql.all<object>(
        'SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC',
        name,
      ),
    );
  }

  private oneVersion(where: string, ...args: unknown[]): ModelVersion | undefined {
    const row = this.sql.get<object>(`SELECT * FROM model_versions WHERE ${where}`, ...args);
    return row ? this.toVersions([row])[0] : undefined;
  }

  version(name: string, version: number): ModelVersion | undefined {
    return this.oneVersion('name = ? AND version = ?', name, version);
  }

  versionInStage(name: string, stage: Stage): ModelVersion | undefined {
    return this.oneVersion('name = ? AND stage = ? ORDER BY version DESC LIMIT 1', name, stage);
  }

  versionsOfRun(runId: string): ModelVersion[] {
    return this.toVersions(
      this.sql.all<object>(
        'SELECT * FROM model_versions WHERE run_id = ? ORDER BY name, version',
        runId,
      ),
    );
  }

  addVersion(v: NewModelVersion): number {
    return this.sql.transaction(() => {
      this.sql.run(
        'INSERT INTO registered_models (name, description, created_at) VALUES (?, NULL, ?) ON CONFLICT (name) DO NOTHING',
        v.name,
        v.createdAt,
      );
      const next =
        (this.sql.get<{ v: number | null }>(
          'SELECT MAX(version) AS v FROM model_versions WHERE name = ?',
          v.name,
        )!.v ?? 0) + 1;
      this.sql.run(
        `INSERT INTO model_versions (name, version, stage, run_id, artifact_path, signature, holdout, description,
          intended_use, limitations, created_at, created_by) VALUES (?, ?, 'None', ?, ?, ?, ?, ?, NULL, NULL, ?, ?)`,
        v.name,
        next,
        v.runId,
        v.artifactPath,
        jsonText(v.signature),
        jsonText(v.holdout),
        v.description,
        v.createdAt,
        v.createdBy,
      );
      return next;
    });
  }

  setStage(name: string, version: number, stage: Stage): void {
    this.sql.run(
      'UPDATE model_versions SET stage = ? WHERE name = ? AND version = ?',
      stage,
      name,
      version,
    );
  }

  updateCard(name: string, version: number, changes: ModelCardChanges): void {
    const { sets, args } = assignments(changes, CARD_COLUMNS, 'a model card');
    if (sets.length === 0) return;
    this.sql.run(
      `UPDATE model_versions SET ${sets.join(', ')} WHERE name = ? AND version = ?`,
      ...args,
      name,
      version,
    );
  }

  setModelDescription(name: string, description: string | null): void {
    this.sql.run('UPDATE registered_models SET description = ? WHERE name = ?', description, name);
  }

  aliasTarget(name: string, alias: string): number | undefined {
    return this.sql.get<{ version: number }>(
      'SELECT version FROM model_aliases WHERE name = ? AND alias = ?',
      name,
      alias,
    )?.version;
  }

  setAlias(name: string, alias: string, version: number): void {
    this.sql.run(
      `INSERT INTO model_aliases (name, alias, version) VALUES (?, ?, ?)
        ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version`,
      name,
      alias,
      version,
    );
  }

  removeAlias(name: string, alias: string): void {
    this.sql.run('DELETE FROM model_aliases WHERE name = ? AND alias = ?', name, alias);
  }

  recordTransition(t: Omit<ModelTransition, 'id'>): ModelTransition {
    const result = this.sql.get<{ id: number }>(
      `INSERT INTO model_transitions (name, version, kind, from_stage, to_stage, alias, at, by, reason, forced, gates)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
      t.name,
      t.version,
      t.kind,
      t.from,
      t.to,
      t.alias,
      t.at,
      t.by,
      t.reason,
      t.forced ? 1 : 0,
      jsonText(t.gates),
    )!;
    return { ...t, id: result.id };
  }

  transitions(name: string): ModelTransition[] {
    return this.sql
      .all<object>(
        `SELECT ${TRANSITION_COLUMNS} FROM model_transitions WHERE name = ? ORDER BY id DESC`,
        name,
      )
      .map(toTransition);
  }
}
