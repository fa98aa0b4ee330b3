import { strict as assert } from 'node:assert';
import { formatDuration, formatMetric } from '../../core/common/format';

describe('formats', () => {
  it('writes durations without a 60 in the smaller unit', () => {
    assert.equal(formatDuration(3_240), '3.2s');
    assert.equal(formatDuration(59_990), '1m 0s');
    assert.equal(formatDuration(245_000), '4m 5s');
    assert.equal(formatDuration(119_600), '2m 0s');
    assert.equal(formatDuration(3_599_600), '1h 0m');
    assert.equal(formatDuration(7_800_000), '2h 10m');
    assert.equal(formatDuration(7_199_000), '2h 0m');
  });

  it('writes metrics to 4 significant digits and non-finite values by name', () => {
    assert.equal(formatMetric(0.934567), '0.9346');
    assert.equal(formatMetric(12), '12');
    assert.equal(formatMetric(NaN), 'NaN');
    assert.equal(formatMetric(-Infinity), '-Infinity');
  });
});
