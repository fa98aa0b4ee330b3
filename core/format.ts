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
  if (s < 60) return `${s.toFixed(1)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${Math.round((s % 3600) / 60)}m`;
}
