/**
 * The editor's view of a notebook as the kernel sees it: cells laid out as one program
 * (offsets in and out, declarations of earlier cells visible in later ones) and the
 * notebook language process that checks it, driven over its JSON-RPC channel like the
 * extension does.
 */
import { strict as assert } from 'node:assert';
import { utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type * as TS from 'typescript';
import {
  buildNotebookProgram,
  cellPosition,
  toCellSpan,
  topLevelDeclarations,
  type NotebookCellInput,
} from '../../kernel/language/notebookProgram';
import { LanguageClient } from '../../kernel/language/client';
import type { LanguageCell } from '../../kernel/language/protocol';
import { runtimeMembers } from '../../kernel/runtimeCompletions';
import { makeTempDir, removeDir } from './temp';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- the kernel's TypeScript (tslab's fork), typed by the typescript package
const ts = require('@tslab/typescript-for-tslab') as typeof TS;
const languageMain = path.join(__dirname, '..', '..', 'kernel', 'language', 'main.js');

const cell = (i: number, text: string): NotebookCellInput => ({
  uri: `vscode-notebook-cell:/nb.ipynb#c${i}`,
  language: 'typescript',
  text,
});

describe('notebook program layout', () => {
  it('lists the names a cell declares at its top level, with how', () => {
    const names = topLevelDeclarations(
      ts,
      [
        'import * as lab from "labbook";',
        'import def, { a as b } from "x";',
        'const { c, d: [e] } = f;',
        'let g = 1;',
        'function h() {}',
        'class K {}',
        'interface I {}',
        'type T = 1;',
        'enum E {}',
        'if (true) { const inner = 1; }',
      ].join('\n'),
      'typescript',
    );
    assert.deepEqual(Object.fromEntries(names), {
      lab: 'const',
      def: 'const',
      b: 'const',
      c: 'const',
      e: 'const',
      g: 'let',
      h: 'other',
      K: 'other',
      I: 'other',
      T: 'other',
      E: 'other',
    });
  });

  it('imports into each cell the latest earlier declaration of every name it does not declare', () => {
    const program = buildNotebookProgram(ts, '/nb', 'k', [
      cell(0, 'const x = 1;\nconst y = 2;'),
      cell(1, 'const x = "two";'),
      cell(2, 'x + y;'),
      cell(3, 'const y = x;'),
    ]);
    assert.deepEqual(Object.fromEntries(program.cells[2].imported), { x: 1, y: 0 });
    assert.deepEqual(Object.fromEntries(program.cells[3].imported), { x: 1 });
    assert.equal(program.cells[0].prefixLength, 0);
    const third = program.cells[2];
    assert.equal(third.fileName, path.join('/nb', '__labbook_k_cell2__.ts'));
    assert.equal(third.content.slice(third.prefixLength, third.prefixLength + 6), 'x + y;');
    assert.match(third.content, /^import \{ y \} from "\.\/__labbook_k_cell0__"; import \{ x \}/);
  });

  it('maps program spans to cell spans and drops what lies in the layout', () => {
    const [, second] = buildNotebookProgram(ts, '/nb', 'k', [
      cell(0, 'const a = 1;'),
      cell(1, 'a;\nconst b: string = a;'),
    ]).cells;
    const p = second.prefixLength;
    assert.ok(p > 0);
    assert.deepEqual(toCellSpan(second, p + 3, 5), { start: 3, length: 5 });
    assert.equal(toCellSpan(second, 0, 4), undefined, 'in the prelude');
    assert.equal(toCellSpan(second, p + second.text.length + 3, 2), undefined, 'in the epilogue');
    assert.deepEqual(toCellSpan(second, p + second.text.length - 1, 20), { start: 22, length: 1 });
    assert.deepEqual(cellPosition(second.text, 9), { line: 1, character: 6 });
  });
});

