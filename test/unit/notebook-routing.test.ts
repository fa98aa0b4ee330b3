/**
 * Where the editor shows what the kernel sends for a cell (issue 14, item 14): an error a
 * timer or an unawaited promise throws after its cell finished goes under that cell, marked
 * failed, not under the cell running now and not only to the log. And the packages an error
 * says are missing, which the cell's Install action offers (issue 15, item 2).
 */
import { strict as assert } from 'node:assert';
import type { CellOutput } from '../../kernel/protocol';
import {
  isLateDisplayUpdate,
  MISSING_PACKAGES_KEY,
  missingPackagesIn,
  routeOutput,
} from '../../extension/notebook/mime';

const lateError: CellOutput = {
  kind: 'error',
  ename: 'Error',
  evalue: 'late',
  traceback: [],
  uncaught: true,
};
const stream: CellOutput = { kind: 'stream', name: 'stdout', text: 'tick\n' };

describe('routing kernel outputs to cells', () => {
  it('a running cell gets its outputs, late errors included', () => {
    assert.equal(routeOutput({ ended: false, superseded: false }, lateError), 'running-cell');
    assert.equal(routeOutput({ ended: false, superseded: false }, stream), 'running-cell');
  });

  it('a late error of a finished cell is shown under that cell', () => {
    assert.equal(routeOutput({ ended: true, superseded: false }, lateError), 'finished-cell');
  });

  it('other late output, a cell run again since, or an unknown run go to the log', () => {
    assert.equal(routeOutput({ ended: true, superseded: false }, stream), 'log');
    assert.equal(
      routeOutput({ ended: true, superseded: false }, { ...lateError, uncaught: false }),
      'log',
    );
    assert.equal(routeOutput({ ended: true, superseded: true }, lateError), 'log');
    assert.equal(routeOutput(undefined, lateError), 'log');
  });

  it('finds the missing packages the outputs of a cell name, once each', () => {
    assert.deepEqual(
      missingPackagesIn([
        { outputType: 'stream' },
        undefined,
        { outputType: 'error', [MISSING_PACKAGES_KEY]: ['danfojs', '@scope/pkg'] },
        { [MISSING_PACKAGES_KEY]: ['danfojs', 3, ''] },
      ]),
      ['danfojs', '@scope/pkg'],
    );
    assert.deepEqual(missingPackagesIn([{ outputType: 'error' }]), []);
  });
});

describe('routing updates of live outputs', () => {
  const update: CellOutput = {
    kind: 'display',
    data: { 'text/plain': 'step 2' },
    metadata: {},
    displayId: 'abc',
    update: true,
  };
  const shown = (id: string) => id === 'abc';

  it('an update after its cell ended replaces the shown output instead of going to the log', () => {
    assert.equal(routeOutput({ ended: true, superseded: false }, update), 'log');
    assert.equal(isLateDisplayUpdate({ ended: true }, update, shown), true);
    assert.equal(isLateDisplayUpdate(undefined, update, shown), true);
  });

  it('a running cell applies its own updates; unknown displays and first shows are not late updates', () => {
    assert.equal(isLateDisplayUpdate({ ended: false }, update, shown), false);
    assert.equal(
      isLateDisplayUpdate({ ended: true }, { ...update, displayId: 'other' }, shown),
      false,
    );
    assert.equal(isLateDisplayUpdate({ ended: true }, { ...update, update: false }, shown), false);
    assert.equal(isLateDisplayUpdate({ ended: true }, stream, shown), false);
  });
});
