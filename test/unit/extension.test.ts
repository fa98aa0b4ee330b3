/**
 * The extension's plain-Node parts: the command list against package.json, and how kernel
 * outputs become notebook output items. (scripts/build-extension.mjs emits these modules.)
 */
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS, COMMANDS, KERNEL_CONTEXT_VALUE } from '../../extension/commands';
import {
  coalesceStreams,
  errorStack,
  planItems,
  VEGALITE_MIME,
} from '../../extension/notebook/mime';
import { PROFILE_MIME } from '../../kernel/sdk/profile';
import { DRIFT_MIME } from '../../kernel/sdk/drift';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  publisher: string;
  name: string;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    notebookRenderer: { id: string; mimeTypes: string[]; entrypoint: string }[];
  };
};

describe('extension manifest', () => {
  it('contributes exactly the commands of the Command enum, with the same titles', () => {
    const contributed = pkg.contributes.commands.map((c) => c.command).sort();
    assert.deepEqual(contributed, [...COMMAND_IDS].sort());
    for (const info of COMMANDS) {
      const c = pkg.contributes.commands.find((x) => x.command === info.id)!;
      assert.equal(c.title, info.title, info.id);
      assert.equal(c.category, info.category, info.id);
    }
  });

  it('menus name only contributed commands, and the toolbar keys on the real kernel id', () => {
    for (const [menu, items] of Object.entries(pkg.contributes.menus)) {
      for (const item of items)
        assert.ok(COMMAND_IDS.includes(item.command as never), `${menu}: ${item.command}`);
    }
    assert.equal(KERNEL_CONTEXT_VALUE, `${pkg.publisher}.${pkg.name}/labbook-typescript`);
    for (const item of pkg.contributes.menus['notebook/toolbar']) {
      assert.match(
        item.when ?? '',
        new RegExp(`notebookKernel == ${KERNEL_CONTEXT_VALUE.replace(/[.]/g, '\\.')}`),
      );
    }
  });

  it('declares the vega-lite renderer for the MIME type the SDK emits', () => {
    const renderer = pkg.contributes.notebookRenderer.find((r) => r.id === 'labbook.vegalite');
    assert.ok(renderer);
    assert.deepEqual(renderer.mimeTypes, [VEGALITE_MIME]);
    assert.equal(renderer.entrypoint, './dist/webviews/renderers/vegalite.js');
  });

  it('declares the data profile renderer for the MIME type lab.profile emits', () => {
    const renderer = pkg.contributes.notebookRenderer.find((r) => r.id === 'labbook.profile');
    assert.ok(renderer);
    assert.deepEqual(renderer.mimeTypes, [PROFILE_MIME]);
    assert.equal(renderer.mimeTypes[0], 'application/vnd.labbook.profile+json');
    assert.equal(renderer.entrypoint, './dist/webviews/renderers/profile.js');
    assert.equal((renderer as { requiresMessaging?: string }).requiresMessaging, 'never');
  });

  it('declares the drift renderer for the MIME type lab.drift emits, and the built bundle exists', () => {
    const renderer = pkg.contributes.notebookRenderer.find((r) => r.id === 'labbook.drift');
    assert.ok(renderer);
    assert.deepEqual(renderer.mimeTypes, [DRIFT_MIME]);
    assert.equal(renderer.entrypoint, './dist/webviews/renderers/drift.js');
    assert.ok(
      existsSync(path.join(__dirname, '..', '..', '..', renderer.entrypoint)),
      renderer.entrypoint,
    );
  });
});

describe('kernel outputs as notebook items', () => {
  it('orders a bundle richest first and types each entry', () => {
    const items = planItems({
      'text/plain': '<chart>',
      [VEGALITE_MIME]: { mark: 'bar' },
      'image/png': 'iVBORw0KGgo=\n',
      'text/html': ['<b>', 'hi</b>'],
      'application/json': '{"a":1}',
    });
    assert.deepEqual(
      items.map((i) => i.mime),
      [VEGALITE_MIME, 'text/html', 'image/png', 'application/json', 'text/plain'],
    );
    assert.deepEqual(items[0], { mime: VEGALITE_MIME, kind: 'json', value: { mark: 'bar' } });
    assert.deepEqual(items[1], { mime: 'text/html', kind: 'text', text: '<b>hi</b>' });
    assert.deepEqual(items[2], { mime: 'image/png', kind: 'bytes', base64: 'iVBORw0KGgo=' });
    assert.deepEqual(items[3], { mime: 'application/json', kind: 'json', value: { a: 1 } });
  });

  it('keeps SVG as text and skips entries that are not MIME types', () => {
    const items = planItems({
      'image/svg+xml': '<svg/>',
      'not a mime': 'x',
      'text/plain': undefined,
    });
    assert.deepEqual(items, [{ mime: 'image/svg+xml', kind: 'text', text: '<svg/>' }]);
  });

  it('heads a traceback with the error unless it already starts with it', () => {
    assert.equal(
      errorStack('TypeScript', '1 error: bad', ['cell 1, line 1:7 - error TS2322: bad']),
      'TypeScript: 1 error: bad\ncell 1, line 1:7 - error TS2322: bad',
    );
    assert.equal(
      errorStack('Error', 'boom', ['Error: boom', '    at cell 2, line 1:7']),
      'Error: boom\n    at cell 2, line 1:7',
    );
    assert.equal(errorStack('Uncaught', '42', []), 'Uncaught: 42');
  });

  it('joins consecutive chunks of one stream only', () => {
    const joined = coalesceStreams([
      { kind: 'stream', name: 'stdout', text: 'a' },
      { kind: 'stream', name: 'stdout', text: 'b' },
      { kind: 'stream', name: 'stderr', text: 'c' },
      { kind: 'result', data: { 'text/plain': '1' }, executionCount: 1 },
      { kind: 'stream', name: 'stderr', text: 'd' },
    ]);
    assert.deepEqual(
      joined.map((o) => (o.kind === 'stream' ? `${o.name}:${o.text}` : o.kind)),
      ['stdout:ab', 'stderr:c', 'result', 'stderr:d'],
    );
  });
});
