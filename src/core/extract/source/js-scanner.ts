/**
 * Finds configuration values hardcoded in JavaScript / TypeScript source (DESIGN.md "Inventory",
 * kind `hardcoded`): fallbacks for environment variables (rule 1), literals assigned to
 * secret-like names (rule 2), and literals whose value looks like a secret (rule 3).
 *
 * Pure (no I/O). Uses @babel/parser (its own AST, see js-ast.ts) so that comments, JSDoc and
 * unrelated strings never count. Files that cannot contain anything of interest are skipped by a
 * cheap pre-filter before parsing. Code nested too deeply for the parser's recursion becomes a
 * warning (babel is plain JavaScript, so that is a catchable RangeError; ts-assertion-guard.ts
 * covers the one shape where babel takes exponential time instead). Everything after the parse
 * is a single linear walk over the AST.
 */
import { parse, type ParserOptions, type ParserPlugin } from '@babel/parser';
import { lineLocator } from '../../text/lines.js';
import { secretNameMatch, secretValueMatch } from '../secret-patterns.js';
import type { ParseResult, Problem } from '../types.js';
import { entryCollector } from './entry-collector.js';
import { isNode, LITERAL_TYPES, literalValue, type Frame, type LiteralValue, type Node } from './js-ast.js';
import { envFallback } from './js-env-fallbacks.js';
import { assignedName } from './js-naming.js';
import { sanitizeParserMessage, syntaxErrorProblem, type ParseError } from './messages.js';
import { buildPrefilter } from './prefilter.js';
import { typeAssertionNesting, MAX_TYPE_ASSERTION_NESTING } from './ts-assertion-guard.js';

/** True when a JS/TS file may contain something `scanJsSource` reports; false means: skip the parse. */
export const jsMayContainConfig: (text: string) => boolean = buildPrefilter([
  'process.env',
  'process["env"]',
  "process['env']",
  'import.meta.env',
]);

const BASE_OPTIONS = {
  errorRecovery: true,
  attachComment: false,
  allowReturnOutsideFunction: true,
  allowAwaitOutsideFunction: true,
  allowNewTargetOutsideFunction: true,
  allowImportExportEverywhere: true,
  allowUndeclaredExports: true,
} satisfies ParserOptions;

/** `import x from './x.json' assert { type: 'json' }`, the syntax Node 17-21 shipped before `with`. */
const IMPORT_ASSERT: ParserPlugin = 'deprecatedImportAssert';
/** TypeScript's experimental decorators, parameter decorators included (NestJS, Angular, TypeORM). */
const TS_DECORATORS: ParserPlugin[] = ['decorators-legacy', 'decoratorAutoAccessors'];
/** Standard decorators (`@dec export class` and `export @dec class`) for plain JavaScript. */
const JS_DECORATORS: ParserPlugin[] = [['decorators', {}], 'decoratorAutoAccessors'];

interface FileSyntax {
  options: ParserOptions;
  /** A TypeScript file without JSX, where `<T>(…)` is a type assertion (see ts-assertion-guard.ts). */
  tsAssertions: boolean;
}

function fileSyntax(file: string): FileSyntax {
  const lower = file.toLowerCase();
  const dot = lower.lastIndexOf('.');
  const ext = dot >= 0 ? lower.slice(dot + 1) : '';
  // `.cjs` is parsed as a script (return, new.target at the top level are allowed by the options).
  const sourceType =
    ext === 'mjs' || ext === 'mts' ? 'module' : ext === 'cjs' || ext === 'cts' ? 'script' : 'unambiguous';
  const dts = /\.d\.[cm]?ts$/.test(lower);
  const ts: ParserPlugin = dts ? ['typescript', { dts: true }] : 'typescript';
  let plugins: ParserPlugin[];
  if (ext === 'tsx') plugins = [ts, 'jsx', ...TS_DECORATORS, IMPORT_ASSERT];
  else if (ext === 'ts' || ext === 'mts' || ext === 'cts') plugins = [ts, ...TS_DECORATORS, IMPORT_ASSERT];
  // Plain .js often contains JSX (React); JSX is a superset of JS for our purposes.
  else plugins = ['jsx', ...JS_DECORATORS, IMPORT_ASSERT];
  const tsAssertions = ext === 'ts' || ext === 'mts' || ext === 'cts';
  return { options: { ...BASE_OPTIONS, sourceType, plugins }, tsAssertions };
}

interface Parsed {
  program: Node;
  errors: ParseError[];
}

