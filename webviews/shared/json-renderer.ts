/**
 * A notebook renderer for one of Labbook's JSON MIME types: its stylesheet added once, the
 * payload parsed and checked with the protocol's guard, and anything else shown as a plain
 * error naming what was expected, never rendered half-way.
 */
import type { ActivationFunction, OutputItem } from 'vscode-notebook-renderer';
import { el, ensureStyle } from './dom';

export interface JsonRendererSpec<T> {
  styleId: string;
  css: string;
  /** Class of the error's <pre>. */
  errorClass: string;
  /** What is shown, e.g. "the drift report". */
  what: string;
  /** Why a payload is refused, e.g. "a Labbook drift report (expected …)". */
  expected: string;
  isValid(value: unknown): value is T;
  render(value: T): HTMLElement;
}

export function jsonRenderer<T>(spec: JsonRendererSpec<T>): ActivationFunction {
  const showError = (element: HTMLElement, message: string): void => {
    element.replaceChildren(
      el('pre', { className: spec.errorClass, text: `Cannot show ${spec.what}: ${message}` }),
    );
  };
  return () => ({
    renderOutputItem(item: OutputItem, element: HTMLElement) {
      ensureStyle(spec.styleId, spec.css);
      let value: unknown;
      try {
        value = item.json();
      } catch (error) {
        showError(element, `the output is not JSON (${(error as Error).message})`);
        return;
      }
      if (!spec.isValid(value)) {
        showError(element, `the output is not ${spec.expected}`);
        return;
      }
      element.replaceChildren(spec.render(value));
    },
  });
}
