/**
 * Messages between the runs table panel (webview) and the extension host. Both sides
 * import this module; each side checks what it receives, because the other is another
 * program.
 *
 * The webview owns the view state (filter, order, columns, grouping, selection, scroll)
 * and asks for pages of rows; the host owns the scope (which experiments) and adds it to
 * every query, so a webview cannot widen what it lists.
 */
import type {
  MetricAggregate,
  RunsTablePage,
  RunsTableQuery,
  RunsTableRow,
} from '../../core/service/protocol';

export type { MetricAggregate, RunsTablePage, RunsTableQuery, RunsTableRow };

/** Actions on the selected runs that the host carries out (with its own confirmations and inputs). */
export type RunsTableAction = 'delete' | 'pin' | 'unpin' | 'tag';
export const RUNS_TABLE_ACTIONS: readonly RunsTableAction[] = ['delete', 'pin', 'unpin', 'tag'];

/** A page query without the scope: the host adds `experimentIds`. */
export type RunsTablePageQuery = Omit<RunsTableQuery, 'experimentIds'>;

/** Host to webview. */
export type ToRunsTableView =
  /** Answers `ready`: what the panel lists. */
  | { type: 'init'; title: string; multipleExperiments: boolean; filter?: string }
  /** Answers `query` with the same request id (the webview drops answers it no longer waits for). */
  | { type: 'page'; requestId: number; page: RunsTablePage }
  | { type: 'queryFailed'; requestId: number; message: string }
  /** The store changed: ask again for the rows on screen. */
  | { type: 'refresh' }
  /** A run action finished (deleted runs leave the selection). */
  | { type: 'actionDone'; action: RunsTableAction; runIds: string[] };

/** Webview to host. */
export type FromRunsTableView =
  | { type: 'ready' }
  | { type: 'query'; requestId: number; query: RunsTablePageQuery }
  | { type: 'openRun'; runId: string }
  | { type: 'compare'; runIds: string[] }
  | { type: 'runAction'; action: RunsTableAction; runIds: string[] };

/** Most ids one message may carry (a selection is sent whole). */
export const MAX_RUN_IDS = 10_000;
/** Most rows per page (the service's limit). */
export const MAX_PAGE_LIMIT = 1000;

type Loose = Record<string, unknown>;

function isObject(v: unknown): v is Loose {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function isRunId(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= 200;
}

function isRunIds(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_RUN_IDS && v.every(isRunId);
}

function isRequestId(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function optionalString(v: unknown, max = 10_000): boolean {
  return v === undefined || (typeof v === 'string' && v.length <= max);
}

export function isPageQuery(v: unknown): v is RunsTablePageQuery {
  if (!isObject(v)) return false;
  return (
    Number.isSafeInteger(v.offset) &&
    (v.offset as number) >= 0 &&
    Number.isSafeInteger(v.limit) &&
    (v.limit as number) > 0 &&
    (v.limit as number) <= MAX_PAGE_LIMIT &&
    optionalString(v.filter) &&
    optionalString(v.orderBy) &&
    optionalString(v.groupByParam, 1000) &&
    (v.topLevelOnly === undefined || typeof v.topLevelOnly === 'boolean') &&
    (v.parentRunId === undefined || isRunId(v.parentRunId))
  );
}

export function isFromRunsTableView(message: unknown): message is FromRunsTableView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'ready':
      return true;
    case 'query':
      return isRequestId(message.requestId) && isPageQuery(message.query);
    case 'openRun':
      return isRunId(message.runId);
    case 'compare':
      return isRunIds(message.runIds) && message.runIds.length >= 2;
    case 'runAction':
      return (
        RUNS_TABLE_ACTIONS.includes(message.action as RunsTableAction) &&
        isRunIds(message.runIds) &&
        message.runIds.length > 0
      );
    default:
      return false;
  }
}

function isWireNumber(v: unknown): boolean {
  return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
}

function isStringRecord(v: unknown): v is Record<string, string> {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isRow(v: unknown): v is RunsTableRow {
  if (!isObject(v)) return false;
  return (
    isRunId(v.id) &&
    typeof v.name === 'string' &&
    typeof v.experiment === 'string' &&
    typeof v.status === 'string' &&
    typeof v.startTime === 'number' &&
    (v.endTime === null || typeof v.endTime === 'number') &&
    typeof v.pinned === 'boolean' &&
    Number.isInteger(v.childCount) &&
    isStringRecord(v.params) &&
    isStringRecord(v.tags) &&
    isObject(v.metrics) &&
    Object.values(v.metrics).every((m) => isObject(m) && isWireNumber(m.latest))
  );
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

export function isRunsTablePage(v: unknown): v is RunsTablePage {
  if (!isObject(v)) return false;
  const columns = v.columns as Loose | undefined;
  return (
    Number.isSafeInteger(v.total) &&
    (v.total as number) >= 0 &&
    Number.isSafeInteger(v.offset) &&
    Array.isArray(v.rows) &&
    v.rows.every(isRow) &&
    isObject(columns) &&
    isStringList(columns.params) &&
    isStringList(columns.metrics) &&
    isStringList(columns.tags) &&
    (v.groups === undefined ||
      (Array.isArray(v.groups) &&
        v.groups.every(
          (g) =>
            isObject(g) &&
            (g.value === null || typeof g.value === 'string') &&
            Number.isSafeInteger(g.count),
        ))) &&
    isObject(v.best) &&
    Object.values(v.best).every(isWireNumber) &&
    (v.error === undefined ||
      (isObject(v.error) &&
        typeof v.error.message === 'string' &&
        Number.isSafeInteger(v.error.position) &&
        (v.error.in === 'filter' || v.error.in === 'orderBy')))
  );
}

export function isToRunsTableView(message: unknown): message is ToRunsTableView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'init':
      return (
        typeof message.title === 'string' &&
        typeof message.multipleExperiments === 'boolean' &&
        (message.filter === undefined ||
          (typeof message.filter === 'string' && message.filter.length <= 10_000))
      );
    case 'page':
      return isRequestId(message.requestId) && isRunsTablePage(message.page);
    case 'queryFailed':
      return isRequestId(message.requestId) && typeof message.message === 'string';
    case 'refresh':
      return true;
    case 'actionDone':
      return (
        RUNS_TABLE_ACTIONS.includes(message.action as RunsTableAction) && isRunIds(message.runIds)
      );
    default:
      return false;
  }
}

/**
 * A key as the search language reads it: bare when it is one word, else in backticks
 * (a backslash takes the next character as it is).
 */
export function searchKey(
  entity: 'metrics' | 'params' | 'tags' | 'attributes',
  key: string,
): string {
  return /^[A-Za-z_][\w-]*$/.test(key)
    ? `${entity}.${key}`
    : `${entity}.\`${key.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}
