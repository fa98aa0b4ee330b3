/**
 * The Labbook sidebar's layout as package.json contributes it (issue 14, item 8): four
 * equal panes left Experiments about seven rows. VS Code takes two hints from a view
 * contribution, both only for the first time the container is shown (the user's own
 * resizing and collapsing win afterwards): `initialSize`, a flex weight honoured when the
 * extension owns the container too, and `visibility: "collapsed"`. It offers no way to
 * collapse a view later because it turned out empty, so the views that start empty in a
 * new workspace start collapsed, and each view says what to do when empty (viewsWelcome).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { COMMAND_IDS } from '../../extension/commands';

interface View {
  id: string;
  name: string;
  initialSize?: number;
  visibility?: 'visible' | 'collapsed' | 'hidden';
}

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: {
    viewsContainers: { activitybar: { id: string }[] };
    views: Record<string, View[]>;
    viewsWelcome: { view: string; contents: string }[];
  };
};

describe('sidebar layout', () => {
  const views = pkg.contributes.views.labbook;
  const view = (id: string) => views.find((v) => v.id === id)!;

  it('lives in a container of its own, so VS Code honours the sizes', () => {
    assert.deepEqual(
      pkg.contributes.viewsContainers.activitybar.map((c) => c.id),
      ['labbook'],
    );
    assert.deepEqual(
      views.map((v) => v.id),
      [
        'labbook.runs',
        'labbook.variables',
        'labbook.models',
        'labbook.datasets',
        'labbook.deployments',
      ],
    );
  });

  it('gives Experiments most of the height and the other views a share by how much they list', () => {
    const sizes = Object.fromEntries(views.map((v) => [v.id, v.initialSize]));
    assert.deepEqual(sizes, {
      'labbook.runs': 5,
      'labbook.variables': 1,
      'labbook.models': 2,
      'labbook.datasets': 2,
      'labbook.deployments': 1,
    });
    const total = views.reduce((sum, v) => sum + v.initialSize!, 0);
    // Variables (one notebook's names, shown while a notebook runs) took a share of its own.
    assert.ok(view('labbook.runs').initialSize! / total >= 0.45, 'Experiments gets near half');
    for (const v of views)
      if (v.id !== 'labbook.runs') assert.ok(v.initialSize! < view('labbook.runs').initialSize!);
  });

  it('starts Experiments open and the views that are empty until later steps collapsed', () => {
    assert.equal(view('labbook.runs').visibility ?? 'visible', 'visible');
    for (const id of [
      'labbook.variables',
      'labbook.models',
      'labbook.datasets',
      'labbook.deployments',
    ])
      assert.equal(view(id).visibility, 'collapsed', id);
  });

  it('has a welcome for every view, with a link to a contributed command', () => {
    for (const v of views) {
      const welcome = pkg.contributes.viewsWelcome.find((w) => w.view === v.id);
      assert.ok(welcome, `${v.id} has no viewsWelcome`);
      const links = [...welcome.contents.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${v.id}: the welcome offers no action`);
      for (const command of links)
        assert.ok(COMMAND_IDS.includes(command as never), `${v.id}: ${command}`);
    }
  });
});
