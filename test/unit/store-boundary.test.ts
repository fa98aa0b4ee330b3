/**
 * All store SQL lives under core/store/ (issue 17, item 1): the feature folders call the
 * domain stores' methods, so a second backend (PostgreSQL) changes nothing outside it. This
 * scans the TypeScript of core/, cli/, kernel/ and extension/ outside core/store/ for a SQL
 * statement naming a store table inside one string literal.
 *
 * The serving domain (deployments, their events, the prediction log, feedback) has moved:
 * no file may touch its tables. The other domains have not moved yet; their files are
 * listed as known exceptions, and a listed file that no longer needs its entry fails too,
 * so the list only shrinks.
 *
 * Not store SQL, so out of scope: DuckDB SQL over data files (core/quality, core/drift),
 * which reads CSV, Parquet and Arrow, never the store's tables.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');
const SCANNED = ['core', 'cli', 'kernel', 'extension'];

/** The store's tables by domain (core/store/schema.ts). */
const DOMAINS = {
  serving: ['deployments', 'deployment_events', 'prediction_logs', 'feedback'],
  registry: ['registered_models', 'model_versions', 'model_aliases', 'model_transitions'],
  datasets: ['datasets', 'run_inputs'],
  runs: [
    'experiments',
    'runs',
    'params',
    'metrics',
    'metric_series',
    'metric_points',
    'latest_metrics',
    'tags',
    'artifacts',
  ],
} as const;
type Domain = keyof typeof DOMAINS;

/** Files that still hold SQL of a domain not yet moved into core/store/: remove as they move. */
const KNOWN_EXCEPTIONS: Record<string, Domain[]> = {
  'core/registry/registry.ts': ['registry'],
  'core/quality/datasets.ts': ['datasets'],
};

/** A statement and a table it names, both inside one string or template literal. */
function storeStatements(text: string): { statement: string; table: string }[] {
  const tables = Object.values(DOMAINS).flat().join('|');
  const statement = new RegExp(
    `\\b(SELECT|INSERT(?: OR [A-Z]+)? INTO|REPLACE INTO|UPDATE|DELETE FROM)\\b[^\`'"]*?\\b(${tables})\\b`,
    'g',
  );
  return [...text.matchAll(statement)].map((m) => ({ statement: m[1], table: m[2] }));
}

function domainOf(table: string): Domain {
  return (Object.keys(DOMAINS) as Domain[]).find((d) =>
    (DOMAINS[d] as readonly string[]).includes(table),
  )!;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return rel === 'core/store' ? [] : sourceFiles(rel);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

describe('store boundary: SQL only under core/store/', () => {
  it('finds a statement in the forms the code writes', () => {
    assert.deepEqual(
      storeStatements(
        "sql.get('SELECT * FROM deployments WHERE id = ?'); `DELETE FROM feedback WHERE x`",
      ).map((s) => s.table),
      ['deployments', 'feedback'],
    );
    assert.deepEqual(
      storeStatements('`UPDATE prediction_logs SET at = ?` "INSERT OR IGNORE INTO runs"').map(
        (s) => s.table,
      ),
      ['prediction_logs', 'runs'],
    );
    // Prose and a statement that names no store table are not store SQL.
    assert.deepEqual(storeStatements("'select the deployments' + `SELECT * FROM read_csv(?)`"), []);
  });

  const files = SCANNED.flatMap(sourceFiles);

  it('scans the feature folders', () => {
    assert.ok(files.includes('core/serve/deployments.ts'), 'core/serve is scanned');
    assert.ok(files.includes('cli/deploy.ts'), 'cli is scanned');
    assert.ok(!files.some((f) => f.startsWith('core/store/')), 'core/store is not');
  });

  it('no file outside core/store/ holds SQL of a domain that has its store', () => {
    const found: string[] = [];
    for (const file of files) {
      const allowed = new Set(KNOWN_EXCEPTIONS[file] ?? []);
      for (const s of storeStatements(readFileSync(path.join(root, file), 'utf8'))) {
        const domain = domainOf(s.table);
        if (!allowed.has(domain)) found.push(`${file}: ${s.statement} … ${s.table} (${domain})`);
      }
    }
    assert.deepEqual(found, [], 'move these into core/store/ behind a domain store method');
  });

  it('lists no exception that is no longer needed', () => {
    const stale: string[] = [];
    for (const [file, domains] of Object.entries(KNOWN_EXCEPTIONS)) {
      const present = new Set(
        storeStatements(readFileSync(path.join(root, file), 'utf8')).map((s) => domainOf(s.table)),
      );
      for (const d of domains) if (!present.has(d)) stale.push(`${file} (${d})`);
    }
    assert.deepEqual(stale, [], 'remove these from KNOWN_EXCEPTIONS: their SQL has moved');
  });
});
