/**
 * The user's `node` (setting `labbook.nodePath`) runs kernels, never the extension host's
 * Electron: native modules (better-sqlite3, DuckDB, tfjs-node) are built for it.
 */
import { execFile } from 'node:child_process';
import { KernelClient, MIN_NODE_VERSION } from '../../kernel/client';

export const NODE_PATH_SETTING = 'labbook.nodePath';

/** A problem with the configured `node`, with a message that names the setting. */
export class NodeSetupError extends Error {
  override name = 'NodeSetupError';
}

/** Runs `<nodePath> --version`; resolves to the version, or rejects with a NodeSetupError. */
export function checkNode(nodePath: string, timeoutMs = 15_000): Promise<string> {
  const needed = MIN_NODE_VERSION.join('.');
  return new Promise((resolve, reject) => {
    execFile(
      nodePath,
      ['--version'],
      { timeout: timeoutMs, windowsHide: true, env: { ...process.env, ...nodeEnvOverrides() } },
      (error, stdout) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          reject(
            new NodeSetupError(
              code === 'ENOENT'
                ? `Node.js was not found: "${nodePath}" is not on PATH or does not exist. Labbook runs notebooks with Node.js ${needed} or newer; install it, or set "${NODE_PATH_SETTING}" to its path.`
                : `"${nodePath} --version" failed (${error.message.split('\n')[0]}). Set "${NODE_PATH_SETTING}" to a Node.js ${needed} or newer.`,
            ),
          );
          return;
        }
        const version = stdout.toString().trim();
        const problem = KernelClient.checkNodeVersion(version, nodePath);
        if (problem)
          reject(
            new NodeSetupError(
              problem.includes(NODE_PATH_SETTING)
                ? problem
                : `${problem} Set "${NODE_PATH_SETTING}".`,
            ),
          );
        else resolve(version);
      },
    );
  });
}

/**
 * Variables to remove from the extension host's environment for processes started with the
 * user's node: what makes a child Electron run as Node or binds it to this extension host.
 * Node's child_process drops keys whose value is undefined.
 */
export function nodeEnvOverrides(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(env)) {
    if (key === 'ELECTRON_RUN_AS_NODE' || (key.startsWith('VSCODE_') && key !== 'VSCODE_CWD'))
      out[key] = undefined;
  }
  return out;
}
