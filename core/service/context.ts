/**
 * What every group of the workspace service's handlers gets from main.ts, and how their
 * errors reach the extension. One context for all groups, so a handler that starts to need
 * the store or the working folder does not grow a context type of its own.
 */
import { ErrorCodes, ResponseError, type MessageConnection } from 'vscode-jsonrpc/node';
import type { OpenStore } from '../store';
import { StoreError } from '../store/errors';
import { RegistryError } from '../registry/types';
import { ServeError } from '../common/serve-types';

export interface HandlerContext {
  connection: MessageConnection;
  /** The open store, or undefined before a notebook has created one. May throw (newer schema, not a database). */
  currentStore: () => OpenStore | undefined;
  /** Where the store is (or will be), once initialized. */
  storePath: () => string | undefined;
  /** Tell the views; `true` after the service's own writes, which data_version does not show. */
  notifyChanges: (ownWrite: boolean) => void;
  /** Relative paths in params resolve against this folder: the service's working folder, the workspace folder. */
  cwd: () => string;
}

/**
 * The store for a request that needs one. `nothingYet` says what cannot exist before a
 * notebook has created the store, e.g. `no model has been registered`.
 */
export function requiredStore(
  ctx: Pick<HandlerContext, 'currentStore' | 'storePath'>,
  nothingYet: string,
): OpenStore {
  const store = ctx.currentStore();
  if (!store)
    throw new ResponseError(
      ErrorCodes.InvalidRequest,
      `There is no store yet at ${ctx.storePath()}: ${nothingYet}.`,
    );
  return store;
}

/**
 * Domain errors as the extension shows them: INVALID as InvalidParams, the rest as
 * InvalidRequest with the domain's message, and a promotion refused by its gates carries
 * the gate results as the error's data. Anything else is InternalError.
 */
export function toResponseError(error: unknown): ResponseError<unknown> {
  if (error instanceof ResponseError) return error;
  if (error instanceof ServeError || error instanceof RegistryError) {
    if (error.code === 'GATES_FAILED')
      return new ResponseError(
        ErrorCodes.InvalidRequest,
        error.message,
        (error as { gates?: unknown[] }).gates ?? [],
      );
    return new ResponseError(
      error.code === 'INVALID' ? ErrorCodes.InvalidParams : ErrorCodes.InvalidRequest,
      error.message,
    );
  }
  if (error instanceof StoreError)
    return new ResponseError(ErrorCodes.InvalidRequest, error.message);
  return new ResponseError(ErrorCodes.InternalError, (error as Error)?.message ?? String(error));
}

/** Runs a handler's body with its errors translated by `toResponseError`. */
export async function guarded<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw toResponseError(error);
  }
}

/**
 * A module a group of handlers loads on its first request, so that the service starts
 * without it. A failed load is InternalError saying what is `unavailable`, and is tried
 * again on the next request.
 */
export function onFirstUse<T>(load: () => T, unavailable: string): () => T {
  let loaded: T | undefined;
  return () => {
    if (loaded) return loaded;
    try {
      loaded = load();
    } catch (error) {
      throw new ResponseError(
        ErrorCodes.InternalError,
        `${unavailable}: ${(error as Error).message}`,
      );
    }
    return loaded;
  };
}
