/**
 * Debug Cell's kernel half, in this process: a cell run with a `sourcePath` carries a source
 * map that V8 reports to a debugger (Debugger.scriptParsed), naming that file, line for line
 * with the cell, so a breakpoint set at a cell line lands on the generated line that runs it.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as inspector from 'node:inspector';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  LEAST_UPPER_BOUND,
  TraceMap,
  generatedPositionFor,
  originalPositionFor,
  type EncodedSourceMap,
} from '@jridgewell/trace-mapping';
import { CellExecutor } from '../../kernel/executor';
import type { CellOutput } from '../../kernel/protocol';
import { makeTempDir, removeDir } from './temp';

interface ScriptParsed {
  scriptId: string;
  url: string;
  sourceMapURL?: string;
}

describe('kernel source maps for the debugger', function () {
  this.timeout(120_000);
  let dir: string;
  let cwd: string;
  let session: inspector.Session;
  let executor: CellExecutor;
  const parsed: ScriptParsed[] = [];
  const outputs: CellOutput[] = [];

  const post = <T>(method: string, params?: object) =>
    new Promise<T>((resolve, reject) =>
      session.post(method, params ?? {}, (error, result) =>
        error ? reject(error) : resolve(result as T),
      ),
    );

  before(async () => {
    cwd = process.cwd();
    dir = makeTempDir('labbook-debug-map-');
    session = new inspector.Session();
    session.connect();
    session.on('Debugger.scriptParsed', (m) => parsed.push(m.params));
    await post('Debugger.enable');
    executor = new CellExecutor({ rootDir: dir, provided: {}, emit: (o) => outputs.push(o) });
  });

  after(async () => {
    executor?.close();
    await post('Debugger.disable').catch(() => undefined);
    session?.disconnect();
    process.chdir(cwd);
    removeDir(dir);
  });

  it('maps each cell line to the generated line that runs it, in the file the debugger was given', async () => {
    // Types, an interface and a blank line make the JavaScript's lines differ from the cell's.
    const code = [
      'interface Point { x: number; y: number }',
      '',
      'const p: Point = { x: 1, y: 2 };',
      'function twice(n: number): number {',
      '  const doubled = n * 2;',
      '  return doubled;',
      '}',
      'console.log(twice(p.x + p.y));',
    ].join('\n');
    const sourcePath = path.join(dir, 'cell-a.ts');
    fs.writeFileSync(sourcePath, code);
    assert.equal(await executor.execute(code, 1, 0, sourcePath), 'ok', JSON.stringify(outputs));

    const script = parsed.find((p) => p.url === 'labbook-cell-1');
    assert.ok(script, `scripts: ${parsed.map((p) => p.url).join(', ')}`);
    const prefix = 'data:application/json;base64,';
    assert.ok(script.sourceMapURL?.startsWith(prefix), `sourceMapURL: ${script.sourceMapURL}`);
    const map = JSON.parse(
      Buffer.from(script.sourceMapURL!.slice(prefix.length), 'base64').toString('utf8'),
    ) as EncodedSourceMap;
    const source = pathToFileURL(sourcePath).href;
    assert.deepEqual(map.sources, [source]);
    assert.equal(map.sourcesContent?.[0], code);

    const { scriptSource } = await post<{ scriptSource: string }>('Debugger.getScriptSource', {
      scriptId: script.scriptId,
    });
    const generated = scriptSource.split('\n');
    const trace = new TraceMap(map);
    // Cell line 5 (`const doubled = n * 2;`) is where a breakpoint set on it must land.
    const at = generatedPositionFor(trace, {
      source,
      line: 5,
      column: 0,
      bias: LEAST_UPPER_BOUND,
    });
    assert.ok(at.line !== null, 'cell line 5 has no generated position');
    assert.match(generated[at.line - 1], /doubled = n \* 2/);
    const back = originalPositionFor(trace, {
      line: generated.findIndex((l) => l.includes('console.log')) + 1,
      column: generated.find((l) => l.includes('console.log'))!.indexOf('console'),
    });
    assert.equal(back.source, source);
    assert.equal(back.line, 8);
  });

  it('gives a cell run without a debugger no source map (nothing to read, nothing to pay)', async () => {
    assert.equal(await executor.execute('const q = 3;', 2, 1), 'ok');
    const script = parsed.find((p) => p.url === 'labbook-cell-2');
    assert.ok(script);
    assert.equal(script.sourceMapURL ?? '', '');
  });
});
