/**
 * A tree of disposables: each owner tracks what it registers, and disposing the root (the
 * one object in `context.subscriptions`) disposes everything, children before parents,
 * newest first. Modelled on vscode-dvc's `class/dispose.ts`.
 */
export interface DisposableLike {
  dispose(): unknown;
}

export class Disposable implements DisposableLike {
  private readonly children = new Set<DisposableLike>();
  private isDisposed = false;

  get disposed(): boolean {
    return this.isDisposed;
  }

  /** Tracks a disposable so that it is disposed with this object; returns it for chaining. */
  protected track<T extends DisposableLike>(child: T): T {
    if (this.isDisposed) {
      child.dispose();
      return child;
    }
    this.children.add(child);
    return child;
  }

  /** Stops tracking (the child was disposed on its own) without disposing it. */
  protected untrack(child: DisposableLike): void {
    this.children.delete(child);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    const children = [...this.children].reverse();
    this.children.clear();
    for (const child of children) {
      try {
        child.dispose();
      } catch (error) {
        console.error('[labbook] dispose failed:', error);
      }
    }
  }
}

/** Wraps a function as a disposable. */
export function toDisposable(fn: () => void): DisposableLike {
  let done = false;
  return {
    dispose: () => {
      if (!done) {
        done = true;
        fn();
      }
    },
  };
}
