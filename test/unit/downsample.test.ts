/**
 * Server-side downsampling of chart series (core/common/downsample.ts): its properties on
 * a long noisy history with NaN markers, and the service's run details and zoomed series.
 */
import { strict as assert } from 'node:assert';
import { downsampleSeries, windowSeries } from '../../core/common/downsample';
import { metricSeries, runDetails } from '../../core/service/queries';
import type { RunStore } from '../../core/store';
import { forEachBackendShared } from '../support/backends';

/** 100,000 steps of a noisy decay, a NaN every 9,973 steps and one +Infinity. */
function history(n = 100_000): { step: number; value: number }[] {
  let seed = 7;
  const noise = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.2;
  return Array.from({ length: n }, (_, step) => ({
    step,
    value:
      step % 9973 === 500
        ? Number.NaN
        : step === 54_321
          ? Infinity
          : Math.exp(-step / 30_000) + noise(),
  }));
}

describe('downsampling of chart series', () => {
  const points = history();
  const buckets = 500;
  const out = downsampleSeries(points, buckets);

  it('keeps at most four points per bucket plus every non-finite one, in order', () => {
    const markers = points.filter((p) => !Number.isFinite(p.value));
    assert.equal(markers.length, 11);
    assert.ok(out.length <= 4 * buckets + markers.length, String(out.length));
    assert.ok(out.length > 2 * buckets, String(out.length));
    for (const m of markers) assert.ok(out.includes(m), `marker at step ${m.step}`);
    for (let i = 1; i < out.length; i++) assert.ok(out[i].step > out[i - 1].step);
    assert.equal(out[0], points[0]);
    assert.equal(out[out.length - 1], points[points.length - 1]);
  });

  it("keeps each bucket's lowest and highest value, so the drawn envelope is the same", () => {
    const width = (points[points.length - 1].step - points[0].step) / buckets;
    const bucketOf = (step: number) => Math.min(buckets - 1, Math.floor(step / width));
    const range = (ps: typeof points) => {
      const r = new Map<number, [number, number]>();
      for (const p of ps) {
        if (!Number.isFinite(p.value)) continue;
        const b = bucketOf(p.step);
        const [lo, hi] = r.get(b) ?? [Infinity, -Infinity];
        r.set(b, [Math.min(lo, p.value), Math.max(hi, p.value)]);
      }
      return r;
    };
    assert.deepEqual(range(out), range(points));
    assert.equal(range(points).size, buckets);
  });

  it('leaves a short series alone and refuses a bad bucket count', () => {
    const short = points.slice(0, 40);
    assert.deepEqual(downsampleSeries(short, 10), short);
    assert.throws(() => downsampleSeries(points, 0), /buckets must be a whole number >= 1, got 0/);
    const same = Array.from({ length: 50 }, () => ({ step: 3, value: 1 }));
    assert.equal(downsampleSeries(same, 2).length, 2);
  });

  it('serves a zoomed range at full resolution', () => {
    const zoom = windowSeries(points, { from: 1000, to: 1999 });
    assert.equal(zoom.length, 1000);
    assert.deepEqual(zoom, points.slice(1000, 2000));
    assert.equal(windowSeries(points, { from: 99_990 }).length, 10);
    assert.throws(() => windowSeries(points, { from: 5, to: 1 }), /from <= to, got \[5, 1\]/);
  });

  forEachBackendShared('chart series from the service', (backend) => {
    let store: RunStore;
    let runId: string;
    before(async () => {
      store = await backend().open();
      const run = await store.createRun({ experiment: 'long' });
      runId = run.id;
      await store.insertMetricPoints(
        history(20_000).map((p) => ({
          runId,
          key: 'loss',
          step: p.step,
          timestamp: 1 + p.step,
          value: p.value,
        })),
      );
      await store.insertMetricPoints([{ runId, key: 'acc', step: 0, timestamp: 1, value: 0.5 }]);
    });

    it('downsamples run details, keeps short series whole, and zooms at full resolution', async () => {
      const details = (await runDetails(store, runId))!;
      assert.equal(details.metricHistoryPoints?.loss, 20_000);
      assert.ok(
        details.metricHistory.loss.length <= 4000 + 2,
        String(details.metricHistory.loss.length),
      );
      assert.equal(details.metricHistory.loss.filter((p) => p.value === 'NaN').length, 2);
      assert.deepEqual(details.metricHistory.loss.at(-1), {
        step: 19_999,
        timestamp: 20_000,
        value: details.metricHistory.loss.at(-1)!.value,
      });
      assert.equal(details.metricHistory.acc.length, 1);
      const page = await metricSeries(store, { runId, key: 'loss', buckets: 100 });
      assert.equal(page.total, 20_000);
      assert.equal(page.downsampled, true);
      assert.ok(page.points.length <= 403);
      const zoom = await metricSeries(store, { runId, key: 'loss', from: 500, to: 520 });
      assert.equal(zoom.downsampled, false);
      assert.deepEqual(
        zoom.points.map((p) => p.step),
        Array.from({ length: 21 }, (_, i) => 500 + i),
      );
      assert.equal(zoom.points[0].value, 'NaN');
    });
  });
});
