/**
 * DeploymentStore over SQLite: the `deployments` and `deployment_events` tables of
 * migration 4. A deployment's config and an event's splits are JSON text; a config read
 * back is completed with today's defaults, so a row written before a setting existed
 * still reads as a whole ServeConfig.
 */
import {
  DEFAULT_SERVE_CONFIG,
  type Deployment,
  type DeploymentEvent,
  type ServeConfig,
  type TrafficSplit,
} from '../../common/serve-types';
import type { DeploymentChanges, DeploymentStore, LiveDeployment, NewDeployment } from '../serving';
import { SqliteDomainStore } from './domain';
import { assignments, fromRow, jsonOrNull, jsonText } from './rows';

/** A `deployments` row: the Deployment's fields under their column names, config as JSON. */
interface DeploymentRow {
  id: number;
  name: string;
  model_name: string;
  model_ref: string;
  strategy: Deployment['strategy'];
  primary_version: number;
  candidate_ref: string | null;
  candidate_version: number | null;
  weight: number;
  host: string;
  port: number;
  pid: number | null;
  status: Deployment['status'];
  error: string | null;
  config: string;
  token_file: string;
  created_at: number;
  created_by: string;
  started_at: number | null;
  stopped_at: number | null;
  updated_at: number;
}

interface EventRow {
  id: number;
  deployment_id: number;
  kind: DeploymentEvent['kind'];
  at: number;
  by: string;
  reason: string | null;
  before: string | null;
  after: string | null;
}

const toDeployment = (row: DeploymentRow) =>
  fromRow<Deployment>(row, {
    config: (text: string) => ({
      ...DEFAULT_SERVE_CONFIG,
      ...(JSON.parse(text) as Partial<ServeConfig>),
    }),
  });

const toEvent = (row: EventRow) =>
  fromRow<DeploymentEvent>(row, {
    before: jsonOrNull<TrafficSplit>,
    after: jsonOrNull<TrafficSplit>,
  });

/** Column of each changeable field: the only names that reach the UPDATE's text. */
const COLUMNS: Record<keyof DeploymentChanges, string> = {
  strategy: 'strategy',
  primaryVersion: 'primary_version',
  candidateRef: 'candidate_ref',
  candidateVersion: 'candidate_version',
  weight: 'weight',
  port: 'port',
  pid: 'pid',
  status: 'status',
  error: 'error',
  startedAt: 'started_at',
  stoppedAt: 'stopped_at',
};

export class SqliteDeploymentStore extends SqliteDomainStore implements DeploymentStore {
  get(id: number): Deployment | undefined {
    const row = this.sql.get<DeploymentRow>('SELECT * FROM deployments WHERE id = ?', id);
    return row ? toDeployment(row) : undefined;
  }

  find(name: string): Deployment | undefined {
    const row = this.sql.get<DeploymentRow>(
      `SELECT * FROM deployments WHERE name = ?
    ORDER BY CASE WHEN status IN ('starting', 'running') THEN 0 ELSE 1 END, id DESC LIMIT 1`,
      name,
    );
    return row ? toDeployment(row) : undefined;
  }

  names(): string[] {
    return this.sql
      .all<{ name: string }>('SELECT DISTINCT name FROM deployments ORDER BY name')
      .map((r) => r.name);
  }

  list(options: { all?: boolean } = {}): Deployment[] {
    return this.sql
      .all<DeploymentRow>(
        `SELECT * FROM deployments ${options.all ? '' : "WHERE status IN ('starting', 'running')"} ORDER BY id DESC`,
      )
      .map(toDeployment);
  }

  live(name: string): LiveDeployment | undefined {
    const row = this.sql.get<Pick<DeploymentRow, 'id' | 'port' | 'status' | 'pid' | 'updated_at'>>(
      "SELECT id, port, status, pid, updated_at FROM deployments WHERE name = ? AND status IN ('starting', 'running')",
      name,
    );
    return row ? fromRow<LiveDeployment>(row) : undefined;
  }

  create(d: NewDeployment): number {
    const result = this.sql.get<{ id: number }>(
      `INSERT INTO deployments (name, model_name, model_ref, strategy, primary_version, candidate_ref, candidate_version, weight,
        host, port, pid, status, error, config, token_file, created_at, created_by, started_at, stopped_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, 'starting', NULL, ?, '', ?, ?, NULL, NULL, ?) RETURNING id`,
      d.name,
      d.modelName,
      d.modelRef,
      d.strategy,
      d.primaryVersion,
      d.candidateRef,
      d.candidateVersion,
      d.weight,
      d.host,
      d.port,
      JSON.stringify(d.config),
      d.createdAt,
      d.createdBy,
      d.createdAt,
    )!;
    return result.id;
  }

  setTokenFile(id: number, tokenFile: string): void {
    this.sql.run('UPDATE deployments SET token_file = ? WHERE id = ?', tokenFile, id);
  }

  update(id: number, changes: DeploymentChanges): void {
    const { sets, args } = assignments(changes, COLUMNS, 'a deployment');
    this.sql.run(
      `UPDATE deployments SET ${['updated_at = ?', ...sets].join(', ')} WHERE id = ?`,
      Date.now(),
      ...args,
      id,
    );
  }

  recordEvent(event: Omit<DeploymentEvent, 'id'>): DeploymentEvent {
    const result = this.sql.get<{ id: number }>(
      'INSERT INTO deployment_events (deployment_id, kind, at, by, reason, before, after) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id',
      event.deploymentId,
      event.kind,
      event.at,
      event.by,
      event.reason,
      jsonText(event.before),
      jsonText(event.after),
    )!;
    return { ...event, id: result.id };
  }

  events(deploymentId: number): DeploymentEvent[] {
    return this.sql
      .all<EventRow>(
        'SELECT * FROM deployment_events WHERE deployment_id = ? ORDER BY id DESC',
        deploymentId,
      )
      .map(toEvent);
  }

  servesVersion(modelName: string, version: number): boolean {
    return (
      this.sql.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM deployments WHERE model_name = ? AND status IN ('starting', 'running')
        AND (primary_version = ? OR candidate_version = ?)`,
        modelName,
        version,
        version,
      )!.n > 0
    );
  }
}
