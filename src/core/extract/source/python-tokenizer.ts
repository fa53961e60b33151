/**
 * A small Python tokenizer, enough for pattern matching: comments, strings (python-strings.ts),
 * names, numbers, operators and brackets, and the end of each logical line. No Python needed;
 * linear in the file size. A lone `\r` ends a line here, as it does for Python, though problem
 * lines are counted by LF only (src/core/text/lines.ts).
 */
import type { ParseError } from './messages.js';
import { stringScanner } from './python-strings.js';
import { isDigit, isIdPart, isIdStart, K, STRING_PREFIXES, type Kind, type Tok } from './python-tokens.js';

export interface Tokenized {
  toks: Tok[];
  /** Tokenizer problems; their messages never contain source text. */
  errors: ParseError[];
}

const OPS3 = new Set(['**=', '//=', '>>=', '<<=', '...']);
const OPS2 = new Set('== != <= >= := -> += -= *= /= %= &= |= ^= @= ** // << >>'.split(' '));

export function tokenize(text: string): Tokenized {
  const toks: Tok[] = [];
  const errors: ParseError[] = [];
  const scanString = stringScanner(text, errors);
  const n = text.length;
  /** Indices (into toks) of open brackets. */
  const brackets: number[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const push = (k: Kind, s: number, v: string | null): void => {
    toks.push({ k, s, v, encl: brackets.length > 0 ? brackets[brackets.length - 1]! : -1 });
  };
  /** The string literal starting at `i` with its opening quote at `q`; moves `i` past it. */
  const pushString = (q: number, prefix: string): void => {
    const r = scanString(i, q, prefix);
    if (r.end < 0) {
      i = r.fatal ? n : recover(i);
      return;
    }
    push(K.String, i, r.value);
    i = r.end;
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
      pushString(i, '');
      continue;
    }
    if (isIdStart(c)) {
      let e = i + 1;
      while (e < n && isIdPart(text.charCodeAt(e))) e++;
      const word = text.slice(i, e);
      const qc = text.charCodeAt(e);
      if ((qc === 39 || qc === 34) && e - i <= 2 && STRING_PREFIXES.has(word.toLowerCase())) {
        pushString(e, word.toLowerCase());
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