describe('notebook language process', function () {
  this.timeout(120_000);
  let client: LanguageClient;
  let folder: string;
  before(async () => {
    folder = makeTempDir('labbook-language-');
    client = await LanguageClient.start({ languageMain, cwd: folder });
  });
  after(async () => {
    await client?.shutdown();
    removeDir(folder);
  });

  const notebook = 'file:///nb/a.ipynb';
  const cells = (...texts: string[]): LanguageCell[] =>
    texts.map((text, i) => ({ uri: `cell-${i}`, language: 'typescript', text }));
  const update = (version: number, ...texts: string[]) =>
    client.update({ notebook, folder, version, cells: cells(...texts) });

  it('reports a type error on the cell and line where it is, using a name from an earlier cell', async () => {
    const result = await update(
      1,
      'import * as lab from "labbook";\nconst epochs = 5;',
      '// the model\n',
      'console.log(typeof lab.startRun);\nconst n: string = epochs;\nawait Promise.resolve(1);',
    );
    assert.equal(result.version, 1);
    const [first, second, third] = result.cells;
    assert.deepEqual(first.diagnostics, [], JSON.stringify(first.diagnostics));
    assert.deepEqual(second.diagnostics, []);
    assert.equal(third.diagnostics.length, 1, JSON.stringify(third.diagnostics));
    const d = third.diagnostics[0];
    assert.equal(d.code, 2322);
    assert.match(d.message, /Type 'number' is not assignable to type 'string'/);
    assert.deepEqual([d.line, d.character, d.endLine, d.endCharacter], [1, 6, 1, 7]);
    assert.equal(d.start, 'console.log(typeof lab.startRun);\nconst '.length);
  });

  it('lets a later cell assign an earlier let, and refuses an earlier const as the kernel does', async () => {
    const result = await update(2, 'let count = 0;\nconst limit = 3;', 'count++;\nlimit = 4;');
    const messages = result.cells[1].diagnostics.map((d) => `${d.line}: TS${d.code} ${d.message}`);
    assert.deepEqual(messages, ["1: TS2588 Cannot assign to 'limit' because it is a constant."]);
  });

  it('reports what the kernel cannot find: an unknown name, a missing package', async () => {
    const result = await update(
      3,
      'const a = 1;',
      'b + a;\nimport { z } from "no-such-package-xyz";',
    );
    const codes = result.cells[1].diagnostics.map((d) => d.code).sort();
    assert.deepEqual(codes, [2304, 2307]);
  });

  it("sees a change to the notebook folder's own .ts file a cell imports", async () => {
    const helpers = path.join(folder, 'helpers.ts');
    writeFileSync(helpers, 'export const rate = 0.1;\n');
    const cell = 'import { rate } from "./helpers";\nconst r: number = rate;';
    assert.deepEqual((await update(10, cell)).cells[0].diagnostics, []);
    writeFileSync(helpers, 'export const rate = "fast";\n');
    const later = new Date(Date.now() + 5000);
    utimesSync(helpers, later, later);
    const codes = (await update(11, cell)).cells[0].diagnostics.map((d) => d.code);
    assert.deepEqual(codes, [2322]);
  });

  it('hovers, completes and helps with signatures from the types, docs included', async () => {
    const text = 'const m = lab.startRun;\nlab.';
    await update(4, 'import * as lab from "labbook";\nconst rate = 0.1;', text);
    const hover = await client.hover({ notebook, cell: 'cell-1', offset: text.indexOf('lab') + 1 });
    assert.ok(hover, 'a hover for lab');
    assert.match(hover.text, /lab/);
    const completions = await client.completions({ notebook, cell: 'cell-1', offset: text.length });
    assert.ok(completions && completions.items.length > 5, 'members of lab');
    const names = completions.items.map((i) => i.name);
    assert.ok(names.includes('startRun'), names.join(', '));
    const details = await client.completionDetails({
      notebook,
      cell: 'cell-1',
      offset: text.length,
      name: 'startRun',
    });
    assert.ok(details && /startRun/.test(details.detail), JSON.stringify(details));
    assert.ok(details.documentation.length > 0, 'startRun has JSDoc');
    const top = await client.completions({ notebook, cell: 'cell-1', offset: 0 });
    assert.ok(
      top?.items.some((i) => i.name === 'rate'),
      'a name of an earlier cell',
    );
    assert.ok(!top?.items.some((i) => i.name.startsWith('__labbook_')), 'no layout files');
    const call = 'Math.pow(2, ';
    await update(5, call);
    const help = await client.signatureHelp({ notebook, cell: 'cell-0', offset: call.length });
    assert.ok(help && help.signatures.length > 0);
    assert.equal(help.activeParameter, 1);
    assert.match(help.signatures[0].label, /pow\(x: number, y: number\)/);
  });
});

