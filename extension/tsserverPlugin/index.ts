/**
 * A TypeScript server plugin, loaded by VS Code's built-in TypeScript extension into its
 * tsserver (package.json `contributes.typescriptServerPlugins`), that leaves the cells of
 * Jupyter notebooks to Labbook. The built-in extension checks every notebook cell as a
 * file of its own: a name from an earlier cell is unknown, an import used in a later cell
 * is drawn faded as unused, and its hovers and completions come beside Labbook's, which
 * check the notebook as the kernel runs it (extension/notebook/languageFeatures.ts). This
 * is how Deno's extension hands files to its own language server (typescript-deno-plugin).
 *
 * Only what Labbook answers is switched off, and only in notebook cells: diagnostics,
 * hovers, completions and signature help. Everything else (go to definition inside a
 * cell, rename, formatting, folding, highlighting) and every other file is untouched.
 *
 * Runs inside tsserver (plain Node, no `vscode`); shipped as the package
 * `labbook-tsserver-plugin` in the extension's node_modules (scripts/package.mjs), where
 * tsserver looks for plugins.
 */
import type * as TS from 'typescript';

/** The package name tsserver loads this plugin by (package.json `typescriptServerPlugins`). */
export const PLUGIN_NAME = 'labbook-tsserver-plugin';

/**
 * tsserver names an editor buffer with a URI scheme other than `file` as
 * `^/<scheme>/<authority>/<path>#<fragment>`; a notebook cell's is `vscode-notebook-cell`.
 */
export function isJupyterCell(fileName: string): boolean {
  const normalized = fileName.replace(/\\/g, '/');
  return /(^|\/)vscode-notebook-cell\//.test(normalized) && /\.ipynb(#|$)/.test(normalized);
}

type Service = TS.LanguageService;

function init(): { create(info: TS.server.PluginCreateInfo): Service } {
  return {
    create(info) {
      const inner = info.languageService;
      const proxy = Object.create(null) as Service;
      for (const key of Object.keys(inner) as (keyof Service)[]) {
        const member = inner[key];
        (proxy as unknown as Record<string, unknown>)[key] =
          typeof member === 'function'
            ? (...args: unknown[]) => (member as (...a: unknown[]) => unknown).apply(inner, args)
            : member;
      }
      const none = <T>(method: keyof Service, empty: T) => {
        const original = inner[method] as (fileName: string, ...rest: unknown[]) => T;
        (proxy as unknown as Record<string, unknown>)[method] = (
          fileName: string,
          ...rest: unknown[]
        ): T => (isJupyterCell(fileName) ? empty : original.call(inner, fileName, ...rest));
      };
      none('getSyntacticDiagnostics', []);
      none('getSemanticDiagnostics', []);
      none('getSuggestionDiagnostics', []);
      none('getQuickInfoAtPosition', undefined);
      none('getCompletionsAtPosition', undefined);
      none('getSignatureHelpItems', undefined);
      info.project.projectService.logger.info(`${PLUGIN_NAME}: notebook cells are left to Labbook`);
      return proxy;
    },
  };
}

// tsserver requires the package and calls what it exports.
module.exports = Object.assign(init, { isJupyterCell, PLUGIN_NAME });
