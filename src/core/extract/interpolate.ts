/**
 * Compose variable interpolation, with the semantics of compose-go's `template` package
 * (v2.x: `Substitute` and `ExtractVariables`), so that cfgmig resolves a compose file to the
 * same values `docker compose config` would.
 *
 * compose-go matches `\$(?i:(\$)|([_a-z][_a-z0-9]*)|{(?:([_a-z][_a-z0-9]*(?::?[-+?](.*))?)}|()))`.
 * The braced form with an operator is greedy up to the LAST `}` of the line, then cut back to
 * the first balanced `}` (getFirstBraceClosingIndex); what follows the cut is interpolated on
 * its own. Here the same match is found by a small scanner instead of that regex (linear per
 * line, no backtracking), and "interpolate the rest on its own" becomes "keep scanning after the
 * cut", which yields the same text because the rest always runs to the last `}` of its line.
 *
 * Error messages never contain a resolved value: they name the variable and quote the error
 * text as written in the template (an author-written message, not a value).
 */

/** Returns the variable's value, or undefined when it is unset. */
export type Lookup = (name: string) => string | undefined;

export type InterpolationErrorKind = 'invalid-template' | 'missing-required';

export class InterpolationError extends Error {
  readonly kind: InterpolationErrorKind;
  /** The required variable that is missing (missing-required only). */
  readonly variable?: string;

  constructor(kind: InterpolationErrorKind, message: string, variable?: string) {
    super(message);
    this.name = 'InterpolationError';
    this.kind = kind;
    if (variable !== undefined) this.variable = variable;
  }
}

export interface ComposeVariable {
  name: string;
  defaultValue: string;
  presenceValue: string;
  required: boolean;
}

/** Nesting deeper than this (`${A:-${B:-${C:-…}}}`) is rejected rather than risking the stack. */
const MAX_DEPTH = 200;

type Operator = ':?' | '?' | ':-' | '-' | ':+' | '+';

type Token =
  | { kind: 'escaped'; end: number }
  | { kind: 'named'; name: string; end: number }
  /** `${NAME}`: end is just past the `}`. */
  | { kind: 'plain-braced'; name: string; end: number }
  /**
   * `${NAME<op>arg}`: `close` is the index of the `}` ending this expression (the first balanced
   * one), `matchEnd` the index just past the last `}` of the line, where compose-go's match ends.
   */
  | { kind: 'operator'; name: string; op: Operator; argStart: number; close: number; matchEnd: number }
  | { kind: 'invalid'; end: number };

// Go's (?i)[_a-z] also folds U+017F (long s) and U+212A (Kelvin sign) onto s and k.
function isNameStart(c: number): boolean {
  return c === 95 || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 0x17f || c === 0x212a;
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 48 && c <= 57);
}

function isOpChar(c: number): boolean {
  return c === 45 /* - */ || c === 43 /* + */ || c === 63; /* ? */
}

/** Index of the last `}` on the line containing `from`, at or after `from`; -1 when none. */
class LastBraceCache {
  private lineEnd = -1;
  private lastBrace = -1;

  constructor(private readonly text: string) {}

  find(from: number): number {
    if (from > this.lineEnd) {
      const nl = this.text.indexOf('\n', from);
      this.lineEnd = nl === -1 ? this.text.length : nl;
      this.lastBrace = -1;
      for (let i = this.lineEnd - 1; i >= from; i--) {
        if (this.text.charCodeAt(i) === 125) {
          this.lastBrace = i;
          break;
        }
      }
    }
    return this.lastBrace >= from ? this.lastBrace : -1;
  }
}

/** compose-go getFirstBraceClosingIndex, on text[start, end): absolute index or -1. */
function firstBraceClosingIndex(text: string, start: number, end: number): number {
  let open = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 125) {
      open--;
      if (open === 0) return i;
    }
    if (c === 123) {
      open++;
      i++;
    }
  }
  return -1;
}

/** The pattern match starting at `p` (where text[p] is `$`), or null when `$` is literal there. */
function matchAt(text: string, p: number, braces: LastBraceCache): Token | null {
  const c1 = text.charCodeAt(p + 1);
  if (c1 === 36) return { kind: 'escaped', end: p + 2 };
  if (isNameStart(c1)) {
    let q = p + 2;
    while (q < text.length && isNameChar(text.charCodeAt(q))) q++;
    return { kind: 'named', name: text.slice(p + 1, q), end: q };
  }
  if (c1 !== 123) return null;
  if (!isNameStart(text.charCodeAt(p + 2))) return { kind: 'invalid', end: p + 2 };
  let q = p + 3;
  while (q < text.length && isNameChar(text.charCodeAt(q))) q++;
  const name = text.slice(p + 2, q);
  const c = text.charCodeAt(q);
  if (c === 125) return { kind: 'plain-braced', name, end: q + 1 };
  let op: Operator;
  if (isOpChar(c)) op = text[q] as Operator;
  else if (c === 58 && isOpChar(text.charCodeAt(q + 1))) op = `:${text[q + 1]}` as Operator;
  else return { kind: 'invalid', end: p + 2 };
  const argStart = q + op.length;
  const last = braces.find(argStart);
  if (last === -1) return { kind: 'invalid', end: p + 2 };
  const matchEnd = last + 1;
  const balanced = firstBraceClosingIndex(text, p, matchEnd);
  return { kind: 'operator', name, op, argStart, close: balanced === -1 ? last : balanced, matchEnd };
}

function invalidTemplate(): InterpolationError {
  return new InterpolationError(
    'invalid-template',
    'Invalid template: "${" must be followed by a variable name, an optional :- - :+ + :? ? operator and "}"',
  );
}

