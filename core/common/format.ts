/**
 * How numbers and durations read wherever runs are listed: the CLI table, the markdown
 * comparison and the sidebar tree. Pure, so the extension host and the CLI share it.
 */

/** Integers as they are, other values to 4 significant digits; NaN and ±Infinity by name. */
export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) ? String(value) : value.toPrecision(4);
}

/** 3.2s, 4m 5s, 2h 10m. */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s < 59.95) return `${s.toFixed(1)}s`;
  // Round to the unit shown first, so 119.6 s reads "2m 0s", never "1m 60s".
  const seconds = Math.round(s);
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  const minutes = Math.round(s / 60);
  return `${Math.floor(minutes / 60)}h ${minutes % 60}m`;
}
