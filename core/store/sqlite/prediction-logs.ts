/**
 * PredictionLogStore over SQLite: `prediction_logs` (seq is its rowid, so it grows with
 * every write) and `feedback`, keyed by (deployment, prediction id). Inputs, outputs and
 * labels are JSON text; a shadow flag is 0/1.
 *
 * Several queries steer SQLite's planner by hand (`+deployment_id`, CROSS JOIN): the
 * monitoring panel polls them every few seconds on logs of millions of rows.
 */
import type { Feedback, LoggedPrediction, PredictionLog } from '../../common/serve-types';
import type {
  AnsweredPrediction,
  LabelledPrediction,
  LockWait,
  LoggedInputs,
  PredictionCount,
  PredictionLogStore,
  WindowPrediction,
} from '../serving';
import type { SqlAccess } from '../types';

const INSERT = `INSERT INTO prediction_logs (id, deployment_id, at, variant, model_version, shadow, inputs, outputs, predicted, latency_ms)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;

interface LogRow {
  id: string;
  deployment_id: number;
  at: number;
  variant: PredictionLog['variant'];
  model_version: number;
  shadow: number;
  inputs: string;
  outputs: string;
  predicted: string | null;
  latency_ms: number;
}

export class SqlitePredictionLogStore implements PredictionLogStore {
  constructor(private readonly sql: SqlAccess) {}

  write(rows: readonly PredictionLog[], lock: LockWait = {}): void {
    this.sql.transaction(() => {
      for (const r of rows) {
        this.sql.run(
          INSERT,
          r.id,
          r.deploymentId,
          r.at,
          r.variant,
          r.modelVersion,
          r.shadow ? 1 : 0,
          JSON.stringify(r.inputs),
          JSON.stringify(r.outputs.map((v) => (Number.isFinite(v) ? v : null))),
          r.predicted,
          r.latencyMs,
        );
      }
    }, lock);
  }

  prune(
    deploymentId: number,
    retention: { maxRows: number; cutoff: number },
    lock: LockWait = {},
  ): number {
    const sql = this.sql;
    return sql.transaction(() => {
      // The newest row past the bound: it and everything older go (ties with it included).
      const boundary = sql.get<{ at: number }>(
        'SELECT at FROM prediction_logs WHERE deployment_id = ? ORDER BY at DESC LIMIT 1 OFFSET ?',
        deploymentId,
        retention.maxRows,
      );
      const where = boundary ? '(at < ? OR at <= ?)' : 'at < ?';
      const args = boundary ? [retention.cutoff, boundary.at] : [retention.cutoff];
      sql.run(
        `DELETE FROM feedback WHERE deployment_id = ? AND id IN (
      SELECT id FROM prediction_logs WHERE deployment_id = ? AND ${where})`,
        deploymentId,
        deploymentId,
        ...args,
      );
      return sql.run(
        `DELETE FROM prediction_logs WHERE deployment_id = ? AND ${where}`,
        deploymentId,
        ...args,
      ).changes;
    }, lock);
  }

  recordFeedback(feedback: Feedback): void {
    this.sql.run(
      `INSERT INTO feedback (id, deployment_id, label, at) VALUES (?, ?, ?, ?)
    ON CONFLICT (deployment_id, id) DO UPDATE SET label = excluded.label, at = excluded.at`,
      feedback.id,
      feedback.deploymentId,
      JSON.stringify(feedback.label),
      feedback.at,
    );
  }

  read(deploymentId: number, options: { limit: number; since: number }): LoggedPrediction[] {
    const rows = this.sql.all<LogRow & { label: string | null }>(
      `SELECT p.*, f.label AS label FROM prediction_logs p
        LEFT JOIN feedback f ON f.deployment_id = p.deployment_id AND f.id = p.id
       WHERE p.deployment_id = ? AND p.at >= ? ORDER BY p.at DESC, p.seq DESC LIMIT ?`,
      deploymentId,
      options.since,
      options.limit,
    );
    return rows.map((r) => ({
      id: r.id,
      deploymentId: r.deployment_id,
      at: r.at,
      variant: r.variant,
      modelVersion: r.model_version,
      shadow: r.shadow === 1,
      inputs: JSON.parse(r.inputs),
      outputs: JSON.parse(r.outputs),
      predicted: r.predicted,
      latencyMs: r.latency_ms,
      label: r.label === null ? null : JSON.parse(r.label),
    }));
  }

  answered(deploymentId: number, id: string): AnsweredPrediction | undefined {
    const row = this.sql.get<Pick<LogRow, 'variant' | 'predicted' | 'outputs'>>(
      'SELECT variant, predicted, outputs FROM prediction_logs WHERE deployment_id = ? AND id = ? AND shadow = 0',
      deploymentId,
      id,
    );
    return row
      ? {
          variant: row.variant,
          predicted: row.predicted,
          outputs: JSON.parse(row.outputs) as number[],
        }
      : undefined;
  }

  window(deploymentId: number, since: number, until: number, limit: number): WindowPrediction[] {
    return this.sql
      .all<Pick<LogRow, 'at' | 'variant' | 'shadow' | 'latency_ms'>>(
        `SELECT at, variant, shadow, latency_ms FROM prediction_logs
    WHERE deployment_id = ? AND at >= ? AND at <= ? ORDER BY at DESC LIMIT ?`,
        deploymentId,
        since,
        until,
        limit,
      )
      .map((r) => ({
        at: r.at,
        variant: r.variant,
        shadow: r.shadow === 1,
        latencyMs: r.latency_ms,
      }));
  }

  requests(deploymentId: number, since: number, until: number): number {
    return (
      this.sql.get<{ n: number }>(
        `SELECT COUNT(*) AS n FROM prediction_logs
    WHERE deployment_id = ? AND at >= ? AND at <= ? AND shadow = 0 AND (id NOT LIKE '%.%' OR id LIKE '%.0')`,
        deploymentId,
        since,
        until,
      )?.n ?? 0
    );
  }

  countsAfter(deploymentId: number, seq: number): PredictionCount[] {
    // `+deployment_id`: walk the rowid range of new rows, not every row of the deployment.
    return this.sql
      .all<{ variant: PredictionLog['variant']; model_version: number; n: number; seq: number }>(
        `SELECT variant, model_version, COUNT(*) AS n, MAX(seq) AS seq
    FROM prediction_logs WHERE seq > ? AND +deployment_id = ? GROUP BY variant, model_version`,
        seq,
        deploymentId,
      )
      .map((r) => ({ variant: r.variant, modelVersion: r.model_version, n: r.n, seq: r.seq }));
  }

  labelled(deploymentId: number, limit: number): LabelledPrediction[] {
    // The newest labels (bounded, by the feedback time index), then their predictions by id:
    // CROSS JOIN fixes that order and `+p.deployment_id` keeps SQLite off the deployment index,
    // which would walk every prediction per label (PostgreSQL plans this itself, and has no
    // CROSS JOIN … ON). Oldest first: the detector reads a stream.
    const join = this.sql.dialect === 'sqlite' ? 'CROSS JOIN' : 'JOIN';
    return this.sql
      .all<{
        variant: PredictionLog['variant'];
        model_version: number;
        shadow: number;
        predicted: string | null;
        label: string;
      }>(
        `SELECT p.variant, p.model_version, p.shadow, p.predicted, f.label
    FROM (SELECT id, deployment_id, label FROM feedback WHERE deployment_id = ? ORDER BY at DESC LIMIT ?) f
      ${join} prediction_logs p ON p.id = f.id AND +p.deployment_id = f.deployment_id
    ORDER BY p.at, p.seq`,
        deploymentId,
        limit,
      )
      .map((r) => ({
        variant: r.variant,
        modelVersion: r.model_version,
        shadow: r.shadow === 1,
        predicted: r.predicted,
        label: JSON.parse(r.label) as Feedback['label'],
      }));
  }

  recentInputs(deploymentId: number, modelVersion: number, limit: number): LoggedInputs[] {
    return this.sql
      .all<{ seq: number; inputs: string }>(
        `SELECT seq, inputs FROM prediction_logs
    WHERE deployment_id = ? AND shadow = 0 AND model_version = ? ORDER BY at DESC, seq DESC LIMIT ?`,
        deploymentId,
        modelVersion,
        limit,
      )
      .map((r) => ({ seq: r.seq, inputs: JSON.parse(r.inputs) as LoggedInputs['inputs'] }));
  }
}
