/**
 * StudyStore over the `studies`, `trials`, `trial_attempts` and `trial_values` tables of
 * migration 8, written once against SqlAccess for both backends. Two things differ by
 * dialect, on purpose:
 * - the clock: leases are measured by the database's (SQLite's julianday('now'),
 *   PostgreSQL's now(), both fixed for the length of one statement), never by a worker's;
 * - atomicity of a claim: on PostgreSQL one statement (UPDATE … WHERE id = (SELECT … FOR
 *   UPDATE SKIP LOCKED) in a data-modifying WITH), so concurrent workers skip each other's
 *   rows instead of queueing on a lock; on SQLite one BEGIN IMMEDIATE transaction, which
 *   is the one writer lock SQLite has anyway.
 */
import { StoreError } from '../errors';
import type {
  IntermediateValue,
  NewStudy,
  Study,
  StudyStore,
  Trial,
  TrialAttempt,
  TrialEnd,
  TrialLease,
} from '../studies';
import type { SqlAccess } from '../types';
import { fromRow, jsonOrNull, jsonText } from './rows';

const toStudy = (row: object): Study =>
  fromRow<Study>(row, {
    space: jsonOrNull,
    sampler: jsonOrNull,
    pruner: jsonOrNull,
  });

const toTrial = (row: object): Trial => fromRow<Trial>(row, { params: jsonOrNull });

/** The lease still holds: this worker's attempt, running, not lapsed by the database's clock. */
const FENCE = `id = ? AND worker = ? AND attempt = ? AND state = 'running' AND lease_until >= %NOW%`;

export class SqlStudyStore implements StudyStore {
  private readonly clock: string;

  constructor(private readonly sql: SqlAccess) {
    this.clock =
      sql.dialect === 'postgres'
        ? '(extract(epoch from now()) * 1000)'
        : "((julianday('now') - 2440587.5) * 86400000.0)";
  }

  /** The statement with the database's clock in place of %NOW%. */
  private q(sql: string): string {
    return sql.replace(/%NOW%/g, this.clock);
  }

  private get pg(): boolean {
    return this.sql.dialect === 'postgres';
  }

  now(): number {
    return Number(this.sql.get<{ now: number }>(this.q('SELECT %NOW% AS now'))!.now);
  }

  createStudy(study: NewStudy): Study {
    checkStudy(study);
    return this.sql.transaction(() => {
      if (this.study(study.name))
        throw new StoreError('INVALID_ARGUMENT', `a study named "${study.name}" already exists`);
      const row = this.sql.get<object>(
        this.q(`INSERT INTO studies (name, direction, metric, space, sampler, pruner, parent_run_id,
            max_trials, max_retries, lease_ms, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, %NOW%) RETURNING *`),
        study.name,
        study.direction,
        study.metric,
        jsonText(study.space) ?? 'null',
        jsonText(study.sampler) ?? 'null',
        jsonText(study.pruner),
        study.parentRunId,
        study.maxTrials,
        study.maxRetries,
        study.leaseMs,
      )!;
      return toStudy(row);
    });
  }

  study(name: string): Study | undefined {
    const row = this.sql.get<object>('SELECT * FROM studies WHERE name = ?', name);
    return row && toStudy(row);
  }

  studyNames(): string[] {
    return this.sql
      .all<{ name: string }>('SELECT name FROM studies ORDER BY name')
      .map((r) => r.name);
  }

  setParentRun(studyId: number, runId: string): void {
    this.sql.run('UPDATE studies SET parent_run_id = ? WHERE id = ?', runId, studyId);
  }

  enqueueTrials(studyId: number, params: readonly Record<string, unknown>[]): Trial[] {
    return this.sql.transaction(() => {
      let next = this.lastNumber(studyId);
      return params.map((p) =>
        toTrial(
          this.sql.get<object>(
            this.q(`INSERT INTO trials (study_id, number, params, state, created_at)
              VALUES (?, ?, ?, 'queued', %NOW%) RETURNING *`),
            studyId,
            ++next,
            JSON.stringify(p),
          )!,
        ),
      );
    });
  }

  private lastNumber(studyId: number): number {
    return Number(
      this.sql.get<{ n: number | null }>(
        'SELECT MAX(number) AS n FROM trials WHERE study_id = ?',
        studyId,
      )?.n ?? 0,
    );
  }

