// The layer rules of DESIGN.md as ESLint checks. Folders follow runtimes (core/ is plain
// Node, kernel/ a child process, extension/ the VS Code extension host, webviews/ a
// browser, cli/ a composition root), and what one runtime may import from another is the
// architecture: a wrong import works on the author's machine and breaks somewhere else
// (a native module in Electron, `fs` in a webview). VS Code's own `code-layering` rule and
// vscode-jupyter's restricted-path zones are the models: the rule fails the lint and its
// message names the layer rule and why it exists.
//
// Type-only imports (`import type`, `import { type X }`, `import('x').T`) are erased by the
// build, so they cross layers freely: a webview may name the service's result types.
import { builtinModules } from 'node:module';
import { dirname, relative, resolve, sep } from 'node:path';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Built output, the staged .vsix (.package), installed packages, test output and the example workspace: not source. */
export const NOT_LINTED = [
  'dist/**',
  'node_modules/**',
  '.vscode-test/**',
  'test-output/**',
  '.package/**',
  'examples/**',
  '**/*.d.ts',
];

/** Packages with native code: they load in plain Node only, never in Electron's extension host. */
const NATIVE_PACKAGES = [
  'better-sqlite3',
  '@duckdb/node-api',
  '@duckdb/node-bindings',
  '@tensorflow/tfjs-node',
  'zeromq',
  'tslab',
  'pg-native',
];

/**
 * One entry per layer. `allow` lists the repository folders or files (relative, with a
 * trailing slash for folders) a file of the layer may import at run time; every other
 * repository path is refused. `packages: 'none-native'` refuses native packages,
 * `'browser'` refuses Node built-ins and `vscode`.
 */
export const LAYERS = {
  'core-is-the-domain': {
    files: ['core/**/*.ts'],
    ignores: ['core/common/**'],
    allow: ['core/'],
    refuse: ['vscode'],
    why: 'core/ is the domain in plain Node; the editor, the kernel and the CLI build on it, never the reverse (DESIGN.md, "Runtimes and folders")',
  },
  'core-common-is-browser-safe': {
    files: ['core/common/**/*.ts'],
    allow: ['core/common/'],
    refuse: ['vscode'],
    browser: true,
    why: 'core/common/ is the part of core that webviews and the extension host load: it touches no Node API and imports only itself',
  },
  'kernel-is-a-child-process': {
    files: ['kernel/**/*.ts'],
    allow: ['kernel/', 'core/'],
    refuse: ['vscode'],
    why: 'kernel/ runs in a Node child process per notebook; it may use core/, never the editor (extension/, webviews/) or the CLI',
  },
  'cli-is-a-composition-root': {
    files: ['cli/**/*.ts'],
    allow: ['cli/', 'core/', 'kernel/'],
    refuse: ['vscode'],
    why: 'cli/ wires core/ and kernel/ together for a terminal; it has no editor to import',
  },
  'extension-host-loads-no-native-module': {
    files: ['extension/**/*.ts'],
    allow: [
      'extension/',
      'core/common/',
      // The workspace service's contract and its pure-JS process client.
      'core/service/protocol.ts',
      'core/service/client.ts',
      // Where the store lives, decided in one place for every side.
      'core/store/location.ts',
      'kernel/protocol.ts',
      'kernel/client.ts',
      // The notebook language process's contract and its pure-JS process client.
      'kernel/language/protocol.ts',
      'kernel/language/client.ts',
      'webviews/*/protocol.ts',
    ],
    refuse: NATIVE_PACKAGES,
    why: 'the extension host is Electron, whose ABI differs from the node that built the native modules; it imports from core/ only types, core/common/ and the service contract and client, and starts everything native in child processes',
  },
  'webviews-run-in-a-browser': {
    files: ['webviews/**/*.ts'],
    allow: ['webviews/', 'core/common/'],
    refuse: ['vscode'],
    browser: true,
    why: 'webviews/ runs in the browser inside a webview: it imports only webviews/ and the browser-safe core/common/, and nothing that touches Node',
  },
};

function isTypeOnly(node) {
  if (node.type === 'TSImportType') return true;
  if (node.importKind === 'type' || node.exportKind === 'type') return true;
  const specifiers = node.specifiers ?? [];
  return (
    specifiers.length > 0 &&
    specifiers.every((s) => s.importKind === 'type' || s.exportKind === 'type')
  );
}

