/**
 * The pre-filter decides whether a source file is parsed at all, so it MUST stay a SUPERSET of
 * what the rules can match, or files are silently skipped. Each part comes from one place:
 * - rule 1: the language's env accessors (`process.env`, `import.meta.env`; `getenv`, `environ`…),
 *   passed in by each scanner;
 * - rule 2: `SECRET_PREFILTER_KEYWORDS` from secret-patterns.ts, which that module keeps a superset
 *   of every name `secretNameMatch()` accepts (password|passwd|pwd|secret|token|api_key|apikey|
 *   api-key|private|credential|connection|dsn|auth… in its current, broader form). A keyword hit
 *   alone is too weak (`key` is in `Object.keys`), so each hit is confirmed by running
 *   `secretNameMatch()` on the identifier and on the quote-delimited segment around it: a rule-2
 *   name is an identifier or a string key, so it is one of those (see `mayContainSecretName`);
 * - rule 3: `secretValueMatch()` itself, run over the whole text. Its patterns are unanchored, so a
 *   literal whose value it flags also makes the file text flagged (the known prefixes AKIA, sk-,
 *   ghp_, xox, eyJ, -----BEGIN, `://`… are thereby covered exactly, with no list to keep in sync).
 *   It is the slow part (~40 MB/s), so it runs last.
 * test/unit/source-js.test.ts checks the superset property against a corpus of names and values.
 */
import { SECRET_PREFILTER_KEYWORDS, secretNameMatch, secretValueMatch } from '../secret-patterns.js';
import { isIdentChar } from './identifier-chars.js';

const NAME_KEYWORDS_RE = new RegExp(SECRET_PREFILTER_KEYWORDS.map(escapeRegExp).join('|'), 'gi');

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Longest identifier / segment examined around a keyword; anything longer counts as a hit. */
const MAX_RUN = 256;

/** Inside a quoted string key: anything but a quote or a line break. */
function isSegmentChar(c: number): boolean {
  return c !== 39 && c !== 34 && c !== 96 && c !== 10 && c !== 13;
}

/**
 * The maximal run of `accept` characters around `at` (at most MAX_RUN each way; null when longer,
 * which the caller treats as a possible match).
 */
function runAround(text: string, at: number, accept: (c: number) => boolean): string | null {
  let s = at;
  while (s > 0 && accept(text.charCodeAt(s - 1))) {
    s--;
    if (at - s > MAX_RUN) return null;
  }
  let e = at;
  while (e < text.length && accept(text.charCodeAt(e))) {
    e++;
    if (e - at > MAX_RUN) return null;
  }
  return text.slice(s, e);
}

/**
 * True when the text may contain a name that `secretNameMatch()` accepts. For every keyword hit it
 * tries the identifier around it (with and without `-`, for JSX/kebab names) and the
 * quote-delimited segment around it (string keys such as `'api key'`). Linear: each hit looks at
 * most 2·MAX_RUN characters, and each distinct candidate is matched once.
 */
function mayContainSecretName(text: string): boolean {
  const re = NAME_KEYWORDS_RE;
  re.lastIndex = 0;
  const seen = new Set<string>();
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const at = m.index;
    const candidates = [
      runAround(text, at, (c) => isIdentChar(c, false)),
      runAround(text, at, (c) => isIdentChar(c, true)),
      runAround(text, at, isSegmentChar),
    ];
    for (const c of candidates) {
      if (c === null) return true;
      if (seen.has(c)) continue;
      seen.add(c);
      if (secretNameMatch(c) !== null) return true;
    }
  }
  return false;
}

/** Builds a "may this file contain anything?" test from a language's env-accessor markers. */
export function buildPrefilter(envMarkers: readonly string[]): (text: string) => boolean {
  const envRe = new RegExp(envMarkers.map(escapeRegExp).join('|'));
  return (text) => envRe.test(text) || mayContainSecretName(text) || secretValueMatch(text) !== null;
}