  claimTrial(studyId: number, worker: string): Trial | undefined {
    if (this.pg) {
      this.reapStaleTrials(studyId);
      const row = this.sql.get<object>(
        this.q(`WITH claimed AS (
            UPDATE trials t SET state = 'running', attempt = t.attempt + 1, worker = ?,
              heartbeat_at = %NOW%, lease_until = %NOW% + s.lease_ms, error = NULL
              FROM studies s
             WHERE s.id = t.study_id AND t.id = (
               SELECT id FROM trials WHERE study_id = ? AND state = 'queued'
                ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING t.*),
          cleared AS (DELETE FROM trial_values WHERE trial_id IN (SELECT id FROM claimed)),
          logged AS (INSERT INTO trial_attempts (trial_id, attempt, worker, claimed_at)
            SELECT id, attempt, worker, heartbeat_at FROM claimed)
          SELECT * FROM claimed`),
        worker,
        studyId,
      );
      return row && toTrial(row);
    }
    return this.sql.transaction(() => {
      this.reapStaleTrials(studyId);
      const next = this.sql.get<{ id: number }>(
        `SELECT id FROM trials WHERE study_id = ? AND state = 'queued' ORDER BY number LIMIT 1`,
        studyId,
      );
      if (!next) return undefined;
      const row = this.sql.get<object>(
        this.q(`UPDATE trials SET state = 'running', attempt = attempt + 1, worker = ?,
            heartbeat_at = %NOW%, error = NULL,
            lease_until = %NOW% + (SELECT lease_ms FROM studies WHERE id = trials.study_id)
          WHERE id = ? RETURNING *`),
        worker,
        next.id,
      )!;
      const trial = toTrial(row);
      this.sql.run('DELETE FROM trial_values WHERE trial_id = ?', trial.id);
      this.logClaim(trial);
      return trial;
    });
  }

  private logClaim(trial: Trial): void {
    this.sql.run(
      'INSERT INTO trial_attempts (trial_id, attempt, worker, claimed_at) VALUES (?, ?, ?, ?)',
      trial.id,
      trial.attempt,
      trial.worker,
      trial.heartbeatAt,
    );
  }

  addClaimedTrial(
    studyId: number,
    worker: string,
    params: Record<string, unknown>,
  ): Trial | undefined {
    return this.sql.transaction(() => {
      const study = this.sql.get<{ max_trials: number | null; lease_ms: number }>(
        'SELECT max_trials, lease_ms FROM studies WHERE id = ?',
        studyId,
      );
      if (!study) throw new StoreError('NOT_FOUND', `no study with id ${studyId}`);
      const count = Number(
        this.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM trials WHERE study_id = ?', studyId)!
          .n,
      );
      if (study.max_trials !== null && count >= study.max_trials) return undefined;
      const row = this.sql.get<object>(
        this.q(`INSERT INTO trials (study_id, number, params, state, attempt, worker, heartbeat_at,
            lease_until, created_at)
          VALUES (?, ?, ?, 'running', 1, ?, %NOW%, %NOW% + ?, %NOW%) RETURNING *`),
        studyId,
        this.lastNumber(studyId) + 1,
        JSON.stringify(params),
        worker,
        study.lease_ms,
      )!;
      const trial = toTrial(row);
      this.logClaim(trial);
      return trial;
    });
  }

  heartbeat(lease: TrialLease): Trial {
    const row = this.sql.get<object>(
      this.q(`UPDATE trials SET heartbeat_at = %NOW%,
          lease_until = %NOW% + (SELECT lease_ms FROM studies WHERE id = trials.study_id)
        WHERE ${FENCE} RETURNING *`),
      lease.trialId,
      lease.worker,
      lease.attempt,
    );
    if (!row) throw this.leaseLost(lease, 'heartbeat');
    return toTrial(row);
  }

  setTrialRun(lease: TrialLease, runId: string): void {
    const { changes } = this.sql.run(
      this.q(`UPDATE trials SET run_id = ? WHERE ${FENCE}`),
      runId,
      lease.trialId,
      lease.worker,
      lease.attempt,
    );
    if (changes === 0) throw this.leaseLost(lease, 'record its run');
  }