/**
 * Interpolates `template` like compose-go's template.Substitute. Throws InterpolationError for an
 * invalid `${…}` or a missing `${VAR:?…}` / `${VAR?…}` variable; an unset plain variable is "".
 */
export function substitute(template: string, lookup: Lookup): string {
  return substituteAt(template, lookup, 0);
}

function substituteAt(text: string, lookup: Lookup, depth: number): string {
  if (depth > MAX_DEPTH) {
    throw new InterpolationError('invalid-template', 'Invalid template: interpolation is nested too deeply');
  }
  let p = text.indexOf('$');
  if (p === -1) return text;
  const braces = new LastBraceCache(text);
  let out = '';
  let literalStart = 0;
  while (p !== -1) {
    const token = matchAt(text, p, braces);
    if (!token) {
      p = text.indexOf('$', p + 1);
      continue;
    }
    out += text.slice(literalStart, p);
    let next: number;
    switch (token.kind) {
      case 'escaped':
        out += '$';
        next = token.end;
        break;
      case 'named':
      case 'plain-braced':
        out += lookup(token.name) ?? '';
        next = token.end;
        break;
      case 'operator':
        out += applyOperator(token.name, token.op, text.slice(token.argStart, token.close), lookup, depth);
        next = token.close + 1;
        break;
      case 'invalid':
        throw invalidTemplate();
    }
    literalStart = next;
    p = text.indexOf('$', next);
  }
  return out + text.slice(literalStart);
}

function applyOperator(name: string, op: Operator, arg: string, lookup: Lookup, depth: number): string {
  const value = lookup(name);
  switch (op) {
    case ':-':
      return value === undefined || value === '' ? substituteAt(arg, lookup, depth + 1) : value;
    case '-':
      return value === undefined ? substituteAt(arg, lookup, depth + 1) : value;
    case ':+':
      return value !== undefined && value !== '' ? substituteAt(arg, lookup, depth + 1) : (value ?? '');
    case '+':
      return value !== undefined ? substituteAt(arg, lookup, depth + 1) : '';
    case ':?':
    case '?':
      if (value !== undefined && (op === '?' || value !== '')) return value;
      throw missingRequired(name, arg, lookup, depth);
  }
}

function missingRequired(
  name: string,
  rawMessage: string,
  lookup: Lookup,
  depth: number,
): InterpolationError {
  // compose-go interpolates the message first (its errors win), then reports it. The resolved
  // message is used only when it consulted no variable, so no value can reach the error text.
  let consulted = false;
  const resolved = substituteAt(
    rawMessage,
    (n) => {
      consulted = true;
      return lookup(n);
    },
    depth + 1,
  );
  const reason = consulted ? rawMessage : resolved;
  const message = reason
    ? `required variable ${name} is missing a value: ${reason}`
    : `required variable ${name} is missing a value`;
  return new InterpolationError('missing-required', message, name);
}

const NON_NAME = /[^A-Za-z0-9_]/;

/**
 * The variables referenced by `strings`, like compose-go's template.ExtractVariables: name,
 * default (`:-`/`-`), presence value (`:+`/`+`), required (`:?`/`?`); variables nested in
 * defaults, presence values and required messages are included. Later occurrences overwrite
 * earlier ones. Invalid `${` forms are skipped (substitute reports them).
 */
export function extractVariables(strings: string[]): Record<string, ComposeVariable> {
  const found: ComposeVariable[] = [];
  for (const s of strings) extractInto(s, found, 0);
  return Object.fromEntries(found.map((v) => [v.name, v]));
}

function extractInto(text: string, out: ComposeVariable[], depth: number): void {
  if (depth > MAX_DEPTH) return;
  const braces = new LastBraceCache(text);
  // compose-go extracts the text after an operator expression's closing brace (up to the end of
  // its match) BEFORE the expression itself; pending holds those expressions until then.
  const pending: { matchEnd: number; val: string }[] = [];
  const flush = (upTo: number): void => {
    while (pending.length > 0 && pending[pending.length - 1]!.matchEnd <= upTo) {
      emit(pending.pop()!.val, out, depth);
    }
  };
  let p = text.indexOf('$');
  while (p !== -1) {
    const token = matchAt(text, p, braces);
    if (!token) {
      p = text.indexOf('$', p + 1);
      continue;
    }
    flush(p);
    let next: number;
    switch (token.kind) {
      case 'escaped':
      case 'invalid':
        next = token.end;
        break;
      case 'named':
      case 'plain-braced':
        emit(token.name, out, depth);
        next = token.end;
        break;
      case 'operator':
        pending.push({ matchEnd: token.matchEnd, val: text.slice(p + 2, token.close) });
        next = token.close + 1;
        break;
    }
    p = text.indexOf('$', next);
  }
  flush(Infinity);
}

function emit(val: string, out: ComposeVariable[], depth: number): void {
  const v: ComposeVariable = { name: val, defaultValue: '', presenceValue: '', required: false };
  let nested = '';
  const i = val.search(NON_NAME);
  if (i > 0) {
    v.name = val.slice(0, i);
    const rest = val.slice(i);
    if (rest.startsWith(':?')) [v.required, nested] = [true, rest.slice(2)];
    else if (rest.startsWith('?')) [v.required, nested] = [true, rest.slice(1)];
    else if (rest.startsWith(':-')) v.defaultValue = rest.slice(2);
    else if (rest.startsWith('-')) v.defaultValue = rest.slice(1);
    else if (rest.startsWith(':+')) v.presenceValue = rest.slice(2);
    else if (rest.startsWith('+')) v.presenceValue = rest.slice(1);
  }
  out.push(v);
  for (const s of [v.defaultValue, v.presenceValue, nested]) {
    if (s) extractInto(s, out, depth + 1);
  }
}
