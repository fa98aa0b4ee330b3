/**
 * Serving throughput and latency: single-row predict requests from N concurrent clients
 * (1, 4, 16) over loopback, with two built-in clients: `node:http` with a keep-alive agent
 * and Node's fetch (undici; its POST path costs about 2 ms of client time per request,
 * so its figures are mostly the client's), against a real detached
 * deployment of the penguins classifier (prediction log on, every request logged), each
 * against a baseline measured in the same run: the bare `model.predict` loop on the same
 * rows in this process (tensor in, `await data()`, same backend). The ratio is what HTTP,
 * validation, routing, logging and metrics cost on top of the model.
 *
 * Not a timed test: it prints figures.
 * Usage: npm run bench:serve   (LABBOOK_BENCH_SECONDS sets the seconds per measurement, default 3)
 */
import * as http from 'node:http';
import * as tf from '@tensorflow/tfjs';
import { loadModelArtifacts } from '../../core/registry/model-io';
import { baseUrl, readToken, startDeployment, stopDeployment } from '../../core/serve/deployments';
import { FEATURES, MODEL, servedPenguins } from '../unit/serve-fixture';
import { makeTempDir, removeDir } from '../unit/temp';

const SECONDS = Number(process.env.LABBOOK_BENCH_SECONDS ?? 3);
const CONCURRENCY = [1, 4, 16];

interface Figures {
  count: number;
  seconds: number;
  p50: number;
  p99: number;
}

function figures(latencies: number[], seconds: number): Figures {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { count: latencies.length, seconds, p50: at(0.5), p99: at(0.99) };
}

const rate = (f: Figures) => f.count / f.seconds;
const line = (label: string, f: Figures) =>
  `  ${label.padEnd(28)} ${Math.round(rate(f)).toLocaleString('en-US').padStart(7)} predictions/s   p50 ${f.p50.toFixed(2)} ms   p99 ${f.p99.toFixed(2)} ms   (${f.count} in ${f.seconds.toFixed(1)} s)`;

async function bare(model: tf.LayersModel, rows: number[][], seconds: number): Promise<Figures> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let i = 0;
  while (performance.now() < end) {
    const t = performance.now();
    const x = tf.tensor2d(rows[i++ % rows.length], [1, FEATURES.length]);
    const y = model.predict(x) as tf.Tensor;
    await y.data();
    x.dispose();
    y.dispose();
    latencies.push(performance.now() - t);
  }
  return figures(latencies, (performance.now() - start) / 1000);
}

type Post = (body: string) => Promise<number>;

function fetchClient(url: string, token: string): Post {
  return async (body) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    await response.arrayBuffer();
    return response.status;
  };
}

function httpClient(url: string, token: string, agent: http.Agent): Post {
  const u = new URL(url);
  return (body) =>
    new Promise((resolve, reject) => {
      const request = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent,
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          response.resume();
          response.on('end', () => resolve(response.statusCode ?? 0));
          response.on('error', reject);
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}

async function served(
  post: Post,
  rows: number[][],
  clients: number,
  seconds: number,
): Promise<Figures> {
  const latencies: number[] = [];
  const start = performance.now();
  const end = start + seconds * 1000;
  let next = 0;
  let failures = 0;
  const client = async () => {
    while (performance.now() < end) {
      const row = rows[next++ % rows.length];
      const t = performance.now();
      const status = await post(JSON.stringify({ instances: [row] }));
      if (status !== 200) failures++;
      else latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  if (failures) throw new Error(`${failures} requests failed`);
  return figures(latencies, (performance.now() - start) / 1000);
}

async function main(): Promise<void> {
  const dir = makeTempDir('labbook-bench-serve-');
  const fx = await servedPenguins(dir);
  let deployed = false;
  try {
    const rows = fx.rows.map((r) => FEATURES.map((f) => r[f] as number));
    const version = fx.registry.requireVersion(MODEL, 1);
    const model = await loadModelArtifacts(fx.store, version.runId, version.artifactPath, { tf });
    const d = await startDeployment(fx.dbPath, { ref: `${MODEL}/1`, name: 'bench', port: 0 });
    deployed = true;
    const url = `${baseUrl(d)}/v1/models/bench:predict`;
    const token = readToken(d);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    const viaHttp = httpClient(url, token, agent);
    const viaFetch = fetchClient(url, token);
    // Warm both up (JIT, tfjs kernels, connections).
    await bare(model, rows, 0.5);
    await served(viaHttp, rows, 4, 0.5);
    await served(viaFetch, rows, 4, 0.5);
    process.stdout.write(
      `serving ${MODEL} v1 (dense 4-8-3, tfjs ${tf.getBackend()} backend in both processes), single-row requests, ${SECONDS} s each\n`,
    );
    for (const clients of CONCURRENCY) {
      // Alternate so machine load hits both alike.
      const b = await bare(model, rows, SECONDS);
      const h = await served(viaHttp, rows, clients, SECONDS);
      const f = await served(viaFetch, rows, clients, SECONDS);
      process.stdout.write(
        `${clients} concurrent client${clients === 1 ? '' : 's'}:\n${line('served, node:http client', h)}\n${line('served, fetch client', f)}\n${line('bare model.predict loop', b)}\n` +
          `  ratio served/bare throughput ${(rate(h) / rate(b)).toFixed(2)}x (fetch ${(rate(f) / rate(b)).toFixed(2)}x), p99 ${(h.p99 / b.p99).toFixed(1)}x (fetch ${(f.p99 / b.p99).toFixed(1)}x)\n`,
      );
    }
    const logged = fx.store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM prediction_logs')!.n;
    process.stdout.write(
      `prediction log: ${logged.toLocaleString('en-US')} rows written during the run\n`,
    );
    model.dispose();
    agent.destroy();
  } finally {
    if (deployed) await stopDeployment(fx.dbPath, 'bench').catch(() => undefined);
    fx.close();
    removeDir(dir);
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
