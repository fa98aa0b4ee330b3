// The `extensionTestsPath` module for @vscode/test-electron: desktop VS Code calls run()
// in the extension host and treats a rejection as a failed run (non-zero exit).
// The suites folder comes in LABBOOK_ELECTRON_SUITES rather than LABBOOK_TEST_SUITES so
// that the extension's own activation hook doesn't start a second run beside this one.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { runSuites, type SuiteReport } from './index';

export async function run(): Promise<void> {
  const suitesDir = process.env.LABBOOK_ELECTRON_SUITES;
  if (!suitesDir)
    throw new Error(
      'LABBOOK_ELECTRON_SUITES is not set: start this through test/integration/launch-electron.mjs',
    );
  const reportFile =
    process.env.LABBOOK_TEST_REPORT || path.join(os.tmpdir(), 'labbook-electron-report.json');
  await runSuites(suitesDir, reportFile);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')) as SuiteReport;
  if (report.error) throw new Error(`integration run failed: ${report.error.message}`);
  if (report.stats.failed > 0) throw new Error(`${report.stats.failed} integration test(s) failed`);
  if (report.stats.tests === 0) throw new Error('no integration tests ran');
}
