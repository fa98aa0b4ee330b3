/**
 * Data-centric tools (issue 21): anomalies (Isolation Forest and robust rules), label
 * issues (confident learning), augmentation (SMOTE, noise, mixup) and cleaning plans.
 * Plain Node over rows in memory; the SDK and the CLI read files into rows first.
 */
export {
  findAnomalies,
  type AnomalyReport,
  type FindAnomaliesOptions,
  type RowAnomaly,
  type ColumnRule,
} from './anomalies';
export {
  findLabelIssues,
  type FindLabelIssuesOptions,
  type LabelIssue,
  type LabelIssueReport,
  type LabelModel,
} from './label-issues';
export {
  augment,
  type AugmentMethod,
  type AugmentOptions,
  type AugmentResult,
  type SyntheticOrigin,
} from './augment';
export {
  applyCleaningPlan,
  parseCleaningPlan,
  suggestCleaningPlan,
  type CleaningPlan,
  type CleaningResult,
  type CleaningStep,
} from './cleaning';
export { fitIsolationForest, averagePathLength, type IsolationForest } from './isolation-forest';
export type { Row, Matrix } from './features';
