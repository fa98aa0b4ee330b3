/** Drift: reports between a reference and a current data set, the statistics behind them, and streaming detectors. */
export * from '../common/drift-types';
export { driftReport, LARGE_SAMPLE } from './report';
export { chooseMethod, parseMethod, METHOD_NAMES } from './choose';
export { driftHtml } from './html';
export {
  methodKind,
  defaultThreshold,
  supports,
  numericDrift,
  categoricalDrift,
  sturgesEdges,
  binCounts,
} from './methods';
