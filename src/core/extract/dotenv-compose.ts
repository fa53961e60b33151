/**
 * The compose-go dotenv dialect: compose `env_file:` files and the project's root `.env`.
 * A port of compose-go v2 dotenv/parser.go, so cfgmig reads these files the way
 * `docker compose` does: `export` prefix, `KEY=value` and `KEY: value`, a bare `KEY` inherited
 * from the environment, single and double quotes (double quotes expand `\n \r \t \\ \" \$`, `\0NNN`
 * octal and the other Go escapes, then interpolate), ` #` inline comments on unquoted values,
 * `${…}` interpolation in unquoted and double-quoted values.
 *
 * Differences from compose-go, all deliberate:
 * - Error messages never echo a value (compose-go's "unterminated quoted value" and "unexpected
 *   character" messages print the raw line); they name the key or the character instead.
 * - An unterminated quoted value is reported at the line its key starts, not the end of file.
 * - A bare KEY on the last line with no newline is inherited like any other bare KEY
 *   (compose-go stores it under the empty key with the name as its value).
 */
import { InterpolationError, substitute, type Lookup } from './interpolate.js';

export interface DotenvVar {
  key: string;
  value: string;
  /** 1-based line where the key starts. */
  line: number;
  /** Set when a bare `KEY` line took its value from the lookup. */
  inherited?: true;
}

export interface ComposeDotenvOptions {
  /** The environment (shell, process): consulted FIRST during interpolation, and for bare keys. */
  lookup?: Lookup;
  /**
   * Consulted after the file's own earlier variables (e.g. the variables of env files loaded
   * before this one). Optional; compose-go has no direct equivalent for a single file.
   */
  fallback?: Lookup;
}

export interface ComposeDotenvResult {
  /** Every assignment in file order, duplicates included (later wins: see composeDotenvToMap). */
  vars: DotenvVar[];
  /** Bare `KEY` lines the lookup could not resolve: compose leaves them unset. */
  unresolved: { key: string; line: number }[];
  /** The first syntax or interpolation error; parsing stops there (vars holds what came before). */
  error?: { line: number; message: string };
}

const SPACE_NO_NEWLINE = new Set([0x09, 0x0b, 0x0c, 0x0d, 0x20, 0x85, 0xa0]);

/** compose-go isSpace: unicode space, but not a line break. */
function isSpace(c: number): boolean {
  return SPACE_NO_NEWLINE.has(c);
}

