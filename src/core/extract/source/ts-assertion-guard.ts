/**
 * A guard against one case where @babel/parser takes exponential time: nested angle-bracket type
 * assertions in TypeScript without JSX (`<A>(<A>(<A>(x)))`, also through brackets, calls, arrow
 * bodies…). An expression that starts with `<` may be a generic arrow function `<T>(x: T) => x`,
 * so babel parses it as one first and, when it is not, parses it again as a type assertion; each
 * nested level doubles the work (16 levels take about half a second, 20 levels ten). Real code
 * nests a handful at most.
 *
 * A light linear lexer (comments, strings and template literals skipped; regular expressions and
 * types are not told apart from code, which can only raise the count) counts, at every point, the
 * assertion-like `<` that start an expression still open there: per bracket level since that
 * level's last `,` or `;`, summed over the enclosing levels.
 */
import { isIdentChar } from './identifier-chars.js';

/** Files whose count exceeds this are not parsed (a parse at the limit takes some 20-150 ms). */
export const MAX_TYPE_ASSERTION_NESTING = 12;

/** Words after which `<` starts an expression (`return <T>x`). */
const KEYWORDS_BEFORE_EXPRESSION = new Set(
  'return typeof await yield case void delete throw in of else do new extends'.split(' '),
);

/** Punctuators after which `<` starts an expression: ( [ { , ; = : ? ! & | + - * / % ^ ~ > */
const EXPRESSION_START_AFTER = new Set([...'([{,;=:?!&|+-*/%^~>'].map((c) => c.charCodeAt(0)));

const isWordChar = (c: number): boolean => isIdentChar(c, false);

/** The end of a template literal's text from `i` (inside it): after the closing backtick, or after `${` (open). */
function skipTemplateText(text: string, i: number): { end: number; open: boolean } {
  for (let j = i; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 92) j++;
    else if (c === 96) return { end: j + 1, open: false };
    else if (c === 36 && text.charCodeAt(j + 1) === 123) return { end: j + 2, open: true };
  }
  return { end: text.length, open: false };
}

/** The highest nesting of assertion-like `<` in `text` (see the module comment). Linear. */
export function typeAssertionNesting(text: string): number {
  if (!text.includes('<')) return 0;
  const n = text.length;
  /** Per open bracket level: assertion-like `<` since its last separator. */
  const counts: number[] = [0];
  /** Per open bracket level: true when it is a template literal's `${`. */
  const inTemplate: boolean[] = [false];
  let total = 0;
  let max = 0;
  let prev = 59; // the start of the file is like the start of a statement
  let wordStart = -1;
  let wordEnd = -1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c <= 32) {
      i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      const e = text.indexOf('\n', i);
      i = e < 0 ? n : e + 1;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const e = text.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (isWordChar(c)) {
      wordStart = i;
      while (i < n && isWordChar(text.charCodeAt(i))) i++;
      wordEnd = i;
      prev = c;
      continue;
    }
    i++;
    if (c === 39 || c === 34) {
      while (i < n) {
        const d = text.charCodeAt(i++);
        if (d === 92) i++;
        else if (d === c || d === 10) break;
      }
    } else if (c === 96) {
      const t = skipTemplateText(text, i);
      i = t.end;
      if (t.open) {
        counts.push(0);
        inTemplate.push(true);
      }
    } else if (c === 40 || c === 91 || c === 123) {
      counts.push(0);
      inTemplate.push(false);
    } else if ((c === 41 || c === 93 || c === 125) && counts.length > 1) {
      total -= counts.pop()!;
      if (inTemplate.pop() && c === 125) {
        const t = skipTemplateText(text, i);
        i = t.end;
        if (t.open) {
          counts.push(0);
          inTemplate.push(true);
        }
      }
    } else if (c === 44 || c === 59) {
      total -= counts[counts.length - 1]!;
      counts[counts.length - 1] = 0;
    } else if (c === 60) {
      const startsExpression = isWordChar(prev)
        ? KEYWORDS_BEFORE_EXPRESSION.has(text.slice(wordStart, wordEnd))
        : EXPRESSION_START_AFTER.has(prev);
      const next = text.charCodeAt(i);
      if (startsExpression && next !== 60 && next !== 61) {
        const top = counts.length - 1;
        counts[top] = counts[top]! + 1;
        total++;
        if (total > max) max = total;
      }
    }
    prev = c;
  }
  return max;
}
