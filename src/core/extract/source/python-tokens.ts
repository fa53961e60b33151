/**
 * Python tokens as python-tokenizer.ts produces them, the characters that start them, and the
 * predicates the pattern matchers test them with.
 */

/** Token kinds. Newline: end of a logical line (not emitted inside brackets or after a `\` continuation). */
export const K = { Name: 0, Number: 1, String: 2, Op: 3, Newline: 4 } as const;
export type Kind = (typeof K)[keyof typeof K];

export interface Tok {
  k: Kind;
  /** UTF-16 offset of the token start. */
  s: number;
  /** Name/op text, number text, or a string's value (null: f-string with placeholders). */
  v: string | null;
  /** Index of the innermost enclosing open bracket token, or -1. */
  encl: number;
}

export function isIdStart(c: number): boolean {
  return (
    (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 || (c >= 0x80 && c !== 0xfeff && c !== 0xa0)
  );
}
export function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}
export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Valid string prefixes (lower-cased). `t` covers PEP 750 template strings. */
export const STRING_PREFIXES = new Set(['r', 'u', 'b', 'f', 't', 'br', 'rb', 'fr', 'rf', 'tr', 'rt']);

const PY_KEYWORDS = new Set(
  (
    'False None True and as assert async await break class continue def del elif else except finally for ' +
    'from global if import in is lambda nonlocal not or pass raise return try while with yield'
  ).split(' '),
);

export function isOp(t: Tok | undefined, v: string): boolean {
  return t !== undefined && t.k === K.Op && t.v === v;
}

/** An identifier that is not a keyword. */
export function isName(t: Tok | undefined): t is Tok & { v: string } {
  return t !== undefined && t.k === K.Name && !PY_KEYWORDS.has(t.v!);
}
