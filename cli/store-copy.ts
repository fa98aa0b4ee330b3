/**
 * `labbook store copy FROM TO`: moves a whole store between SQLite files and PostgreSQL
 * databases (core/store/copy), with a progress line on stderr while it runs and, at the
 * end, the per-table comparison of row counts and checksums on stdout.
 * Exit codes: 0 every table arrived whole, 1 a mismatch (or missing artifact content),
 * 2 refused before copying (same store, schema versions, TO not empty, bad location).
 */
import type { Command } from 'commander';
import { resolveStoreLocation } from '../core/store';
import { copyStore, CopyError, type CopyReport } from '../core/store/copy';
import { createProgress } from './progress';
import { UsageError } from './errors';

const fmt = (n: number) => n.toLocaleString('en-US');

/** The comparison table, one row per table of the schema, and what happened to artifact files. */
export function copyReportText(report: CopyReport): string {
  const rows = report.tables.map((t) => [
    t.table,
    fmt(t.sourceRows),
    fmt(t.targetRows),
    t.targetDigest,
    t.ok ? 'ok' : 'MISMATCH',
  ]);
  const header = ['table', 'FROM rows', 'TO rows', 'checksum (TO)', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 1 || i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const t of report.tables.filter((x) => !x.ok))
    out.push(
      `${t.table}: FROM checksum ${t.sourceDigest} (${fmt(t.sourceRows)} rows), TO ${t.targetDigest} (${fmt(t.targetRows)} rows)`,
    );
  const f = report.files;
  if (f.roots) {
    out.push(
      `artifact files from ${f.roots.from} to ${f.roots.to}: ${fmt(f.copied)} copied, ${fmt(f.present)} already there` +
        (f.missing.length
          ? `, ${fmt(f.missing.length)} MISSING in FROM (${f.missing.slice(0, 3).join(', ')}${f.missing.length > 3 ? ', …' : ''})`
          : ''),
    );
  } else out.push('artifact files: FROM and TO share their artifact root; nothing to copy');
  if (f.elsewhere)
    out.push(
      `${fmt(f.elsewhere)} artifacts name their own root (a shared folder): their files stay there`,
    );
  const mismatched = report.tables.filter((t) => !t.ok).length;
  out.push(
    report.ok
      ? `Copied ${report.from} to ${report.to} in ${report.seconds.toFixed(1)}s: every table matches`
      : `Copy of ${report.from} to ${report.to} is NOT whole: ${mismatched} table(s) differ${f.missing.length ? `, ${f.missing.length} artifact file(s) missing` : ''}`,
  );
  return `${out.join('\n')}\n`;
}

export function registerStoreCommands(program: Command): void {
  const store = program
    .command('store')
    .description('work on a whole store: copy it between SQLite and PostgreSQL');
  store
    .command('copy')
    .description(
      'copy every table of a store into an empty one (SQLite file or postgres:// URL), keeping ids, then compare row counts and checksums: exit 0 whole, 1 mismatch',
    )
    .argument('<from>', 'the store to read: a SQLite file or a postgres:// URL')
    .argument('<to>', 'an empty store to fill: a new SQLite file or an empty PostgreSQL database')
    .option('--batch <rows>', 'rows per read and write (default 20000)', (v) => {
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`--batch must be a whole number >= 1, got ${JSON.stringify(v)}`);
      return n;
    })
    .action(async (from: string, to: string, opts: { batch?: number }) => {
      const progress = createProgress();
      let table = '';
      let started = 0;
      let total = 0;
      const label = (done: number) => `copying ${table}: ${fmt(done)}/${fmt(total)} rows`;
      const finishTable = () => {
        if (table) progress.done(label(total), 'ok', performance.now() - started);
      };
      let report: CopyReport;
      try {
        report = await copyStore(
          resolveStoreLocation({ path: from, env: {} }),
          resolveStoreLocation({ path: to, env: {} }),
          {
            batchSize: opts.batch,
            onProgress: (p) => {
              if (p.table !== table) {
                finishTable();
                table = p.table;
                total = p.total;
                started = performance.now();
                progress.start(label(p.done));
              } else progress.relabel(label(p.done));
            },
          },
        );
        finishTable();
      } catch (error) {
        if (error instanceof CopyError) throw new UsageError(error.message);
        throw error;
      } finally {
        progress.stop();
      }
      process.stdout.write(copyReportText(report));
      if (!report.ok) process.exitCode = 1;
    });
}
