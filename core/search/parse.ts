/**
 * The runs search language, MLflow-compatible where MLflow has the feature:
 *
 *   metrics.acc > 0.9 and params.lr = "0.01" and tags.model LIKE "dense%"
 *   attributes.status = "finished" and params.`batch size` IN ("32", "64")
 *
 * Clauses are joined by AND (MLflow has no OR). Keys with spaces or dots go in backticks
 * or double quotes. Params and tags compare as strings, metrics as numbers (the latest
 * value). Errors name the position (0-based) of the offending token.
 */

export type Entity = 'metrics' | 'params' | 'tags' | 'attributes';
export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface Clause {
  entity: Entity;
  key: string;
  comparator: Comparator;
  value: string | number | (string | number)[];
  /** Where the clause starts in the query text. */
  position: number;
}

export interface OrderKey {
  entity: Entity;
  key: string;
  descending: boolean;
}

export class SearchSyntaxError extends Error {
  override name = 'SearchSyntaxError';
  constructor(
    readonly query: string,
    readonly position: number,
    problem: string,
  ) {
    super(`${problem} at position ${position}:\n  ${query}\n  ${' '.repeat(position)}^`);
  }
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
};

class Parser {
  private at = 0;
  constructor(
    private readonly query: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.at];
  }
  private next(): Token {
    return this.tokens[this.at++];
  }
  private fail(token: Token, problem: string): never {
    throw new SearchSyntaxError(this.query, token.pos, problem);
  }
  private isWord(token: Token, word: string): boolean {
    return token.kind === 'word' && token.text.toUpperCase() === word;
  }

  /** `entity.key`, with key a word, a dotted word path, or a quoted name. */
  identifier(): { entity: Entity; key: string; position: number } {
    const first = this.next();
    if (first.kind !== 'word')
      this.fail(
        first,
        'Expected a name such as metrics.acc, params.lr, tags.model or attributes.status',
      );
    const entity = ENTITY_ALIASES[first.text.toLowerCase()];
    if (!entity)
      this.fail(
        first,
        `Unknown entity "${first.text}": use metrics., params., tags. or attributes.`,
      );
    const dot = this.next();
    if (dot.kind !== 'punct' || dot.text !== '.')
      this.fail(dot, `Expected "." after "${first.text}"`);
    const keyToken = this.next();
    let key: string;
    if (keyToken.kind === 'quoted' && keyToken.quote !== "'") key = keyToken.text;
    else if (keyToken.kind === 'word') {
      key = keyToken.text;
      // Unquoted keys may contain dots (tags.mlflow.source.name), as in MLflow.
      while (this.peek().kind === 'punct' && (this.peek() as { text: string }).text === '.') {
        this.next();
        const part = this.next();
        if (part.kind !== 'word' && part.kind !== 'number')
          this.fail(part, 'Expected the rest of the name after "."');
        key += `.${part.kind === 'word' ? part.text : String(part.value)}`;
      }
    } else
      this.fail(
        keyToken,
        `Expected a ${entity.slice(0, -1)} name after "${first.text}." (backticks for names with spaces)`,
      );
    if (key === '') this.fail(keyToken, 'Empty name');
    if (entity === 'attributes' && !(key in ATTRIBUTES)) {
      this.fail(
        keyToken,
        `Unknown attribute "${key}": one of ${Object.keys(ATTRIBUTES).join(', ')}`,
      );
    }
    return { entity, key, position: first.pos };
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
    return this.fail(token, 'Expected a comparator (=, !=, <, <=, >, >=, LIKE, ILIKE, IN, NOT IN)');
  }

  literal(): string | number {
    const token = this.next();
    if (token.kind === 'number') return token.value;
    if (token.kind === 'quoted' && token.quote !== '`') return token.text;
    return this.fail(token, 'Expected a value: a number or a quoted string');
  }

  clause(): Clause {
    const { entity, key, position } = this.identifier();
    const { comparator, token } = this.comparator();
    const numeric =
      entity === 'metrics' || (entity === 'attributes' && ATTRIBUTES[key] === 'number');
    if (numeric && ['LIKE', 'ILIKE', 'IN', 'NOT IN'].includes(comparator)) {
      this.fail(token, `${comparator} compares strings; ${entity}.${key} is a number`);
    }
    if (!numeric && ['<', '<=', '>', '>='].includes(comparator)) {
      this.fail(
        token,
        `${comparator} compares numbers; ${entity}.${key} is a string (params and tags compare as strings, like MLflow)`,
      );
    }
    let value: Clause['value'];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      const open = this.next();
      if (open.kind !== 'punct' || open.text !== '(')
        this.fail(open, `Expected "(" after ${comparator}`);
      value = [this.literal()];
      for (;;) {
        const t = this.next();
        if (t.kind === 'punct' && t.text === ')') break;
        if (t.kind !== 'punct' || t.text !== ',')
          this.fail(t, 'Expected "," or ")" in the value list');
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
        this.fail(valueToken, `${entity}.${key} is a number: compare it with a number`);
      if (!numeric && typeof value !== 'string')
        this.fail(valueToken, `${entity}.${key} is a string: quote the value, e.g. "${value}"`);
    }
    return { entity, key, comparator, value, position };
  }

  filter(): Clause[] {
    if (this.peek().kind === 'end') return [];
    const clauses = [this.clause()];
    while (this.peek().kind !== 'end') {
      const and = this.next();
      if (!this.isWord(and, 'AND'))
        this.fail(
          and,
          this.isWord(and, 'OR')
            ? 'OR is not supported (as in MLflow): run two searches'
            : 'Expected AND between conditions',
        );
      if (clauses.length === SEARCH_LIMITS.conditions) {
        this.fail(
          and,
          `The filter has more than ${SEARCH_LIMITS.conditions} conditions; at most ${SEARCH_LIMITS.conditions} are supported`,
        );
      }
      clauses.push(this.clause());
    }
    const values = clauses.reduce((n, c) => n + (Array.isArray(c.value) ? c.value.length : 1), 0);
    if (values > SEARCH_LIMITS.values) {
      throw new SearchSyntaxError(
        this.query,
        0,
        `The filter compares ${values} values in all; at most ${SEARCH_LIMITS.values} are supported`,
      );
    }
    return clauses;
  }

  orderBy(): OrderKey[] {
    const keys: OrderKey[] = [];
    if (this.peek().kind === 'end') return keys;
    for (;;) {
      const { entity, key } = this.identifier();
      let descending = false;
      if (this.isWord(this.peek(), 'DESC')) {
        this.next();
        descending = true;
      } else if (this.isWord(this.peek(), 'ASC')) this.next();
      keys.push({ entity, key, descending });
      const t = this.next();
      if (keys.length === SEARCH_LIMITS.orderKeys && t.kind !== 'end') {
        this.fail(
          t,
          `The order has more than ${SEARCH_LIMITS.orderKeys} keys; at most ${SEARCH_LIMITS.orderKeys} are supported`,
        );
      }
      if (t.kind === 'end') return keys;
      if (t.kind !== 'punct' || t.text !== ',')
        this.fail(t, 'Expected ASC, DESC, "," or the end of the order');
    }
  }
}

export function parseFilter(query: string): Clause[] {
  return new Parser(query, tokenize(query)).filter();
}

/** `metrics.acc DESC, params.lr` (several keys, comma-separated, ASC by default). */
export function parseOrderBy(order: string): OrderKey[] {
  return new Parser(order, tokenize(order)).orderBy();
}
