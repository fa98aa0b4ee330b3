/**
 * The live chart of `run.tfCallback({ plot: true })`: loss curves on the left, the other
 * metrics (accuracy, …) on the right, one line per key, drawn as a vega-lite chart in the
 * cell's output and replaced in place each epoch while `fit` runs. Redraws are throttled
 * (a fast fit of hundreds of epochs draws a few times a second, not each epoch), and the
 * last epoch is always drawn when training ends.
 */
import { VEGALITE_MIME, newDisplay, type Display } from './display';

export interface TrainingPoint {
  epoch: number;
  metric: string;
  value: number;
  panel: 'loss' | 'metrics';
}

/** At least this long between two redraws, in milliseconds. */
export const DEFAULT_PLOT_EVERY_MS = 250;
/** Points kept per metric (a chart of millions of points would freeze the output). */
const MAX_POINTS_PER_METRIC = 5000;

/** The vega-lite spec of the curves so far. */
export function trainingChartSpec(title: string, points: TrainingPoint[]): Record<string, unknown> {
  const panels = [...new Set(points.map((p) => p.panel))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title,
    data: { values: points },
    facet: {
      column: {
        field: 'panel',
        type: 'nominal',
        title: null,
        sort: ['loss', 'metrics'].filter((p) => panels.includes(p as TrainingPoint['panel'])),
      },
    },
    spec: {
      width: 320,
      height: 200,
      mark: { type: 'line', point: true, tooltip: true },
      encoding: {
        x: { field: 'epoch', type: 'quantitative', axis: { tickMinStep: 1 }, title: 'epoch' },
        y: { field: 'value', type: 'quantitative', scale: { zero: false }, title: null },
        color: { field: 'metric', type: 'nominal', title: null },
      },
    },
    resolve: { scale: { y: 'independent', color: 'independent' } },
  };
}

export class TrainingChart {
  private readonly points: TrainingPoint[] = [];
  private readonly perMetric = new Map<string, number>();
  private readonly output: Display = newDisplay();
  private lastDraw = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(
    private readonly title: string,
    private readonly everyMs = DEFAULT_PLOT_EVERY_MS,
  ) {}

  /** One epoch's logs; `epoch` is tfjs's (0-based), shown 1-based. */
  add(epoch: number, values: Record<string, number>): void {
    for (const [metric, value] of Object.entries(values)) {
      if (typeof value !== 'number' || !Number.isFinite(value)) continue;
      const n = this.perMetric.get(metric) ?? 0;
      if (n >= MAX_POINTS_PER_METRIC) continue;
      this.perMetric.set(metric, n + 1);
      this.points.push({
        epoch: epoch + 1,
        metric,
        value,
        panel: /loss/i.test(metric) ? 'loss' : 'metrics',
      });
    }
    this.schedule();
  }

  /** Draws what is pending now (training ended). */
  finish(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.points.length !== this.drawn) this.draw();
  }

  private schedule(): void {
    const wait = this.lastDraw + this.everyMs - performance.now();
    if (wait <= 0) {
      this.draw();
      return;
    }
    // Throttled: the latest points are drawn when the interval is over, unless training ends first.
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.draw();
    }, wait);
    this.timer.unref?.();
  }

  private draw(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastDraw = performance.now();
    this.drawn = this.points.length;
    const spec = trainingChartSpec(this.title, [...this.points]);
    const bundle = {
      [VEGALITE_MIME]: JSON.parse(JSON.stringify(spec)) as unknown,
      'text/plain': `<${this.title}: ${this.points.length} points>`,
    };
    this.output.bundle(bundle);
  }
}
