/**
 * The user's `node` (setting `labbook.nodePath`) runs kernels, never the extension host's
 * Electron: native modules (better-sqlite3, DuckDB, tfjs-node) are built for it.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { KernelClient, MIN_NODE_VERSION } from '../../kernel/client';
import {
  nativeMismatch,
  parseProbe,
  PROBE_ARGS,
  readNativeBuild,
  rebuiltHook,
  type NativeBuild,
  type NodeRuntime,
} from './native';

export const NODE_PATH_SETTING = 'labbook.nodePath';

/** A problem with the configured `node`, with a message that names the setting. */
export class NodeSetupError extends Error {
  override name = 'NodeSetupError';
}

/** The node's ABI or platform differs from the bundled native modules'; a rebuild can fix it. */
export class NativeMismatchError extends NodeSetupError {
  override name = 'NativeMismatchError';
  constructor(
    message: string,
    readonly nodePath: string,
    readonly runtime: NodeRuntime,
    readonly build: NativeBuild,
  ) {
    super(message);
  }
}

/** Where rebuilt native modules live (the extension's global storage), and the one in use. */
const native = {
  root: undefined as string | undefined,
  hook: undefined as string | undefined,
  /** dist/native.json beside the bundle (dist/extension/extension.js); absent in a checkout. */
  buildFile: path.join(__dirname, '..', 'native.json'),
};

/** Called at activation: rebuilds for other nodes go under `root`. */
export function setNativeRoot(root: string, buildFile?: string): void {
  native.root = root;
  if (buildFile) native.buildFile = buildFile;
}

/**
 * Runs `<nodePath>` to print its version, ABI and platform; resolves to the version, or
 * rejects with a NodeSetupError (a NativeMismatchError when only the native modules stand in the way).
 */
export function checkNode(nodePath: string, timeoutMs = 15_000): Promise<string> {
  const needed = MIN_NODE_VERSION.join('.');
  return new Promise((resolve, reject) => {
    execFile(
      nodePath,
      PROBE_ARGS,
      // Without the rebuild hook: the probe must not depend on the folder it is about to check.
      {
        timeout: timeoutMs,
        windowsHide: true,
        env: { ...process.env, ...nodeEnvOverrides(process.env, false) },
      },
      (error, stdout) => {
        if (error) {
          const code = (error as NodeJS.ErrnoException).code;
          reject(
            new NodeSetupError(
              code === 'ENOENT'
                ? `Node.js was not found: "${nodePath}" is not on PATH or does not exist. Labbook runs notebooks with Node.js ${needed} or newer; install it, or set "${NODE_PATH_SETTING}" to its path.`
                : `"${nodePath}" failed to print its version (${error.message.split('\n')[0]}). Set "${NODE_PATH_SETTING}" to a Node.js ${needed} or newer.`,
            ),
          );
          return;
        }
        // A node too old for `-p` with JSON still prints something; the version check names it.
        const runtime = parseProbe(stdout.toString());
        const version = runtime?.version ?? stdout.toString().trim();
        const problem = KernelClient.checkNodeVersion(version, nodePath);
        if (problem)
          reject(
            new NodeSetupError(
              problem.includes(NODE_PATH_SETTING)
                ? problem
                : `${problem} Set "${NODE_PATH_SETTING}".`,
            ),
          );
        else if (runtime) {
          const build = readNativeBuild(native.buildFile);
          const hook = native.root ? rebuiltHook(native.root, runtime) : undefined;
          const mismatch = build && !hook ? nativeMismatch(build, runtime, nodePath) : undefined;
          native.hook = mismatch ? undefined : hook;
          if (mismatch) reject(new NativeMismatchError(mismatch, nodePath, runtime, build!));
          else resolve(version);
        } else resolve(version);
      },
    );
  });
}

/**
 * Variables to remove from the extension host's environment for processes started with the
 * user's node: what makes a child Electron run as Node or binds it to this extension host.
 * Node's child_process drops keys whose value is undefined.
 */
export function nodeEnvOverrides(
  env: NodeJS.ProcessEnv = process.env,
  withNativeHook = true,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const key of Object.keys(env)) {
    if (key === 'ELECTRON_RUN_AS_NODE' || (key.startsWith('VSCODE_') && key !== 'VSCODE_CWD'))
      out[key] = undefined;
  }
  // Native modules rebuilt for this node: kernels and the service load them through the hook.
  if (withNativeHook && native.hook)
    out.NODE_OPTIONS = [env.NODE_OPTIONS, `--require ${JSON.stringify(native.hook)}`]
      .filter(Boolean)
      .join(' ');
  return out;
}

/**
 * The `labbook.user` setting as the environment of a kernel or the workspace service
 * (LABBOOK_USER, read by core/who.ts): who they record runs, promotions and
 * deployments as. Empty: nothing set, they ask git or the OS.
 */
export function userEnv(user: string | undefined): NodeJS.ProcessEnv {
  const name = user?.trim();
  return name ? { LABBOOK_USER: name } : {};
}

/** The `labbook.artifactRoot` setting as LABBOOK_ARTIFACTS: where kernels and the service write artifacts. */
export function artifactRootEnv(root: string | undefined): NodeJS.ProcessEnv {
  const folder = root?.trim();
  return folder ? { LABBOOK_ARTIFACTS: folder } : {};
}
