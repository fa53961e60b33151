/**
 * The Node `dotenv` (motdotla) dialect: a service's own `.env` files that its code loads with
 * `require('dotenv').config()`. This is dotenv's default `parse()` (the regex parser) with the
 * same LINE expression, line-ending normalisation, trimming, quote stripping and `\n`/`\r`
 * expansion in double quotes, plus what cfgmig needs on top: the line of each key (computed
 * incrementally from the match indices, so linear in the file size) and the lines dotenv
 * silently ignores.
 */
import type { DotenvVar } from './dotenv-compose.js';

export interface NodeDotenvResult {
  /** Every assignment in file order, duplicates included (dotenv keeps the last one). */
  vars: DotenvVar[];
  /** 1-based lines that are neither blank, comments, nor part of any assignment. */
  ignoredLines: number[];
}

// motdotla/dotenv lib/main.js LINE, verbatim.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/;

function countNewlines(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) count++;
  return count;
}

/**
 * dotenv treats a lone CR as a line break, but cfgmig reports lines as editors' `file:line`, git
 * and every other parser here count them: by LF. Maps each normalised line to that line.
 */
function lfLineTable(src: string, normalisedLines: number): Uint32Array {
  const table = new Uint32Array(normalisedLines + 2);
  let lf = 1;
  let n = 1;
  table[1] = 1;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (c === 10 || (c === 13 && src.charCodeAt(i + 1) !== 10)) {
      if (c === 10) lf++;
      table[++n] = lf;
    }
  }
  return table;
}

/** Parses a `.env` file exactly as motdotla/dotenv's parse() does. Never throws. */
export function parseNodeDotenv(src: string): NodeDotenvResult {
  const lines = src.replace(/\r\n?/g, '\n');
  const re = new RegExp(LINE.source, 'dgm');
  const vars: DotenvVar[] = [];
  const lineCount = countNewlines(lines, 0, lines.length) + 1;
  const covered = new Uint8Array(lineCount + 1);
  const lfLine = lfLineTable(src, lineCount);

  let cursor = 0;
  let line = 1;
  let match: RegExpExecArray | null;
  while ((match = re.exec(lines)) !== null) {
    const keyStart = match.indices![1]![0];
    const end = match.index + match[0].length;
    line += countNewlines(lines, cursor, keyStart);
    const keyLine = line;
    const firstLine = keyLine - countNewlines(lines, match.index, keyStart);
    line += countNewlines(lines, keyStart, end);
    cursor = end;
    covered.fill(1, firstLine, line + 1);

    let value = (match[2] ?? '').trim();
    const maybeQuote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, '$2');
    if (maybeQuote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
    vars.push({ key: match[1]!, value, line: lfLine[keyLine]! });
  }

  const ignoredLines: number[] = [];
  let start = 0;
  for (let n = 1; n <= lineCount; n++) {
    const nl = lines.indexOf('\n', start);
    const lineEnd = nl === -1 ? lines.length : nl;
    if (!covered[n]) {
      const content = lines.slice(start, lineEnd).trim();
      if (content !== '' && !content.startsWith('#') && ignoredLines.at(-1) !== lfLine[n])
        ignoredLines.push(lfLine[n]!);
    }
    start = lineEnd + 1;
  }
  return { vars, ignoredLines };
}

/** The variables as dotenv's parse() returns them: for duplicate keys the later one wins. */
export function nodeDotenvToMap(vars: readonly DotenvVar[]): Record<string, string> {
  return Object.fromEntries(vars.map((v) => [v.key, v.value]));
}
