/**
 * Panels with an overview and a detail view per column (Data Quality, Drift): which column is
 * open lives in the webview state (so it survives the panel being hidden), opening a column
 * remembers where the overview was scrolled and going back returns there, a new payload
 * re-renders whichever view is open, and Escape goes back.
 */

export interface ColumnNavigationHooks {
  /** The open column (from the saved UI state), or null for the overview. */
  column(): string | null;
  /** Records the open column in the saved UI state. */
  setColumn(name: string | null): void;
  /** Something to show has arrived. */
  hasContent(): boolean;
  renderOverview(): void;
  /** Draws the column's detail view; false when there is no such column. */
  renderColumn(name: string): boolean;
}

export interface ColumnNavigation {
  open(name: string): void;
  close(): void;
  /** Re-renders the open view, keeping the scroll position. */
  render(): void;
}

export function columnNavigation(hooks: ColumnNavigationHooks): ColumnNavigation {
  let overviewScroll = 0;
  const close = (): void => {
    hooks.setColumn(null);
    hooks.renderOverview();
    window.scrollTo(0, overviewScroll);
  };
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && hooks.column() !== null && hooks.hasContent()) close();
  });
  return {
    open(name) {
      overviewScroll = window.scrollY;
      hooks.setColumn(name);
      if (hooks.renderColumn(name)) window.scrollTo(0, 0);
    },
    close,
    render() {
      if (!hooks.hasContent()) return;
      const scrollY = window.scrollY;
      const column = hooks.column();
      if (column === null || !hooks.renderColumn(column)) {
        hooks.setColumn(null);
        hooks.renderOverview();
      }
      window.scrollTo(0, scrollY);
    },
  };
}
