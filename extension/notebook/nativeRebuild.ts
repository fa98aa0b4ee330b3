/**
 * The one-click fix for a NativeMismatchError: installs the shipped versions of the native
 * packages with the user's own node and npm into global storage (`<storage>/native/<key>/`),
 * then writes the hook that makes kernels and the service load them from there.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { REDIRECT_HOOK_FILE, rebuildManifest, redirectHookSource, runtimeKey } from './native';
import { nodeEnvOverrides, type NativeMismatchError } from './node';

export const REBUILD_ACTION = 'Install for This Node';

/** Shows the mismatch with the action; resolves true when a rebuild finished (callers restart). */
export async function offerNativeRebuild(
  error: NativeMismatchError,
  nativeRoot: string,
  log: vscode.LogOutputChannel,
): Promise<boolean> {
  log.error(error.message);
  const choice = await vscode.window.showErrorMessage(
    error.message,
    REBUILD_ACTION,
    'Open Settings',
  );
  if (choice === 'Open Settings') {
    await vscode.commands.executeCommand('workbench.action.openSettings', 'labbook.nodePath');
    return false;
  }
  if (choice !== REBUILD_ACTION) return false;
  const dir = path.join(nativeRoot, runtimeKey(error.runtime));
  try {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `Labbook: installing ${Object.keys(error.build.packages).join(' and ')} for Node.js ${error.runtime.version}…`,
      },
      () => installInto(dir, error, log),
    );
  } catch (failure) {
    rmSync(path.join(dir, REDIRECT_HOOK_FILE), { force: true });
    const message = `Labbook could not install its native modules for ${error.nodePath} into ${dir}: ${(failure as Error).message}`;
    log.error(message);
    void vscode.window.showErrorMessage(message);
    return false;
  }
  void vscode.window.showInformationMessage(
    `Labbook's native modules are installed for Node.js ${error.runtime.version} (${dir}).`,
  );
  return true;
}

function installInto(
  dir: string,
  error: NativeMismatchError,
  log: vscode.LogOutputChannel,
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), rebuildManifest(error.build));
  // npm, and node-gyp under it, must build for this node: put its folder first on PATH.
  const nodeDir = error.runtime.execPath ? path.dirname(error.runtime.execPath) : undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...nodeEnvOverrides(),
    PATH: [nodeDir, process.env.PATH].filter(Boolean).join(path.delimiter),
  };
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return new Promise((resolve, reject) => {
    execFile(
      npm,
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--no-package-lock'],
      {
        cwd: dir,
        env,
        timeout: 15 * 60_000,
        maxBuffer: 32 * 1024 * 1024,
        shell: process.platform === 'win32',
      },
      (failure, stdout, stderr) => {
        log.info(`[npm install in ${dir}]\n${stdout}${stderr}`);
        if (failure) {
          reject(
            new Error(
              `npm install failed: ${(stderr || failure.message).trim().split('\n').slice(-3).join(' ')}`,
            ),
          );
          return;
        }
        writeFileSync(
          path.join(dir, REDIRECT_HOOK_FILE),
          redirectHookSource(dir, Object.keys(error.build.packages)),
        );
        resolve();
      },
    );
  });
}
