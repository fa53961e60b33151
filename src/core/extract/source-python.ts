/**
 * Finds configuration values hardcoded in Python source (DESIGN.md "Inventory", kind
 * `hardcoded`): `os.getenv`/`os.environ.get` defaults, literals assigned to secret-like names,
 * and literals whose value looks like a secret.
 *
 * Pure (no I/O), no Python needed: a small tokenizer (comments, all string prefixes and quote
 * styles, escapes, f-strings incl. PEP 701 nesting, line continuations, brackets) followed by
 * token-pattern matching. Linear in the file size; never throws.
 */
import type { ParseResult, Problem, RawEntry } from './types.js';
import { secretNameMatch, secretValueMatch } from './secret-patterns.js';
import { lineLocator } from '../text/lines.js';
import { buildPrefilter } from './source-js.js';

/** True when a Python file may contain something `scanPythonSource` reports (see buildPrefilter in source-js.ts). */
export const pythonMayContainConfig: (text: string) => boolean = buildPrefilter([
  'getenv',
  'environ',
  'config(',
  'env(',
  'env.',
]);

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

/** Token kinds. Newline: end of a logical line (not emitted inside brackets or after a `\` continuation). */
const K = { Name: 0, Number: 1, String: 2, Op: 3, Newline: 4 } as const;
type Kind = (typeof K)[keyof typeof K];

interface Tok {
  k: Kind;
  /** UTF-16 offset of the token start. */
  s: number;
  /** Name/op text, number text, or a string's value (null: f-string with placeholders). */
  v: string | null;
  /** Index of the innermost enclosing open bracket token, or -1. */
  encl: number;
}

const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
const OPS2 = new Set([
  '==',
  '!=',
  '<=',
  '>=',
  ':=',
  '->',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
  '**',
  '//',
  '<<',
  '>>',
]);

function isIdStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0x80 && c !== 0xfeff && c !== 0xa0)
  );
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Valid string prefixes (lower-cased). `t` covers PEP 750 template strings. */
const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);

interface Tokenized {
  toks: Tok[];
  /** Offsets (and messages) of tokenizer problems; messages never contain source text. */
  errors: { at: number; message: string }[];
}

/** Decodes the escapes of a non-raw string body (approximately: `\N{…}` is kept as written). */
function unescape(body: string, bytes: boolean): string {
  if (body.indexOf('\\') < 0) return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\' || i + 1 >= body.length) {
      out += c;
      continue;
    }
    const d = body[++i]!;
    switch (d) {
      case '\n':
        break;
      case '\r':
        if (body[i + 1] === '\n') i++;
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        let j = i;
        while (j < i + 3 && j < body.length && body[j]! >= '0' && body[j]! <= '7') j++;
        out += String.fromCharCode(parseInt(body.slice(i, j), 8));
        i = j - 1;
        break;
      }
      case 'x':
      case 'u':
      case 'U': {
        const len = d === 'x' ? 2 : d === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if ((d === 'x' || !bytes) && hex.length === len && /^[0-9a-fA-F]+$/.test(hex)) {
          const cp = parseInt(hex, 16);
          out += cp <= 0x10ffff ? String.fromCodePoint(cp) : `\\${d}${hex}`;
          i += len;
        } else out += `\\${d}`;
        break;
      }
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case "'":
      case '"':
        out += d;
        break;
      default:
        out += `\\${d}`;
    }
  }
  return out;
}

