// ESLint for the whole tree: typescript-eslint with type information, the import plugin,
// the layer rules of DESIGN.md (scripts/lint/layers.mjs) and Prettier's formatting left to
// Prettier (`npm run format` rewrites, `npm run lint` checks both).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layersConfig, NOT_LINTED } from './scripts/lint/layers.mjs';

const root = dirname(fileURLToPath(import.meta.url));

export default tseslint.config(
  {
    ignores: NOT_LINTED,
  },
  {
    linterOptions: { reportUnusedDisableDirectives: 'error' },
  },
  js.configs.recommended,
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommended],
    languageOptions: {
      parserOptions: {
        // Two programs: Node code (core, kernel, cli, test) and the editor's (extension,
        // webviews, with the DOM library).
        project: ['./tsconfig.json', './tsconfig.extension.json'],
        tsconfigRootDir: root,
      },
      globals: { ...globals.node },
    },
    rules: {
      // Type-aware checks that catch real bugs: a promise nobody awaits loses its error.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unnecessary-type-assertion': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // An exception to a rule must say why it is one.
      'no-warning-comments': 'off',
    },
  },
  ...layersConfig(root),
  {
    files: ['**/*.ts'],
    rules: {
      'import-x/no-duplicates': 'error',
      'import-x/no-self-import': 'error',
      'import-x/no-useless-path-segments': 'error',
    },
  },
  prettier,
);
