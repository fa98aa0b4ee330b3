/**
 * JSON has no NaN or Infinity, yet metrics may be either. On every wire (CLI JSON, the
 * service protocol, webviews) such values travel as the strings JavaScript's Number() reads back.
 */
export type WireNumber = number | 'NaN' | 'Infinity' | '-Infinity';

export function toWireNumber(value: number): WireNumber {
  return Number.isFinite(value) ? value : (String(value) as WireNumber);
}

export function fromWireNumber(value: WireNumber): number {
  return typeof value === 'number' ? value : Number(value);
}
