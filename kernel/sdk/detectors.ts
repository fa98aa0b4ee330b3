/**
 * `lab.detectors`: concept-drift detectors for streams, river's ADWIN, DDM, Page-Hinkley and
 * KSWIN with river's defaults (core/drift/detectors.ts). Feed one value at a time; each
 * update says whether the stream has just changed.
 *
 * ```ts
 * const detector = lab.detectors.adwin();
 * for (const [i, error] of errors.entries()) {
 *   if (detector.update(error).drift) console.log(`drift at ${i}`);
 * }
 * detector.detections; // indices of every drift
 * ```
 */
export { adwin, ddm, DETECTOR_DEFAULTS, kswin, pageHinkley } from '../../core/drift/detectors';
export type {
  AdwinOptions,
  DdmOptions,
  DetectorState,
  DriftDetector,
  KswinOptions,
  PageHinkleyMode,
  PageHinkleyOptions,
} from '../../core/drift/detectors';
