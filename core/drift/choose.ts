/**
 * Which method tests a column, and why, in Evidently's words (see ../shared/DESIGN.md):
 * reference <= 1000 values: KS for numeric columns with more than 5 distinct values,
 * chi-square for categories (or numeric with <= 5 distinct) when there are more than 2,
 * Z-test for two; reference > 1000 values: normalised Wasserstein for numeric, Jensen-
 * Shannon for categories (and, as Evidently does, for numeric with <= 5 distinct).
 * "Values" are the reference's non-missing values after sampling, as Evidently drops NaN
 * before it chooses; distinct values and categories are counted over both sides together,
 * as Evidently does (a category only the current data has still counts).
 */
import {
  DRIFT_METHODS,
  DriftError,
  type DriftCompareAs,
  type DriftMethod,
} from '../common/drift-types';
import { supports } from './methods';

export const SMALL_REFERENCE = 1000;

/** Method names for people. */
export const METHOD_NAMES: Record<DriftMethod, string> = {
  ks: 'Kolmogorov-Smirnov',
  chisquare: 'chi-square',
  z: 'Z-test',
  wasserstein: 'Wasserstein distance (normalised)',
  jensenshannon: 'Jensen-Shannon distance',
  psi: 'PSI',
  kl: 'Kullback-Leibler divergence',
  hellinger: 'Hellinger distance',
  anderson: 'Anderson-Darling',
  mannwhitney: 'Mann-Whitney U',
  ttest: 't-test',
  energy: 'energy distance',
};
export const FEW_DISTINCT = 5;

export interface ColumnFacts {
  type: DriftCompareAs;
  /** Non-missing reference values. */
  referenceCount: number;
  /** Distinct non-missing values of both sides together (Evidently: pd.concat([reference, current]).nunique()). */
  distinct: number;
}

export interface Choice {
  method: DriftMethod;
  /** Compare the column's distinct values as categories (counts per value) instead of sorted samples. */
  asCategories: boolean;
  /** False when the method cannot run on this column (a numeric-only method on categories). */
  applicable: boolean;
  reason: string;
}

/** A method named by the user: one of DRIFT_METHODS, case-insensitive, else a DriftError naming it. */
export function parseMethod(name: string, where = 'method'): DriftMethod {
  const key = name.trim().toLowerCase().replace(/[-_ ]/g, '') as DriftMethod;
  if ((DRIFT_METHODS as readonly string[]).includes(key)) return key;
  throw new DriftError(
    `Unknown drift method "${name}" (${where}); known methods: ${DRIFT_METHODS.join(', ')}`,
  );
}

const CATEGORY_METHODS: ReadonlySet<DriftMethod> = new Set(['chisquare', 'z']);

const count = (n: number, one: string, many = `${one}s`): string =>
  `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

export function chooseMethod(
  facts: ColumnFacts,
  override?: { method: DriftMethod; by: 'column' | 'global' },
): Choice {
  const { type, referenceCount: n, distinct: d } = facts;
  const distinct = count(d, 'distinct value');
  const few = type === 'numeric' && d <= FEW_DISTINCT;
  if (override) {
    const method = override.method;
    const asCategories = type === 'categorical' || CATEGORY_METHODS.has(method);
    const applicable = supports(method, asCategories ? 'categorical' : 'numeric');
    const by = override.by === 'column' ? 'set for this column' : 'set for every column';
    const reason = applicable
      ? `${method} ${by}${type === 'numeric' && asCategories ? ` (the ${distinct} compared as categories)` : ''}`
      : `${method} ${by}, but it runs on numeric data only and this column is categorical`;
    return { method, asCategories, applicable, reason };
  }
  const small = n <= SMALL_REFERENCE;
  const size = `reference has ${count(n, 'value')} (${small ? '<=' : '>'} ${SMALL_REFERENCE})`;
  if (type === 'numeric' && !few) {
    return small
      ? {
          method: 'ks',
          asCategories: false,
          applicable: true,
          reason: `${size} and ${distinct} (> ${FEW_DISTINCT}): Kolmogorov-Smirnov test`,
        }
      : {
          method: 'wasserstein',
          asCategories: false,
          applicable: true,
          reason: `${size}, numeric: Wasserstein distance normalised by the reference's standard deviation`,
        };
  }
  const what = few
    ? `numeric with ${distinct} (<= ${FEW_DISTINCT}), compared as categories`
    : `categorical with ${count(d, 'category', 'categories')}`;
  if (!small)
    return {
      method: 'jensenshannon',
      asCategories: true,
      applicable: true,
      reason: `${size}, ${what}: Jensen-Shannon distance`,
    };
  return d > 2
    ? {
        method: 'chisquare',
        asCategories: true,
        applicable: true,
        reason: `${size}, ${what} (> 2): chi-square test`,
      }
    : {
        method: 'z',
        asCategories: true,
        applicable: true,
        reason: `${size}, ${what} (<= 2): Z-test for proportions`,
      };
}
