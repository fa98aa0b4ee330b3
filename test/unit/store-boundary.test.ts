/**
 * All store SQL lives in a backend folder, core/store/<backend>/ (issue 17, item 1), or in
 * core/store/sql/, what the SQL backends share: the
 * feature folders call the domain stores' methods (RunStore, RegistryStore, DatasetStore,
 * DeploymentStore, PredictionLogStore), so a second backend (PostgreSQL) changes nothing
 * outside it.
 *
 * The scan reads the TypeScript of core/, cli/, kernel/ and extension/ with the TypeScript
 * parser and looks at every string and template literal wherever it stands (an argument,
 * a constant, a piece joined later): a literal that reads as SQL (a statement, or a
 * fragment such as `x.key = ?`, `EXISTS (`, `ORDER BY`) is SQL built outside the backend.
 * A template's `${…}` parts count as opaque, so a table name passed in is still caught.
 * Calls through a store's SQL handle (`store.sql.run(…)`) are caught as well.
 *
 * Two kinds of files are listed, and a listed file that no longer needs its entry fails,
 * so the lists only shrink:
 * - DuckDB SQL over data files (core/quality, core/drift): it reads CSV, Parquet and Arrow,
 *   never the store, so it names no store table.
 * - SQLite backend files that still stand at the top of core/store/ (the runs store and
 *   the schema) rather than in core/store/sqlite/.
 */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const root = path.resolve(__dirname, '..', '..', '..');
const SCANNED = ['core', 'cli', 'kernel', 'extension'];
/**
 * Where backends live: one folder each, and core/store/sql/ for the SQL the SQL backends
 * share (the search compiler with a dialect per backend, the runs' rows and filter).
 */
const BACKENDS = ['core/store/sqlite/', 'core/store/postgres/', 'core/store/sql/'];

/** The store's tables (core/store/schema.ts). */
const STORE_TABLES = [
  'deployments',
  'deployment_events',
  'prediction_logs',
  'feedback',
  'registered_models',
  'model_versions',
  'model_aliases',
  'model_transitions',
  'datasets',
  'run_inputs',
  'experiments',
  'runs',
  'params',
  'metrics',
  'metric_series',
  'metric_points',
  'latest_metrics',
  'tags',
  'artifacts',
];

/** SQL over data files in DuckDB: never the store's tables. */
const DUCKDB_FILES = [
  'core/datacentric/data-files.ts',
  'core/drift/binned.ts',
  'core/drift/quality.ts',
  'core/drift/report.ts',
  'core/quality/engine.ts',
  'core/quality/profile.ts',
  'core/quality/snapshot.ts',
  'core/quality/suite.ts',
];

/** SQLite backend code not yet moved into core/store/sqlite/: remove as it moves. */
const SQLITE_OUTSIDE_ITS_FOLDER = ['core/store/store.ts', 'core/store/schema.ts'];

/** Upper-case SQL, as the code writes it (prose says "select the runs", not SELECT … FROM). */
const SQL_SHAPES: RegExp[] = [
  /\bSELECT\b[\s\S]*\bFROM\b/,
  /\b(?:INSERT|REPLACE)(?:\s+OR\s+[A-Z]+)?\s+INTO\b/,
  /\bUPDATE\b[\s\S]+\bSET\b/,
  /\bDELETE\s+FROM\b/,
  /\b(?:CREATE|DROP|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+)?(?:TABLE|INDEX|VIEW)\b/,
  /\bWHERE\b[\s\S]*(?:\?|\$\{…\})/,
  /\b(?:GLOB|LIKE|ILIKE|IN)\s*\(?\s*\?/,
  /[=<>]\s*\?/,
  /\bORDER\s+BY\b/,
  /\bNULLS\s+(?:LAST|FIRST)\b/,
  /\bEXISTS\s*\(/,
  /\bCASE\s+WHEN\b/,
];

const SQL_HANDLE_CALL = /\.sql\s*\.\s*(?:run|get|all|exec|prepare|transaction)\s*[<(]/;

interface Found {
  line: number;
  text: string;
}

/** The text of every string and template literal (a template's `${…}` parts as `${…}`). */
export function literals(source: string): Found[] {
  const file = ts.createSourceFile('scanned.ts', source, ts.ScriptTarget.Latest, true);
  const out: Found[] = [];
  const visit = (node: ts.Node): void => {
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node))
      text = node.head.text + node.templateSpans.map((s) => `\${…}${s.literal.text}`).join('');
    if (text !== undefined)
      out.push({ line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1, text });
    if (ts.isTemplateExpression(node)) node.templateSpans.forEach((s) => visit(s.expression));
    else ts.forEachChild(node, visit);
  };
  visit(file);
  return out;
}

/** The literals that read as SQL, and the calls through a store's SQL handle. */
function sqlIn(source: string): Found[] {
  const found = literals(source).filter((l) => SQL_SHAPES.some((shape) => shape.test(l.text)));
  source.split('\n').forEach((text, i) => {
    if (SQL_HANDLE_CALL.test(text)) found.push({ line: i + 1, text: text.trim() });
  });
  return found;
}

function namesStoreTable(text: string): string | undefined {
  return STORE_TABLES.find((t) => new RegExp(`\\b${t}\\b`).test(text));
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return BACKENDS.includes(`${rel}/`) ? [] : sourceFiles(rel);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [rel] : [];
  });
}

