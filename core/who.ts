/**
 * Who is doing something (starting a run, moving a model, deploying), as the store records
 * it: `LABBOOK_USER` when set (the `labbook.user` setting sets it for kernels), else the git
 * user of the folder (`git config user.name`, else `user.email`), else the OS user. Best
 * effort: never throws.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

/** Names who is at work, over the git user and the OS user. */
export const USER_ENV_VAR = 'LABBOOK_USER';

const cache = new Map<string, string>();

function gitConfig(cwd: string, key: string): string {
  try {
    return execFileSync('git', ['config', key], {
      cwd,
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    }).trim();
  } catch {
    // no git, not a repository, or the key unset: the next source answers
    return '';
  }
}

export function whoAmI(cwd: string = process.cwd()): string {
  const given = process.env[USER_ENV_VAR]?.trim();
  if (given) return oneLine(given);
  const known = cache.get(cwd);
  if (known !== undefined) return known;
  let name = gitConfig(cwd, 'user.name') || gitConfig(cwd, 'user.email');
  if (!name) {
    try {
      name = os.userInfo().username;
    } catch {
      name = process.env.USER ?? process.env.USERNAME ?? '';
    }
  }
  name = oneLine(name);
  cache.set(cwd, name);
  return name;
}

/** One line, bounded: it is shown in tables and timelines. */
function oneLine(name: string): string {
  return (
    name
      // eslint-disable-next-line no-control-regex -- control characters are what this replaces
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .trim()
      .slice(0, 200) || 'unknown'
  );
}
