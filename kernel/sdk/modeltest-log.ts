/** The body of `run.logModelTests` (kept apart from run.ts so the run does not load the tests' code). */
import { parseReport, REPORT_FORMAT, type ModelTestReport } from '../../core/modeltest/report';
import { saveRunTests, saveVersionTests } from '../../core/modeltest/stored';
import { Registry } from '../../core/registry/registry';
import { resolveModelRef } from '../../core/registry/refs';
import type { SyncRunStore } from '../../core/store';
import { isOpenStore } from '../../core/store/stores';

export function logModelTestsForRun(
  runId: string,
  store: SyncRunStore,
  report: ModelTestReport,
  options: { version?: string },
): void {
  if (!report || typeof report !== 'object' || report.format !== REPORT_FORMAT)
    throw new TypeError(
      `logModelTests: expected a report from lab.testModel (format ${REPORT_FORMAT})`,
    );
  // Round-trip through JSON so what is stored is exactly what a reader will see.
  const checked = parseReport(JSON.stringify(report), 'logModelTests: the report');
  if (options.version !== undefined) {
    if (!isOpenStore(store))
      throw new TypeError(`logModelTests: the store at ${store.location} has no model registry`);
    const version = resolveModelRef(new Registry(store), options.version);
    saveVersionTests(store, version, checked);
  }
  saveRunTests(store, runId, checked);
}