function tokenize(text: string): Tokenized {
  const toks: Tok[] = [];
  const errors: { at: number; message: string }[] = [];
  const n = text.length;
  /** Indices (into toks) of open brackets. */
  const brackets: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const push = (k: Kind, s: number, v: string | null): void => {
    toks.push({ k, s, v, encl: brackets.length > 0 ? brackets[brackets.length - 1]! : -1 });
  };

  /**
   * Scans a string literal whose opening quote is at `q` (prefix already consumed, starting at
   * `start`). Returns the index after the closing quote, or -1 when unterminated (after
   * recording a problem). For f-strings, replacement fields are skipped (nested strings
   * included) and `hasFields` is set.
   */
  const scanString = (
    start: number,
    q: number,
    prefix: string,
  ): { end: number; value: string | null; fatal?: boolean } => {
    const quote = text.charCodeAt(q);
    const triple = text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote;
    const raw = prefix.includes('r');
    const fmt = prefix.includes('f') || prefix.includes('t');
    const bodyStart = q + (triple ? 3 : 1);
    let j = bodyStart;
    let hasFields = false;
    let literal = '';
    let chunkStart = j;
    const flush = (to: number): void => {
      literal += text.slice(chunkStart, to);
    };
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92 /* \ */) {
        // An escape, or a line continuation (`\` + CRLF is one line break).
        j += text.charCodeAt(j + 1) === 13 && text.charCodeAt(j + 2) === 10 ? 3 : 2;
        continue;
      }
      if (c === quote) {
        if (!triple) break;
        if (text.charCodeAt(j + 1) === quote && text.charCodeAt(j + 2) === quote) break;
        j++;
        continue;
      }
      if (!triple && (c === 10 || c === 13)) {
        errors.push({ at: start, message: 'unterminated string literal' });
        return { end: -1, value: null };
      }
      if (fmt && c === 123 /* { */) {
        if (text.charCodeAt(j + 1) === 123) {
          flush(j + 1);
          j += 2;
          chunkStart = j;
          continue;
        }
        hasFields = true;
        const after = skipField(j + 1, start, triple);
        if (after < 0) return { end: -1, value: null, fatal: triple };
        j = after;
        chunkStart = j;
        continue;
      }
      if (fmt && c === 125 /* } */ && text.charCodeAt(j + 1) === 125) {
        flush(j + 1);
        j += 2;
        chunkStart = j;
        continue;
      }
      j++;
    }
    if (j >= n) {
      errors.push({
        at: start,
        message: triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal',
      });
      return { end: -1, value: null, fatal: true };
    }
    flush(j);
    const end = j + (triple ? 3 : 1);
    if (hasFields) return { end, value: null };
    return { end, value: raw ? literal : unescape(literal, prefix.includes('b')) };
  };

  /**
   * Skips an f-string replacement field starting after its `{`; returns the index after the
   * matching `}`, or -1 (problem recorded) when the file ends first.
   */
  const skipField = (from: number, stringStart: number, multiline: boolean): number => {
    let j = from;
    let depth = 0;
    let inSpec = false;
    while (j < n) {
      const c = text.charCodeAt(j);
      // In a single-quoted f-string a field may span lines only inside brackets (PEP 701);
      // stopping here also keeps a broken f-string from scanning the rest of the file.
      if (!multiline && (c === 10 || c === 13) && (depth === 0 || j - from > 10_000)) break;
      if (inSpec) {
        if (c === 123) {
          const after = skipField(j + 1, stringStart, multiline);
          if (after < 0) return -1;
          j = after;
          continue;
        }
        if (c === 125) return j + 1;
        j++;
        continue;
      }
      if (c === 40 || c === 91 || c === 123) depth++;
      else if (c === 41 || c === 93) depth = Math.max(0, depth - 1);
      else if (c === 125) {
        if (depth === 0) return j + 1;
        depth--;
      } else if (c === 58 /* : */ && depth === 0 && text.charCodeAt(j + 1) !== 61 /* := */) {
        inSpec = true;
      } else if (c === 39 || c === 34) {
        const r = scanString(j, j, '');
        if (r.end < 0) return -1;
        j = r.end;
        continue;
      } else if (isIdStart(c)) {
        // A nested prefixed string, e.g. f"{f'{x}'}" or f"{rb'..'}".
        let e = j + 1;
        while (e < n && isIdPart(text.charCodeAt(e))) e++;
        const word = text.slice(j, e).toLowerCase();
        const qc = text.charCodeAt(e);
        if ((qc === 39 || qc === 34) && STRING_PREFIXES.has(word)) {
          const r = scanString(j, e, word);
          if (r.end < 0) return -1;
          j = r.end;
        } else j = e;
        continue;
      }
      j++;
    }
    errors.push({ at: stringStart, message: 'unterminated f-string' });
    return -1;
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    // Whitespace (NUL and form feed included: never a token).
    if (c === 32 || c === 9 || c === 12 || c === 0 || c === 11 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 10 || c === 13) {
      if (brackets.length === 0 && toks.length > 0 && toks[toks.length - 1]!.k !== K.Newline)
        push(K.Newline, i, null);
      i++;
      continue;
    }
    if (c === 35 /* # */) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 92 /* \ */) {
      // Line continuation (or a stray backslash): never a token.
      i++;
      if (text.charCodeAt(i) === 13) i++;
      if (text.charCodeAt(i) === 10) i++;
      continue;
    }
    if (c === 39 || c === 34) {
      const r = scanString(i, i, '');
      if (r.end < 0) {
        i = r.fatal ? n : recover(i);
        continue;
      }
      push(K.String, i, r.value);
      i = r.end;
      continue;
    }
    if (isIdStart(c)) {
      let e = i + 1;
      while (e < n && isIdPart(text.charCodeAt(e))) e++;
      const word = text.slice(i, e);
      const qc = text.charCodeAt(e);
      if ((qc === 39 || qc === 34) && e - i <= 2 && STRING_PREFIXES.has(word.toLowerCase())) {
        const r = scanString(i, e, word.toLowerCase());
        if (r.end < 0) {
          i = r.fatal ? n : recover(i);
          continue;
        }
        push(K.String, i, r.value);
        i = r.end;
        continue;
      }
      push(K.Name, i, word);
      i = e;
      continue;
    }
    if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
      let e = i + 1;
      const hex = c === 48 && (text.charCodeAt(e) | 32) === 120;
      while (e < n) {
        const d = text.charCodeAt(e);
        if (isIdPart(d) || d === 46) e++;
        else if ((d === 43 || d === 45) && !hex && (text.charCodeAt(e - 1) | 32) === 101) e++;
        else break;
      }
      push(K.Number, i, text.slice(i, e));
      i = e;
      continue;
    }
    // Operators and brackets.
    const three = text.slice(i, i + 3);
    const two = three.slice(0, 2);
    const op = OPS3.has(three) ? three : OPS2.has(two) ? two : text[i]!;
    if (op === '(' || op === '[' || op === '{') {
      push(K.Op, i, op);
      brackets.push(toks.length - 1);
    } else if (op === ')' || op === ']' || op === '}') {
      const want = op === ')' ? '(' : op === ']' ? '[' : '{';
      // Pop to the matching opener if there is one; a stray closer is ignored. The closer's
      // `encl` is its opener (so it is found among the opener's arguments).
      let match = -1;
      for (let b = brackets.length - 1; b >= 0; b--) {
        if (toks[brackets[b]!]!.v === want) {
          match = b;
          break;
        }
      }
      if (match >= 0) brackets.length = match + 1;
      push(K.Op, i, op);
      if (match >= 0) brackets.length = match;
    } else push(K.Op, i, op);
    i += op.length;
  }
  for (const b of brackets) errors.push({ at: toks[b]!.s, message: `unclosed '${toks[b]!.v!}'` });
  return { toks, errors };

  /** After an unterminated string: continue at the next line (single-quoted) or stop (triple). */
  function recover(from: number): number {
    let e = from;
    while (e < n && text.charCodeAt(e) !== 10 && text.charCodeAt(e) !== 13) e++;
    return e;
  }
}

