/**
 * What "Start Canary…" says, apart from VS Code so it can be checked in plain Node. Versions
 * are "v3" everywhere in the UI (tree badges, quick picks, the monitor); the canary prompts
 * used to print the bare number ("the canary 3") and read like a count of canaries.
 */

/** "3" → "v3"; a ref such as "@staging" or "penguins/3" is shown as given. */
export function versionName(candidate: string): string {
  const bare = candidate.trim().replace(/^v(?=\d+$)/i, '');
  return /^\d+$/.test(bare) ? `v${bare}` : candidate;
}

export interface CanaryPrompts {
  weightTitle: string;
  reason: string;
  confirm: string;
  confirmDetail: string;
}

export function canaryPrompts(
  deployment: { name: string; primaryVersion: number; url: string },
  candidate: string,
  weight: number,
): CanaryPrompts {
  const v = versionName(candidate);
  const { name, primaryVersion, url } = deployment;
  return {
    weightTitle: `Share of traffic for the canary ${v} on ${name}`,
    reason: `canary of ${v} at ${weight}%`,
    confirm: `Start a canary of ${v} on ${name}?`,
    confirmDetail:
      `${name} keeps running: v${primaryVersion} answers ${100 - weight}% and the candidate ${v} ${weight}% of requests, at the same URL (${url}) and with the same token. ` +
      'The candidate loads beside the primary before any request goes to it.',
  };
}
