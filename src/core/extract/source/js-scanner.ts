/**
 * Finds configuration values hardcoded in JavaScript / TypeScript source (DESIGN.md "Inventory",
 * kind `hardcoded`): fallbacks for environment variables (rule 1), literals assigned to
 * secret-like names (rule 2), and literals whose value looks like a secret (rule 3).
 *
 * Pure (no I/O). Uses oxc-parser so that comments, JSDoc and unrelated strings never count.
 * Files that cannot contain anything of interest are skipped by a cheap pre-filter before
 * parsing, files nested too deeply to parse safely by the nesting guard; everything after the
 * parse is a single linear walk over the AST.
 */
import { parseSync, visitorKeys } from 'oxc-parser';
import { lineLocator } from '../../text/lines.js';
import { secretNameMatch, secretValueMatch } from '../secret-patterns.js';
import type { ParseResult, Problem } from '../types.js';
import { entryCollector } from './entry-collector.js';
import { isNode, literalValue, type Frame, type LiteralValue, type Node } from './js-ast.js';
import { envFallback } from './js-env-fallbacks.js';
import { assignedName } from './js-naming.js';
import { sanitizeParserMessage, syntaxErrorProblem } from './messages.js';
import { MAX_NESTING_ESTIMATE } from './nesting-cost.js';
import { estimateNestingDepth } from './nesting-guard.js';
import { buildPrefilter } from './prefilter.js';

/** True when a JS/TS file may contain something `scanJsSource` reports; false means: skip the parse. */
export const jsMayContainConfig: (text: string) => boolean = buildPrefilter([
  'process.env',
  'process["env"]',
  "process['env']",
  'import.meta.env',
]);

function parserOptions(file: string): {
  lang: 'js' | 'jsx' | 'ts' | 'tsx' | 'dts';
  sourceType: 'module' | 'commonjs' | 'unambiguous';
} {
  const lower = file.toLowerCase();
  const dot = lower.lastIndexOf('.');
  const ext = dot >= 0 ? lower.slice(dot + 1) : '';
  const sourceType =
    ext === 'mjs' || ext === 'mts' ? 'module' : ext === 'cjs' || ext === 'cts' ? 'commonjs' : 'unambiguous';
  if (ext === 'tsx') return { lang: 'tsx', sourceType };
  if (ext === 'ts' || ext === 'mts' || ext === 'cts') return { lang: 'ts', sourceType };
  // Plain .js often contains JSX (React); JSX is a superset of JS for our purposes.
  return { lang: 'jsx', sourceType };
}

/**
 * Scans one JS/TS file for hardcoded configuration values. Never throws; never puts source text
 * into problem messages.
 */
export function scanJsSource(file: string, text: string): ParseResult {
  const problems: Problem[] = [];
  if (!jsMayContainConfig(text)) return { entries: [], problems };

  const lineOf = lineLocator(text);
  const opts = parserOptions(file);
  const jsx = opts.lang === 'jsx' || opts.lang === 'tsx';
  if (text.length > 1000 && estimateNestingDepth(text, jsx) > MAX_NESTING_ESTIMATE) {
    problems.push({
      file,
      line: 1,
      message: 'not scanned: the code nests too deeply to parse safely',
      severity: 'warning',
    });
    return { entries: [], problems };
  }
  let program: Node;
  let errors: { message: string; labels: { start: number }[] }[];
  try {
    // astType 'js': no type annotations in the AST (about 20% less to deserialize; we never need them).
    const res = parseSync(file, text, { ...opts, astType: 'js', preserveParens: false });
    program = res.program as unknown as Node;
    errors = res.errors;
  } catch {
    problems.push({
      file,
      line: 1,
      message: 'JavaScript/TypeScript parser failed on this file',
      severity: 'error',
    });
    return { entries: [], problems };
  }
  if (errors.length > 0) {
    const located = errors.map((e) => ({
      at: e.labels[0]?.start ?? 0,
      message: sanitizeParserMessage(e.message),
    }));
    problems.push(syntaxErrorProblem(file, located, lineOf));
  }

  const found = entryCollector(file, lineOf);
  const visitLiteral = (f: Frame, lv: LiteralValue): void => {
    const at = f.n.start;
    // Rule 1: environment variable fallbacks (any literal).
    const fb = envFallback(f);
    if (fb) found.add(at, fb.name, lv.value, fb.hints);
    if (!lv.isString) return;
    // Rule 2: string assigned to a secret-like name.
    if (lv.value !== '') {
      const an = assignedName(f, false);
      if (an && !an.viaCall) {
        const reason = secretNameMatch(an.name);
        if (reason)
          found.add(at, fb?.name ?? an.name, lv.value, [`assigned to secret-like name (${reason})`]);
      }
    }
    // Rule 3: the value itself looks like a secret.
    const vreason = lv.value === '' ? null : secretValueMatch(lv.value);
    if (vreason) {
      const an = found.has(at) ? null : assignedName(f, true);
      found.add(at, an?.name ?? 'literal', lv.value, [`secret-like value (${vreason})`]);
    }
  };

  // Iterative pre-order walk (deeply nested ASTs must not overflow the call stack).
  const keysOf = visitorKeys as Record<string, readonly string[] | undefined>;
  const stack: Frame[] = [{ n: program, p: null, k: '' }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const n = f.n;
    const t = n.type;
    if (t === 'Literal' || t === 'TemplateLiteral' || t === 'UnaryExpression') {
      const lv = literalValue(n);
      if (lv) {
        visitLiteral(f, lv);
        continue; // a literal has no interesting children
      }
    }
    const keys = keysOf[t] ?? Object.keys(n);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      const v = n[k];
      if (Array.isArray(v)) {
        for (let j = v.length - 1; j >= 0; j--) {
          const c: unknown = v[j];
          if (isNode(c)) stack.push({ n: c, p: f, k });
        }
      } else if (isNode(v)) stack.push({ n: v, p: f, k });
    }
  }
  return { entries: found.entries(), problems };
}