// ---------------------------------------------------------------------------------------------
// Pattern matching
// ---------------------------------------------------------------------------------------------

const PY_KEYWORDS = new Set([
  'False',
  'None',
  'True',
  'and',
  'as',
  'assert',
  'async',
  'await',
  'break',
  'class',
  'continue',
  'def',
  'del',
  'elif',
  'else',
  'except',
  'finally',
  'for',
  'from',
  'global',
  'if',
  'import',
  'in',
  'is',
  'lambda',
  'nonlocal',
  'not',
  'or',
  'pass',
  'raise',
  'return',
  'try',
  'while',
  'with',
  'yield',
]);

function isOp(t: Tok | undefined, v: string): boolean {
  return t !== undefined && t.k === K.Op && t.v === v;
}
function isName(t: Tok | undefined): t is Tok & { v: string } {
  return t !== undefined && t.k === K.Name && !PY_KEYWORDS.has(t.v!);
}

/** A literal token's value: strings (not f-strings with fields), numbers, True/False. None → null. */
function literalOf(t: Tok | undefined): { value: string; isString: boolean } | null {
  if (!t) return null;
  if (t.k === K.String) return t.v === null ? null : { value: t.v, isString: true };
  if (t.k === K.Number) return { value: t.v!, isString: false };
  if (t.k === K.Name && (t.v === 'True' || t.v === 'False')) return { value: t.v, isString: false };
  return null;
}

