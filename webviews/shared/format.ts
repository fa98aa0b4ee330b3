/**
 * How the data-quality views write numbers: the Data Quality panel and the notebook's
 * inline profile show the same profile, so they say the same thing the same way.
 */

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Counts with thousands separators. */
export function count(n: number): string {
  return Number.isFinite(n) ? integer.format(n) : String(n);
}

/** A 0..1 share as a percentage; tiny non-zero shares read "<0.1%" rather than "0%". */
export function percent(share: number, digits = 1): string {
  if (!Number.isFinite(share)) return '–';
  if (share > 0 && share < 0.001) return '<0.1%';
  return `${(share * 100).toFixed(digits).replace(/\.0+$/, '')}%`;
}

/** Statistics: up to 4 significant decimals, thousands separated, no exponent for everyday sizes. */
export function stat(v: number | string | null | undefined): string {
  if (v === null || v === undefined) return '–';
  if (typeof v === 'string') return v;
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return count(v);
  const abs = Math.abs(v);
  if (abs >= 1e15 || (abs > 0 && abs < 1e-4)) return v.toExponential(3);
  return new Intl.NumberFormat('en-US', {
    maximumSignificantDigits: abs >= 1000 ? 10 : 5,
    maximumFractionDigits: abs >= 1000 ? 2 : 6,
  }).format(v);
}

/** How long a profile or comparison took: hundredths while it is quick. */
export function seconds(s: number): string {
  return s < 10 ? `${s.toFixed(2)} s` : `${s.toFixed(1)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v >= 100 ? 0 : 1)} ${units[i]}`;
}

/** A top value as shown: the empty string named, since it would otherwise show as nothing. */
export function valueText(v: string | number | boolean): string {
  if (typeof v === 'string') return v === '' ? '(empty string)' : v;
  return String(v);
}

/** Good, fair, poor, bad: the colour of a 0..1 quality score. */
export function scoreGrade(score: number): 'good' | 'fair' | 'poor' | 'bad' {
  if (score >= 0.9) return 'good';
  if (score >= 0.75) return 'fair';
  if (score >= 0.5) return 'poor';
  return 'bad';
}
