/**
 * A panel's busy state while the host works on its request (profiling a file, comparing two):
 * the button that started it says what is running, and the buttons that would start another
 * run are disabled, so a second click cannot queue a second run. The state outlives renders:
 * buttons drawn while busy are drawn busy.
 */

export interface BusyStateOptions {
  /** Selector of the button whose label says what runs, e.g. `.refresh`. */
  labelled: string;
  label: string;
  /** Its label while busy, e.g. "Profiling…". */
  busyLabel: string;
  /** Selector of every button disabled while busy (the labelled one included). */
  disables: string;
}

export interface BusyState {
  readonly busy: boolean;
  /** The labelled button's label now. */
  label(): string;
  /** Attributes for a button that is disabled while busy. */
  attrs(): Record<string, string>;
  /** Records the host's busy message and updates the buttons on the page. */
  set(busy: boolean): void;
}

export function busyState(root: HTMLElement, options: BusyStateOptions): BusyState {
  let busy = false;
  const state: BusyState = {
    get busy() {
      return busy;
    },
    label: () => (busy ? options.busyLabel : options.label),
    attrs: (): Record<string, string> => (busy ? { disabled: '' } : {}),
    set(value) {
      busy = value;
      const labelled = root.querySelector(options.labelled);
      if (labelled) labelled.textContent = state.label();
      for (const action of root.querySelectorAll(options.disables)) {
        if (busy) action.setAttribute('disabled', '');
        else action.removeAttribute('disabled');
      }
    },
  };
  return state;
}
