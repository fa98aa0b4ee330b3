/**
 * The worker thread behind PostgresSyncStore: it owns the connection pool of a
 * PostgresRunStore (for the runs-and-metrics methods) and one session connection (for the
 * domain stores' SQL, whose transactions must stay on one connection), and answers one
 * request at a time, each on the port it came with.
 */
import { workerData } from 'node:worker_threads';
import type pg from 'pg';
import { StoreError } from '../../errors';
import { createClient, numbered } from '../sql';
import { PostgresRunStore } from '../store';
import type { BridgeReply, BridgeRequest, BridgeStart, SqlResult } from './protocol';

const start = workerData as BridgeStart;
const opened = PostgresRunStore.open(start.url, start.options);
// Reported by the first request; an unhandled rejection would end the thread silently.
opened.catch(() => undefined);

let session: pg.Client | undefined;

/** The session connection, opened again after a lost one (never inside a transaction: the server rolled that back). */
async function sessionClient(): Promise<pg.Client> {
  if (session) return session;
  const client = createClient(start.url);
  const forget = () => {
    if (session === client) session = undefined;
  };
  client.on('error', forget);
  client.on('end', forget);
  await client.connect();
  session = client;
  return client;
}

/** Structured clone turns Buffers into Uint8Arrays; the store's callers expect Buffers. */
function asBuffers(args: unknown[]): unknown[] {
  return args.map((a) =>
    a instanceof Uint8Array && !Buffer.isBuffer(a)
      ? Buffer.from(a.buffer, a.byteOffset, a.byteLength)
      : a,
  );
}

async function answer(request: BridgeRequest): Promise<unknown> {
  switch (request.kind) {
    case 'runs': {
      const store = await opened;
      const method = store[request.method] as (...args: unknown[]) => Promise<unknown>;
      return method.apply(store, asBuffers(request.args));
    }
    case 'sql': {
      await opened; // migrated before any domain statement
      const client = await sessionClient();
      const result = await client.query(numbered(request.sql), asBuffers(request.args));
      return { rows: result.rows, rowCount: result.rowCount ?? 0 } satisfies SqlResult;
    }
    case 'close': {
      const store = await opened.catch(() => undefined);
      await store?.close();
      await session?.end().catch(() => undefined);
      session = undefined;
      return null;
    }
  }
}

function failure(error: unknown): BridgeReply {
  const e = error instanceof Error ? error : new Error(String(error));
  const code = (e as { code?: unknown }).code;
  return {
    ok: false,
    error: {
      name: e instanceof StoreError ? 'StoreError' : e.name,
      message: e.message,
      code: typeof code === 'string' ? code : undefined,
      stack: e.stack,
    },
  };
}

const { port, done } = start;

/** Replies, then wakes the caller blocked in Atomics.wait. */
function reply(message: BridgeReply): void {
  try {
    port.postMessage(message);
  } catch (error) {
    port.postMessage(failure(error)); // a value that cannot be cloned
  }
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
}

// What ended the thread, for its last words below (the monitor changes nothing else).
let lastFailure: string | undefined;
process.on('uncaughtExceptionMonitor', (error: unknown) => {
  lastFailure = error instanceof Error ? (error.stack ?? error.message) : String(error);
});

// A thread that dies (out of memory, a bug) still wakes its caller, and says why it stopped.
process.on('exit', (exitCode) => {
  try {
    port.postMessage({
      ok: false,
      stopped: { exitCode, reason: lastFailure },
    } satisfies BridgeReply);
  } catch {
    // the port is closed: the caller asked for the close and expects nothing more
  }
  Atomics.store(done, 0, 2);
  Atomics.notify(done, 0);
});

port.on('message', (request: BridgeRequest) => {
  answer(request).then(
    (value) => {
      reply({ ok: true, value });
      if (request.kind === 'close') port.close();
    },
    (error: unknown) => reply(failure(error)),
  );
});