function matchesAllow(repoPath, allow) {
  return allow.some((entry) => {
    if (entry.includes('*')) {
      const pattern = new RegExp(
        `^${entry.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]+')}$`,
      );
      return pattern.test(repoPath);
    }
    return entry.endsWith('/') ? repoPath.startsWith(entry) : repoPath === entry;
  });
}

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const layersRule = {
  meta: {
    type: 'problem',
    docs: { description: "Enforce DESIGN.md's layer rules between runtimes" },
    schema: [
      {
        type: 'object',
        properties: { layer: { type: 'string' }, root: { type: 'string' } },
        required: ['layer', 'root'],
        additionalProperties: false,
      },
    ],
    messages: {
      path: "[layers/{{layer}}] {{from}} may not import '{{specifier}}' ({{target}}) at run time: {{why}}.",
      package: "[layers/{{layer}}] {{from}} may not import '{{specifier}}': {{why}}.",
    },
  },
  create(context) {
    const { layer: name, root } = context.options[0];
    const layer = LAYERS[name];
    const file = context.filename;
    const from = relative(root, file).split(sep).join('/');

    function check(node, specifier) {
      if (typeof specifier !== 'string' || isTypeOnly(node)) return;
      const report = (messageId, target) =>
        context.report({
          node,
          messageId,
          data: { layer: name, from, specifier, target, why: layer.why },
        });
      if (specifier.startsWith('.')) {
        let target = relative(root, resolve(dirname(file), specifier))
          .split(sep)
          .join('/');
        if (!/\.[cm]?[jt]s$/.test(target)) target += '.ts';
        if (!target.startsWith('..') && !matchesAllow(target, layer.allow)) report('path', target);
        return;
      }
      const pkg = packageName(specifier);
      if (layer.refuse.includes(pkg) || layer.refuse.includes(specifier)) {
        report('package');
      } else if (layer.browser && NODE_BUILTINS.has(specifier.split('/')[0])) {
        report('package');
      }
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
      TSImportEqualsDeclaration: (node) =>
        node.moduleReference.type === 'TSExternalModuleReference' &&
        node.importKind !== 'type' &&
        check(node, node.moduleReference.expression.value),
      CallExpression(node) {
        const [arg] = node.arguments;
        const isRequire =
          (node.callee.type === 'Identifier' && node.callee.name === 'require') ||
          (node.callee.type === 'MemberExpression' &&
            node.callee.object.type === 'Identifier' &&
            node.callee.object.name === 'require' &&
            node.callee.property.type === 'Identifier' &&
            node.callee.property.name === 'resolve');
        if (isRequire && arg?.type === 'Literal') check(node, arg.value);
      },
    };
  },
};

export const labbookPlugin = { meta: { name: 'labbook' }, rules: { layers: layersRule } };

/** Globals a webview (or core/common/) must not touch: they exist only in Node. */
const NODE_ONLY_GLOBALS = [
  'process',
  'Buffer',
  'require',
  'module',
  '__dirname',
  '__filename',
  'global',
  'setImmediate',
].map((name) => ({
  name,
  message: 'Node-only global in browser code (layer rule: webviews-run-in-a-browser).',
}));

/**
 * The layer checks as flat-config objects, rooted at `root` (the repository). The full
 * config (eslint.config.mjs) spreads them; the planted-violation test runs them alone, so
 * it proves these very rules fail.
 */
export function layersConfig(root) {
  const configs = [
    {
      files: ['**/*.ts'],
      languageOptions: { parser: tseslint.parser, sourceType: 'module' },
      plugins: { labbook: labbookPlugin, 'import-x': importX },
      settings: {
        'import-x/extensions': importX.flatConfigs.typescript.settings['import-x/extensions'],
        'import-x/parsers': importX.flatConfigs.typescript.settings['import-x/parsers'],
        'import-x/resolver-next': [
          createTypeScriptImportResolver({ project: resolve(root, 'tsconfig.json') }),
        ],
      },
      rules: {
        // A run-time cycle makes module order decide what is undefined at load time.
        'import-x/no-cycle': ['error', { ignoreExternal: true }],
      },
    },
  ];
  for (const [name, layer] of Object.entries(LAYERS)) {
    configs.push({
      files: layer.files,
      ...(layer.ignores ? { ignores: layer.ignores } : {}),
      ...(layer.browser ? { languageOptions: { globals: globals.browser } } : {}),
      rules: {
        'labbook/layers': ['error', { layer: name, root }],
        ...(layer.browser ? { 'no-restricted-globals': ['error', ...NODE_ONLY_GLOBALS] } : {}),
      },
    });
  }
  return configs;
}
