// The editor on a team's PostgreSQL (issue 17's "done when"): the suites that cover the
// penguins notebook, the runs tree, the runs table and compare, the registry with promotion
// and a deployment, run in code-server with `labbook.storeUrl` set to a fresh database on
// the server LABBOOK_TEST_POSTGRES names. The database is dropped afterwards.
//
//   node test/integration/launch-postgres.mjs [--verbose]
//
// Without LABBOOK_TEST_POSTGRES it says so and exits 0, except under CI=true, where it
// fails: CI must never pass the editor on SQLite alone.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runIntegration } from './launch-code-server.mjs';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The suites of the done-when, in the order the full run has them. */
const SUITES = ['deploy', 'notebook', 'registry', 'runs', 'tracker'];

async function onServer(url, sql) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function main() {
  const server = process.env.LABBOOK_TEST_POSTGRES;
  if (!server) {
    const message = 'LABBOOK_TEST_POSTGRES is not set: the editor suites on PostgreSQL did not run';
    if (process.env.CI === 'true') {
      console.error(`${message}; CI must run them.`);
      return 1;
    }
    console.log(`${message} (set it to a server URL to run them).`);
    return 0;
  }
  const built = join(repoRoot, 'dist', 'test', 'integration');
  const suitesDir = join(built, 'suites-postgres');
  rmSync(suitesDir, { recursive: true, force: true });
  mkdirSync(suitesDir, { recursive: true });
  for (const name of SUITES) {
    const file = join(built, 'suites', `${name}.test.js`);
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
    cpSync(file, join(suitesDir, `${name}.test.js`));
  }
  const database = `labbook_editor_${process.pid}_${Date.now()}`;
  await onServer(server, `CREATE DATABASE ${database}`);
  const url = new URL(server);
  url.pathname = `/${database}`;
  const storeUrl = url.toString();
  console.log(`editor suites on PostgreSQL: ${SUITES.join(', ')} (database ${database})`);
  try {
    return await runIntegration({
      suitesDir,
      settings: { 'labbook.storeUrl': storeUrl },
      env: { LABBOOK_TEST_STORE_URL: storeUrl },
      screenshot: 'postgres-end',
      verbose: process.argv.includes('--verbose'),
      timeoutMs: Number(process.env.LABBOOK_TEST_RUN_TIMEOUT_S || 900) * 1000,
    });
  } finally {
    await onServer(server, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch((error) =>
      console.error(`could not drop ${database}: ${error.message}`),
    );
  }
}

process.exitCode = 1;
main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    console.error(error?.stack ?? error);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