const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const short = (f: Found) => `${f.line}: ${f.text.replace(/\s+/g, ' ').slice(0, 100)}`;

describe('store boundary: SQL only in core/store/<backend>/', () => {
  it('finds SQL in every shape the code writes it', () => {
    const shapes = [
      "sql.get('SELECT * FROM deployments WHERE id = ?')",
      '`DELETE FROM feedback WHERE x`',
      '"INSERT OR IGNORE INTO runs (id) VALUES (?)"',
      // Built in pieces, the table passed in: what core/search/sql.ts did.
      'const c = `EXISTS (SELECT 1 FROM ${table} ${alias} WHERE ${alias}.run_id = r.id AND `;',
      'where.push(`${column} GLOB ?`)',
      'orderBy.push(`${column} ${direction} NULLS LAST`)',
      "const COLUMNS = { run_id: 'r.id', duration: `(CASE WHEN r.status = 'running' THEN ? - r.start_time END)` };",
      "const sets = ['updated_at = ?'];",
      'this.sql.run(statement, ...args)',
      'store.sql.transaction(() => 1)',
    ];
    for (const shape of shapes) assert.equal(sqlIn(shape).length, 1, shape);
    // Prose, a search-language example and a message are not SQL.
    for (const prose of [
      "'select the deployments'",
      '"Delete the run? It is kept for 30 days"',
      '\'metrics.acc > 0.9 and params.lr = "0.01"\'',
      '`order by ${key}: a key such as metrics.acc`',
      '// SELECT * FROM runs WHERE id = ? in a comment',
    ])
      assert.deepEqual(sqlIn(prose), [], prose);
  });

  const files = SCANNED.flatMap(sourceFiles);

  it('scans the feature folders and core/store, not the backend folders', () => {
    for (const file of ['core/serve/deployments.ts', 'cli/deploy.ts', 'core/search/parse.ts'])
      assert.ok(files.includes(file), `${file} is scanned`);
    assert.ok(files.includes('core/store/registry.ts'), 'the store interfaces are scanned');
    for (const backend of BACKENDS)
      assert.ok(!files.some((f) => f.startsWith(backend)), `the backend ${backend} is not`);
  });

  it('no file outside a backend folder holds SQL', () => {
    const found: string[] = [];
    for (const file of files) {
      if (SQLITE_OUTSIDE_ITS_FOLDER.includes(file)) continue;
      const duckdb = DUCKDB_FILES.includes(file);
      for (const f of sqlIn(read(file))) {
        // DuckDB SQL is allowed in its files as long as it never reaches into the store.
        const table = namesStoreTable(f.text);
        if (duckdb && table === undefined && !SQL_HANDLE_CALL.test(f.text)) continue;
        found.push(`${file}:${short(f)}${table ? ` (store table ${table})` : ''}`);
      }
    }
    assert.deepEqual(found, [], 'move these into core/store/<backend>/ behind a store method');
  });

  it('lists no file that no longer needs its entry', () => {
    const stale = [...DUCKDB_FILES, ...SQLITE_OUTSIDE_ITS_FOLDER].filter(
      (file) => sqlIn(read(file)).length === 0,
    );
    assert.deepEqual(stale, [], 'remove these from the lists: they hold no SQL');
  });
});