/** Go's unicode.IsSpace. */
function isUnicodeSpace(c: number): boolean {
  if (c <= 0xff) return c === 0x0a || SPACE_NO_NEWLINE.has(c);
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** Go's regexp \s: [\t\n\f\r ]. */
function isGoRegexpSpace(c: number): boolean {
  return c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d || c === 0x20;
}

const LETTER_OR_NUMBER = /^[\p{L}\p{N}]$/u;

function isValidKeyChar(c: number): boolean {
  if (c < 0x80) {
    return (
      (c >= 48 && c <= 57) ||
      (c >= 65 && c <= 90) ||
      (c >= 97 && c <= 122) ||
      c === 95 ||
      c === 46 ||
      c === 45 ||
      c === 91 ||
      c === 93
    );
  }
  return LETTER_OR_NUMBER.test(String.fromCodePoint(c));
}

function trimRightUnicodeSpace(s: string): string {
  let end = s.length;
  while (end > 0 && isUnicodeSpace(s.charCodeAt(end - 1))) end--;
  return s.slice(0, end);
}

const ESCAPE_SEQUENCE = /\\(?:[abcfnrtv$"\\]|0[0-9]{0,3})/g;
const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
};

/** compose-go expandEscapes: Go's strconv.UnquoteChar on the supported sequences only. */
function expandEscapes(str: string): string {
  return str.replace(ESCAPE_SEQUENCE, (match) => {
    // `\$` is kept as compose's own `$$` escape, so interpolation leaves a literal `$`.
    if (match === '\\$') return '$$';
    // `\0NNN` is octal NNN (Go writes `\NNN`); Go returns the rewritten text when it is invalid.
    const seq = match.startsWith('\\0') ? `\\${match.slice(2)}` : match;
    const c = seq[1];
    if (c === undefined) return seq;
    const simple = SIMPLE_ESCAPES[c];
    if (simple !== undefined) return simple;
    if (/^\\[0-7]{3}$/.test(seq)) {
      const code = parseInt(seq.slice(1), 8);
      if (code <= 255) return String.fromCharCode(code);
    }
    return seq;
  });
}

class ParseError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/** Parses a compose-style env file. Never throws. */
export function parseComposeDotenv(src: string, opts: ComposeDotenvOptions = {}): ComposeDotenvResult {
  const lookup: Lookup = opts.lookup ?? (() => undefined);
  const fallback = opts.fallback;
  const text = src.charCodeAt(0) === 0xfeff ? src.slice(1) : src;
  const n = text.length;
  const vars: DotenvVar[] = [];
  const unresolved: { key: string; line: number }[] = [];
  const seen = new Map<string, string>();
  const mapping: Lookup = (name) => {
    const fromEnv = lookup(name);
    if (fromEnv !== undefined) return fromEnv;
    if (seen.has(name)) return seen.get(name);
    return fallback?.(name);
  };

  let pos = 0;
  let line = 1;

  /** getStatementStart: skips blank space (counting lines) and comment lines; false at the end. */
  const toStatement = (): boolean => {
    for (;;) {
      while (pos < n) {
        const c = text.charCodeAt(pos);
        if (!isUnicodeSpace(c)) break;
        if (c === 0x0a) line++;
        pos++;
      }
      if (pos >= n) return false;
      if (text.charCodeAt(pos) !== 0x23 /* # */) return true;
      const nl = text.indexOf('\n', pos);
      if (nl === -1) return false;
      pos = nl;
    }
  };

  const skipSpaces = (): void => {
    while (pos < n && isSpace(text.charCodeAt(pos))) pos++;
  };

  const interpolate = (key: string, keyLine: number, raw: string): string => {
    try {
      return substitute(raw, mapping);
    } catch (err) {
      if (err instanceof InterpolationError) {
        throw new ParseError(
          keyLine,
          `cannot interpolate the value of ${JSON.stringify(key)}: ${err.message}`,
        );
      }
      throw err;
    }
  };

  const assign = (v: DotenvVar): void => {
    vars.push(v);
    seen.set(v.key, v.value);
  };

  /** One statement starting at pos: `[export] KEY`, then a value unless the key is bare. */
  const statement = (): void => {
    const keyLine = line;
    if (text.startsWith('export', pos) && isGoRegexpSpace(text.charCodeAt(pos + 6))) {
      pos += 6;
      skipSpaces();
    }
    if (pos >= n) throw new ParseError(line, 'zero length string');

    // Scan to the key terminator (`=`, `:` or a newline), validating the key's characters.
    const keyStart = pos;
    let end = pos;
    while (end < n) {
      const c = text.codePointAt(end)!;
      if (c === 0x3d /* = */ || c === 0x3a /* : */ || c === 0x0a) break;
      if (!isSpace(c) && !isValidKeyChar(c)) {
        throw new ParseError(
          line,
          `unexpected character ${JSON.stringify(String.fromCodePoint(c))} in variable name`,
        );
      }
      end += c > 0xffff ? 2 : 1;
    }
    const terminator = end < n ? text.charCodeAt(end) : -1;
    const inherited = terminator === 0x0a || terminator === -1;
    const key = trimRightUnicodeSpace(text.slice(keyStart, end));
    if (key.includes(' ')) throw new ParseError(line, 'key cannot contain a space');
    pos = end + 1;

    if (inherited) {
      line++;
      const value = lookup(key) ?? fallback?.(key);
      if (value !== undefined) assign({ key, value, line: keyLine, inherited: true });
      else if (key !== '') unresolved.push({ key, line: keyLine });
      skipSpaces();
      return;
    }

    skipSpaces();
    const quote = text.charCodeAt(pos);
    if (quote !== 0x22 /* " */ && quote !== 0x27 /* ' */) {
      // Unquoted: to the end of the line, minus a ` #` comment and trailing space.
      const nl = text.indexOf('\n', pos);
      const lineEnd = nl === -1 ? n : nl;
      let raw = text.slice(pos, lineEnd);
      const comment = raw.indexOf(' #');
      if (comment !== -1) raw = raw.slice(0, comment);
      pos = nl === -1 ? n : nl + 1;
      line++;
      assign({ key, value: interpolate(key, keyLine, trimRightUnicodeSpace(raw)), line: keyLine });
      return;
    }

    // Quoted: `\<quote>` is the quote itself; any other escape keeps its backslash (and is
    // expanded below for double quotes).
    let value = '';
    let segment = pos + 1;
    let i = pos + 1;
    let closed = -1;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) line++;
      if (c === 0x5c /* \ */) {
        if (i + 1 >= n) break;
        const escaped = text.charCodeAt(i + 1);
        if (escaped === 0x0a) line++;
        value += text.slice(segment, i);
        segment = escaped === quote ? i + 1 : i;
        i += 2;
        continue;
      }
      if (c === quote) {
        closed = i;
        break;
      }
      i++;
    }
    if (closed === -1)
      throw new ParseError(keyLine, `unterminated quoted value for key ${JSON.stringify(key)}`);
    value += text.slice(segment, closed);
    pos = closed + 1;
    if (quote === 0x22) value = interpolate(key, keyLine, expandEscapes(value));
    assign({ key, value, line: keyLine });
  };

  try {
    while (toStatement()) statement();
  } catch (err) {
    if (err instanceof ParseError) {
      return { vars, unresolved, error: { line: err.line, message: err.message } };
    }
    throw err;
  }
  return { vars, unresolved };
}

/** The variables as compose sees them: for duplicate keys the later assignment wins. */
export function composeDotenvToMap(vars: readonly DotenvVar[]): Record<string, string> {
  return Object.fromEntries(vars.map((v) => [v.key, v.value]));
}
