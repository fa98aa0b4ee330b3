// The layer rules alone, as a config ESLint can load by itself: `npm run lint:layers` is
// the quick check, and test/unit/lint-layers.test.ts plants violations against it, so the
// test proves that the rules `npm run lint` runs can fail.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { layersConfig, NOT_LINTED } from './layers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default [
  {
    ignores: NOT_LINTED,
  },
  // The plugins of the full config, no rules of theirs on: the source's eslint-disable
  // comments name their rules, and only the full lint judges whether those are still needed.
  {
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  ...layersConfig(root),
];
