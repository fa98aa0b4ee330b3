/**
 * DatasetStore over SQLite: the `datasets` and `run_inputs` tables of migration 3. A
 * version's schema and profile and an input's validation result are JSON text.
 */
import type { DatasetSchema, DatasetVersion, NewDataset, RunInput } from '../../quality/datasets';
import type { DatasetProfile } from '../../quality/types';
import type { ValidationResult } from '../../quality/suite';
import type { DatasetStore, DatasetUse, NewRunInput } from '../datasets';
import { SqliteDomainStore } from './domain';
import { fromRow, jsonOrNull, jsonText } from './rows';

const COLUMNS =
  'd.id, d.name, d.version, d.fingerprint, d.schema, d.profile, d.rows, d.source, d.created_at';

const toDataset = (row: object) =>
  fromRow<DatasetVersion>(row, {
    schema: (text: string) => JSON.parse(text) as DatasetSchema,
    profile: jsonOrNull<DatasetProfile>,
  });

const validationOf = jsonOrNull<ValidationResult>;

export class SqliteDatasetStore extends SqliteDomainStore implements DatasetStore {
  private one(where: string, ...args: unknown[]): DatasetVersion | undefined {
    const row = this.sql.get<object>(`SELECT ${COLUMNS} FROM datasets d WHERE ${where}`, ...args);
    return row ? toDataset(row) : undefined;
  }

  withFingerprint(name: string, fingerprint: string): DatasetVersion | undefined {
    return this.one('d.name = ? AND d.fingerprint = ?', name, fingerprint);
  }

  addVersion(d: Required<NewDataset>): DatasetVersion {
    return this.sql.transaction(() => {
      const next =
        (this.sql.get<{ v: number | null }>(
          'SELECT MAX(version) AS v FROM datasets WHERE name = ?',
          d.name,
        )?.v ?? 0) + 1;
      const result = this.sql.get<{ id: number }>(
        'INSERT INTO datasets (name, version, fingerprint, schema, profile, rows, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
        d.name,
        next,
        d.fingerprint,
        JSON.stringify(d.schema),
        jsonText(d.profile),
        d.rows,
        d.source,
        d.createdAt,
      )!;
      return this.one('d.id = ?', result.id)!;
    });
  }

  version(name: string, version?: number): DatasetVersion | undefined {
    return version === undefined
      ? this.one('d.name = ? ORDER BY d.version DESC LIMIT 1', name)
      : this.one('d.name = ? AND d.version = ?', name, version);
  }

  versions(name?: string): DatasetVersion[] {
    const rows =
      name === undefined
        ? this.sql.all<object>(`SELECT ${COLUMNS} FROM datasets d ORDER BY d.name, d.version`)
        : this.sql.all<object>(
            `SELECT ${COLUMNS} FROM datasets d WHERE d.name = ? ORDER BY d.version`,
            name,
          );
    return rows.map(toDataset);
  }

  recordRunInput(input: NewRunInput): void {
    this.sql.run(
      `INSERT INTO run_inputs (run_id, dataset_id, role, validation, created_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (run_id, dataset_id, role) DO UPDATE SET validation = excluded.validation, created_at = excluded.created_at`,
      input.runId,
      input.datasetId,
      input.role,
      jsonText(input.validation),
      input.createdAt,
    );
  }

  runInputs(runId: string): RunInput[] {
    const rows = this.sql.all<{
      input_run_id: string;
      input_role: string;
      input_validation: string | null;
      input_created_at: number;
    }>(
      `SELECT ${COLUMNS}, i.run_id AS input_run_id, i.role AS input_role,
        i.validation AS input_validation, i.created_at AS input_created_at
     FROM run_inputs i JOIN datasets d ON d.id = i.dataset_id WHERE i.run_id = ? ORDER BY i.created_at, d.name, i.role`,
      runId,
    );
    return rows.map(({ input_run_id, input_role, input_validation, input_created_at, ...d }) => ({
      runId: input_run_id,
      dataset: toDataset(d),
      role: input_role,
      validation: validationOf(input_validation),
      createdAt: input_created_at,
    }));
  }

  uses(datasetId: number): DatasetUse[] {
    return this.sql
      .all<object>(
        'SELECT run_id, role, validation FROM run_inputs WHERE dataset_id = ? ORDER BY created_at, run_id',
        datasetId,
      )
      .map((row) => fromRow<DatasetUse>(row, { validation: validationOf }));
  }
}
