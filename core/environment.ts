/**
 * What a run ran with: the git state of its folder and the software versions. Captured
 * once per run start; every probe is best-effort because a missing git, a folder outside
 * a repository or an unresolvable package must never stop a run from starting.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { RunEnvironment } from './store/types';

const GIT_TIMEOUT_MS = 3000;

export interface GitState {
  commit: string | null;
  /** Modified or staged tracked files; null when unknown. */
  dirty: boolean | null;
}

function git(folder: string, args: string[], maxBuffer?: number): string | null {
  try {
    return execFileSync('git', args, {
      cwd: folder,
      encoding: 'utf8',
      timeout: GIT_TIMEOUT_MS,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
      maxBuffer,
    });
  } catch {
    return null;
  }
}

export function captureGitState(folder: string = process.cwd()): GitState {
  const head = git(folder, ['rev-parse', 'HEAD']);
  const commit = head && /^[0-9a-f]{40,64}$/.test(head.trim()) ? head.trim() : null;
  if (commit === null) return { commit: null, dirty: null };
  // Untracked files are ignored, as MLflow does: the store's own .labbook/ folder (and
  // scratch files) would otherwise mark every run dirty.
  const status = git(folder, ['status', '--porcelain', '--untracked-files=no']);
  return { commit, dirty: status === null ? null : status.trim().length > 0 };
}

/** Longest diff summary kept; a summary of thousands of files is cut with a note. */
export const MAX_GIT_DIFF_SUMMARY_CHARS = 64 * 1024;

/**
 * `git diff --stat HEAD` of `folder`'s repository: the tracked files changed since the
 * last commit, staged or not (untracked files are left out, as in {@link captureGitState}).
 * Null when the folder is not in a repository, the repository has no commit, nothing
 * changed, or git is missing or too slow. Long summaries are cut at `maxChars`.
 */
export function gitDiffSummary(
  folder: string = process.cwd(),
  maxChars: number = MAX_GIT_DIFF_SUMMARY_CHARS,
): string | null {
  // --stat=200: the default width (80 columns when not a terminal) shortens file names.
  const text = git(
    folder,
    ['-c', 'core.quotepath=off', 'diff', '--no-color', '--no-ext-diff', '--stat=200', 'HEAD', '--'],
    8 * 1024 * 1024,
  );
  if (text === null || text.trim().length === 0) return null;
  if (text.length <= maxChars) return text;
  const cut = text.lastIndexOf('\n', maxChars);
  const kept = text.slice(0, cut > 0 ? cut + 1 : maxChars);
  const lines = text.split('\n');
  const total = lines[lines.length - 1] === '' ? lines[lines.length - 2] : lines[lines.length - 1];
  return `${kept}… (summary cut at ${maxChars} characters)\n${total.trim() ? `${total}\n` : ''}`;
}

function readPackageVersion(packageJson: string, name: string): string | null {
  try {
    const parsed = JSON.parse(readFileSync(packageJson, 'utf8')) as {
      name?: string;
      version?: string;
    };
    return parsed.name === name && typeof parsed.version === 'string' ? parsed.version : null;
  } catch {
    return null;
  }
}

/** Version of an installed package as seen from `folder` (then from Labbook itself). */
export function packageVersion(name: string, folder: string = process.cwd()): string | null {
  try {
    return readPackageVersion(
      require.resolve(`${name}/package.json`, { paths: [folder, __dirname] }),
      name,
    );
  } catch {
    return null;
  }
}

/** Labbook's own version: the nearest package.json named "labbook" above this file. */
function labbookVersion(): string | null {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const version = readPackageVersion(candidate, 'labbook');
      if (version) return version;
    }
    if (dirname(dir) === dir) return null;
  }
}

const OPTIONAL_PACKAGES = [
  '@tensorflow/tfjs-node',
  '@tensorflow/tfjs-node-gpu',
  '@tensorflow/tfjs-backend-wasm',
];

export function captureRuntime(folder: string = process.cwd()): RunEnvironment {
  const packages: Record<string, string | null> = {
    '@tensorflow/tfjs': packageVersion('@tensorflow/tfjs', folder),
    labbook: labbookVersion(),
  };
  for (const name of OPTIONAL_PACKAGES) {
    const version = packageVersion(name, folder);
    if (version) packages[name] = version;
  }
  return { node: process.version, platform: process.platform, arch: process.arch, packages };
}

export interface CapturedEnvironment {
  git: GitState;
  runtime: RunEnvironment;
}

export function captureEnvironment(folder: string = process.cwd()): CapturedEnvironment {
  return { git: captureGitState(folder), runtime: captureRuntime(folder) };
}
