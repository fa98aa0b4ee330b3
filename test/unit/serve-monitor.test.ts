/**
 * Monitoring a real deployment: a detached server (canary v1 70% / v2 30%) on a loopback
 * port, asked by bounded requests (some shifted, some invalid), given feedback (right and
 * wrong labels in a known order), then looked at by monitorDeployment and, over the wire,
 * by the workspace service. Every server started here is stopped in `after`.
 */
import { strict as assert } from 'node:assert';
import { readlinkSync } from 'node:fs';
import * as path from 'node:path';
import { ResponseError } from 'vscode-jsonrpc/node';
import { ServiceClient } from '../../core/service/client';
import {
  baseUrl,
  isPidAlive,
  readToken,
  startDeployment,
  stopDeployment,
} from '../../core/serve/deployments';
import { monitorDeployment, trainingSnapshot } from '../../core/serve/monitor';
import { deploymentStore } from '../../core/store';
import type { Deployment, MonitoringSnapshot } from '../../core/common/serve-types';
import {
  FEATURES,
  MODEL,
  servedPenguins,
  type PenguinRow,
  type ServeFixture,
} from './serve-fixture';
import { makeTempDir, removeDir, sleep } from './temp';

const serviceMain = path.join(__dirname, '..', '..', 'core', 'service', 'main.js');
const SHIFTED = 'Flipper Length (mm)';

interface Answer {
  status: number;
  variant: string | null;
  id: string | null;
  predicted: string | null;
}

async function predict(
  d: Deployment,
  token: string,
  instance: Record<string, unknown>,
): Promise<Answer> {
  const response = await fetch(`${baseUrl(d)}/v1/models/${d.name}:predict`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ instances: [instance] }),
  });
  const body = (await response.json()) as { id?: string; classes?: string[] };
  return {
    status: response.status,
    variant: response.headers.get('x-labbook-variant'),
    id: body.id ?? null,
    predicted: body.classes?.[0] ?? null,
  };
}

async function feedback(d: Deployment, token: string, id: string, label: string): Promise<void> {
  const response = await fetch(`${baseUrl(d)}/v1/models/${d.name}:feedback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ id, label }),
  });
  assert.equal(response.status, 200, await response.text());
}

function instanceOf(row: PenguinRow, shift = 0): Record<string, number> {
  return Object.fromEntries(
    FEATURES.map((f) => [f, (row[f] as number) + (f === SHIFTED ? shift : 0)]),
  );
}

/** Waits until the server's batched log holds `n` rows of the deployment. */
async function logged(fx: ServeFixture, d: Deployment, n: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const have = fx.store.sql.get<{ n: number }>(
      'SELECT COUNT(*) AS n FROM prediction_logs WHERE deployment_id = ?',
      d.id,
    )!.n;
    if (have >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${have} of ${n} predictions were logged`);
    await sleep(20);
  }
}

function killLeftovers(fx: ServeFixture | undefined, ids: number[]): void {
  for (const id of ids) {
    const d = fx && deploymentStore(fx.store).get(id);
    if (d?.pid && isPidAlive(d.pid)) process.kill(d.pid, 'SIGKILL');
  }
}

