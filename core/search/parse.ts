/**
 * The runs search language, MLflow-compatible where MLflow has the feature:
 *
 *   metrics.acc > 0.9 and params.lr = "0.01" and tags.model LIKE "dense%"
 *   attributes.status = "finished" and params.`batch size` IN ("32", "64")
 *
 * and beyond it: OR, NOT and parentheses with SQL's precedence (NOT binds tighter than AND,
 * AND tighter than OR), `params.x IS NULL` / `IS NOT NULL`, a metric's history aggregated
 * (`max(metrics.val_acc) > 0.9`, `min`, `mean`, `count`; plain `metrics.x` is the latest
 * value), and the data sets a run used (`datasets.name`, `datasets.role`). Keys with spaces
 * or dots go in backticks or double quotes; an entity may be backticked too (`metrics`.acc).
 * Params, tags and data sets compare as strings, metrics as numbers. Errors name the
 * position (0-based) and the offending token.
 *
 * A hand-written recursive-descent parser: the grammar is the product's own, small, and its
 * errors must point into the user's text, which no parser library in node_modules offers.
 */

export type Entity = 'metrics' | 'params' | 'tags' | 'attributes' | 'datasets';
export type Comparator =
  | '='
  | '!='
  | '<'
  | '<='
  | '>'
  | '>='
  | 'LIKE'
  | 'ILIKE'
  | 'IN'
  | 'NOT IN'
  | 'IS NULL'
  | 'IS NOT NULL';

/** A function over every point of a metric's history (NaN points left out but by count). */
export type Aggregate = 'min' | 'max' | 'mean' | 'count';
export const AGGREGATES: readonly Aggregate[] = ['min', 'max', 'mean', 'count'];

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  /** null for IS NULL / IS NOT NULL. */
  value: string | number | (string | number)[] | null;
  /** Where the clause starts in the query text. */
  position: number;
  /** Set when the clause compares an aggregate of a metric's history, not its latest value. */
  aggregate?: Aggregate;
}

/**
 * A parsed filter: clauses combined by AND, OR and NOT. An AND or OR has two items or more
 * (nested ones of the same kind are flattened); `position` is where the node starts.
 */
export type SearchCondition =
  | { kind: 'clause'; clause: Clause; position: number }
  | { kind: 'and' | 'or'; items: SearchCondition[]; position: number }
  | { kind: 'not'; item: SearchCondition; position: number };

export interface OrderKey {
  entity: Entity;
  key: string;
  descending: boolean;
  aggregate?: Aggregate;
}

export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
  constructor(
    readonly query: string,
    readonly position: number,
    problem: string,
  ) {
    super(
      `${problem} (found ${tokenAt(query, position)}) at position ${position}:\n  ${query}\n  ${' '.repeat(position)}^`,
    );
  }
}

/** The token starting at `position`, as an error message names it. */
function tokenAt(query: string, position: number): string {
  const rest = query.slice(position);
  if (rest.trim() === '') return 'the end';
  const token = /^(<=|>=|!=|<>|==|[\w.-]+|"[^"]*"?|'[^']*'?|`[^`]*`?|\S)/.exec(rest);
  return JSON.stringify(token ? token[0] : rest[0]);
}

const ENTITY_ALIASES: Record<string, Entity> = {
  metric: 'metrics',
  metrics: 'metrics',
  param: 'params',
  params: 'params',
  parameter: 'params',
  parameters: 'params',
  tag: 'tags',
  tags: 'tags',
  attribute: 'attributes',
  attributes: 'attributes',
  attr: 'attributes',
  run: 'attributes',
  dataset: 'datasets',
  datasets: 'datasets',
};

/** Run attributes a query may name, and whether they compare as numbers. */
export const ATTRIBUTES: Record<string, 'string' | 'number'> = {
  run_id: 'string',
  run_name: 'string',
  status: 'string',
  experiment: 'string',
  /** Who started the run (git or OS user, or LABBOOK_USER). */
  user: 'string',
  start_time: 'number',
  end_time: 'number',
  /** Milliseconds from start to end; a running run's grows until it ends. */
  duration: 'number',
};