  reportValue(lease: TrialLease, step: number, value: number): void {
    if (!Number.isSafeInteger(step) || step < 0)
      throw new StoreError(
        'INVALID_ARGUMENT',
        `an intermediate value's step must be a whole number >= 0, got ${step}`,
      );
    if (typeof value !== 'number')
      throw new StoreError(
        'INVALID_ARGUMENT',
        `an intermediate value must be a number, got ${typeof value}`,
      );
    const { changes } = this.sql.run(
      this.q(`INSERT INTO trial_values (trial_id, step, value)
          SELECT id, ?, ? FROM trials WHERE ${FENCE}
        ON CONFLICT (trial_id, step) DO UPDATE SET value = excluded.value`),
      step,
      value,
      lease.trialId,
      lease.worker,
      lease.attempt,
    );
    if (changes === 0) throw this.leaseLost(lease, 'report an intermediate value');
  }

  finishTrial(lease: TrialLease, end: TrialEnd): Trial {
    const value = end.state === 'failed' ? null : end.value;
    const error = end.state === 'failed' ? end.error : null;
    const args = [end.state, value, error, lease.trialId, lease.worker, lease.attempt];
    const update = `UPDATE trials SET state = ?, value = ?, error = ?, finished_at = %NOW%,
        lease_until = NULL WHERE ${FENCE} RETURNING *`;
    let row: object | undefined;
    if (this.pg) {
      row = this.sql.get<object>(
        this.q(`WITH done AS (${update}),
          logged AS (UPDATE trial_attempts a SET ended_at = done.finished_at, outcome = done.state
            FROM done WHERE a.trial_id = done.id AND a.attempt = done.attempt)
          SELECT * FROM done`),
        ...args,
      );
    } else {
      row = this.sql.transaction(() => {
        const done = this.sql.get<{ id: number; attempt: number; finished_at: number }>(
          this.q(update),
          ...args,
        );
        if (done)
          this.sql.run(
            'UPDATE trial_attempts SET ended_at = ?, outcome = ? WHERE trial_id = ? AND attempt = ?',
            done.finished_at,
            end.state,
            done.id,
            done.attempt,
          );
        return done;
      });
    }
    if (!row) throw this.leaseLost(lease, `report its result (${end.state})`);
    return toTrial(row);
  }

  reapStaleTrials(studyId: number): Trial[] {
    const requeue = `attempt <= (SELECT max_retries FROM studies WHERE id = trials.study_id)`;
    const update = `UPDATE trials SET
        state = CASE WHEN ${requeue} THEN 'queued' ELSE 'failed' END,
        error = 'attempt ' || attempt || ' by worker ' || worker || ' stopped heartbeating (lease lapsed)',
        finished_at = CASE WHEN ${requeue} THEN NULL ELSE %NOW% END,
        worker = CASE WHEN ${requeue} THEN NULL ELSE worker END,
        lease_until = NULL
      WHERE study_id = ? AND state = 'running' AND lease_until < %NOW%
      RETURNING *`;
    if (this.pg) {
      // A reap leaves `attempt` as it was: the RETURNING row names the attempt that lapsed.
      return this.sql
        .all<object>(
          this.q(`WITH reaped AS (${update}),
              logged AS (UPDATE trial_attempts a SET ended_at = %NOW%, outcome = 'lost'
                FROM reaped r WHERE a.trial_id = r.id AND a.attempt = r.attempt)
              SELECT * FROM reaped`),
          studyId,
        )
        .map(toTrial);
    }
    return this.sql.transaction(() => {
      const reaped = this.sql.all<object>(this.q(update), studyId).map(toTrial);
      for (const t of reaped)
        this.sql.run(
          this.q(`UPDATE trial_attempts SET ended_at = %NOW%, outcome = 'lost'
            WHERE trial_id = ? AND attempt = ?`),
          t.id,
          t.attempt,
        );
      return reaped;
    });
  }

  trials(studyId: number): Trial[] {
    return this.sql
      .all<object>('SELECT * FROM trials WHERE study_id = ? ORDER BY number', studyId)
      .map(toTrial);
  }

  trial(trialId: number): Trial | undefined {
    const row = this.sql.get<object>('SELECT * FROM trials WHERE id = ?', trialId);
    return row && toTrial(row);
  }

