/**
 * Finds configuration values hardcoded in Python source (DESIGN.md "Inventory", kind
 * `hardcoded`): `os.getenv`/`os.environ.get` defaults (rule 1), literals assigned to secret-like
 * names (rule 2), and literals whose value looks like a secret (rule 3).
 *
 * Pure (no I/O), no Python needed: a small tokenizer followed by token-pattern matching. Linear
 * in the file size; never throws.
 */
import { lineLocator } from '../../text/lines.js';
import { secretNameMatch, secretValueMatch } from '../secret-patterns.js';
import type { ParseResult, Problem } from '../types.js';
import { entryCollector } from './entry-collector.js';
import { syntaxErrorProblem } from './messages.js';
import { buildPrefilter } from './prefilter.js';
import { findEnvDefaults } from './python-env-defaults.js';
import { assignedName, calleeOf, expressionTarget } from './python-naming.js';
import { tokenize, type Tokenized } from './python-tokenizer.js';
import { isOp, K, type Tok } from './python-tokens.js';

/** True when a Python file may contain something `scanPythonSource` reports (see prefilter.ts). */
export const pythonMayContainConfig: (text: string) => boolean = buildPrefilter([
  'getenv',
  'environ',
  'config(',
  'env(',
  'env.',
]);

/**
 * Marks strings that form a whole statement (docstrings and other bare strings): they are
 * never values.
 */
function bareStrings(toks: Tok[]): Uint8Array {
  const bare = new Uint8Array(toks.length);
  let i = 0;
  while (i < toks.length) {
    const prev = toks[i - 1];
    const atStart = i === 0 || prev!.k === K.Newline || isOp(prev, ';');
    if (atStart && toks[i]!.k === K.String && toks[i]!.encl === -1) {
      let j = i;
      while (j < toks.length && toks[j]!.k === K.String) j++;
      const after = toks[j];
      if (!after || after.k === K.Newline || isOp(after, ';')) for (let m = i; m < j; m++) bare[m] = 1;
      i = j;
      continue;
    }
    i++;
  }
  return bare;
}

/** Scans one Python file for hardcoded configuration values. Never throws. */
export function scanPythonSource(file: string, text: string): ParseResult {
  const problems: Problem[] = [];
  if (!pythonMayContainConfig(text)) return { entries: [], problems };
  const lineOf = lineLocator(text);
  let tk: Tokenized;
  try {
    tk = tokenize(text);
  } catch {
    problems.push({ file, line: 1, message: 'Python tokenizer failed on this file', severity: 'error' });
    return { entries: [], problems };
  }
  const { toks, errors } = tk;
  if (errors.length > 0) problems.push(syntaxErrorProblem(file, errors, lineOf));

  // Entries are keyed by their first token's offset (tokens never share one).
  const found = entryCollector(file, lineOf);
  // Rule 1: env accessor calls. The entry is named after the variable; what the read is assigned to
  // (`password = os.getenv('PGPASS', 'x')`) still counts, as rule 2 would for a plain literal.
  for (const d of findEnvDefaults(toks)) {
    const target = expressionTarget(toks, d.call);
    const nreason = target ? secretNameMatch(target) : null;
    const hints = nreason ? [d.hint, `assigned to secret-like name (${nreason})`] : [d.hint];
    found.add(toks[d.at]!.s, d.name, d.value, hints, target);
  }

  // Rules 2 and 3: literals assigned to secret-like names / secret-like values.
  const bare = bareStrings(toks);
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.k !== K.String || t.v === null || t.v === '' || bare[i]) continue;
    const name = assignedName(toks, i);
    const nreason = name ? secretNameMatch(name) : null;
    if (name && nreason) found.add(t.s, name, t.v, [`assigned to secret-like name (${nreason})`]);
    const vreason = secretValueMatch(t.v);
    if (vreason)
      found.add(t.s, name ?? calleeOf(toks, i) ?? 'literal', t.v, [`secret-like value (${vreason})`]);
  }
  return { entries: found.entries(), problems };
}
