/** The router: weighted splits within tolerance, sticky keys, strategies, split checks. */
import { strict as assert } from 'node:assert';
import { checkSplit, keyPoint, route, seededRandom } from '../../core/serve/router';
import { ServeError, type TrafficSplit } from '../../core/common/serve-types';

const canary = (weight: number): TrafficSplit => ({
  strategy: 'canary',
  primary: 1,
  candidate: 2,
  weight,
});

describe('serve router', () => {
  it('splits unkeyed requests by the weight, within tolerance, reproducibly with a seed', () => {
    for (const weight of [0, 1, 10, 25, 50, 90, 100]) {
      const random = seededRandom(42);
      let candidate = 0;
      const n = 20_000;
      for (let i = 0; i < n; i++)
        if (route(canary(weight), { random }).answer === 'candidate') candidate++;
      const share = (candidate / n) * 100;
      // Binomial standard deviation at n = 20000 is at most 0.35 points: allow 4 of them.
      assert.ok(Math.abs(share - weight) <= 1.5, `weight ${weight}: got ${share.toFixed(2)}%`);
    }
    const a = seededRandom(9);
    const b = seededRandom(9);
    const seqA = Array.from({ length: 50 }, () => route(canary(30), { random: a }).answer);
    const seqB = Array.from({ length: 50 }, () => route(canary(30), { random: b }).answer);
    assert.deepEqual(seqA, seqB);
  });

  it('splits keys by the weight and keeps each key on its variant', () => {
    const never = () => {
      throw new Error('a keyed request must not use the random source');
    };
    const keys = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    const first = keys.map(
      (key) => route(canary(20), { key, salt: 'penguins', random: never }).answer,
    );
    const share = (first.filter((v) => v === 'candidate').length / keys.length) * 100;
    assert.ok(Math.abs(share - 20) <= 2.5, `keyed share ${share}`);
    // Sticky: the same key always gets the same answer.
    keys.forEach((key, i) =>
      assert.equal(route(canary(20), { key, salt: 'penguins', random: never }).answer, first[i]),
    );
    // Raising the weight only moves keys to the candidate, never back.
    keys.forEach((key, i) => {
      if (first[i] === 'candidate')
        assert.equal(
          route(canary(50), { key, salt: 'penguins', random: never }).answer,
          'candidate',
        );
    });
    // Another deployment (salt) splits the same keys differently.
    const other = keys.map(
      (key) => route(canary(20), { key, salt: 'other', random: never }).answer,
    );
    assert.notDeepEqual(other, first);
  });

  it('spreads key points evenly over [0, 1)', () => {
    const bins = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) bins[Math.floor(keyPoint(String(i)) * 10)]++;
    for (const b of bins) assert.ok(b > 850 && b < 1150, `bins ${bins.join(',')}`);
  });

  it('routes shadow, bluegreen, single and candidate-less splits', () => {
    const random = () => 0;
    assert.deepEqual(
      route({ strategy: 'shadow', primary: 1, candidate: 2, weight: 0 }, { random }),
      { answer: 'primary', shadow: 'candidate' },
    );
    assert.deepEqual(
      route({ strategy: 'bluegreen', primary: 1, candidate: 2, weight: 0 }, { random }),
      { answer: 'primary', shadow: null },
    );
    assert.deepEqual(
      route({ strategy: 'bluegreen', primary: 1, candidate: 2, weight: 100 }, { random }),
      { answer: 'candidate', shadow: null },
    );
    assert.deepEqual(
      route({ strategy: 'single', primary: 1, candidate: null, weight: 0 }, { random }),
      { answer: 'primary', shadow: null },
    );
    assert.deepEqual(
      route({ strategy: 'canary', primary: 1, candidate: null, weight: 50 }, { random }),
      { answer: 'primary', shadow: null },
    );
    assert.equal(
      route({ strategy: 'ab', primary: 1, candidate: 2, weight: 50 }, { random: () => 0.49 })
        .answer,
      'candidate',
    );
    assert.equal(
      route({ strategy: 'ab', primary: 1, candidate: 2, weight: 50 }, { random: () => 0.5 }).answer,
      'primary',
    );
  });

  it('refuses incoherent splits with a message', () => {
    const bad: [TrafficSplit, RegExp][] = [
      [{ strategy: 'canary', primary: 1, candidate: null, weight: 10 }, /needs a candidate/],
      [{ strategy: 'single', primary: 1, candidate: 2, weight: 0 }, /serves one version/],
      [{ strategy: 'canary', primary: 1, candidate: 2, weight: 120 }, /0 to 100/],
      [{ strategy: 'canary', primary: 1, candidate: 2, weight: NaN }, /0 to 100/],
      [{ strategy: 'bluegreen', primary: 1, candidate: 2, weight: 50 }, /weight 0 .* or 100/],
      [{ strategy: 'shadow', primary: 1, candidate: 2, weight: 5 }, /never answers/],
      [{ strategy: 'canary', primary: 2, candidate: 2, weight: 5 }, /itself/],
      [{ strategy: 'nope' as never, primary: 1, candidate: 2, weight: 5 }, /unknown strategy/],
    ];
    for (const [split, message] of bad)
      assert.throws(
        () => checkSplit(split),
        (e: Error) => e instanceof ServeError && message.test(e.message),
        JSON.stringify(split),
      );
    assert.doesNotThrow(() => checkSplit(canary(10)));
  });
});
