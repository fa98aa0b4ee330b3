/**
 * The `labbook` declarations notebooks type-check against (dist/sdk-types, built by
 * scripts/build.mjs, served by the kernel as `node_modules/labbook`): every cell's program
 * loads all the files they reach, so they must reach only what their public types need
 * (tfjs for models, Node's own types), not the engines' packages (DuckDB alone is about
 * 160 declaration files), and still type the SDK as a notebook uses it.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { makeTempDir, removeDir } from './temp';

const dist = path.join(__dirname, '..', '..');
const root = path.join(dist, '..');
const sdkTypes = path.join(dist, 'sdk-types', 'labbook', 'kernel', 'sdk', 'index.d.ts');

/** Packages whose declarations the SDK's public types may reach. */
const ALLOWED = /^(@tensorflow\/|@types\/node$|undici-types$|@webgpu\/types$|long$|buffer$)/;

function packageOf(fileName: string): string | undefined {
  const m = /[\\/]node_modules[\\/]((?:@[^\\/]+[\\/])?[^\\/]+)[\\/]/.exec(fileName);
  return m ? m[1].replace(/\\/g, '/') : undefined;
}

/** A program of one cell importing `labbook`, as the kernel's checker builds it. */
function cellProgram(dir: string, code: string): ts.Program {
  const cell = path.join(dir, 'cell.ts');
  writeFileSync(cell, code);
  return ts.createProgram([cell], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [path.join(root, 'node_modules', '@types')],
    paths: { labbook: [sdkTypes] },
  });
}

function errorsOf(program: ts.Program): string[] {
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

describe('labbook declarations for notebooks', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    dir = makeTempDir('labbook-sdk-types-');
  });
  after(() => removeDir(dir));

  it('reach no package beyond tfjs and Node’s types (no DuckDB, SQLite, Arrow, JSON-RPC)', () => {
    const program = cellProgram(dir, 'import * as lab from "labbook";\nexport const l = lab;\n');
    assert.deepEqual(errorsOf(program), []);
    const counts = new Map<string, number>();
    for (const file of program.getSourceFiles()) {
      const pkg = packageOf(file.fileName);
      if (pkg && !pkg.startsWith('typescript')) counts.set(pkg, (counts.get(pkg) ?? 0) + 1);
    }
    assert.ok(counts.has('@tensorflow/tfjs'), 'the model types come from tfjs');
    const beyond = [...counts].filter(([pkg]) => !ALLOWED.test(pkg));
    assert.deepEqual(
      beyond.map(([pkg, n]) => `${pkg}: ${n} files`),
      [],
      'packages the labbook declarations pull into every cell',
    );
  });

  it('type a cell that tracks a run, displays and reads suites and their results', () => {
    const ok = cellProgram(
      dir,
      [
        'import * as lab from "labbook";',
        'const run: lab.Run = lab.startRun({ experiment: "e" });',
        'run.logParams({ lr: 0.01 });',
        'run.logMetric("loss", 0.5, { step: 1 });',
        'lab.display.html("<b>x</b>");',
        'const suite: lab.Suite = { name: "s", formatVersion: 1, createdAt: "", reference: { source: "d", rows: 1 }, rules: [] };',
        'const check = (r: lab.ValidationResult): boolean => r.passed && r.rules.every((x) => x.rule.id !== "");',
        'export { run, suite, check };',
        '',
      ].join('\n'),
    );
    assert.deepEqual(errorsOf(ok), []);
    const wrong = cellProgram(
      dir,
      'import * as lab from "labbook";\nlab.startRun({ experiment: "e" }).logMetric(1, "loss");\n',
    );
    assert.ok(errorsOf(wrong).length > 0, 'a wrong call is a type error');
  });
});