/**
 * What a `datasets.` key names about the data sets a run used (its inputs): the data set's
 * name, the role the run gave it (train, test, ...; MLflow calls it the context) and its
 * content fingerprint (MLflow's digest).
 */
export const DATASET_FIELDS: Record<string, 'name' | 'role' | 'fingerprint'> = {
  name: 'name',
  role: 'role',
  context: 'role',
  digest: 'fingerprint',
  fingerprint: 'fingerprint',
};

type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'quoted'; text: string; pos: number; quote: string }
  | { kind: 'number'; value: number; pos: number }
  | { kind: 'op'; text: string; pos: number }
  | { kind: 'punct'; text: '.' | '(' | ')' | ','; pos: number }
  | { kind: 'end'; pos: number };

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      const start = i;
      let text = '';
      i++;
      while (i < query.length && query[i] !== c) {
        // A backslash takes the next character as it is (\" inside a double-quoted string).
        if (query[i] === '\\' && i + 1 < query.length) {
          text += query[i + 1];
          i += 2;
          continue;
        }
        text += query[i++];
      }
      if (i >= query.length)
        throw new SearchSyntaxError(
          query,
          start,
          `Unterminated ${c === '`' ? 'backtick name' : 'string'}`,
        );
      i++;
      tokens.push({ kind: 'quoted', text, pos: start, quote: c });
      continue;
    }
    const number = /^-?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?)/i.exec(query.slice(i));
    if (number && (c !== '-' || !/[\w.]/.test(query[i - 1] ?? ''))) {
      tokens.push({ kind: 'number', value: Number(number[0]), pos: i });
      i += number[0].length;
      continue;
    }
    const op = /^(<=|>=|!=|<>|==|=|<|>)/.exec(query.slice(i));
    if (op) {
      tokens.push({
        kind: 'op',
        text: op[0] === '<>' ? '!=' : op[0] === '==' ? '=' : op[0],
        pos: i,
      });
      i += op[0].length;
      continue;
    }
    if (c === '.' || c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', text: c, pos: i });
      i++;
      continue;
    }
    const word = /^[A-Za-z_][\w-]*/.exec(query.slice(i));
    if (word) {
      tokens.push({ kind: 'word', text: word[0], pos: i });
      i += word[0].length;
      continue;
    }
    throw new SearchSyntaxError(query, i, `Unexpected character ${JSON.stringify(c)}`);
  }
  tokens.push({ kind: 'end', pos: query.length });
  return tokens;
}

/**
 * Bounds on one search, far beyond what a person types, checked before any SQL: past them
 * the database fails with its own words ("Expression tree is too large" at about 1,000
 * conditions, "too many terms" or "too many SQL variables"), which name nothing the user
 * wrote. The boundary values themselves run on SQLite (test/unit/search.test.ts).
 */
export const SEARCH_LIMITS = {
  conditions: 200,
  valuesPerList: 1000,
  values: 10_000,
  orderKeys: 50,
  /** Parentheses and NOTs nested in one another (the parser and the SQL recurse on them). */
  depth: 50,
};

interface Operand {
  entity: Entity;
  key: string;
  position: number;
  aggregate?: Aggregate;
}

