/**
 * A seeded random source for the data-centric tools: the same seed gives the same trees,
 * folds and synthetic rows on every machine, so a finding or an augmented data set can be
 * reproduced. mulberry32: small, fast and good enough for sampling (not for cryptography).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Whole number in [0, n). */
  int(n: number): number;
  /** Standard normal (Box-Muller). */
  normal(): number;
  /** Beta(a, b) from two gamma draws (Marsaglia-Tsang), for mixup's weights. */
  beta(a: number, b: number): number;
  /** `k` distinct whole numbers from [0, n) in random order (partial Fisher-Yates). */
  sample(n: number, k: number): Int32Array;
  /** A permutation of 0..n-1. */
  shuffle(n: number): Int32Array;
}

export function checkSeed(seed: unknown, method: string): number {
  if (seed === undefined) return 0;
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed) || seed < 0)
    throw new TypeError(`${method}: seed must be a whole number >= 0, got ${JSON.stringify(seed)}`);
  return seed;
}

export function seededRandom(seed = 0): Random {
  let state = (seed ^ 0x9e3779b9) >>> 0;
  let spare: number | undefined;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = (): number => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u = next();
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
  const gamma = (shape: number): number => {
    if (shape < 1) {
      let u = next();
      while (u === 0) u = next();
      return gamma(shape + 1) * Math.pow(u, 1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = next();
      if (u < 1 - 0.0331 * x * x * x * x) return d * v;
      if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
    }
  };
  const sample = (n: number, k: number): Int32Array => {
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < k; i++) {
      const j = i + Math.floor(next() * (n - i));
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    return pool.subarray(0, k);
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    normal,
    beta: (a, b) => {
      const x = gamma(a);
      const y = gamma(b);
      return x + y === 0 ? 0.5 : x / (x + y);
    },
    sample,
    shuffle: (n) => sample(n, n),
  };
}
