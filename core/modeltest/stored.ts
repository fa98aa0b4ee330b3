/**
 * Where a report lives: with a registered version, as the artifact `<artifactPath>tests.json`
 * of its source run (beside model.json; a newer report replaces the older), and with a run
 * as `model-tests.json`. No schema change: artifacts are content-addressed and already
 * copied, listed and cleaned up with their run.
 */
import type { SyncRunStore } from '../store/types';
import type { ModelVersion } from '../registry/types';
import { parseReport, reportJson, type ModelTestReport } from './report';

export const VERSION_TESTS_FILE = 'tests.json';
export const RUN_TESTS_ARTIFACT = 'model-tests.json';

export function versionTestsArtifact(version: Pick<ModelVersion, 'artifactPath'>): string {
  return `${version.artifactPath}${VERSION_TESTS_FILE}`;
}

export function saveVersionTests(
  store: SyncRunStore,
  version: ModelVersion,
  report: ModelTestReport,
): string {
  const name = versionTestsArtifact(version);
  store.logArtifact(version.runId, name, Buffer.from(reportJson(report)), {
    mediaType: 'application/json',
  });
  return name;
}

/** The version's stored report, or null when it has none. */
export function loadVersionTests(
  store: SyncRunStore,
  version: ModelVersion,
): ModelTestReport | null {
  const name = versionTestsArtifact(version);
  if (!store.listArtifacts(version.runId).some((a) => a.name === name)) return null;
  return parseReport(
    store.readArtifact(version.runId, name).toString('utf8'),
    `the model test report ${name} of ${version.name} v${version.version}`,
  );
}

export function saveRunTests(store: SyncRunStore, runId: string, report: ModelTestReport): void {
  store.logArtifact(runId, RUN_TESTS_ARTIFACT, Buffer.from(reportJson(report)), {
    mediaType: 'application/json',
  });
}
