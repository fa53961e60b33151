/**
 * The nesting guard: oxc crashes the process on very deep nesting, so before a parse a light
 * lexer estimates the native stack it would need (the cost model and its measurements are in
 * nesting-cost.ts) and the scanner skips files estimated above MAX_NESTING_ESTIMATE.
 */
import { isIdentChar, isIdentStart } from './identifier-chars.js';
import {
  CONTINUATION_WORDS,
  KEYWORD_WEIGHT,
  LEVEL_ANGLE,
  LEVEL_BRACKET,
  LEVEL_JSX_CHILDREN,
  LEVEL_JSX_TAG,
  LEVEL_TEMPLATE,
  LEVEL_WEIGHT,
  MAX_NESTING_ESTIMATE,
  OPERATOR_CHARS,
  operatorWeight,
} from './nesting-cost.js';

/**
 * Estimates, in linear time, the native stack a parse of `text` needs (see nesting-cost.ts).
 * `jsx`: the file may contain JSX. Returns early once the estimate exceeds `limit`.
 */
export function estimateNestingDepth(text: string, jsx: boolean, limit = MAX_NESTING_ESTIMATE): number {
  const n = text.length;
  const kinds: number[] = [LEVEL_BRACKET];
  /** Operator/keyword weight accumulated at each open level since its last separator. */
  const counts: number[] = [0];
  let levelSum = 0;
  let countSum = 0;
  let max = 0;
  /** The previous token cannot end an expression (so `/` starts a regex, `<` a JSX tag). */
  let prevOp = true;
  let pendingNewline = false;
  let i = 0;

  const note = (): void => {
    if (levelSum + countSum > max) max = levelSum + countSum;
  };
  const add = (w: number): void => {
    counts[counts.length - 1]! += w;
    countSum += w;
    note();
  };
  const separate = (): void => {
    countSum -= counts[counts.length - 1]!;
    counts[counts.length - 1] = 0;
  };
  const push = (kind: number): void => {
    kinds.push(kind);
    counts.push(0);
    levelSum += LEVEL_WEIGHT[kind]!;
    note();
  };
  const pop = (): number => {
    if (kinds.length <= 1) return LEVEL_BRACKET;
    const kind = kinds.pop()!;
    countSum -= counts.pop()!;
    levelSum -= LEVEL_WEIGHT[kind]!;
    return kind;
  };
  const top = (): number => kinds[kinds.length - 1]!;
  /** Template text from `j` (after a backtick or a `}` closing `${`); returns the index after it. */
  const templateText = (j: number): number => {
    while (j < n) {
      const c = text.charCodeAt(j);
      if (c === 92) j += 2;
      else if (c === 96) return j + 1;
      else if (c === 36 && text.charCodeAt(j + 1) === 123) {
        push(LEVEL_TEMPLATE);
        return j + 2;
      } else j++;
    }
    return j;
  };

  while (i < n && max <= limit) {
    const c = text.charCodeAt(i);
    if (top() === LEVEL_JSX_CHILDREN) {
      // JSX text: only `<` (a tag) and `{` (an expression) matter.
      while (i < n && text.charCodeAt(i) !== 60 && text.charCodeAt(i) !== 123) i++;
      if (i >= n) break;
      if (text.charCodeAt(i) === 123) {
        push(LEVEL_BRACKET);
        prevOp = true;
        i++;
      } else if (text.charCodeAt(i + 1) === 47) {
        // `</name>` closes this element.
        const gt = text.indexOf('>', i);
        i = gt < 0 ? n : gt + 1;
        pop();
        prevOp = false;
      } else {
        push(LEVEL_JSX_TAG);
        i++;
      }
      continue;
    }
    if (c === 10 || c === 13 || c === 0x2028 || c === 0x2029) {
      pendingNewline = true;
      i++;
      continue;
    }
    if (c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
      i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 47) {
      while (i < n && text.charCodeAt(i) !== 10 && text.charCodeAt(i) !== 13) i++;
      continue;
    }
    if (c === 47 && text.charCodeAt(i + 1) === 42) {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let k = i; k < stop; k++) {
        const d = text.charCodeAt(k);
        if (d === 10 || d === 13) {
          pendingNewline = true;
          break;
        }
      }
      i = stop;
      continue;
    }

    // The token starting here: identifier/keyword, or anything else.
    let word = '';
    let end = i + 1;
    if (isIdentChar(c, false)) {
      while (end < n && isIdentChar(text.charCodeAt(end), false)) end++;
      word = text.slice(i, end);
    }
    if (pendingNewline) {
      pendingNewline = false;
      const continues = prevOp || OPERATOR_CHARS.has(c) || c === 46 /* . */ || CONTINUATION_WORDS.has(word);
      if (!continues) {
        separate();
        // A statement boundary also ends unclosed generic brackets (`a < b` comparisons).
        while (top() === LEVEL_ANGLE) pop();
      }
    }

    if (word !== '') {
      const w = KEYWORD_WEIGHT.get(word);
      if (w !== undefined) add(w);
      prevOp = w !== undefined;
      i = end;
      continue;
    }
    if (c === 39 || c === 34) {
      // String literal: to the closing quote, or the end of the line when unterminated.
      let j = i + 1;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === c || d === 10 || d === 13) break;
        else j++;
      }
      i = j + 1;
      prevOp = false;
      continue;
    }
    if (c === 96) {
      i = templateText(i + 1);
      prevOp = text.charCodeAt(i - 1) === 123; // stopped at a `${`
      continue;
    }
    if (c === 47 && prevOp && top() !== LEVEL_JSX_TAG) {
      // Regex literal (the previous token cannot end an expression).
      let j = i + 1;
      let inClass = false;
      while (j < n) {
        const d = text.charCodeAt(j);
        if (d === 92) j += 2;
        else if (d === 10 || d === 13) break;
        else {
          if (d === 91) inClass = true;
          else if (d === 93) inClass = false;
          else if (d === 47 && !inClass) break;
          j++;
        }
      }
      i = j + 1;
      prevOp = false;
      continue;
    }
    if (c === 40 || c === 91 || c === 123) {
      push(LEVEL_BRACKET);
      prevOp = true;
      i++;
      continue;
    }
    if (c === 41 || c === 93 || c === 125) {
      // Unclosed generic brackets and JSX tags end with the enclosing bracket.
      while (top() === LEVEL_ANGLE || top() === LEVEL_JSX_TAG) pop();
      const kind = pop();
      i++;
      if (kind === LEVEL_TEMPLATE && c === 125) {
        i = templateText(i);
        prevOp = text.charCodeAt(i - 1) === 123;
      } else prevOp = false;
      continue;
    }
    if (c === 59 || c === 44) {
      if (c === 59) while (top() === LEVEL_ANGLE) pop();
      separate();
      prevOp = true;
      i++;
      continue;
    }
    if (c === 60 /* < */) {
      const next = text.charCodeAt(i + 1);
      if (jsx && prevOp && (isIdentStart(next) || next === 62)) {
        push(LEVEL_JSX_TAG);
        i++;
        continue;
      }
      if (isIdentStart(next) || next === 40 || next === 91 || next === 123) {
        push(LEVEL_ANGLE);
        prevOp = true;
        i++;
        continue;
      }
    }
    if (top() === LEVEL_JSX_TAG && (c === 62 || (c === 47 && text.charCodeAt(i + 1) === 62))) {
      pop();
      if (c === 62) push(LEVEL_JSX_CHILDREN);
      i += c === 62 ? 1 : 2;
      prevOp = false;
      continue;
    }
    if (c === 62 && top() === LEVEL_ANGLE) {
      pop();
      prevOp = false;
      i++;
      continue;
    }
    if (OPERATOR_CHARS.has(c)) {
      let j = i + 1;
      while (j < n && OPERATOR_CHARS.has(text.charCodeAt(j))) j++;
      add(operatorWeight(text.slice(i, j)));
      prevOp = true;
      i = j;
      continue;
    }
    // `.`, `@`, `#`, `\`, other punctuation: neither nests nor separates.
    prevOp = c === 46 ? true : prevOp;
    i++;
  }
  return max;
}
