/**
 * The runs table panel: one row per run with its attributes, params, metrics and tags,
 * filtered with the runs search language, sorted by clicking headers, grouped by a param,
 * with nested runs under their parent.
 *
 * Virtualized: only the rows in view (plus a few) are in the DOM, each ROW_HEIGHT tall,
 * inside a spacer as tall as every row; pages of PAGE_SIZE rows are asked from the host on
 * demand around the viewport and cached. The view state (filter, order, columns, grouping,
 * selection, scroll, expanded parents) survives the panel being hidden through setState.
 *
 * Every string from the store is set as text, never as HTML: names, params, tags and metric
 * keys come from notebooks and may hold markup.
 *
 * This file wires the parts: state.ts (what the table knows), paging.ts (asking the host
 * for rows), layout.ts (where each display row comes from), columns.ts, and rendering.ts
 * with cells.ts and picker.ts (the DOM).
 */
import { createPaging } from './paging';
import { isToRunsTableView, type FromRunsTableView } from './protocol';
import { tablePage } from './rendering';
import { createState, stateSaver } from './state';

declare function acquireVsCodeApi(): {
  postMessage(message: FromRunsTableView): void;
  setState(s: unknown): void;
  getState(): unknown;
};

const vscode = acquireVsCodeApi();
const root = document.getElementById('root')!;

const state = createState(vscode.getState());
const saver = stateSaver(state, (view) => vscode.setState(view));
const post = (message: FromRunsTableView): void => vscode.postMessage(message);

/** The query changed: forget every row and start again from the top. */
function requery(): void {
  paging.forget();
  page.scrollToTop();
  saver.save();
  paging.requestPage(0);
  page.renderAll();
}

function toggleExpanded(runId: string): void {
  if (state.expanded.has(runId)) state.expanded.delete(runId);
  else {
    state.expanded.add(runId);
    if (!state.data.children.has(runId) && !state.data.latestChildRequest.has(runId))
      paging.requestChildren(runId);
  }
  saver.save();
  page.renderAll();
}

const page = tablePage(root, state, {
  post,
  saver,
  requery,
  toggleExpanded,
  scrolled: () => paging.scheduleFetch(),
  baseQuery: () => paging.baseQuery(),
});
const paging = createPaging(state, {
  post,
  range: () => page.range(),
  pendingChanged: () => page.updateBusy(),
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const message = event.data;
  if (!isToRunsTableView(message)) return;
  switch (message.type) {
    case 'init': {
      const first = !state.initialized;
      state.initialized = true;
      state.multipleExperiments = message.multipleExperiments;
      document.title = message.title;
      // A filter the opener asked for (a command argument) wins over the one saved in state.
      if (message.filter !== undefined && message.filter !== state.view.filter) {
        page.setFilter(message.filter);
        saver.save();
        if (!first) requery();
      }
      if (first) {
        paging.requestPage(0);
        for (const p of paging.wantedPages()) if (p !== 0) paging.requestPage(p);
        for (const runId of state.expanded) paging.requestChildren(runId);
      } else paging.refresh();
      page.renderAll();
      return;
    }
    case 'page': {
      const answered = paging.onPage(message.requestId, message.page);
      if (!answered) return;
      page.renderAll();
      if (answered === 'children') return;
      if (state.restoreScrollPending) page.restoreScroll();
      paging.scheduleFetch(0);
      return;
    }
    case 'queryFailed':
      if (paging.onQueryFailed(message.requestId, message.message)) page.renderStatus();
      return;
    case 'refresh':
      if (state.initialized) paging.refresh();
      return;
    case 'actionDone':
      if (message.action === 'delete') {
        for (const id of message.runIds) state.selected.delete(id);
        saver.save();
        page.renderAll();
      }
      return;
  }
});

page.renderAll();
post({ type: 'ready' });