/** Where and why babel stopped or complained, without source text. */
function toParseError(e: unknown): ParseError {
  const err = e as { pos?: unknown; message?: unknown; missingPlugin?: unknown };
  const at = typeof err.pos === 'number' ? err.pos : 0;
  const plugins = Array.isArray(err.missingPlugin) ? err.missingPlugin : [err.missingPlugin];
  if (err.missingPlugin !== undefined && plugins.every((p) => typeof p === 'string' && /^[\w-]+$/.test(p))) {
    // The plugin names come from babel, not from the file.
    return { at, message: `unsupported experimental syntax (babel plugin ${plugins.join(', ')})` };
  }
  return { at, message: sanitizeParserMessage(typeof err.message === 'string' ? err.message : '') };
}

/**
 * Parses with error recovery: a recoverable error leaves a usable AST plus `errors`, an
 * unrecoverable one throws a SyntaxError with `pos`. `unambiguous` decides module vs script by
 * import/export, but reports strict-mode errors even when it settles on script; such a file is
 * parsed again as a (sloppy) script, so that only real errors remain.
 */
function parseJs(text: string, options: ParserOptions): Parsed {
  let res = parse(text, options);
  if (options.sourceType === 'unambiguous' && res.program.sourceType === 'script' && res.errors?.length) {
    try {
      res = parse(text, { ...options, sourceType: 'script' });
    } catch {
      // keep the first result
    }
  }
  return { program: res.program as unknown as Node, errors: (res.errors ?? []).map(toParseError) };
}

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError && /call stack/i.test(e.message);
}

/** Properties that never hold a value the rules look at: positions, parser extras, and types. */
const SKIP_KEYS = new Set([
  'type',
  'start',
  'end',
  'loc',
  'range',
  'extra',
  'leadingComments',
  'trailingComments',
  'innerComments',
  'typeAnnotation',
  'returnType',
  'typeParameters',
  'typeArguments',
  'superTypeParameters',
  'superTypeArguments',
  'implements',
]);

/**
 * Scans one JS/TS file for hardcoded configuration values. Never throws; never puts source text
 * into problem messages.
 */
export function scanJsSource(file: string, text: string): ParseResult {
  const problems: Problem[] = [];
  if (!jsMayContainConfig(text)) return { entries: [], problems };

  const lineOf = lineLocator(text);
  const syntax = fileSyntax(file);
  const tooDeep = (): ParseResult => ({
    entries: [],
    problems: [
      { file, line: 1, message: 'not scanned: the code nests too deeply to parse', severity: 'warning' },
    ],
  });
  if (syntax.tsAssertions && typeAssertionNesting(text) > MAX_TYPE_ASSERTION_NESTING) return tooDeep();
  let parsed: Parsed;
  try {
    parsed = parseJs(text, syntax.options);
  } catch (e) {
    if (isStackOverflow(e)) return tooDeep();
    if (e instanceof SyntaxError && typeof (e as { pos?: unknown }).pos === 'number') {
      problems.push(syntaxErrorProblem(file, [toParseError(e)], lineOf));
    } else {
      problems.push({
        file,
        line: 1,
        message: 'JavaScript/TypeScript parser failed on this file',
        severity: 'error',
      });
    }
    return { entries: [], problems };
  }
  if (parsed.errors.length > 0) problems.push(syntaxErrorProblem(file, parsed.errors, lineOf));

  const found = entryCollector(file, lineOf);
  const visitLiteral = (f: Frame, lv: LiteralValue): void => {
    const at = f.n.start;
    // Rule 1: environment variable fallbacks (any literal). The entry is named after the variable;
    // what the expression is assigned to (`password: process.env.PGPASS || 'x'`) still counts.
    const fb = envFallback(f);
    const an = fb || (lv.isString && lv.value !== '') ? assignedName(f, false) : null;
    const target = an && !an.viaCall ? an.name : null;
    if (fb) found.add(at, fb.name, lv.value, fb.hints, target);
    if (!lv.isString) return;
    // Rule 2: string assigned to a secret-like name.
    if (lv.value !== '' && target) {
      const reason = secretNameMatch(target);
      if (reason) found.add(at, fb?.name ?? target, lv.value, [`assigned to secret-like name (${reason})`]);
    }
    // Rule 3: the value itself looks like a secret.
    const vreason = lv.value === '' ? null : secretValueMatch(lv.value);
    if (vreason) {
      const loose = found.has(at) ? null : assignedName(f, true);
      found.add(at, loose?.name ?? 'literal', lv.value, [`secret-like value (${vreason})`]);
    }
  };

  // Iterative pre-order walk (deeply nested ASTs must not overflow the call stack).
  const stack: Frame[] = [{ n: parsed.program, p: null, k: '' }];
  while (stack.length > 0) {
    const f = stack.pop()!;
    const n = f.n;
    const t = n.type;
    if (LITERAL_TYPES.has(t)) {
      const lv = literalValue(n);
      if (lv) {
        visitLiteral(f, lv);
        continue; // a literal has no interesting children
      }
    }
    const keys = Object.keys(n);
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i]!;
      if (SKIP_KEYS.has(k)) continue;
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
