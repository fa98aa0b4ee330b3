/** The model registry's public API (core/registry). Loading it never loads tfjs: evaluation is lazy. */
export * from './types';
export {
  Registry,
  defaultEvaluate,
  validateAlias,
  validateModelName,
  validateStage,
  ALIAS_PATTERN,
  MAX_MODEL_NAME_LENGTH,
  type RegistryOptions,
  type RegisterVersionInput,
  type PromoteInput,
  type PromotionPreview,
} from './registry';
export {
  gatesPath,
  gatesFileName,
  readGates,
  saveGates,
  validateGatesConfig,
  judgeGates,
  loadHoldout,
  describeFailures,
  lowerIsBetter,
  HOLDOUT_METRICS,
  type EvaluateVersion,
} from './gates';
export {
  parseModelRef,
  resolveModelRef,
  formatModelRef,
  parseStage,
  type ModelRef,
  type ModelSelector,
} from './refs';
export {
  buildModelCard,
  modelCardMarkdown,
  SMALL_HOLDOUT_ROWS,
  SLICE_GAP,
  type BuildCardOptions,
} from './card';
