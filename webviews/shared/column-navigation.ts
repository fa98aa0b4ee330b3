/**
 * Panels with an overview and a detail view per column (Data Quality, Drift): which column is
 * open lives in the webview state (so it survives the panel being hidden), opening a column
 * remembers where the overview was scrolled and going back returns there, a new payload
 * re-renders whichever view is open, and Escape goes back.
 */

export interface ColumnNavigationHooks {
  /** The panel's UI state: `column` is the open column, or null for the overview. */
  ui: { column: string | null };
  /** Saves the UI state in the webview state. */
  saveUi(): void;
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
  const setColumn = (name: string | null): void => {
    hooks.ui.column = name;
    hooks.saveUi();
  };
  const close = (): void => {
    setColumn(null);
    hooks.renderOverview();
    window.scrollTo(0, overviewScroll);
  };
  window.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && hooks.ui.column !== null && hooks.hasContent()) close();
  });
  return {
    open(name) {
      overviewScroll = window.scrollY;
      setColumn(name);
      if (hooks.renderColumn(name)) window.scrollTo(0, 0);
    },
    close,
    render() {
      if (!hooks.hasContent()) return;
      const scrollY = window.scrollY;
      const column = hooks.ui.column;
      if (column === null || !hooks.renderColumn(column)) {
        setColumn(null);
        hooks.renderOverview();
      }
      window.scrollTo(0, scrollY);
    },
  };
}
