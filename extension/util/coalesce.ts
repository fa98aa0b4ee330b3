/**
 * Store changes come in bursts while a model trains (many writes a second), and a view
 * should ask the service again once per burst, not once per write: the first call starts
 * the wait, the calls during it are merged into it, and the work runs once at its end.
 */
import type { DisposableLike } from './dispose';

export class Coalesced implements DisposableLike {
  private timer: NodeJS.Timeout | undefined;
  private disposed = false;

  constructor(
    private readonly run: () => void,
    private readonly delayMs: number,
  ) {}

  /** Runs after `delayMs` (this call's, when given), unless a run is already waiting. */
  schedule(delayMs = this.delayMs): void {
    if (this.timer || this.disposed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, delayMs);
  }

  /** Drops a waiting run (its view is gone). */
  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
