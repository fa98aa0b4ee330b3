/**
 * The workspace service's shared param checks (core/service/params.ts): every refusal is
 * InvalidParams and names the field, prefixed for nested ones, and says what it must be.
 */
import { strict as assert } from 'node:assert';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ErrorCodes, ResponseError } from 'vscode-jsonrpc/node';
import {
  checkExperimentIdParams,
  checkRunIdParams,
  dataFile,
  object,
  optionalBoolean,
  optionalNumber,
  optionalText,
  refuse,
  text,
} from '../../core/service/params';
import { makeTempDir, removeDir } from './temp';

function refused(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ResponseError, 'a ResponseError');
    assert.equal(error.code, ErrorCodes.InvalidParams);
    assert.match(error.message, message);
    return true;
  });
}

describe('service params', () => {
  it('takes objects only, naming what was expected', () => {
    assert.deepEqual(object({ a: 1 }), { a: 1 });
    refused(() => object(null), /^params must be an object$/);
    refused(() => object([1], 'message'), /^message must be an object$/);
  });

  it('text: non-empty and bounded, with the nested prefix in the message', () => {
    assert.equal(text({ name: 'm' }, 'name'), 'm');
    refused(() => text({ name: '  ' }, 'name'), /^name must be a non-empty string$/);
    refused(() => text({}, 'ref', { max: 5 }), /^ref must be a non-empty string$/);
    refused(
      () => text({ by: 'abcdef' }, 'by', { max: 5, prefix: 'message.' }),
      /^message\.by must be at most 5 characters$/,
    );
  });

  it('optionalText: null refused, kept or read as absent, as the request says', () => {
    assert.equal(optionalText({}, 'reason'), undefined);
    refused(() => optionalText({ reason: null }, 'reason'), /^reason must be a string$/);
    assert.equal(optionalText({ note: null }, 'note', { null: 'keep' }), null);
    refused(
      () => optionalText({ note: 3 }, 'note', { null: 'keep' }),
      /^note must be a string or null$/,
    );
    assert.equal(optionalText({ by: null }, 'by', { null: 'absent' }), undefined);
    refused(
      () => optionalText({ by: 'xx' }, 'by', { max: 1, prefix: 'message.' }),
      /^message\.by must be at most 1 characters$/,
    );
  });

  it('optionalNumber and optionalBoolean say what the value must be and what came', () => {
    assert.equal(
      optionalNumber({ w: 5 }, 'w', (v) => v <= 100, 'a percentage'),
      5,
    );
    refused(
      () => optionalNumber({ w: 500 }, 'w', (v) => v <= 100, 'a percentage', 'message.'),
      /^message\.w must be a percentage, got 500$/,
    );
    refused(() => optionalNumber({ w: '5' }, 'w', () => true, 'a number'), /got "5"/);
    assert.equal(optionalBoolean({ force: true }, 'force'), true);
    refused(() => optionalBoolean({ force: 'yes' }, 'force'), /^force must be true or false$/);
  });

  it('dataFile resolves against the folder and refuses what is not a file', () => {
    const dir = makeTempDir('labbook-params-');
    try {
      writeFileSync(path.join(dir, 'a.csv'), 'x\n1\n');
      mkdirSync(path.join(dir, 'sub'));
      assert.equal(dataFile('a.csv', 'path', dir), path.join(dir, 'a.csv'));
      refused(() => dataFile('', 'reference', dir), /^reference must be a non-empty string$/);
      refused(
        () => dataFile('x\0y', 'path', dir),
        /^path must be a file path of at most 4096 characters$/,
      );
      refused(() => dataFile('nope.csv', 'path', dir), /^There is no file at .*nope\.csv$/);
      refused(() => dataFile('sub', 'path', dir), /sub is not a file$/);
    } finally {
      removeDir(dir);
    }
  });

  it('the runs requests keep string-style checks, turned into the error by refuse', () => {
    assert.equal(checkRunIdParams({ runId: 'abc' }), undefined);
    assert.equal(checkRunIdParams({ runId: 'x'.repeat(201) }), 'runId must be a non-empty string');
    assert.equal(checkRunIdParams(null), 'runId must be a non-empty string');
    assert.equal(checkExperimentIdParams({ experimentId: 1.5 }), 'experimentId must be an integer');
    refuse(undefined);
    refused(() => refuse('runId must be a non-empty string'), /^runId must be a non-empty string$/);
  });
});
