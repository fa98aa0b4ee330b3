/**
 * The layer rules of DESIGN.md fail the lint: each test plants one violation in a file of
 * the layer it breaks and shows ESLint reporting it under the rule's name. The config is
 * the one `npm run lint` spreads (scripts/lint/layers.config.mjs), so a rule that silently
 * stopped matching would fail here, not pass unnoticed.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ESLint, type Linter } from 'eslint';

const root = path.resolve(__dirname, '..', '..', '..');

describe('layer rules (npm run lint)', function () {
  this.timeout(120_000);
  let eslint: ESLint;

  before(() => {
    eslint = new ESLint({
      cwd: root,
      overrideConfigFile: path.join(root, 'scripts/lint/layers.config.mjs'),
    });
  });

  async function problems(file: string, code: string): Promise<Linter.LintMessage[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(root, file) });
    return result.messages;
  }

  async function expectViolation(file: string, code: string, rule: string, layer?: string) {
    const messages = await problems(file, code);
    const hit = messages.find(
      (m) => m.ruleId === rule && (!layer || m.message.includes(`[layers/${layer}]`)),
    );
    assert.ok(
      hit,
      `expected ${rule}${layer ? ` (${layer})` : ''} on ${file}, got ${JSON.stringify(messages)}`,
    );
    assert.equal(hit.severity, 2, 'a layer rule is an error, not a warning');
    return hit;
  }

  async function expectClean(file: string, code: string) {
    const messages = await problems(file, code);
    assert.deepEqual(messages, [], `expected no problem on ${file}`);
  }

  const layers = 'labbook/layers';

  it('core/ imports nothing from kernel/, extension/, webviews/, cli/ or vscode', async () => {
    const file = 'core/store/planted.ts';
    const hit = await expectViolation(
      file,
      "import { activate } from '../../extension/extension';\nvoid activate;\n",
      layers,
      'core-is-the-domain',
    );
    assert.match(
      hit.message,
      /core\/store\/planted\.ts may not import '\.\.\/\.\.\/extension\/extension'/,
    );
    assert.match(hit.message, /DESIGN\.md/, 'the message says why the rule exists');
    await expectViolation(
      file,
      "export { executeCell } from '../../kernel/executor';\n",
      layers,
      'core-is-the-domain',
    );
    await expectViolation(
      file,
      "import '../../webviews/shared/dom';\n",
      layers,
      'core-is-the-domain',
    );
    await expectViolation(
      file,
      "const m = require('../../cli/main');\nvoid m;\n",
      layers,
      'core-is-the-domain',
    );
    await expectViolation(
      file,
      "import * as vscode from 'vscode';\nvoid vscode;\n",
      layers,
      'core-is-the-domain',
    );
    await expectViolation(
      file,
      "void import('../../extension/extension');\n",
      layers,
      'core-is-the-domain',
    );
  });

  it('kernel/ imports nothing from extension/ or webviews/', async () => {
    const file = 'kernel/sdk/planted.ts';
    await expectViolation(
      file,
      "import { activate } from '../../extension/extension';\nvoid activate;\n",
      layers,
      'kernel-is-a-child-process',
    );
    await expectViolation(
      file,
      "import { el } from '../../webviews/shared/dom';\nvoid el;\n",
      layers,
      'kernel-is-a-child-process',
    );
    await expectClean(
      file,
      "import { formatMetric } from '../../core/common/format';\nvoid formatMetric;\n",
    );
  });

  it('webviews/ import only webviews/ and core/common/ at run time, and nothing of Node', async () => {
    const file = 'webviews/runs-table/planted.ts';
    await expectViolation(
      file,
      "import { openStore } from '../../core/store';\nvoid openStore;\n",
      layers,
      'webviews-run-in-a-browser',
    );
    await expectViolation(
      file,
      "import { readFileSync } from 'node:fs';\nvoid readFileSync;\n",
      layers,
      'webviews-run-in-a-browser',
    );
    await expectViolation(
      file,
      "import * as path from 'path';\nvoid path;\n",
      layers,
      'webviews-run-in-a-browser',
    );
    await expectViolation(
      file,
      "import { ServiceClient } from '../../core/service/client';\nvoid ServiceClient;\n",
      layers,
      'webviews-run-in-a-browser',
    );
    const global = await expectViolation(
      file,
      'export const cwd = process.cwd();\n',
      'no-restricted-globals',
    );
    assert.match(global.message, /webviews-run-in-a-browser/);
    // Types are erased by the build: naming the service's result types costs nothing at run time.
    await expectClean(
      file,
      "import type { RunsTablePage } from '../../core/service/protocol';\nexport type Page = RunsTablePage;\n",
    );
    await expectClean(
      file,
      "import { formatMetric } from '../../core/common/format';\nvoid formatMetric;\n",
    );
  });

  it('core/common/ is browser-safe: no Node, nothing else of core', async () => {
    const file = 'core/common/planted.ts';
    await expectViolation(
      file,
      "import * as path from 'node:path';\nvoid path;\n",
      layers,
      'core-common-is-browser-safe',
    );
    await expectViolation(
      file,
      "import { openStore } from '../store';\nvoid openStore;\n",
      layers,
      'core-common-is-browser-safe',
    );
  });

  it('extension/ loads no native module and imports core only for types and host-safe helpers', async () => {
    const file = 'extension/runs/planted.ts';
    await expectViolation(
      file,
      "import Database from 'better-sqlite3';\nvoid Database;\n",
      layers,
      'extension-host-loads-no-native-module',
    );
    await expectViolation(
      file,
      "import { DuckDBInstance } from '@duckdb/node-api';\nvoid DuckDBInstance;\n",
      layers,
      'extension-host-loads-no-native-module',
    );
    await expectViolation(
      file,
      "import { openStore } from '../../core/store';\nvoid openStore;\n",
      layers,
      'extension-host-loads-no-native-module',
    );
    await expectViolation(
      file,
      "import { profileFile } from '../../core/quality/profile';\nvoid profileFile;\n",
      layers,
      'extension-host-loads-no-native-module',
    );
    await expectClean(
      file,
      "import type { Run } from '../../core/store';\nimport { ServiceClient } from '../../core/service/client';\nimport { formatMetric } from '../../core/common/format';\nexport type R = Run;\nvoid ServiceClient;\nvoid formatMetric;\n",
    );
  });

  it('cli/ uses core/ and kernel/, never the editor', async () => {
    await expectViolation(
      'cli/planted.ts',
      "import { activate } from '../extension/extension';\nvoid activate;\n",
      layers,
      'cli-is-a-composition-root',
    );
  });

  it('no import cycle at run time', async () => {
    // A cycle needs both files on disk: the rule follows imports through the file system.
    const dir = path.join(root, 'core', `planted-cycle-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    try {
      writeFileSync(
        path.join(dir, 'a.ts'),
        "import { b } from './b';\nexport const a = () => b;\n",
      );
      writeFileSync(
        path.join(dir, 'b.ts'),
        "import { a } from './a';\nexport const b = () => a;\n",
      );
      const [result] = await eslint.lintFiles([path.join(dir, 'a.ts')]);
      assert.ok(
        result.messages.some((m) => m.ruleId === 'import-x/no-cycle' && m.severity === 2),
        JSON.stringify(result.messages),
      );
      // The same pair joined by a type-only import is no cycle at run time.
      writeFileSync(
        path.join(dir, 'b.ts'),
        "import type { a } from './a';\nexport const b = (f: typeof a) => f;\n",
      );
      const [typeOnly] = await eslint.lintFiles([path.join(dir, 'a.ts')]);
      assert.deepEqual(typeOnly.messages, []);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
