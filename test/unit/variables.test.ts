/**
 * The Variables view's preview of notebook values (kernel/variables.ts) — tensors, arrays,
 * rows, cyclic objects, huge and hostile strings, values that throw when read — and the
 * kernel's `kernel/variables` and `kernel/variableRows` requests over the real channel.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { KernelClient } from '../../kernel/client';
import { declaredTypes, listVariables, previewValue, variableRows } from '../../kernel/variables';

const kernelMain = path.join(__dirname, '..', '..', 'kernel', 'main.js');

describe('variable previews', () => {
  it('shows a tensor by dtype, shape and memory', () => {
    const t = tf.zeros([100, 20]);
    try {
      const p = previewValue(t);
      assert.equal(p.type, 'Tensor');
      assert.equal(p.preview, 'float32 [100, 20] · 7.8 KiB');
      assert.equal(previewValue(tf.tensor([1, 2, 3], [3], 'int32')).preview, 'int32 [3] · 12 B');
      const b = tf.tensor([true, false], [2], 'bool');
      assert.equal(previewValue(b).preview, 'bool [2] · 2 B');
      b.dispose();
      assert.match(previewValue(b).preview, /disposed$/);
    } finally {
      t.dispose();
    }
  });

  it('shows arrays by length and first items, and arrays of rows by rows and keys', () => {
    assert.deepEqual(previewValue([1, 2, 3]), { type: 'Array', preview: 'length 3 [1, 2, 3]' });
    const long = Array.from({ length: 1_000_000 }, (_, i) => i);
    assert.equal(previewValue(long).preview, 'length 1,000,000 [0, 1, 2, 3, 4, …]');
    assert.equal(
      previewValue([[1], 'a', null, { x: 1 }]).preview,
      'length 4 [[…1], "a", null, {…}]',
    );
    const rows = Array.from({ length: 344 }, (_, i) => ({ species: 'Adelie', mass: i }));
    assert.deepEqual(previewValue(rows), {
      type: 'Array',
      preview: '344 rows {species, mass}',
      rows: 344,
    });
    assert.equal(previewValue(new Float32Array([0.5, 1.5])).preview, 'length 2 [0.5, 1.5]');
    assert.equal(previewValue(new Float32Array(2)).type, 'Float32Array');
  });

  it('shows objects by their keys, a cyclic object without recursing, a class instance by its class', () => {
    const cyclic: Record<string, unknown> = { a: 1, b: 2 };
    cyclic.self = cyclic;
    assert.deepEqual(previewValue(cyclic), { type: 'Object', preview: '3 keys {a, b, self}' });
    const list: unknown[] = [1];
    list.push(list);
    assert.equal(previewValue(list).preview, 'length 2 [1, […2]]');
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
    }
    assert.deepEqual(previewValue(new Point(1, 2)), { type: 'Point', preview: '2 keys {x, y}' });
    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    assert.equal(previewValue(many).preview, '20 keys {k0, k1, k2, k3, k4, k5, k6, k7, … 12 more}');
    assert.equal(previewValue(new Map([['a', 1]])).preview, 'size 1 {"a" => 1}');
    assert.equal(previewValue(new Set([1, 2])).preview, 'size 2 [1, 2]');
    assert.equal(previewValue(null).preview, 'null');
    assert.equal(previewValue(() => 1).type, 'function');
    assert.deepEqual(previewValue(Point), { type: 'class', preview: 'class Point' });
  });

  it('keeps huge and hostile strings short and on one line', () => {
    const huge = 'x'.repeat(50_000_000);
    // `repeat` makes a lazy string; flatten it first, so the timing is the preview's own.
    assert.equal(huge.indexOf('y'), -1);
    const started = performance.now();
    const p = previewValue(huge);
    assert.ok(performance.now() - started < 50, 'a 50 MB string is not copied or escaped whole');
    assert.ok(p.preview.length <= 160, `preview is ${p.preview.length} chars`);
    assert.match(p.preview, /\(50,000,000 chars\)$/);
    const hostile = '<img src=x onerror=alert(1)>\n\u0000\u202e' + 'y'.repeat(300);
    const h = previewValue(hostile);
    assert.ok(
      !h.preview.includes('\n') && !h.preview.includes('\u0000'),
      'control characters are escaped',
    );
    assert.ok(h.preview.startsWith('"<img src=x onerror=alert(1)>\\n\\u0000'));
  });

  it('never runs getters and survives values that throw when read', () => {
    let ran = false;
    const withGetter = {
      get boom() {
        ran = true;
        throw new Error('getter ran');
      },
    };
    assert.equal(previewValue(withGetter).preview, '1 key {boom}');
    assert.equal(ran, false);
    const trap = new Proxy(
      {},
      {
        ownKeys() {
          throw new Error('no keys for you');
        },
        getPrototypeOf() {
          throw new Error('no prototype');
        },
      },
    );
    const p = previewValue(trap);
    assert.equal(typeof p.preview, 'string');
    const values = { withGetter, trap, n: 1 };
    assert.deepEqual(
      listVariables(values, '').map((v) => v.name),
      ['withGetter', 'trap', 'n'],
    );
  });

  it('reads declared types from the type checker’s declarations', () => {
    const types = declaredTypes(
      [
        'declare const y: Map<string, number>;',
        'declare const x = "again";',
        'declare let rows: {',
        '    a: number;',
        '}[];',
        'declare function f<T>(a: T, b?: number): T[];',
        'declare class C {',
        '}',
      ].join('\n'),
    );
    assert.equal(types.get('y'), 'Map<string, number>');
    assert.equal(types.get('x'), '"again"');
    assert.equal(types.get('rows'), '{ a: number; }[]');
    assert.equal(types.get('f'), '<T>(a: T, b?: number) => T[]');
    assert.equal(types.get('C'), 'typeof C');
  });

  it('pages the rows of an array of row objects as text, with the columns of every row', () => {
    const data = Array.from({ length: 10 }, (_, i) =>
      i === 3 ? { a: i, extra: '<b>x</b>' } : { a: i, b: { n: i } },
    );
    const page = variableRows({ data }, { name: 'data', offset: 2, limit: 3 });
    assert.deepEqual(page.columns, ['a', 'b', 'extra']);
    assert.equal(page.total, 10);
    assert.deepEqual(page.rows, [
      ['2', '1 key {n}', ''],
      ['3', '', '<b>x</b>'],
      ['4', '1 key {n}', ''],
    ]);
    assert.throws(
      () => variableRows({ n: 1 }, { name: 'n', offset: 0, limit: 1 }),
      /"n" is not an array of row objects/,
    );
    assert.throws(
      () => variableRows({}, { name: 'gone', offset: 0, limit: 1 }),
      /declares no "gone"/,
    );
  });
});

describe('kernel/variables over the kernel channel', function () {
  this.timeout(60_000);
  let dir: string;
  let kernel: KernelClient;
  before(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'labbook-variables-'));
    kernel = await KernelClient.start({
      notebookPath: path.join(dir, 'vars.ipynb'),
      storePath: path.join(dir, 'labbook.db'),
      kernelMain,
    });
  });
  after(async () => {
    await kernel?.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists what the cells declared, with runtime and declared types, after each cell', async () => {
    assert.deepEqual((await kernel.variables()).variables, []);
    const run = async (code: string, n: number) => {
      const { status } = await kernel.execute({ cellId: `c${n}`, code, executionCount: n });
      assert.equal(status, 'ok', code);
    };
    await run(
      'const rows = Array.from({ length: 100000 }, (_, i) => ({ id: i, name: `row ${i}` }));',
      1,
    );
    await run('let count: number = 3; function twice(n: number) { return 2 * n; }', 2);
    const { variables } = await kernel.variables();
    const byName = new Map(variables.map((v) => [v.name, v]));
    assert.deepEqual(byName.get('rows'), {
      name: 'rows',
      type: 'Array',
      declaredType: '{ id: number; name: string; }[]',
      preview: '100,000 rows {id, name}',
      rows: 100000,
    });
    assert.deepEqual(byName.get('count'), {
      name: 'count',
      type: 'number',
      declaredType: 'number',
      preview: '3',
    });
    assert.equal(byName.get('twice')?.declaredType, '(n: number) => number');
    await run('count = 4', 3);
    assert.equal(
      (await kernel.variables()).variables.find((v) => v.name === 'count')?.preview,
      '4',
    );
    const page = await kernel.variableRows({ name: 'rows', offset: 99_998, limit: 10 });
    assert.deepEqual(page, {
      name: 'rows',
      columns: ['id', 'name'],
      total: 100000,
      offset: 99_998,
      rows: [
        ['99998', 'row 99998'],
        ['99999', 'row 99999'],
      ],
    });
    await assert.rejects(
      kernel.variableRows({ name: 'count', offset: 0, limit: 10 }),
      /not an array of row objects/,
    );
    await assert.rejects(
      kernel.variableRows({ name: 'rows', offset: 0, limit: 0 }),
      /limit must be/,
    );
  });
});
