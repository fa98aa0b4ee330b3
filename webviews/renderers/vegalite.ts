/**
 * Notebook renderer for `application/vnd.vegalite.v5+json`: draws the chart inline with
 * vega-embed, so a notebook needs no other extension to show `lab.display.vegalite(...)`.
 * Runs in the notebook's output webview (a browser), bundled as one ES module.
 *
 * Vega expressions are interpreted (`ast` + vega-interpreter) instead of compiled with
 * `new Function`, so the chart works under a strict Content-Security-Policy; in an
 * untrusted workspace, specs cannot load data from URLs.
 */
import type { ActivationFunction, OutputItem, RendererContext } from 'vscode-notebook-renderer';
import embed, { type EmbedOptions, type Result, type VisualizationSpec } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { loader as vegaLoader } from 'vega';

const STYLE_ID = 'labbook-vegalite-style';

function isDark(): boolean {
  const classes = document.body.classList;
  return (
    classes.contains('vscode-dark') ||
    (classes.contains('vscode-high-contrast') && !classes.contains('vscode-high-contrast-light'))
  );
}

function ensureStyle(): void {
  if (document.getElementById(STYLE_ID)) return;
  const style = document.createElement('style');
  style.id = STYLE_ID;
  style.textContent = `
    .labbook-vegalite { padding: 4px 0; overflow-x: auto; }
    .labbook-vegalite .vega-embed { display: inline-block; }
    .labbook-vegalite-error { color: var(--vscode-errorForeground, #f14c4c); font-family: var(--vscode-editor-font-family, monospace); white-space: pre-wrap; }
  `;
  document.head.appendChild(style);
}

function showError(element: HTMLElement, message: string): void {
  const pre = document.createElement('pre');
  pre.className = 'labbook-vegalite-error';
  pre.textContent = `Cannot render the vega-lite chart: ${message}`;
  element.replaceChildren(pre);
}

function options(context: RendererContext<unknown>): EmbedOptions {
  const opts: EmbedOptions = {
    actions: false,
    renderer: 'svg',
    ast: true,
    expr: expressionInterpreter,
    // Keep the notebook's background; vega's own themes for dark editors.
    theme: isDark() ? 'dark' : undefined,
    config: { background: 'transparent' },
    tooltip: true,
  };
  if (!context.workspace.isTrusted) {
    const blocked = vegaLoader();
    blocked.sanitize = () =>
      Promise.reject(new Error('loading data from a URL is disabled in an untrusted workspace'));
    opts.loader = blocked;
  }
  return opts;
}

export const activate: ActivationFunction = (context) => {
  const views = new Map<string, Result>();
  const forget = (id: string) => {
    views.get(id)?.finalize();
    views.delete(id);
  };
  return {
    async renderOutputItem(item: OutputItem, element: HTMLElement, signal: AbortSignal) {
      ensureStyle();
      forget(item.id);
      let spec: VisualizationSpec;
      try {
        spec = item.json() as VisualizationSpec;
      } catch (error) {
        showError(element, `the output is not JSON (${(error as Error).message})`);
        return;
      }
      if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
        showError(element, 'the output is not a vega-lite specification object');
        return;
      }
      const container = document.createElement('div');
      container.className = 'labbook-vegalite';
      element.replaceChildren(container);
      try {
        const result = await embed(container, spec, { ...options(context), mode: 'vega-lite' });
        if (signal.aborted) {
          result.finalize();
          return;
        }
        views.set(item.id, result);
      } catch (error) {
        showError(element, (error as Error).message);
      }
    },
    disposeOutputItem(id?: string) {
      if (id) forget(id);
      else for (const key of [...views.keys()]) forget(key);
    },
  };
};
