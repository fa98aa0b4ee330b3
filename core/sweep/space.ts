/**
 * A study's search space: per param, a list of choices (categorical) or a numeric range
 * (float, log-float, int, log-int). The same shape `lab.sweep({ random })` takes, checked
 * here once for the samplers in core.
 */
export interface RangeDimension {
  min: number;
  max: number;
  /** Sampled log-uniformly; needs min > 0. */
  log?: boolean;
  /** Whole numbers in [ceil(min), floor(max)]. */
  integer?: boolean;
}

export type ChoiceValue = string | number | boolean;
export type Dimension = readonly ChoiceValue[] | RangeDimension;
export type SearchSpace = Record<string, Dimension>;

/** A checked dimension. */
export type SpaceParam =
  | { key: string; kind: 'categorical'; choices: readonly ChoiceValue[] }
  | { key: string; kind: 'float' | 'int'; min: number; max: number; log: boolean };

function fail(message: string): never {
  throw new TypeError(`search space: ${message}`);
}

export function checkSpace(space: unknown): SpaceParam[] {
  if (!space || typeof space !== 'object' || Array.isArray(space))
    fail(
      `expected an object of param name to choices or { min, max }, got ${JSON.stringify(space)}`,
    );
  const keys = Object.keys(space);
  if (keys.length === 0) fail('name at least one param');
  return keys.map((key): SpaceParam => {
    const d = (space as Record<string, unknown>)[key];
    if (Array.isArray(d)) {
      if (d.length === 0) fail(`${key} must list at least one choice`);
      for (const c of d)
        if (!['string', 'number', 'boolean'].includes(typeof c))
          fail(`${key}: a choice must be a string, number or boolean, got ${JSON.stringify(c)}`);
      return { key, kind: 'categorical', choices: d as ChoiceValue[] };
    }
    if (!d || typeof d !== 'object')
      fail(`${key} must be a list of choices or { min, max }, got ${JSON.stringify(d)}`);
    const { min, max, log = false, integer = false, ...rest } = d as Record<string, unknown>;
    const extra = Object.keys(rest);
    if (extra.length)
      fail(`${key} has unknown field "${extra[0]}" (a range has min, max, log, integer)`);
    if (typeof min !== 'number' || !Number.isFinite(min))
      fail(`${key}.min must be a finite number, got ${JSON.stringify(min)}`);
    if (typeof max !== 'number' || !Number.isFinite(max))
      fail(`${key}.max must be a finite number, got ${JSON.stringify(max)}`);
    if (min > max) fail(`${key}.min (${min}) must not be greater than max (${max})`);
    if (typeof log !== 'boolean' || typeof integer !== 'boolean')
      fail(`${key}.log and ${key}.integer must be true or false`);
    if (log && min <= 0) fail(`${key}.min must be greater than 0 for a log range, got ${min}`);
    if (integer && Math.ceil(min) > Math.floor(max))
      fail(`${key} holds no whole number between ${min} and ${max}`);
    return integer
      ? { key, kind: 'int', min: Math.ceil(min), max: Math.floor(max), log }
      : { key, kind: 'float', min, max, log };
  });
}

/** Deterministic uniform numbers in [0, 1) from a 32-bit seed (mulberry32). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One uniform draw of a param (what random search and TPE's startup trials do). */
export function sampleUniform(p: SpaceParam, random: () => number): ChoiceValue {
  const u = random();
  if (p.kind === 'categorical')
    return p.choices[Math.min(p.choices.length - 1, Math.floor(u * p.choices.length))];
  if (p.kind === 'int' && !p.log)
    return Math.min(p.max, p.min + Math.floor(u * (p.max - p.min + 1)));
  const x = p.log
    ? Math.exp(Math.log(p.min) + (Math.log(p.max) - Math.log(p.min)) * u)
    : p.min + (p.max - p.min) * u;
  return p.kind === 'int'
    ? Math.min(p.max, Math.max(p.min, Math.round(x)))
    : Math.min(p.max, Math.max(p.min, x));
}