class Parser {
  private at = 0;
  private clauses = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
    /** parseFilter's conjunction: OR and NOT are refused (gates judge each clause alone). */
    private readonly andOnly = false,
  ) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.at + offset, this.tokens.length - 1)];
  }
  private next(): Token {
    const token = this.tokens[this.at];
    if (token.kind !== 'end') this.at++;
    return token;
  }
  private fail(token: Token, problem: string): never {
    throw new SearchSyntaxError(this.query, token.pos, problem);
  }
  private isWord(token: Token, word: string): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }
  private isPunct(token: Token, text: string): boolean {
    return token.kind === 'punct' && token.text === text;
  }

  /** `entity.key`, with key a word, a dotted word path, or a quoted name; the entity may be backticked. */
  identifier(): { entity: Entity; key: string; position: number } {
    const first = this.next();
    const entityName =
      first.kind === 'word'
        ? first.text
        : first.kind === 'quoted' && first.quote === '`'
          ? first.text
          : undefined;
    if (entityName === undefined)
      this.fail(
        first,
        'Expected a name such as metrics.acc, params.lr, tags.model, datasets.name or attributes.status',
      );
    const entity = ENTITY_ALIASES[entityName.toLowerCase()];
    if (!entity && first.kind === 'word' && /^(AND|OR)$/i.test(entityName))
      this.fail(first, `Expected a condition before ${entityName.toUpperCase()}`);
    if (!entity)
      this.fail(
        first,
        `Unknown entity "${entityName}": use metrics., params., tags., datasets. or attributes.`,
      );
    const dot = this.next();
    if (!this.isPunct(dot, '.')) this.fail(dot, `Expected "." after "${entityName}"`);
    const keyToken = this.next();
    let key: string;
    if (keyToken.kind === 'quoted' && keyToken.quote !== "'") key = keyToken.text;
    else if (keyToken.kind === 'word') {
      key = keyToken.text;
      // Unquoted keys may contain dots (tags.mlflow.source.name, metrics.max.acc), as in MLflow.
      while (this.isPunct(this.peek(), '.')) {
        this.next();
        const part = this.next();
        if (part.kind !== 'word' && part.kind !== 'number')
          this.fail(part, 'Expected the rest of the name after "."');
        key += `.${part.kind === 'word' ? part.text : String(part.value)}`;
      }
    } else
      this.fail(
        keyToken,
        `Expected a ${entity === 'datasets' ? 'data set field' : entity.slice(0, -1)} name after "${entityName}." (backticks for names with spaces)`,
      );
    if (key === '') this.fail(keyToken, 'Empty name');
    if (entity === 'attributes' && !(key in ATTRIBUTES)) {
      this.fail(
        keyToken,
        `Unknown attribute "${key}": one of ${Object.keys(ATTRIBUTES).join(', ')}`,
      );
    }
    if (entity === 'datasets' && !(key in DATASET_FIELDS)) {
      this.fail(
        keyToken,
        `Unknown data set field "${key}": one of ${Object.keys(DATASET_FIELDS).join(', ')}`,
      );
    }
    return { entity, key, position: first.pos };
  }

  /** An identifier, or an aggregate of a metric's history: `max(metrics.acc)`. */
  operand(): Operand {
    const first = this.peek();
    const name = first.kind === 'word' ? first.text.toLowerCase() : '';
    if (!(AGGREGATES as readonly string[]).includes(name) || !this.isPunct(this.peek(1), '('))
      return this.identifier();
    this.next();
    this.next();
    const inner = this.identifier();
    if (inner.entity !== 'metrics') {
      throw new SearchSyntaxError(
        this.query,
        inner.position,
        `${name}() aggregates a metric's history, e.g. ${name}(metrics.acc); ${inner.entity}.${inner.key} is not a metric`,
      );
    }
    const close = this.next();
    if (!this.isPunct(close, ')')) this.fail(close, `Expected ")" to close ${name}(`);
    return { ...inner, position: first.pos, aggregate: name as Aggregate };
  }

  comparator(): { comparator: Comparator; token: Token } {
    const token = this.next();
    if (token.kind === 'op') return { comparator: token.text as Comparator, token };
    if (this.isWord(token, 'LIKE')) return { comparator: 'LIKE', token };
    if (this.isWord(token, 'ILIKE')) return { comparator: 'ILIKE', token };
    if (this.isWord(token, 'IN')) return { comparator: 'IN', token };
    if (this.isWord(token, 'NOT') && this.isWord(this.peek(), 'IN')) {
      this.next();
      return { comparator: 'NOT IN', token };
    }
    if (this.isWord(token, 'IS')) {
      const not = this.isWord(this.peek(), 'NOT');
      if (not) this.next();
      const nullToken = this.next();
      if (!this.isWord(nullToken, 'NULL'))
        this.fail(nullToken, `Expected NULL after IS${not ? ' NOT' : ''}`);
      return { comparator: not ? 'IS NOT NULL' : 'IS NULL', token };
    }
    return this.fail(
      token,
      'Expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN, IS NULL, IS NOT NULL)',
    );
  }

  literal(): string | number {
    const token = this.next();
    if (token.kind === 'number') return token.value;
    if (token.kind === 'quoted' && token.quote !== '`') return token.text;
    return this.fail(token, 'Expected a value: a number or a quoted string');
  }

  clause(): Clause {
    const { entity, key, position, aggregate } = this.operand();
    const name = aggregate ? `${aggregate}(${entity}.${key})` : `${entity}.${key}`;
    const { comparator, token } = this.comparator();
    const extra = aggregate ? { aggregate } : {};
    if (comparator === 'IS NULL' || comparator === 'IS NOT NULL') {
      if (aggregate || entity === 'attributes' || entity === 'datasets') {
        this.fail(
          token,
          `${comparator} asks whether a run has a param, tag or metric; ${name} is not one`,
        );
      }
      return { entity, key, comparator, value: null, position };
    }
    const numeric =
      entity === 'metrics' || (entity === 'attributes' && ATTRIBUTES[key] === 'number');
    if (numeric && ['LIKE', 'ILIKE', 'IN', 'NOT IN'].includes(comparator)) {
      this.fail(token, `${comparator} compares strings; ${name} is a number`);
    }
    if (!numeric && ['<', '<=', '>', '>='].includes(comparator)) {
      this.fail(
        token,
        `${comparator} compares numbers; ${name} is a string (params and tags compare as strings, like MLflow)`,
      );
    }
    let value: Clause['value'];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      const open = this.next();
      if (!this.isPunct(open, '(')) this.fail(open, `Expected "(" after ${comparator}`);
      value = [this.literal()];
      for (;;) {
        const t = this.next();
        if (this.isPunct(t, ')')) break;
        if (!this.isPunct(t, ',')) this.fail(t, 'Expected "," or ")" in the value list');
        value.push(this.literal());
        if (value.length > SEARCH_LIMITS.valuesPerList) {
          this.fail(
            t,
            `${comparator} lists more than ${SEARCH_LIMITS.valuesPerList} values; search in smaller batches`,
          );
        }
      }
    } else {
      const valueToken = this.peek();
      value = this.literal();
      if (numeric && typeof value !== 'number')
        this.fail(valueToken, `${name} is a number: compare it with a number`);
      if (!numeric && typeof value !== 'string')
        this.fail(valueToken, `${name} is a string: quote the value, e.g. "${value}"`);
    }
    return { entity, key, comparator, value, position, ...extra };
  }

  /** OR binds loosest, then AND, then NOT, as in SQL. */
  or(depth: number): SearchCondition {
    const first = this.and(depth);
    const items = [first];
    while (this.isWord(this.peek(), 'OR')) {
      const or = this.next();
      if (this.andOnly)
        this.fail(or, 'OR is not supported here: these conditions are all joined by AND');
      items.push(this.and(depth));
    }
    return items.length === 1 ? first : joined('or', items);
  }

  and(depth: number): SearchCondition {
    const first = this.not(depth);
    const items = [first];
    while (this.isWord(this.peek(), 'AND')) {
      this.next();
      items.push(this.not(depth));
    }
    return items.length === 1 ? first : joined('and', items);
  }

  not(depth: number): SearchCondition {
    const token = this.peek();
    if (!this.isWord(token, 'NOT')) return this.primary(depth);
    this.next();
    if (this.andOnly)
      this.fail(token, 'NOT is not supported here: these conditions are all joined by AND');
    this.deeper(token, depth);
    return { kind: 'not', item: this.not(depth + 1), position: token.pos };
  }

  primary(depth: number): SearchCondition {
    const token = this.peek();
    if (this.isPunct(token, '(')) {
      this.next();
      this.deeper(token, depth);
      const inner = this.or(depth + 1);
      const close = this.next();
      if (!this.isPunct(close, ')'))
        this.fail(
          close,
          `Expected ")" to close the "(" at position ${token.pos}, or AND / OR to go on`,
        );
      return inner;
    }
    if (this.clauses === SEARCH_LIMITS.conditions) {
      this.fail(
        token,
        `The filter has more than ${SEARCH_LIMITS.conditions} conditions; at most ${SEARCH_LIMITS.conditions} are supported`,
      );
    }
    this.clauses++;
    const clause = this.clause();
    return { kind: 'clause', clause, position: clause.position };
  }

  private deeper(token: Token, depth: number): void {
    if (depth >= SEARCH_LIMITS.depth)
      this.fail(
        token,
        `The filter nests parentheses and NOTs more than ${SEARCH_LIMITS.depth} deep; at most ${SEARCH_LIMITS.depth} are supported`,
      );
  }

  condition(): SearchCondition | null {
    if (this.peek().kind === 'end') return null;
    const condition = this.or(0);
    const rest = this.peek();
    if (rest.kind !== 'end') {
      this.fail(
        rest,
        this.isPunct(rest, ')')
          ? 'Unbalanced ")": no "(" before it'
          : `Expected ${this.andOnly ? 'AND' : 'AND, OR'} or the end of the filter`,
      );
    }
    const values = clausesOf(condition).reduce(
      (n, c) => n + (Array.isArray(c.value) ? c.value.length : 1),
      0,
    );
    if (values > SEARCH_LIMITS.values) {
      throw new SearchSyntaxError(
        this.query,
        0,
        `The filter compares ${values} values in all; at most ${SEARCH_LIMITS.values} are supported`,
      );
    }
    return condition;
  }

  orderBy(): OrderKey[] {
    const keys: OrderKey[] = [];
    if (this.peek().kind === 'end') return keys;
    for (;;) {
      const { entity, key, aggregate } = this.operand();
      if (entity === 'datasets')
        this.fail(this.tokens[this.at - 1], 'Runs cannot be sorted by their data sets');
      let descending = false;
      if (this.isWord(this.peek(), 'DESC')) {
        this.next();
        descending = true;
      } else if (this.isWord(this.peek(), 'ASC')) this.next();
      keys.push({ entity, key, descending, ...(aggregate ? { aggregate } : {}) });
      const t = this.next();
      if (keys.length === SEARCH_LIMITS.orderKeys && t.kind !== 'end') {
        this.fail(
          t,
          `The order has more than ${SEARCH_LIMITS.orderKeys} keys; at most ${SEARCH_LIMITS.orderKeys} are supported`,
        );
      }
      if (t.kind === 'end') return keys;
      if (!this.isPunct(t, ',')) this.fail(t, 'Expected ASC, DESC, "," or the end of the order');
    }
  }
}

