/**
 * Issue 14, item 6: the README tells users to set `labbook.nodePath`, so it must appear in
 * User settings. VS Code shows settings scoped `machine` or `machine-overridable` only on
 * the Remote tab of a remote window (and code-server's workbench is one), so neither fits.
 * `application` shows in User settings and cannot be set by a workspace: a cloned
 * repository cannot point Labbook at an executable of its choosing.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const root = path.join(__dirname, '..', '..', '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  contributes: {
    configuration:
      | { properties: Record<string, { scope?: string }> }
      | { properties: Record<string, { scope?: string }> }[];
  };
};

function setting(name: string): { scope?: string } {
  const sections = [pkg.contributes.configuration].flat();
  const found = sections.map((s) => s.properties[name]).find(Boolean);
  assert.ok(found, `package.json contributes no setting ${name}`);
  return found;
}

describe('settings in package.json', () => {
  it('labbook.nodePath shows in User settings, and no workspace can set it', () => {
    assert.equal(setting('labbook.nodePath').scope, 'application');
  });
});
