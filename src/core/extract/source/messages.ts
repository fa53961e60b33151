/**
 * Problem messages for source files. A parser's message may echo source text, and source text may
 * be a secret, so what reaches a problem is reduced to what cannot be one.
 */
import type { Problem } from '../types.js';

/** A parser or tokenizer error: where it is (UTF-16 offset) and a message without source text. */
export interface ParseError {
  at: number;
  message: string;
}

/** Keywords and contextual keywords: a parser may quote these, and they are never secret. */
const JS_KEYWORDS = new Set(
  (
    'abstract accessor any as asserts async await bigint boolean break case catch class const constructor ' +
    'continue debugger declare default delete do else enum export extends false finally for from function get ' +
    'global if implements import in infer instanceof interface is keyof let meta module namespace never new ' +
    'null number object of out override package private protected public readonly require return satisfies ' +
    'set static string super switch symbol target this throw true try type typeof undefined unique unknown ' +
    'using var void while with yield'
  ).split(' '),
);

/**
 * Token labels babel names in messages (`Unexpected token, expected "jsxTagEnd"`) that are neither
 * short punctuators nor keywords.
 */
const TOKEN_LABELS = new Set(
  (
    'name #name string num bigint decimal regexp eof template jsxName jsxText jsxTagStart jsxTagEnd ' +
    'arguments assert checks defer exports intrinsic mixins opaque proto sent source ' +
    '==/!=/===/!== </>/<=/>= <</>>/>>> ++/--'
  ).split(' '),
);

function safeFragment(inner: string): boolean {
  return /^[^\w\s]{1,4}$/.test(inner) || JS_KEYWORDS.has(inner) || TOKEN_LABELS.has(inner);
}

/**
 * A parser message without anything that could be source text: babel's ` (line:column)` suffix
 * is dropped, quoted fragments that are not punctuators, keywords or token labels become `…`, as
 * do the names babel echoes unquoted (`#name`, `<tag>`, "type parameter T"), an unbalanced
 * quote cuts the message, and it is capped in length. Only the first line is kept (some of
 * babel's messages add a suggestion that quotes the code).
 */
export function sanitizeParserMessage(msg: string): string {
  let m = msg.split(/\r?\n/, 1)[0] ?? '';
  m = m.replace(/\s*\(\d+:\d+\)\s*$/, '');
  m = m.replace(/(`|'|")([^`'"\r\n]*)\1/g, (whole: string, _q: string, inner: string) =>
    safeFragment(inner) ? whole : '…',
  );
  // "Private name #x is not defined", "JSX closing tag for <x>", "type parameter T should…".
  m = m.replace(/#[^\s.,;:()`'"]+/g, '#…');
  m = m.replace(/<[^<>]*>/g, '<…>');
  m = m.replace(/\b(type parameter)\s+\S+/g, '$1');
  const q = m.search(/[`'"]/);
  if (q >= 0) {
    // Only whole, safe fragments may remain quoted; anything else (unbalanced quote) is cut.
    const rest = m.slice(q).replace(/(`|'|")([^`'"]*)\1/g, '');
    if (/[`'"]/.test(rest)) m = m.slice(0, q).trimEnd();
  }
  return m.length > 120 ? `${m.slice(0, 117)}...` : m;
}

/**
 * One problem for a file's syntax errors: the first in the file (parsers do not promise to report
 * them in source order), with a count of the rest. `errors` must not be empty.
 */
export function syntaxErrorProblem(
  file: string,
  errors: readonly ParseError[],
  lineOf: (offset: number) => number,
): Problem {
  const first = errors.reduce((a, b) => (b.at < a.at ? b : a));
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return {
    file,
    line: lineOf(first.at),
    message: `syntax error: ${first.message}${more}`,
    severity: 'error',
  };
}