/** Tokens taken by a literal at `i`: 2 for a signed number (`-1`), else 1. */
function literalLength(toks: Tok[], i: number): number {
  return (isOp(toks[i], '-') || isOp(toks[i], '+')) && toks[i + 1]?.k === K.Number ? 2 : 1;
}

/** The literal at `i`, including a signed number (`-1`); null when there is none. */
function literalAt(toks: Tok[], i: number): { value: string; isString: boolean; len: number } | null {
  if (literalLength(toks, i) === 2) {
    return { value: `${toks[i]!.v === '-' ? '-' : ''}${toks[i + 1]!.v!}`, isString: false, len: 2 };
  }
  const l = literalOf(toks[i]);
  return l ? { ...l, len: 1 } : null;
}

/** Does the argument starting at `i` consist of exactly one literal/token (followed by `,` or `)`)? */
function singleArg(toks: Tok[], i: number): boolean {
  const next = toks[i + literalLength(toks, i)];
  return isOp(next, ',') || isOp(next, ')');
}

/**
 * For an env-reading call whose `(` is at `open`, returns the env var name and the index of the
 * default-value token (or -1), e.g. `os.getenv('X', 'v')`, `environ.get('X', default='v')`.
 */
function envCallArgs(
  toks: Tok[],
  open: number,
  needUpperName: boolean,
): { name: string; def: number } | null {
  let name: string | null = null;
  let def = -1;
  let pos = 0;
  let i = open + 1;
  // Walk the top-level arguments of this call (bounded: env calls are short).
  for (let guard = 0; guard < 64 && i < toks.length; guard++) {
    const t = toks[i]!;
    if (isOp(t, ')')) break;
    if (t.k === K.Name && isOp(toks[i + 1], '=')) {
      const kw = t.v;
      const val = toks[i + 2];
      if (val && singleArg(toks, i + 2)) {
        if ((kw === 'key' || kw === 'var' || kw === 'name') && val.k === K.String && val.v !== null)
          name = val.v;
        if (kw === 'default' || kw === 'value') def = i + 2;
      }
      i = skipArg(toks, i + 2, open);
    } else {
      if (singleArg(toks, i)) {
        if (pos === 0 && t.k === K.String && t.v !== null) name = t.v;
        if (pos === 1) def = i;
      }
      pos++;
      i = skipArg(toks, i, open);
    }
    if (isOp(toks[i], ',')) i++;
  }
  if (name === null || name === '') return null;
  if (needUpperName && !/^[A-Z][A-Z0-9_]*$/.test(name)) return null;
  return { name, def };
}

