/**
 * What the CLI prints for people. Names, messages and cells come from notebooks, data files
 * and servers: scrubbed of control characters so they can never move the terminal's cursor.
 */

/** Control characters (C0, DEL and C1) replaced by `replacement`. */
export function scrub(text: string, replacement = '?'): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, replacement);
}

/** A table: each column padded to its widest cell (header included), two spaces apart; no trailing newline. */
export function alignColumns(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map(line).join('\n');
}