describe('serve monitoring', function () {
  this.timeout(120_000);
  let dir: string;
  let fx: ServeFixture;
  const started: number[] = [];

  before(async () => {
    dir = makeTempDir();
    fx = await servedPenguins(dir, { logTrainingData: true });
  });
  after(async () => {
    for (const id of started) {
      const d = fx && deploymentStore(fx.store).get(id);
      if (d && (d.status === 'running' || d.status === 'starting'))
        await stopDeployment(fx.dbPath, d.name).catch(() => undefined);
    }
    killLeftovers(fx, started);
    fx?.close();
    if (dir) removeDir(dir);
  });

  describe('monitorDeployment on a live canary', () => {
    let d: Deployment;
    const sent = { primary: 0, candidate: 0, invalid: 0 };
    const correct = { primary: 0, candidate: 0 };
    /** Labelled primary predictions, in the order they were made, before the error rate jumps. */
    const GOOD_PREFIX = 100;
    let snapshot: MonitoringSnapshot;

    before(async () => {
      d = await startDeployment(fx.dbPath, {
        ref: `${MODEL}/1`,
        name: 'watched',
        port: 0,
        strategy: 'canary',
        candidate: '2',
        weight: 30,
        config: { seed: 5, logFlushMs: 20 },
      });
      started.push(d.id);
      const token = readToken(d);
      const answers: Answer[] = [];
      // 240 ordinary inputs, then 120 with one feature shifted by 3 standard deviations.
      for (let i = 0; i < 360; i++) {
        const answer = await predict(
          d,
          token,
          instanceOf(fx.rows[(i * 7) % fx.rows.length], i < 240 ? 0 : 3),
        );
        assert.equal(answer.status, 200);
        answers.push(answer);
        if (i % 36 === 0) {
          const invalid = await predict(d, token, { [FEATURES[0]]: 0.1 });
          assert.equal(invalid.status, 422);
          sent.invalid += 1;
        }
      }
      // Feedback: the primary is right on its first GOOD_PREFIX answers, then always wrong;
      // the candidate is right on every other answer.
      let seen = { primary: 0, candidate: 0 };
      for (const a of answers) {
        const variant = a.variant!.split('/')[0] as 'primary' | 'candidate';
        sent[variant] += 1;
        const right = variant === 'primary' ? seen.primary < GOOD_PREFIX : seen.candidate % 2 === 0;
        seen = { ...seen, [variant]: seen[variant] + 1 };
        if (right) correct[variant] += 1;
        await feedback(
          d,
          token,
          a.id!,
          right ? a.predicted! : fx.species.find((s) => s !== a.predicted)!,
        );
      }
      await logged(fx, d, 360);
      snapshot = await monitorDeployment(fx.store, deploymentStore(fx.store).get(d.id)!, {
        driftWindow: 60,
        bucketMs: 1000,
      });
    });

    it('counts traffic per variant as sent, within the canary split', () => {
      assert.equal(snapshot.up, true);
      assert.equal(snapshot.deployment.name, 'watched');
      assert.deepEqual(snapshot.split, {
        strategy: 'canary',
        primary: 1,
        candidate: 2,
        weight: 30,
      });
      const total = (variant: string) =>
        snapshot.traffic
          .filter((p) => p.variant === variant)
          .reduce((s, p) => s + p.predictions, 0);
      assert.equal(total('primary'), sent.primary);
      assert.equal(total('candidate'), sent.candidate);
      assert.ok(snapshot.traffic.every((p) => p.shadow === 0));
      assert.deepEqual(
        snapshot.variants.map((v) => [v.variant, v.version, v.predictions, v.labelled]),
        [
          ['primary', 1, sent.primary, sent.primary],
          ['candidate', 2, sent.candidate, sent.candidate],
        ],
      );
      const share = sent.candidate / (sent.primary + sent.candidate);
      assert.ok(Math.abs(share - 0.3) < 0.08, `candidate share ${share}`);
      // Buckets are aligned, cover the window, and those with traffic have latency percentiles.
      assert.ok(snapshot.traffic.every((p) => p.t % 1000 === 0));
      assert.ok(
        snapshot.traffic
          .filter((p) => p.predictions > 0)
          .every((p) => p.p50 !== null && p.p50 <= p.p95! && p.p95! <= p.p99!),
      );
      assert.ok(snapshot.requestsPerSecond > 0);
      assert.ok(
        snapshot.latency.p50 !== null &&
          snapshot.latency.p50 <= snapshot.latency.p95! &&
          snapshot.latency.p95! <= snapshot.latency.p99!,
      );
    });

    it('takes responses and the error rate from the server, 422s included', () => {
      assert.deepEqual(snapshot.responsesByCode, { 200: 360, 422: sent.invalid });
      assert.ok(Math.abs(snapshot.errorRate! - sent.invalid / (360 + sent.invalid)) < 1e-12);
    });

    it('judges live accuracy per variant from the feedback joined by id', () => {
      const [primary, candidate] = snapshot.variants;
      assert.ok(Math.abs(primary.accuracy! - correct.primary / sent.primary) < 1e-12);
      assert.ok(Math.abs(candidate.accuracy! - correct.candidate / sent.candidate) < 1e-12);
      assert.equal(primary.mae, null);
    });

    it('finds the shifted feature drifted against the training data set', () => {
      const drift = snapshot.drift;
      assert.equal(drift.message, null);
      assert.equal(drift.reference, 'penguins-train v1');
      assert.equal(drift.rows, 60);
      assert.ok(drift.report);
      assert.deepEqual(drift.report.columns.map((c) => c.name).sort(), [...FEATURES].sort());
      const shifted = drift.report.columns.find((c) => c.name === SHIFTED)!;
      assert.equal(shifted.drifted, true, shifted.message);
      assert.equal(drift.report.reference.rows, fx.rows.length);
    });

    it("detects the jump of the primary's error rate with ADWIN", () => {
      const detector = snapshot.detector;
      assert.equal(detector.values, sent.primary);
      assert.ok(detector.detections.length > 0, 'no detection');
      assert.ok(
        detector.detections[0] > GOOD_PREFIX,
        `detected at ${detector.detections[0]}, before the change`,
      );
      assert.ok(detector.errors.length > 0 && detector.errors.length <= 500);
      assert.equal(detector.errors[0].error, 0);
      assert.equal(detector.errors[detector.errors.length - 1].error, 1);
    });

    it('raises alerts under tight thresholds and none under loose ones', async () => {
      const fresh = deploymentStore(fx.store).get(d.id)!;
      const tight = await monitorDeployment(fx.store, fresh, {
        driftWindow: 60,
        thresholds: {
          errorRate: 0.01,
          p95LatencyMs: 0,
          minAccuracy: 0.9,
          minFeedback: 20,
          dataDriftShare: 0.2,
        },
      });
      assert.equal(tight.status, 'degraded');
      assert.deepEqual([...new Set(tight.alerts.map((a) => a.kind))].sort(), [
        'accuracy',
        'concept-drift',
        'data-drift',
        'error-rate',
        'latency',
      ]);
      assert.match(tight.alerts.find((a) => a.kind === 'data-drift')!.message, /Flipper Length/);
      const loose = await monitorDeployment(fx.store, fresh, {
        driftWindow: 60,
        thresholds: {
          errorRate: 1,
          p95LatencyMs: 1e9,
          minAccuracy: 0,
          dataDrift: false,
          conceptDrift: false,
        },
      });
      assert.deepEqual(loose.alerts, []);
      assert.equal(loose.status, 'healthy');
      // One drifted feature of four is below the default data set drift share (0.5): no alert.
      const byDefault = await monitorDeployment(fx.store, fresh, { driftWindow: 60 });
      assert.ok(
        byDefault.drift.report &&
          byDefault.drift.report.dataset.driftedColumns >= 1 &&
          byDefault.drift.report.dataset.share < 0.5,
      );
      assert.equal(
        byDefault.alerts.some((a) => a.kind === 'data-drift'),
        false,
      );
    });

    it('looks at its window only, and says why there is no drift report', async () => {
      const fresh = deploymentStore(fx.store).get(d.id)!;
      const later = await monitorDeployment(fx.store, fresh, {
        now: Date.now() + 3_600_000,
        windowMs: 60_000,
      });
      assert.ok(later.traffic.every((p) => p.predictions === 0 && p.p50 === null));
      assert.equal(later.requestsPerSecond, 0);
      assert.equal(later.latency.p95, null);
      const empty = await monitorDeployment(fx.store, { ...fresh, id: fresh.id + 1000 });
      assert.equal(empty.drift.report, null);
      assert.match(empty.drift.message!, /0 logged inputs/);
      const run = fx.store.createRun({ experiment: 'penguins-serving', name: 'no-data' });
      assert.match(
        (trainingSnapshot(fx.store, run.id) as { message: string }).message,
        /logged no training data set/,
      );
    });

    it('reports a server that is gone as down, and a stopped one as stopped', async () => {
      const fresh = deploymentStore(fx.store).get(d.id)!;
      const gone = await monitorDeployment(fx.store, { ...fresh, pid: 2 ** 22 + 12345 });
      assert.equal(gone.up, false);
      assert.equal(gone.status, 'down');
      assert.deepEqual(gone.responsesByCode, {});
      assert.equal(gone.errorRate, null);
      assert.ok(gone.alerts.some((a) => a.kind === 'down' && a.severity === 'error'));
      // The logged traffic and quality are still there to look at.
      assert.equal(gone.variants[0].predictions, sent.primary);

      await stopDeployment(fx.dbPath, 'watched');
      const stopped = await monitorDeployment(fx.store, deploymentStore(fx.store).get(d.id)!);
      assert.equal(stopped.status, 'stopped');
      assert.equal(stopped.up, false);
      assert.ok(!stopped.alerts.some((a) => a.kind === 'down'));
    });
  });

  describe('over the workspace service', () => {
    let service: ServiceClient | undefined;

    after(async () => {
      await service?.shutdown();
    });

    it('starts, lists, shifts, monitors and stops a deployment; the server outlives the service', async () => {
      service = await ServiceClient.start({ storePath: fx.dbPath, cwd: dir, serviceMain });
      const item = await service.startDeployment({
        ref: `${MODEL}/1`,
        name: 'wire',
        strategy: 'canary',
        candidate: '2',
        weight: 20,
        port: 0,
        reason: 'try v2',
      });
      started.push(item.deployment.id);
      assert.equal(item.deployment.status, 'running');
      assert.equal(item.processGone, false);
      assert.equal(item.url, `${baseUrl(item.deployment)}/v1/models/wire`);
      assert.deepEqual(
        (await service.listDeployments()).map((i) => i.deployment.name),
        ['wire'],
      );
      assert.ok(
        (await service.listDeployments(true)).some(
          (i) => i.deployment.name === 'watched' && i.deployment.status === 'stopped',
        ),
      );

      const report = await service.controlDeployment('wire', {
        type: 'shift',
        weight: 50,
        reason: 'ramp up',
      });
      assert.equal(report.split.weight, 50);
      const token = await service.deploymentToken('wire');
      assert.equal(token, readToken(item.deployment));
      for (let i = 0; i < 40; i++)
        assert.equal((await predict(item.deployment, token, instanceOf(fx.rows[i]))).status, 200);
      await logged(fx, item.deployment, 40);
      const snapshot = await service.monitoring('wire', {
        windowMs: 60_000,
        thresholds: { p95LatencyMs: 1e9 },
      });
      assert.equal(snapshot.split.weight, 50);
      assert.equal(snapshot.up, true);
      assert.equal(
        snapshot.traffic.reduce((s, p) => s + p.predictions, 0),
        40,
      );
      assert.deepEqual(snapshot.responsesByCode, { 200: 40 });
      assert.equal(snapshot.drift.reference, 'penguins-train v1');
      assert.deepEqual(
        (await service.deploymentEvents('wire')).map((e) => [e.kind, e.reason]),
        [
          ['created', 'try v2'],
          ['shift', 'ramp up'],
        ],
      );

      // Bad params are refused naming the field; unknown deployments naming the known ones.
      const refuses = async (p: Promise<unknown>, pattern: RegExp) => {
        await assert.rejects(
          p,
          (error: unknown) => error instanceof ResponseError && pattern.test(error.message),
        );
      };
      await refuses(service.startDeployment({ ref: '' }), /^ref must be a non-empty string/);
      await refuses(
        service.startDeployment({ ref: `${MODEL}/1`, strategy: 'zigzag' as never }),
        /^strategy must be one of/,
      );
      await refuses(service.startDeployment({ ref: `${MODEL}/1`, port: 70_000 }), /^port must be/);
      await refuses(
        service.startDeployment({ ref: `${MODEL}/1`, name: 'wire', port: 0 }),
        /already running/,
      );
      await refuses(
        service.controlDeployment('wire', { type: 'shift' } as never),
        /^message\.weight must be/,
      );
      await refuses(
        service.controlDeployment('wire', { type: 'explode' } as never),
        /^message\.type must be one of/,
      );
      await refuses(
        service.controlDeployment('wire', { type: 'switch' }),
        /switch is for bluegreen/,
      );
      await refuses(service.monitoring('wire', { windowMs: 5 }), /^windowMs must be/);
      await refuses(
        service.monitoring('wire', { thresholds: { bogus: 1 } as never }),
        /^thresholds\.bogus is not a threshold/,
      );
      await refuses(
        service.monitoring('wire', { thresholds: { minAccuracy: 2 } }),
        /^thresholds\.minAccuracy must be/,
      );
      await refuses(
        service.monitoring('nowhere'),
        /no deployment named "nowhere" \(deployments: .*wire/,
      );

      // The server is a process of its own: it keeps serving when the service is gone.
      const pid = item.deployment.pid!;
      const fd3 = (() => {
        try {
          return readlinkSync(`/proc/${pid}/fd/3`);
        } catch {
          return null;
        }
      })();
      assert.ok(
        fd3 === null || !fd3.startsWith('socket:'),
        `the server holds the service's channel (fd 3: ${fd3})`,
      );
      await service.shutdown();
      service = undefined;
      await sleep(200);
      assert.ok(isPidAlive(pid));
      assert.equal((await fetch(`${baseUrl(item.deployment)}/healthz`)).status, 200);

      service = await ServiceClient.start({ storePath: fx.dbPath, cwd: dir, serviceMain });
      const stopped = await service.controlDeployment('wire', { type: 'stop', reason: 'done' });
      assert.equal(stopped.deployment.status, 'stopped');
      assert.equal(isPidAlive(pid), false);
      assert.equal(deploymentStore(fx.store).find('wire')?.status, 'stopped');
      assert.equal((await service.monitoring('wire')).status, 'stopped');
    });
  });
});