/** Index of the `,` or `)` that ends the argument starting at `i` inside the call opened at `open`. */
function skipArg(toks: Tok[], i: number, open: number): number {
  let j = i;
  while (j < toks.length) {
    const t = toks[j]!;
    if (t.encl === open && (isOp(t, ',') || isOp(t, ')'))) return j;
    if (t.k === K.Newline) return j;
    j++;
  }
  return j;
}

/**
 * The name a literal at index `i` is assigned to: `NAME = lit`, `obj.attr = lit`,
 * `name: Type = lit`, keyword argument / parameter default `f(name=lit)`, `x[‘key’] = lit`,
 * dict entry `{'key': lit}`, walrus `(name := lit)`. Null when there is none.
 */
function assignedName(toks: Tok[], i: number): string | null {
  const prev = toks[i - 1];
  if (!prev || prev.k !== K.Op) return null;
  if (prev.v === '=' || prev.v === ':=') {
    const t = toks[i - 2];
    if (!t) return null;
    // x['password'] = lit
    if (isOp(t, ']') && toks[i - 3]?.k === K.String && isOp(toks[i - 4], '[') && toks[i - 3]!.v)
      return toks[i - 3]!.v;
    // name: Annotation = lit / self.name: Annotation = lit / def f(name: Annotation = lit)
    const annotated = annotatedName(toks, i - 2);
    if (annotated) return annotated;
    return isName(t) ? t.v : null;
  }
  if (prev.v === ':') {
    // {'password': lit} — a string key inside braces.
    const key = toks[i - 2];
    if (key?.k === K.String && key.v !== null && prev.encl >= 0 && toks[prev.encl]!.v === '{') return key.v;
  }
  return null;
}

/**
 * `name: Annotation` ending at token `last` (inclusive), where `name` starts a statement or a
 * parameter: returns `name`. Bounded backwards scan within the statement / argument.
 */
function annotatedName(toks: Tok[], last: number): string | null {
  let depth = 0;
  for (let j = last, guard = 0; j >= 1 && guard < 48; j--, guard++) {
    const u = toks[j]!;
    if (u.k === K.Newline) return null;
    if (u.k !== K.Op) continue;
    if (u.v === ')' || u.v === ']' || u.v === '}') depth++;
    else if (u.v === '(' || u.v === '[' || u.v === '{') {
      if (depth === 0) return null;
      depth--;
    } else if (depth === 0 && (u.v === ',' || u.v === ';' || u.v === '=' || u.v === ':=')) return null;
    else if (depth === 0 && u.v === ':') {
      const nm = toks[j - 1];
      const before = toks[j - 2];
      const starts =
        before === undefined ||
        before.k === K.Newline ||
        isOp(before, ';') ||
        isOp(before, '(') ||
        isOp(before, ',') ||
        isOp(before, '.') ||
        isOp(before, '*') ||
        isOp(before, '**');
      return isName(nm) && starts ? nm.v : null;
    }
  }
  return null;
}

/** For a literal inside `callee(...)` (positional argument), the callee's name. */
function calleeOf(toks: Tok[], i: number): string | null {
  const open = toks[i]!.encl;
  if (open < 0 || toks[open]!.v !== '(') return null;
  const callee = toks[open - 1];
  return isName(callee) ? callee.v : null;
}

/**
 * Marks strings that form a whole statement (docstrings and other bare strings): they are
 * never values.
 */
function bareStrings(toks: Tok[]): Uint8Array {
  const bare = new Uint8Array(toks.length);
  let i = 0;
  while (i < toks.length) {
    const prev = toks[i - 1];
    const atStart = i === 0 || prev!.k === K.Newline || isOp(prev, ';');
    if (atStart && toks[i]!.k === K.String && toks[i]!.encl === -1) {
      let j = i;
      while (j < toks.length && toks[j]!.k === K.String) j++;
      const after = toks[j];
      if (!after || after.k === K.Newline || isOp(after, ';')) for (let m = i; m < j; m++) bare[m] = 1;
      i = j;
      continue;
    }
    i++;
  }
  return bare;
}

