/** Model tests before promotion (core/modeltest): robustness, fairness, explanations, generalizability, mutation adequacy. */
export * from './data';
export * from './fairness';
export * from './importance';
export * from './robustness';
export * from './explain';
export * from './mutation';
export * from './crossval';
export * from './cross-validate';
export * from './report';
export * from './stored';
export { mulberry32, permutation } from './random';
export * from './html';
