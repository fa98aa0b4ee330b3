/**
 * A drift report on a wire (the service's JSON-RPC, `labbook drift --json`, a notebook
 * output, a webview message, a logged artifact). JSON has no Infinity: a chi-square test of
 * a category the reference never saw has statistic Infinity (and p 0, as in SciPy), which
 * JSON.stringify turns into null, the value of a skipped column. So the numbers a method
 * computes travel as WireNumbers ("Infinity", "NaN"); everything else is as in DriftReport.
 * Senders call driftReportToWire, receivers check the shape, then driftReportFromWire.
 */
import type { ColumnDrift, DriftReport, TargetDrift } from './drift-types';
import { fromWireNumber, toWireNumber, type WireNumber } from './wire-number';

export interface WireColumnDrift extends Omit<ColumnDrift, 'statistic' | 'pValue' | 'effectSize'> {
  statistic: WireNumber | null;
  pValue: WireNumber | null;
  effectSize?: { method: ColumnDrift['method']; statistic: WireNumber; threshold: number };
}

export interface WireTargetDrift extends Omit<TargetDrift, 'targetDrift' | 'predictionDrift'> {
  targetDrift?: WireColumnDrift;
  predictionDrift?: WireColumnDrift;
}

export interface WireDriftReport extends Omit<DriftReport, 'columns' | 'target'> {
  columns: WireColumnDrift[];
  target?: WireTargetDrift;
}

/** A number as a wire carries it: finite numbers, or the strings Number() reads back. */
export function isWireNumber(v: unknown): v is WireNumber {
  return typeof v === 'number' || v === 'NaN' || v === 'Infinity' || v === '-Infinity';
}

const orNull = <A, B>(v: A | null, f: (x: A) => B): B | null => (v === null ? null : f(v));

function columnToWire(c: ColumnDrift): WireColumnDrift {
  const { effectSize, ...rest } = c;
  return {
    ...rest,
    statistic: orNull(c.statistic, toWireNumber),
    pValue: orNull(c.pValue, toWireNumber),
    ...(effectSize
      ? { effectSize: { ...effectSize, statistic: toWireNumber(effectSize.statistic) } }
      : {}),
  };
}

function columnFromWire(c: WireColumnDrift): ColumnDrift {
  const { effectSize, ...rest } = c;
  return {
    ...rest,
    statistic: orNull(c.statistic, fromWireNumber),
    pValue: orNull(c.pValue, fromWireNumber),
    ...(effectSize
      ? { effectSize: { ...effectSize, statistic: fromWireNumber(effectSize.statistic) } }
      : {}),
  };
}

function mapReport<A, B>(
  r: Omit<DriftReport, 'columns' | 'target'> & {
    columns: A[];
    target?: Omit<TargetDrift, 'targetDrift' | 'predictionDrift'> & {
      targetDrift?: A;
      predictionDrift?: A;
    };
  },
  f: (c: A) => B,
) {
  const { target, ...rest } = r;
  const out = { ...rest, columns: r.columns.map(f) };
  if (!target) return out;
  const { targetDrift, predictionDrift, ...t } = target;
  return {
    ...out,
    target: {
      ...t,
      ...(targetDrift ? { targetDrift: f(targetDrift) } : {}),
      ...(predictionDrift ? { predictionDrift: f(predictionDrift) } : {}),
    },
  };
}

export function driftReportToWire(report: DriftReport): WireDriftReport {
  return mapReport(report, columnToWire);
}

export function driftReportFromWire(report: WireDriftReport): DriftReport {
  return mapReport(report, columnFromWire);
}