/** Scans one Python file for hardcoded configuration values. Never throws. */
export function scanPythonSource(file: string, text: string): ParseResult {
  const problems: Problem[] = [];
  if (!pythonMayContainConfig(text)) return { entries: [], problems };
  const lineOf = lineLocator(text);
  let tk: Tokenized;
  try {
    tk = tokenize(text);
  } catch {
    problems.push({ file, line: 1, message: 'Python tokenizer failed on this file', severity: 'error' });
    return { entries: [], problems };
  }
  const { toks, errors } = tk;
  if (errors.length > 0) {
    const first = errors.reduce((a, b) => (b.at < a.at ? b : a));
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    problems.push({
      file,
      line: lineOf(first.at),
      message: `syntax error: ${first.message}${more}`,
      severity: 'error',
    });
  }

  const byTok = new Map<number, RawEntry>();
  const add = (idx: number, name: string, value: string, hints: string[]): void => {
    const existing = byTok.get(idx);
    if (existing) {
      for (const h of hints) if (!existing.hints!.includes(h)) existing.hints!.push(h);
      return;
    }
    byTok.set(idx, {
      name,
      kind: 'hardcoded',
      source: { file, line: lineOf(toks[idx]!.s) },
      value,
      hints: [...hints],
    });
  };

  // Rule 1: env accessor calls.
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.k !== K.Name || !isOp(toks[i + 1], '(')) continue;
    let via: string | null = null;
    let needUpper = false;
    const dotted = isOp(toks[i - 1], '.');
    if (t.v === 'getenv') via = dotted && toks[i - 2]?.v === 'os' ? 'os.getenv' : dotted ? null : 'getenv';
    else if ((t.v === 'get' || t.v === 'setdefault') && dotted && toks[i - 2]?.v === 'environ') {
      via = isOp(toks[i - 3], '.') && toks[i - 4]?.v === 'os' ? `os.environ.${t.v}` : `environ.${t.v}`;
    } else if (t.v === 'config' && !dotted) {
      via = 'config'; // python-decouple
      needUpper = true;
    } else if (
      (t.v === 'env' && !dotted) ||
      (dotted && toks[i - 2]?.v === 'env' && !isOp(toks[i - 3], '.'))
    ) {
      via = dotted ? `env.${t.v}` : 'env'; // django-environ
      needUpper = true;
    }
    if (!via) continue;
    const args = envCallArgs(toks, i + 1, needUpper);
    if (!args) continue;
    const hint = `fallback for ${via}('${args.name}')`;
    let def = args.def;
    if (def < 0 && !needUpper) {
      // os.getenv('X') or 'v'
      const close = skipArg(toks, i + 2, i + 1);
      if (isOp(toks[close], ')') && toks[close + 1]?.k === K.Name && toks[close + 1]!.v === 'or')
        def = close + 2;
      const l = def >= 0 ? literalAt(toks, def) : null;
      const after = l ? toks[def + l.len] : undefined;
      if (!l || (after && !(after.k === K.Newline || after.k === K.Op))) def = -1;
    }
    const lit = def >= 0 ? literalAt(toks, def) : null;
    if (lit) add(def, args.name, lit.value, [hint]);
  }

  // Rules 2 and 3: literals assigned to secret-like names / secret-like values.
  const bare = bareStrings(toks);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.k !== K.String || t.v === null || t.v === '' || bare[i]) continue;
    const name = assignedName(toks, i);
    const nreason = name ? secretNameMatch(name) : null;
    if (name && nreason) add(i, name, t.v, [`assigned to secret-like name (${nreason})`]);
    const vreason = secretValueMatch(t.v);
    if (vreason) add(i, name ?? calleeOf(toks, i) ?? 'literal', t.v, [`secret-like value (${vreason})`]);
  }

  const entries = [...byTok.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
  return { entries, problems };
}
