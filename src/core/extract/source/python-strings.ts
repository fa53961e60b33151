/**
 * Python string literals: every prefix and quote style, escapes, line continuations, and
 * f-strings with their replacement fields (PEP 701 nesting included), skipped rather than parsed.
 */
import type { ParseError } from './messages.js';
import { unescape } from './python-escapes.js';
import { isIdPart, isIdStart, STRING_PREFIXES } from './python-tokens.js';

export interface ScannedString {
  /** The index after the closing quote, or -1 when the string is unterminated. */
  end: number;
  /** The decoded value; null for an f-string with fields (or an unterminated string). */
  value: string | null;
  /** Unterminated in a way that leaves the rest of the file unreadable (stop tokenizing). */
  fatal?: boolean;
}

/**
 * A string-literal scanner over `text`, recording problems in `errors`. The scanner takes the
 * literal's start, the index of its opening quote and its lower-cased prefix.
 */
export function stringScanner(
  text: string,
  errors: ParseError[],
): (start: number, q: number, prefix: string) => ScannedString {
  const n = text.length;

  /**
   * Scans a string literal whose opening quote is at `q` (prefix already consumed, starting at
   * `start`). Returns the index after the closing quote, or -1 when unterminated (after
   * recording a problem). For f-strings, replacement fields are skipped (nested strings
   * included) and `hasFields` is set.
   */
  const scanString = (start: number, q: number, prefix: string): ScannedString => {
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

  return scanString;
}
