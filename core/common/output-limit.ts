/**
 * How much output one cell run may show. A cell that prints 100 MB (a huge string, a loop
 * logging every step) would otherwise be serialized, sent and rendered whole, and freeze
 * the editor. The kernel keeps a budget per cell before it sends; the editor keeps its own
 * (a little larger, so the kernel's note always fits) as the last guard.
 * Plain TypeScript: the kernel and the extension host both load it.
 */

/**
 * Characters of output a cell run keeps by default: 1 MiB of text (about 20,000 log
 * lines). In code-server here, 4 MiB of stdout took the editor 35 s to take in and draw.
 */
export const OUTPUT_LIMIT_CHARS = 1024 * 1024;

const MB = 1024 * 1024;

/** `12.3` for 12.3 MiB; at least `0.1` so a note never says "0 MB". */
export function formatMegabytes(chars: number): string {
  return Math.max(0.1, chars / MB).toFixed(1);
}

/** The note shown where a cell's output stopped. */
export function truncationNote(droppedChars: number, limitChars: number): string {
  return `\n… output truncated: ${formatMegabytes(droppedChars)} MB more (a cell shows at most ${formatMegabytes(limitChars)} MB of output)\n`;
}

/** Size of a MIME bundle as its strings' lengths (what the channel and the editor carry). */
export function bundleChars(data: Record<string, unknown>): number {
  let total = 0;
  for (const value of Object.values(data ?? {})) {
    if (typeof value === 'string') total += value.length;
    else if (value !== undefined) total += JSON.stringify(value)?.length ?? 0;
  }
  return total;
}

/** One cell run's budget: what fits is kept, the rest only counted. */
export class OutputBudget {
  private used = 0;
  /** Characters dropped so far. */
  dropped = 0;

  constructor(readonly limit: number = OUTPUT_LIMIT_CHARS) {
    if (!Number.isFinite(limit) || limit <= 0)
      throw new Error(`output limit must be a positive number of characters, got ${limit}`);
  }

  /** The part of a stream chunk that fits ("" when none does). */
  takeText(text: string): string {
    const room = this.limit - this.used;
    if (text.length <= room) {
      this.used += text.length;
      return text;
    }
    const kept = room > 0 ? text.slice(0, room) : '';
    this.used += kept.length;
    this.dropped += text.length - kept.length;
    return kept;
  }

  /** Whether a whole output (a display, a result) of `size` characters fits; it is kept or dropped whole. */
  takeWhole(size: number): boolean {
    if (this.used + size <= this.limit) {
      this.used += size;
      return true;
    }
    this.dropped += size;
    return false;
  }

  /** The note to show once the run ended, or undefined when nothing was dropped. */
  note(): string | undefined {
    return this.dropped > 0 ? truncationNote(this.dropped, this.limit) : undefined;
  }
}
