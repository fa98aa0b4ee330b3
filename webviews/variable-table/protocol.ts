/**
 * Messages between the variable table panel (webview) and the extension host
 * (extension/notebook/variableTablePanel.ts): a notebook variable that is an array of row
 * objects, shown as a virtual table. Both sides import this module and check what they
 * receive at run time.
 *
 * Handshake: the webview posts `ready`; the host posts `table` (the columns and the row
 * count), and again when a cell ran (the variable may have changed); the webview asks for
 * the pages it scrolls to with `rows`, the host answers `page`. Rows never all cross at once.
 */
import { isObject } from '../shared/guards';

/** Rows per page the webview asks for. */
export const PAGE_ROWS = 200;
/** Rows the table can show (a taller scroll area than this is not drawn reliably by browsers). */
export const MAX_TABLE_ROWS = 1_000_000;

/** Host to webview. */
export type ToVariableTableView =
  | {
      type: 'table';
      name: string;
      notebook: string;
      columns: string[];
      total: number;
      version: number;
    }
  /** `version` is the `table` message's, so a page of an older value is dropped. */
  | { type: 'page'; version: number; offset: number; rows: string[][] }
  | { type: 'error'; message: string };

/** Webview to host. */
export type FromVariableTableView =
  { type: 'ready' } | { type: 'rows'; version: number; offset: number; limit: number };

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((s) => typeof s === 'string');
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

export function isFromVariableTableView(message: unknown): message is FromVariableTableView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'ready':
      return true;
    case 'rows':
      return (
        isCount(message.version) &&
        isCount(message.offset) &&
        Number.isInteger(message.limit) &&
        (message.limit as number) >= 1 &&
        (message.limit as number) <= PAGE_ROWS
      );
    default:
      return false;
  }
}

export function isToVariableTableView(message: unknown): message is ToVariableTableView {
  if (!isObject(message)) return false;
  switch (message.type) {
    case 'table':
      return (
        typeof message.name === 'string' &&
        typeof message.notebook === 'string' &&
        isStrings(message.columns) &&
        isCount(message.total) &&
        isCount(message.version)
      );
    case 'page':
      return (
        isCount(message.version) &&
        isCount(message.offset) &&
        Array.isArray(message.rows) &&
        message.rows.every(isStrings)
      );
    case 'error':
      return typeof message.message === 'string';
    default:
      return false;
  }
}