  intermediateValues(studyId: number): Map<number, IntermediateValue[]> {
    const rows = this.sql.all<{ trial_id: number; step: number; value: number | null }>(
      `SELECT v.trial_id, v.step, v.value FROM trial_values v JOIN trials t ON t.id = v.trial_id
        WHERE t.study_id = ? ORDER BY v.trial_id, v.step`,
      studyId,
    );
    const out = new Map<number, IntermediateValue[]>();
    for (const r of rows) {
      let list = out.get(r.trial_id);
      if (!list) out.set(r.trial_id, (list = []));
      list.push({ step: Number(r.step), value: r.value === null ? NaN : r.value });
    }
    return out;
  }

  attempts(studyId: number): TrialAttempt[] {
    return this.sql
      .all<object>(
        `SELECT a.* FROM trial_attempts a JOIN trials t ON t.id = a.trial_id
          WHERE t.study_id = ? ORDER BY a.claimed_at, a.trial_id, a.attempt`,
        studyId,
      )
      .map((row) => fromRow<TrialAttempt>(row));
  }

  bestTrial(studyId: number): Trial | undefined {
    const study = this.sql.get<{ direction: string }>(
      'SELECT direction FROM studies WHERE id = ?',
      studyId,
    );
    if (!study) throw new StoreError('NOT_FOUND', `no study with id ${studyId}`);
    const order = study.direction === 'maximize' ? 'DESC' : 'ASC';
    // PostgreSQL holds NaN (and sorts it above every number); SQLite stored it as NULL.
    const finite = this.pg ? `NULLIF(value, 'NaN') IS NOT NULL` : 'value IS NOT NULL';
    const row = this.sql.get<object>(
      `SELECT * FROM trials WHERE study_id = ? AND state = 'finished' AND ${finite}
        ORDER BY value ${order}, number LIMIT 1`,
      studyId,
    );
    return row && toTrial(row);
  }

  /** Why a fenced write was refused, from the trial as it is now. */
  private leaseLost(lease: TrialLease, action: string): StoreError {
    const now = this.trial(lease.trialId);
    const where = `worker ${lease.worker} (attempt ${lease.attempt}) cannot ${action} for trial ${now?.number ?? `id ${lease.trialId}`}`;
    let state: string;
    if (!now) state = 'the trial does not exist';
    else if (now.attempt !== lease.attempt || now.worker !== lease.worker)
      state =
        now.state === 'running'
          ? `its lease was lost: attempt ${now.attempt} by worker ${now.worker} holds it now`
          : `its lease was lost: the trial is ${now.state} now (attempt ${now.attempt})`;
    else if (now.state === 'running') state = 'its lease lapsed (no heartbeat within the lease)';
    else state = `the trial is already ${now.state}`;
    return new StoreError('LEASE_LOST', `${where}: ${state}; the result is refused`);
  }
}

function checkStudy(study: NewStudy): void {
  const bad = (what: string) => {
    throw new StoreError('INVALID_ARGUMENT', `study "${study.name}": ${what}`);
  };
  if (typeof study.name !== 'string' || study.name.trim() === '')
    bad('the name must be a non-empty string');
  if (study.direction !== 'minimize' && study.direction !== 'maximize')
    bad(`direction must be "minimize" or "maximize", got ${String(study.direction)}`);
  if (!Number.isSafeInteger(study.maxRetries) || study.maxRetries < 0)
    bad(`maxRetries must be a whole number >= 0, got ${study.maxRetries}`);
  if (!Number.isSafeInteger(study.leaseMs) || study.leaseMs <= 0)
    bad(`leaseMs must be a whole number of ms > 0, got ${study.leaseMs}`);
  if (study.maxTrials !== null && (!Number.isSafeInteger(study.maxTrials) || study.maxTrials <= 0))
    bad(`maxTrials must be a whole number > 0 or null, got ${study.maxTrials}`);
}

/**
 * The bare claim the sweep benchmark (test/bench/sweep.bench.ts) measures the study store's
 * against: one `UPDATE … RETURNING` on the same table, no reaping, no lease, no attempt
 * log. PostgreSQL skips locked rows as the real claim does; SQLite runs it as one statement.
 */
export function bareClaim(sql: SqlAccess, studyId: number, worker: string): number | undefined {
  const skip = sql.dialect === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  return sql.get<{ id: number }>(
    `UPDATE trials SET state = 'running', worker = ?
      WHERE id = (SELECT id FROM trials WHERE study_id = ? AND state = 'queued'
                   ORDER BY number LIMIT 1${skip})
      RETURNING id`,
    worker,
    studyId,
  )?.id;
}
