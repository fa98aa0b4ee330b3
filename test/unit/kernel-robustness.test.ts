/**
 * What used to kill a kernel or hide a failure (issue 14, items 1, 14 and 15): declarations
 * rewritten under an idle kernel, errors thrown after their cell finished, a parent that
 * dies while a cell is busy. Kernel starts are slow here, so one kernel serves most cases.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { KernelClient } from '../../kernel/client';
import type { CellOutput, OutputParams } from '../../kernel/protocol';

const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');
const clientModule = path.join(__dirname, '..', '..', 'kernel', 'client.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited orphan nobody has reaped yet is a zombie: dead, though signals still reach it.
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

function writePackage(dir: string, name: string, js: string, dts: string): void {
  const pkg = path.join(dir, 'node_modules', name);
  mkdirSync(pkg, { recursive: true });
  writeFileSync(
    path.join(pkg, 'package.json'),
    JSON.stringify({ name, main: 'index.js', types: 'index.d.ts' }),
  );
  writeFileSync(path.join(pkg, 'index.js'), js);
  writeFileSync(path.join(pkg, 'index.d.ts'), dts);
}

describe('kernel robustness', function () {
  this.timeout(120_000);
  let dir: string;
  let kernel: KernelClient;
  const arrived: OutputParams[] = [];
  let exited: string | undefined;

  const run = async (cellId: string, code: string, executionCount: number) => {
    const { status } = await kernel.execute({ cellId, code, executionCount });
    await new Promise((r) => setImmediate(r));
    return { status, outputs: arrived.filter((o) => o.cellId === cellId).map((o) => o.output) };
  };
  const errors = (outputs: CellOutput[]) =>
    outputs.filter((o): o is Extract<CellOutput, { kind: 'error' }> => o.kind === 'error');

  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-robust-'));
    writePackage(
      dir,
      'typed-pkg',
      'exports.answer = () => 42;\n',
      'export declare function answer(): number;\n',
    );
    kernel = await KernelClient.start({ notebookPath: path.join(dir, 'robust.ipynb'), kernelMain });
    kernel.on('output', (o) => arrived.push(o));
    kernel.on('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
    });
  });

  after(async () => {
    await kernel?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('survives declarations rewritten under it while idle, and the next cell sees the new ones (item 1)', async () => {
    const first = await run(
      'decl-1',
      'import { answer } from "typed-pkg";\nconst kept = answer();',
      1,
    );
    assert.equal(first.status, 'ok', JSON.stringify(first.outputs));
    const before = arrived.length;
    // What a rebuild or `npm install` does: the same files written again, a package added,
    // a declaration changed.
    const pkg = path.join(dir, 'node_modules', 'typed-pkg');
    for (const f of readdirSync(pkg))
      writeFileSync(path.join(pkg, f), readFileSync(path.join(pkg, f)));
    await sleep(400);
    writePackage(
      dir,
      'fresh-pkg',
      'exports.fresh = () => "new";\n',
      'export declare function fresh(): string;\n',
    );
    // Only the types change: a module already loaded stays loaded, as in Node.
    writeFileSync(path.join(pkg, 'index.d.ts'), 'export declare function answer(): 42;\n');
    await sleep(1500);
    assert.equal(exited, undefined, 'the kernel exited');
    assert.deepEqual(
      arrived.slice(before).map((o) => o.output),
      [],
      'nothing is reported while the kernel is idle',
    );
    const next = await run(
      'decl-2',
      'import { fresh } from "fresh-pkg";\nconst exact: 42 = answer();\n[kept, exact, fresh()]',
      2,
    );
    assert.equal(next.status, 'ok', JSON.stringify(next.outputs));
    assert.deepEqual(
      next.outputs.find((o) => o.kind === 'result'),
      { kind: 'result', data: { 'text/plain': "[ 42, 42, 'new' ]" }, executionCount: 2 },
    );
  });

  it('reports an error thrown after its cell finished for the cell that scheduled it (item 14)', async () => {
    const early = await run(
      'late-1',
      'setTimeout(() => { throw new Error("late timer"); }, 150);\nvoid new Promise((_, reject) => setTimeout(() => reject(new Error("late promise")), 250));',
      3,
    );
    assert.equal(early.status, 'ok', 'nothing failed while the cell ran');
    const waiting = await run(
      'late-2',
      'await new Promise((r) => setTimeout(r, 600));\n"waited"',
      4,
    );
    assert.equal(waiting.status, 'ok');
    assert.deepEqual(
      errors(waiting.outputs),
      [],
      'the errors do not land in the cell that happened to run',
    );
    const late = errors(arrived.filter((o) => o.cellId === 'late-1').map((o) => o.output));
    assert.deepEqual(
      late.map((e) => [e.evalue, e.uncaught]),
      [
        ['late timer', true],
        ['late promise', true],
      ],
    );
    assert.match(late[0].traceback.join('\n'), /the cell run as \[3\], line 1/);
    // While the cell still runs, it fails itself.
    const own = await run(
      'late-3',
      'setTimeout(() => { throw new Error("mine"); }, 10);\nawait new Promise((r) => setTimeout(r, 200));',
      5,
    );
    assert.equal(own.status, 'error');
    assert.equal(errors(own.outputs)[0]?.evalue, 'mine');
    assert.equal(exited, undefined);
  });

  it('dies with its parent, even while a cell spins (item 15)', async function () {
    if (process.platform === 'win32') this.skip();
    // A parent that starts a kernel, sends it a busy cell and is then SIGKILLed.
    const parentScript = `
      const { KernelClient } = require(${JSON.stringify(clientModule)});
      KernelClient.start({ notebookPath: ${JSON.stringify(path.join(dir, 'orphan.ipynb'))}, kernelMain: ${JSON.stringify(kernelMain)} }).then((k) => {
        k.execute({ cellId: 'spin', code: 'while (true) {}', executionCount: 1 }).catch(() => {});
        setTimeout(() => console.log(k.pid), 500);
      });
      setInterval(() => {}, 1000);
    `;
    const parent = spawn(process.execPath, ['-e', parentScript], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const pid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      parent.once('exit', (code) => reject(new Error(`parent exited (${code})`)));
    });
    assert.ok(alive(pid), 'the kernel runs');
    parent.kill('SIGKILL');
    const deadline = performance.now() + 8000;
    while (alive(pid) && performance.now() < deadline) await sleep(200);
    const orphan = alive(pid);
    if (orphan) process.kill(pid, 'SIGKILL');
    assert.equal(orphan, false, 'the orphaned kernel was still running 8 s after its parent died');
  });
});
