/** Predict and feedback bodies checked against a signature; messages name the field. */
import { strict as assert } from 'node:assert';
import {
  ValidationError,
  featuresOf,
  validateFeedback,
  validateInstances,
} from '../../core/serve/validate';
import type { FeatureSpec } from '../../core/registry/types';

const features: FeatureSpec[] = [
  { name: 'length', dtype: 'float32' },
  { name: 'count', dtype: 'int32' },
  { name: 'flag', dtype: 'bool' },
];

function fails(body: unknown, field: string, message: RegExp): void {
  assert.throws(
    () => validateInstances(body, features, { maxInstances: 3 }),
    (e: Error) => {
      assert.ok(e instanceof ValidationError, String(e));
      assert.equal(e.field, field);
      assert.match(e.message, message);
      return true;
    },
  );
}

describe('serve validate', () => {
  it('accepts rows as objects by name and as arrays in signature order', () => {
    const result = validateInstances(
      { instances: [{ flag: true, count: 2, length: 1.5 }, [0.5, -3, 0]], key: 'user-1' },
      features,
    );
    assert.deepEqual(result.rows, [
      [1.5, 2, true],
      [0.5, -3, false],
    ]);
    assert.equal(result.key, 'user-1');
    assert.equal(validateInstances({ instances: [[1, 1, 1]] }, features).key, null);
    assert.equal(validateInstances({ instances: [[1, 1, 1]], key: 42 }, features).key, '42');
  });

  it('keeps values that round to the largest float32', () => {
    assert.deepEqual(
      validateInstances(
        {
          instances: [
            [3.4028234663852886e38, 1, true],
            [-1e-50, 1, true],
          ],
        },
        features,
      ).rows[0][0],
      3.4028234663852886e38,
    );
  });

  it('names the instance and the field that is wrong', () => {
    fails(
      {
        instances: [
          { length: 1, count: 1, flag: true },
          { length: 'x', count: 1, flag: true },
        ],
      },
      'instances[1].length',
      /instances\[1\]\.length must be a finite number .*"x"/,
    );
    fails(
      { instances: [{ length: 1, count: 1.5, flag: true }] },
      'instances[0].count',
      /whole number \(int32\), got number 1.5/,
    );
    fails(
      { instances: [{ length: 1, count: 1, flag: 'yes' }] },
      'instances[0].flag',
      /true or false/,
    );
    fails(
      { instances: [{ length: 1, count: 1 }] },
      'instances[0].flag',
      /missing the feature "flag"/,
    );
    fails(
      { instances: [{ length: 1, count: 1, flag: true, colour: 'red' }] },
      'instances[0].colour',
      /unknown feature "colour"; the model takes: length, count, flag/,
    );
    fails(
      { instances: [[1, 2]] },
      'instances[0]',
      /has 2 values but the model takes 3 features in this order: length, count, flag/,
    );
    fails({ instances: [[1, null, true]] }, 'instances[0][1] (count)', /got null/);
    fails({ instances: [[NaN, 1, true]] }, 'instances[0][0] (length)', /finite number/);
    // Finite as doubles but Infinity as float32: the model would answer null with a 200.
    fails(
      { instances: [[1e39, 1, true]] },
      'instances[0][0] (length)',
      /is 1e\+39, outside the float32 range .*3\.402823e\+38/,
    );
    fails(
      { instances: [{ length: -3.5e38, count: 1, flag: true }] },
      'instances[0].length',
      /is -3\.5e\+38, outside the float32 range/,
    );
    fails(
      { instances: ['row'] },
      'instances[0]',
      /object of features by name or an array of 3 values/,
    );
    fails({ instances: [] }, 'instances', /empty/);
    fails(
      {
        instances: [
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
          [1, 1, 1],
        ],
      },
      'instances',
      /4 rows; the limit is 3/,
    );
    fails({ rows: [] }, 'rows', /unknown field "rows"/);
    fails({ inputs: {} }, 'inputs', /"inputs": \{...\}} \(columns\)/);
    fails({}, 'instances', /"instances" must be an array of rows, got nothing/);
    fails([1, 2], 'body', /JSON object/);
    fails({ instances: [[1, 1, 1]], key: { a: 1 } }, 'key', /string or a number/);
  });

  it('checks feedback bodies', () => {
    assert.deepEqual(validateFeedback({ id: 'abc', label: 'Adelie' }), {
      id: 'abc',
      label: 'Adelie',
    });
    assert.deepEqual(validateFeedback({ id: 'abc', label: 2 }), { id: 'abc', label: 2 });
    assert.throws(
      () => validateFeedback({ label: 'x' }),
      (e: Error) => e instanceof ValidationError && e.field === 'id',
    );
    assert.throws(
      () => validateFeedback({ id: 'a' }),
      (e: Error) => e instanceof ValidationError && e.field === 'label',
    );
    assert.throws(
      () => validateFeedback({ id: 'a', label: Infinity }),
      (e: Error) => e instanceof ValidationError && e.field === 'label',
    );
    assert.throws(
      () => validateFeedback({ id: 'a', label: 1, extra: 1 }),
      (e: Error) => e instanceof ValidationError && e.field === 'extra',
    );
  });

  it('needs a signature of named features in rows', () => {
    assert.throws(() => featuresOf(null), /no signature/);
    assert.throws(
      () =>
        featuresOf({
          features: [{ name: 'img', dtype: 'float32' }],
          inputShape: [null, 28, 28],
          outputShape: [null, 10],
          task: 'classification',
        }),
      /rows of 1 features/,
    );
    assert.equal(
      featuresOf({ features, inputShape: [null, 3], outputShape: [null, 1], task: 'regression' })
        .length,
      3,
    );
  });
});
