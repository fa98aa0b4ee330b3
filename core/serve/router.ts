/**
 * Which variant answers a request: a pure function of the traffic split, the request's key
 * (when it has one) and a random number (when it does not). A key is hashed with the
 * deployment's salt to a point in [0, 1): the same key always lands on the same side of
 * the weight, so a client sticks to its variant while the weight stays, and raising the
 * weight only moves clients from primary to candidate, never back.
 */
import {
  ServeError,
  STRATEGIES,
  type Strategy,
  type TrafficSplit,
  type Variant,
} from '../common/serve-types';

/** 32-bit FNV-1a of a string's UTF-16 code units. */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A key's point in [0, 1): FNV-1a of salt and key, finished with a murmur3 mix so nearby keys spread. */
export function keyPoint(key: string, salt = ''): number {
  let h = fnv1a(`${salt}\u0000${key}`);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Route {
  /** Answers the client. */
  answer: Variant;
  /** Also scores the request without answering (shadow). */
  shadow: Variant | null;
}

/**
 * The variant for one request. `key` (header X-Labbook-Key or the body's `key`) makes the
 * choice sticky; without one, `random()` decides.
 */
export function route(
  split: TrafficSplit,
  options: { key?: string | null; salt?: string; random: () => number },
): Route {
  if (split.candidate === null) return { answer: 'primary', shadow: null };
  switch (split.strategy) {
    case 'single':
      return { answer: 'primary', shadow: null };
    case 'shadow':
      return { answer: 'primary', shadow: 'candidate' };
    case 'bluegreen':
      return { answer: split.weight >= 100 ? 'candidate' : 'primary', shadow: null };
    default: {
      if (split.weight <= 0) return { answer: 'primary', shadow: null };
      if (split.weight >= 100) return { answer: 'candidate', shadow: null };
      const u =
        options.key !== undefined && options.key !== null && options.key !== ''
          ? keyPoint(options.key, options.salt)
          : options.random();
      return { answer: u * 100 < split.weight ? 'candidate' : 'primary', shadow: null };
    }
  }
}

export function isStrategy(value: unknown): value is Strategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

/** Checks a split is coherent: a strategy other than single needs a candidate; weights are 0..100, blue/green 0 or 100. */
export function checkSplit(split: TrafficSplit): TrafficSplit {
  if (!isStrategy(split.strategy))
    throw new ServeError(
      'INVALID',
      `unknown strategy ${JSON.stringify(split.strategy)}: one of ${STRATEGIES.join(', ')}`,
    );
  if (
    typeof split.weight !== 'number' ||
    !Number.isFinite(split.weight) ||
    split.weight < 0 ||
    split.weight > 100
  ) {
    throw new ServeError(
      'INVALID',
      `weight must be a percentage from 0 to 100, got ${JSON.stringify(split.weight)}`,
    );
  }
  if (split.strategy === 'single' && split.candidate !== null) {
    throw new ServeError(
      'INVALID',
      'strategy single serves one version: drop --candidate, or choose canary, ab, shadow or bluegreen',
    );
  }
  if (split.strategy !== 'single' && split.candidate === null) {
    throw new ServeError(
      'INVALID',
      `strategy ${split.strategy} needs a candidate version (--candidate NAME/VERSION)`,
    );
  }
  if (split.candidate !== null && split.candidate === split.primary) {
    throw new ServeError(
      'INVALID',
      `the candidate is the deployed version itself (v${split.primary}); choose another version`,
    );
  }
  if (split.strategy === 'bluegreen' && split.weight !== 0 && split.weight !== 100) {
    throw new ServeError(
      'INVALID',
      `blue/green sends all traffic to one colour: weight 0 (blue v${split.primary}) or 100 (green v${split.candidate}), got ${split.weight}`,
    );
  }
  if (split.strategy === 'shadow' && split.weight !== 0) {
    throw new ServeError(
      'INVALID',
      'a shadow candidate never answers: its weight stays 0 (use canary or ab to send it traffic)',
    );
  }
  return split;
}
