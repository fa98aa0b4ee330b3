/**
 * How panels embed a vega-lite chart. The panels' Content-Security-Policy has no
 * 'unsafe-eval', so vega evaluates expressions with its interpreter (`ast` + `expr`); the
 * default tooltip handler escapes what it shows (vega-tooltip's `sanitize`), and its dark
 * theme is restyled to VS Code's in the base stylesheet.
 */
import embed, { type EmbedOptions, type Result, type VisualizationSpec } from 'vega-embed';
import { expressionInterpreter } from 'vega-interpreter';
import { chartError } from './notice';

/** `tooltip` overrides the dark tooltip (the run details panel keeps vega's default one). */
export function embedChart(
  target: HTMLElement,
  spec: unknown,
  options: Pick<EmbedOptions, 'tooltip'> = {},
): Promise<Result> {
  return embed(target, spec as VisualizationSpec, {
    actions: false,
    renderer: 'svg',
    ast: true,
    expr: expressionInterpreter,
    tooltip: { theme: 'dark' },
    ...options,
  });
}

/**
 * The charts of a page that is redrawn whole (an overview, a column's detail view): each
 * redraw finalizes the last one's vega views, which hold timers and listeners. A chart whose
 * target left the page while vega drew it is finalized at once.
 */
export interface PageCharts {
  draw(target: HTMLElement, spec: unknown): Promise<void>;
  finalizeAll(): void;
}

export function pageCharts(): PageCharts {
  const drawn: Result[] = [];
  return {
    async draw(target, spec) {
      if (!target.isConnected) return;
      try {
        const result = await embedChart(target, spec);
        if (!target.isConnected) result.finalize();
        else drawn.push(result);
      } catch (error) {
        chartError(target, error);
      }
    },
    finalizeAll() {
      for (const c of drawn.splice(0)) c.finalize();
    },
  };
}
