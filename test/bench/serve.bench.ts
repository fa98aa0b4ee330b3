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
 * The same run also measures the targets of adaptive batching (issue 18): at 16 clients,
 * served throughput against the bare loop (>= 1.0x, p99 <= 10 ms), and at 1 client the
 * served p50 against a bare fastify route in this process that does no work (within 1 ms),
 * both with the node:http client.
 *
 * Not a timed test: it prints figures.
 * Usage: npm run bench:serve   (LABBOOK_BENCH_SECONDS sets the seconds per measurement, default 3)
 */
import * as http from 'node:http';
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { loadModelArtifacts } from '../../core/registry/model-io';
import { baseUrl, readToken, startDeployment, stopDeployment } from '../../core/serve/deployments';
import { parsePrometheusText } from '../../core/serve/metrics';
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
  let noop: ReturnType<typeof spawn> | undefined;
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
    // A route that does no work in a process of its own, behind the same client: what HTTP
    // across two processes alone costs here.
    noop = spawn(process.execPath, [join(__dirname, 'noop-server.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const noopPort = await new Promise<string>((resolve, reject) => {
      noop!.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      noop!.once('exit', () => reject(new Error('the bare route server exited')));
    });
    const noopUrl = `http://127.0.0.1:${noopPort}/noop`;
    const viaNoop = httpClient(noopUrl, token, agent);
    await served(viaNoop, rows, 1, 0.5);
    const byClients = new Map<number, { bare: Figures; served: Figures }>();
    for (const clients of CONCURRENCY) {
      // Alternate so machine load hits both alike.
      const b = await bare(model, rows, SECONDS);
      const h = await served(viaHttp, rows, clients, SECONDS);
      const f = await served(viaFetch, rows, clients, SECONDS);
      byClients.set(clients, { bare: b, served: h });
      process.stdout.write(
        `${clients} concurrent client${clients === 1 ? '' : 's'}:\n${line('served, node:http client', h)}\n${line('served, fetch client', f)}\n${line('bare model.predict loop', b)}\n` +
          `  ratio served/bare throughput ${(rate(h) / rate(b)).toFixed(2)}x (fetch ${(rate(f) / rate(b)).toFixed(2)}x), p99 ${(h.p99 / b.p99).toFixed(1)}x (fetch ${(f.p99 / b.p99).toFixed(1)}x)\n`,
      );
    }
    const route = await served(viaNoop, rows, 1, SECONDS);
    const text = await (
      await fetch(`${baseUrl(d)}/metrics`, { headers: { authorization: `Bearer ${token}` } })
    ).text();
    const total = (metric: string) =>
      parsePrometheusText(text)
        .filter((m) => m.name === metric)
        .reduce((n, m) => n + m.value, 0);
    const batchFigures = `${total('labbook_batches_total').toLocaleString('en-US')} tensors for ${total('labbook_batched_rows_total').toLocaleString('en-US')} rows over the run (mean ${(total('labbook_batched_rows_total') / Math.max(1, total('labbook_batches_total'))).toFixed(2)} rows per tensor)`;
    const one = byClients.get(1)!;
    const sixteen = byClients.get(16)!;
    const ratio = rate(sixteen.served) / rate(sixteen.bare);
    const extra = one.served.p50 - route.p50;
    const mark = (ok: boolean) => (ok ? 'met' : 'NOT met');
    process.stdout.write(
      `bare fastify route (no work), 1 client:\n${line('node:http client', route)}\n` +
        `batches: ${batchFigures}\n` +
        `batching targets (maxBatchSize ${d.config.maxBatchSize}, batchTimeoutMs ${d.config.batchTimeoutMs}):\n` +
        `  16 clients: served ${Math.round(rate(sixteen.served)).toLocaleString('en-US')}/s = ${ratio.toFixed(2)}x the bare loop (target >= 1.0x: ${mark(ratio >= 1)}), p99 ${sixteen.served.p99.toFixed(2)} ms (target <= 10 ms: ${mark(sixteen.served.p99 <= 10)})\n` +
        `  1 client: served p50 ${one.served.p50.toFixed(2)} ms vs bare route p50 ${route.p50.toFixed(2)} ms: +${extra.toFixed(2)} ms (target within 1 ms: ${mark(extra <= 1)})\n`,
    );
    const logged = fx.store.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM prediction_logs')!.n;
    process.stdout.write(
      `prediction log: ${logged.toLocaleString('en-US')} rows written during the run\n`,
    );
    model.dispose();
    agent.destroy();
  } finally {
    noop?.kill();
    if (deployed) await stopDeployment(fx.dbPath, 'bench').catch(() => undefined);
    fx.close();
    removeDir(dir);
  }
}

void main().catch((error) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
