/** Which parser reads which kind of file, and the shaping of dotenv results into entries. Pure. */
import { flattenConfigFile } from './config-file.js';
import { parseComposeDotenv } from './dotenv-compose.js';
import { parseNodeDotenv } from './dotenv-node.js';
import type { Lookup } from './interpolate.js';
import { scanJsSource, scanPythonSource } from './source/index.js';
import type { ParseResult, RawEntry } from './types.js';

/** A service's own .env files are read as its Node code reads them, compose's env_file as compose does. */
export type DotenvDialect = 'node' | 'compose';

export type FileKind = { kind: 'dotenv'; dialect: DotenvDialect } | { kind: 'config' } | { kind: 'source' };

export function parseText(file: string, text: string, kind: FileKind, lookup: Lookup): ParseResult {
  if (kind.kind === 'config') return flattenConfigFile(file, text);
  if (kind.kind === 'source')
    return /\.py$/i.test(file) ? scanPythonSource(file, text) : scanJsSource(file, text);
  return kind.dialect === 'compose' ? composeDotenvFile(file, text, lookup) : nodeDotenvFile(file, text);
}

const envEntry = (
  file: string,
  name: string,
  line: number,
  value: string | null,
  hints?: string[],
): RawEntry => ({
  name,
  kind: 'env-file',
  source: { file, line },
  value,
  ...(hints ? { hints } : {}),
});

function composeDotenvFile(file: string, text: string, lookup: Lookup): ParseResult {
  const parsed = parseComposeDotenv(text, { lookup });
  const entries = [
    ...parsed.vars.map((v) => envEntry(file, v.key, v.line, v.value)),
    // A bare `KEY` line passes the shell's value through; unset here, it is still configuration the service expects.
    ...parsed.unresolved.map((u) =>
      envEntry(file, u.key, u.line, null, ['pass-through from the shell environment']),
    ),
  ].sort((a, b) => a.source.line - b.source.line);
  const { error } = parsed;
  return {
    entries,
    problems: error ? [{ file, line: error.line, message: error.message, severity: 'error' }] : [],
  };
}

function nodeDotenvFile(file: string, text: string): ParseResult {
  const parsed = parseNodeDotenv(text);
  return {
    entries: parsed.vars.map((v) => envEntry(file, v.key, v.line, v.value)),
    problems: parsed.ignoredLines.map((line) => ({
      file,
      line,
      message: 'not a KEY=value line; dotenv ignores it',
      severity: 'warning' as const,
    })),
  };
}
