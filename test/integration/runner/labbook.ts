/**
 * The extension under test as the suites reach it: activated, with its workspace service
 * answering, so that a suite's first look at a tree or a panel does not race the start-up.
 */
import { strict as assert } from 'node:assert';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LabbookApi } from '../../../extension/api';

export const EXTENSION_ID = 'labbook.labbook';

/**
 * The store the editor under test uses: the PostgreSQL URL the launcher set as
 * `labbook.storeUrl` (--store-url), else the workspace's SQLite file. Suites that write
 * runs from another process write there.
 */
export function workspaceStore(folder: string): string {
  return process.env.LABBOOK_TEST_STORE_URL || path.join(folder, '.labbook', 'labbook.db');
}

/** Labbook's API (what `activate` returned) once `runs.ready()` resolved. */
export async function activeLabbook(): Promise<LabbookApi> {
  const extension = vscode.extensions.getExtension<LabbookApi>(EXTENSION_ID);
  assert.ok(extension, 'Labbook is installed');
  const api = await extension.activate();
  await api.runs.ready();
  return api;
}
