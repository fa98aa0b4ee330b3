/**
 * The compare panel: two or more runs side by side (params diff, metrics with the best
 * marked, overlaid metric histories, parallel coordinates, a param/metric scatter, Markdown
 * and CSV export). The webview is webviews/compare; the messages are in its protocol.ts.
 *
 * Interface for the runs feature (extension/runs/runsFeature.ts):
 *
 * ```ts
 * const compare = this.track(new ComparePanel(context.extensionPath, () => this.service, (id) => details.show(id)));
 * // command "Labbook: Compare Runs" (labbook.compareRuns), with the selected run ids:
 * compare.show(runIds);   // one panel per set of ids (order does not matter); the same set reveals the open one
 * // on the service's storeChanged:
 * compare.refreshAll();   // every open panel fetches its comparison again; the UI keeps its choices
 * ```
 *
 * Also exported as `ComparePanels` (with `refreshAll()`), like RunDetailsPanels.
 *
 * - `service` is read on every fetch: while it is undefined (not started, crashed) the panel
 *   says so, and shows the comparison on the next `refresh()`.
 * - Fewer than two runs, an unknown id or a run the service refuses (e.g. deleted) show the
 *   service's message in the panel instead of the charts.
 * - `openRun` (optional) is called when a run's name is clicked in the panel.
 * - Strict Content-Security-Policy: scripts only by nonce from dist/webviews; no eval (vega
 *   runs with its expression interpreter).
 */
import * as vscode from 'vscode';
import type { ServiceClient } from '../../core/service/client';
import {
  isFromCompareView,
  type FromCompareView,
  type ToCompareView,
} from '../../webviews/compare/protocol';
import { Disposable } from '../util/dispose';
import { LabbookPanel, PanelSet, type MessageHandlers } from '../util/panels';

export const COMPARE_VIEW_TYPE = 'labbook.compareRuns';

/** The key of a set of run ids: the same runs in any order share one panel. */
export function runSetKey(runIds: string[]): string {
  return [...new Set(runIds)].sort().join(',');
}

export class ComparePanel extends Disposable {
  private readonly views = this.track(new PanelSet<CompareView>());

  constructor(
    private readonly extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly openRun?: (runId: string) => void,
  ) {
    super();
  }

  /** Opens (or reveals) the comparison of these runs. */
  show(runIds: string[]): CompareView {
    const ids = [...new Set(runIds)];
    return this.views.show(
      runSetKey(ids),
      () => new CompareView(ids, this.extensionPath, this.service, this.openRun),
    );
  }

  /** The store changed: every open comparison fetches its runs again. */
  refreshAll(): void {
    this.views.refreshAll();
  }

  /** The run id sets of the open panels. */
  get openRunSets(): string[][] {
    return this.views.open.map((v) => v.runIds);
  }
}

export { ComparePanel as ComparePanels };

/** One webview panel comparing one set of runs. */
export class CompareView extends LabbookPanel<FromCompareView, ToCompareView> {
  /** Refreshes overlap while a run trains; only the newest answer is posted. */
  private generation = 0;

  constructor(
    readonly runIds: string[],
    extensionPath: string,
    private readonly service: () => ServiceClient | undefined,
    private readonly openRun?: (runId: string) => void,
  ) {
    super(extensionPath, {
      viewType: COMPARE_VIEW_TYPE,
      title: `Compare ${runIds.length} runs`,
      webview: 'compare',
      loading: 'Loading comparison…',
      accepts: isFromCompareView,
    });
  }

  async refresh(): Promise<void> {
    if (!this.ready || this.disposed) return;
    const generation = ++this.generation;
    const message = await this.fetch();
    if (this.disposed || generation !== this.generation) return;
    if (message.type === 'comparison')
      this.panel.title =
        `Compare: ${message.data.comparison.runs.map((r) => r.name).join(', ')}`.slice(0, 80);
    this.post(message);
  }

  private async fetch(): Promise<ToCompareView> {
    if (this.runIds.length < 2)
      return { type: 'error', message: 'Select at least two runs to compare.' };
    const service = this.service();
    if (!service)
      return {
        type: 'error',
        message:
          'The Labbook workspace service is not running, so there is nothing to compare yet. Open a workspace folder with a Labbook store.',
      };
    try {
      // A deleted run is still in the store (until purged): say so rather than compare it silently.
      const deleted = await service.listDeletedRuns().catch(() => []);
      const gone = deleted.filter((run) => this.runIds.some((id) => run.id.startsWith(id)));
      if (gone.length > 0) {
        const names = gone.map((run) => `"${run.name}" (${run.id.slice(0, 8)})`).join(', ');
        return {
          type: 'error',
          message: `${gone.length === 1 ? 'Run' : 'Runs'} ${names} ${gone.length === 1 ? 'was' : 'were'} deleted. Restore ${gone.length === 1 ? 'it' : 'them'} from "Deleted" in the Labbook sidebar to compare again.`,
        };
      }
      const data = await service.compareRuns(this.runIds);
      // The service names the metric to chart first: a sweep's when these are its trials.
      const keyMetric = data.keyMetric ?? null;
      return { type: 'comparison', data, keyMetric };
    } catch (error) {
      return { type: 'error', message: error instanceof Error ? error.message : String(error) };
    }
  }

  protected readonly handlers: MessageHandlers<FromCompareView> = {
    ready: () => this.refresh(),
    copyMarkdown: async (message) => {
      await vscode.env.clipboard.writeText(message.markdown);
      void vscode.window.setStatusBarMessage('Copied the comparison as Markdown', 3000);
      this.post({ type: 'notice', message: 'Copied the comparison as a Markdown table.' });
    },
    exportCsv: async (message) => {
      const where = await this.saveAs({
        title: 'Export comparison as CSV',
        fileName: message.fileName,
        fallbackName: 'comparison.csv',
        filters: { 'CSV files': ['csv'] },
        text: () => message.csv,
        what: 'the comparison',
      });
      if (where) this.post({ type: 'notice', message: `Saved ${where}` });
    },
    openRun: (message) => {
      // Only runs of this comparison (ids may have been given as prefixes; the webview has full ones).
      if (this.runIds.some((id) => message.runId.startsWith(id))) this.openRun?.(message.runId);
    },
  };
}
