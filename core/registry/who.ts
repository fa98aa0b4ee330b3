/**
 * Who is making a registry change, for the transition history: the git user of the
 * working folder (`git config user.name`), else the OS user. Best effort: never throws.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

const cache = new Map<string, string>();

export function whoAmI(cwd: string = process.cwd()): string {
  const known = cache.get(cwd);
  if (known !== undefined) return known;
  let name = '';
  try {
    name = execFileSync('git', ['config', 'user.name'], {
      cwd,
      encoding: 'utf8',
      timeout: 2000,
      stdio: ['ignore', 'pipe', 'ignore'],
      windowsHide: true,
    }).trim();
  } catch {
    // no git, not a repository, or no user.name: fall back to the OS user
  }
  if (!name) {
    try {
      name = os.userInfo().username;
    } catch {
      name = process.env.USER ?? process.env.USERNAME ?? '';
    }
  }
  // One line, bounded: it is shown in tables and timelines.
  name =
    name
      // eslint-disable-next-line no-control-regex -- control characters are what this replaces
      .replace(/[\u0000-\u001f\u007f]/g, ' ')
      .trim()
      .slice(0, 200) || 'unknown';
  cache.set(cwd, name);
  return name;
}