/** An AND or OR of `items`, nested ones of the same kind flattened: a AND (b AND c) is a AND b AND c. */
function joined(kind: 'and' | 'or', items: SearchCondition[]): SearchCondition {
  return {
    kind,
    items: items.flatMap((item) => (item.kind === kind ? item.items : [item])),
    position: items[0].position,
  };
}

/** Every clause of a condition, in the order written. */
export function clausesOf(condition: SearchCondition | null): Clause[] {
  if (!condition) return [];
  switch (condition.kind) {
    case 'clause':
      return [condition.clause];
    case 'not':
      return clausesOf(condition.item);
    default:
      return condition.items.flatMap(clausesOf);
  }
}

/** A filter with AND, OR, NOT and parentheses; null for an empty one. */
export function parseSearch(query: string): SearchCondition | null {
  return new Parser(query, tokenize(query)).condition();
}

/**
 * A filter of conditions that must all hold (AND only, parentheses allowed), as a list:
 * what a gate judges clause by clause. OR and NOT are errors at their position.
 */
export function parseFilter(query: string): Clause[] {
  return clausesOf(new Parser(query, tokenize(query), true).condition());
}

/** `metrics.acc DESC, max(metrics.val_acc), params.lr` (comma-separated, ASC by default). */
export function parseOrderBy(order: string): OrderKey[] {
  return new Parser(order, tokenize(order)).orderBy();
}
