/**
 * Three worker processes (separate `node`s) on one PostgreSQL study of 12 trials, one
 * killed with SIGKILL in the middle of a trial (issue 19, item 5). Every trial finishes
 * exactly once, or is retried once (its first attempt lost with the killed worker) and
 * then finishes; no trial is ever held by two workers at once, by the database's record
 * of claims nor by the workers' own; the study's best is the best finished trial.
 *
 * Needs a real PostgreSQL: LABBOOK_TEST_POSTGRES. Without it the test is skipped, saying so.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, studyStore, type OpenStore } from '../../core/store';
import { plannedTrials } from '../../core/sweep/worker';

const fixture = join(__dirname, '..', 'fixtures', 'sweep-worker.js');

interface Said {
  worker: string;
  at: number;
  event: 'start' | 'end' | 'done';
  trial?: number;
  attempt?: number;
}

function spawnWorker(
  url: string,
  study: string,
  id: string,
): { child: ChildProcess; said: Said[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [fixture, url, study, id], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const said: Said[] = [];
  let buffer = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffer += chunk.toString();
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      said.push(JSON.parse(buffer.slice(0, nl)) as Said);
      buffer = buffer.slice(nl + 1);
    }
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code) process.stderr.write(`worker ${id} exited ${code}: ${stderr}\n`);
      resolve(code);
    }),
  );
  return { child, said, exited };
}

const overlaps = (a: [number, number], b: [number, number]) => a[0] < b[1] && b[0] < a[1];

describe('shared study: 3 worker processes, one killed with SIGKILL', function () {
  this.timeout(120_000);
  const server = process.env.LABBOOK_TEST_POSTGRES;
  const schema = `sweep_kill_${process.pid}`;
  let url = '';
  let store: OpenStore | undefined;

  before(async function () {
    if (!server) {
      console.warn(
        '  skipping the kill -9 study test: it needs PostgreSQL; set LABBOOK_TEST_POSTGRES',
      );
      this.skip();
    }
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.end();
    const parsed = new URL(server);
    parsed.searchParams.set('options', `-c search_path=${schema}`);
    url = parsed.toString();
  });

  after(async () => {
    store?.close();
    if (!server) return;
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await client.end();
  });

  it('finishes every trial once (the killed one after one retry), never two holders at once', async () => {
    store = openStore({ path: url });
    const studies = studyStore(store);
    const parent = store.createRun({ experiment: 'sweep-kill', name: 'study-parent' });
    const xs = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2];
    const study = studies.createStudy({
      name: 'kill-9',
      direction: 'minimize',
      metric: 'loss',
      space: { x: xs },
      sampler: { kind: 'grid' },
      pruner: null,
      parentRunId: parent.id,
      maxTrials: null,
      maxRetries: 1,
      leaseMs: 2000,
    });
    studies.enqueueTrials(study.id, plannedTrials(study.space, { kind: 'grid' }));

    const workers = ['w1', 'w2', 'w3'].map((id) => spawnWorker(url, 'kill-9', id));
    const victim = workers[0];
    // Kill w1 in the middle of its second trial.
    const killedAt = await new Promise<number>((resolve, reject) => {
      const timer = setInterval(() => {
        const starts = victim.said.filter((s) => s.event === 'start');
        if (starts.length >= 2 && Date.now() - starts[1].at > 250) {
          clearInterval(timer);
          victim.child.kill('SIGKILL');
          resolve(Date.now());
        }
        if (victim.child.exitCode !== null) reject(new Error('w1 ended before it could be killed'));
      }, 20);
    });
    await victim.exited;
    const codes = await Promise.all(workers.slice(1).map((w) => w.exited));
    assert.deepEqual(codes, [0, 0], 'the two surviving workers exit cleanly');

    const trials = studies.trials(study.id);
    assert.equal(trials.length, 12);
    assert.deepEqual(
      trials.filter((t) => t.state !== 'finished').map((t) => [t.number, t.state, t.error]),
      [],
      'every trial finished',
    );
    const killedTrial = victim.said.filter((s) => s.event === 'start')[1].trial!;
    const attempts = studies.attempts(study.id);
    for (const t of trials) {
      const mine = attempts.filter((a) => a.trialId === t.id).map((a) => [a.attempt, a.outcome]);
      if (t.number === killedTrial) {
        assert.deepEqual(
          mine,
          [
            [1, 'lost'],
            [2, 'finished'],
          ],
          `trial ${t.number} retried once`,
        );
        assert.notEqual(attempts.find((a) => a.trialId === t.id && a.attempt === 2)!.worker, 'w1');
      } else assert.deepEqual(mine, [[1, 'finished']], `trial ${t.number} finished once`);
    }
    // No two holders at once: the database's claims (its clock)…
    for (const t of trials) {
      const held = attempts
        .filter((a) => a.trialId === t.id)
        .map((a) => [a.claimedAt, a.endedAt!] as [number, number]);
      for (let i = 1; i < held.length; i++)
        assert.ok(!overlaps(held[i - 1], held[i]), `trial ${t.number}: ${JSON.stringify(held)}`);
    }
    // …and the workers' own record of when they ran each trial (the killed one until the kill).
    const ran = new Map<number, [number, number][]>();
    for (const w of workers) {
      for (const s of w.said.filter((x) => x.event === 'start')) {
        const end = w.said.find(
          (x) => x.event === 'end' && x.trial === s.trial && x.attempt === s.attempt,
        );
        const span: [number, number] = [s.at, end ? end.at : killedAt];
        ran.set(s.trial!, [...(ran.get(s.trial!) ?? []), span]);
      }
    }
    assert.equal(ran.size, 12);
    for (const [n, spans] of ran)
      for (let i = 0; i < spans.length; i++)
        for (let j = i + 1; j < spans.length; j++)
          assert.ok(!overlaps(spans[i], spans[j]), `trial ${n} ran twice at once`);
    assert.equal(ran.get(killedTrial)!.length, 2);

    const best = studies.bestTrial(study.id)!;
    const lowest = Math.min(...trials.map((t) => t.value!));
    assert.equal(best.value, lowest);
    assert.deepEqual(best.params, { x: 0.3 });
    // Every trial's run is a child of the study's parent (the killed attempt's too).
    const children = store
      .listRuns({ experiment: 'sweep-kill' })
      .filter((r) => r.parentRunId === parent.id);
    assert.equal(children.length, 13);
  });
});