describe('tsserver plugin (VS Code TypeScript leaves notebook cells to Labbook)', () => {
  // As tsserver loads it: the built package, by its folder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded the way tsserver loads a plugin package
  const plugin = require(
    path.join(__dirname, '..', '..', 'tsserver-plugin', 'labbook-tsserver-plugin'),
  ) as () => {
    create(info: unknown): Record<string, (file: string, ...rest: unknown[]) => unknown>;
  };
  const cellFile = '^/vscode-notebook-cell/ts-nul-authority/work/nb/penguins.ipynb#W2sZmlsZQ==';
  const fileFile = '/work/nb/train.ts';

  function proxied() {
    const calls: string[] = [];
    const answer = (name: string) => (file: string) => {
      calls.push(`${name} ${file}`);
      return [`${name} of ${file}`];
    };
    const inner = Object.fromEntries(
      [
        'getSyntacticDiagnostics',
        'getSemanticDiagnostics',
        'getSuggestionDiagnostics',
        'getQuickInfoAtPosition',
        'getCompletionsAtPosition',
        'getSignatureHelpItems',
        'getDefinitionAtPosition',
      ].map((n) => [n, answer(n)]),
    );
    const logged: string[] = [];
    const service = plugin().create({
      languageService: inner,
      project: { projectService: { logger: { info: (m: string) => logged.push(m) } } },
    });
    return { service, calls, logged };
  }

  it('answers nothing in notebook cells for what Labbook answers', () => {
    const { service, calls, logged } = proxied();
    assert.deepEqual(service.getSemanticDiagnostics(cellFile), []);
    assert.deepEqual(service.getSuggestionDiagnostics(cellFile), []);
    assert.deepEqual(service.getSyntacticDiagnostics(cellFile), []);
    assert.equal(service.getQuickInfoAtPosition(cellFile, 3), undefined);
    assert.equal(service.getCompletionsAtPosition(cellFile, 3, {}), undefined);
    assert.equal(service.getSignatureHelpItems(cellFile, 3, {}), undefined);
    assert.deepEqual(calls, []);
    assert.match(logged.join('\n'), /labbook-tsserver-plugin/);
  });

  it('passes everything else through: other files, other features in cells', () => {
    const { service, calls } = proxied();
    assert.deepEqual(service.getQuickInfoAtPosition(fileFile, 3), [
      `getQuickInfoAtPosition of ${fileFile}`,
    ]);
    assert.deepEqual(service.getSuggestionDiagnostics(fileFile), [
      `getSuggestionDiagnostics of ${fileFile}`,
    ]);
    assert.deepEqual(service.getDefinitionAtPosition(cellFile, 3), [
      `getDefinitionAtPosition of ${cellFile}`,
    ]);
    assert.equal(calls.length, 3);
    // A cell of another kind of notebook is not Labbook's.
    const other = '^/vscode-notebook-cell/ts-nul-authority/work/nb/notes.deno-nb#x';
    assert.deepEqual(service.getQuickInfoAtPosition(other, 1), [
      `getQuickInfoAtPosition of ${other}`,
    ]);
  });
});

describe('runtime completions (keys the running value has)', () => {
  const locals: Record<string, unknown> = {
    cfg: JSON.parse('{"alpha": 1, "beta": {"gamma": 2}, "not an identifier": 3}'),
    guarded: Object.defineProperty({}, 'secret', {
      get() {
        throw new Error('a getter ran');
      },
      enumerable: true,
    }),
    proxied: new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('a proxy trap ran');
        },
      },
    ),
  };

  it('lists the keys of the value named before the dot, through own data properties', () => {
    assert.deepEqual(runtimeMembers(locals, 'cfg.', 4), ['alpha', 'beta']);
    assert.deepEqual(runtimeMembers(locals, 'x = cfg.beta.ga', 'x = cfg.beta.'.length), ['gamma']);
    assert.deepEqual(runtimeMembers(locals, 'unknown.', 8), []);
    assert.deepEqual(runtimeMembers(locals, 'cfg', 3), [], 'no dot');
  });

  it('never runs notebook code: getters and proxies are left alone', () => {
    assert.deepEqual(runtimeMembers(locals, 'guarded.', 8), ['secret']);
    assert.deepEqual(runtimeMembers(locals, 'guarded.secret.', 15), []);
    assert.deepEqual(runtimeMembers(locals, 'proxied.', 8), []);
  });
});
