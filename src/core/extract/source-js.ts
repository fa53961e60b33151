/**
 * Finds configuration values hardcoded in JavaScript / TypeScript source (DESIGN.md "Inventory",
 * kind `hardcoded`): fallbacks for environment variables, literals assigned to secret-like names,
 * and literals whose value looks like a secret.
 *
 * Pure (no I/O). Uses oxc-parser so that comments, JSDoc and unrelated strings never count.
 * Files that cannot contain anything of interest are skipped by a cheap regex pre-filter
 * before parsing; everything after the parse is a single linear walk over the AST.
 */
import { lineLocator } from '../text/lines.js';
import { parseSync, visitorKeys } from 'oxc-parser';
import type { ParseResult, Problem, RawEntry } from './types.js';
import { SECRET_PREFILTER_KEYWORDS, secretNameMatch, secretValueMatch } from './secret-patterns.js';

// ---------------------------------------------------------------------------------------------
// Pre-filter (shared with source-python.ts)
// ---------------------------------------------------------------------------------------------

/**
 * The pre-filter decides whether a file is parsed at all, so it MUST stay a SUPERSET of what the
 * rules can match, or files are silently skipped. Each part comes from one place:
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
const NAME_KEYWORDS_RE = new RegExp(SECRET_PREFILTER_KEYWORDS.map(escapeRegExp).join('|'), 'gi');

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}

/** Longest identifier / segment examined around a keyword; anything longer counts as a hit. */
const MAX_RUN = 256;

function isIdentChar(c: number, dash: boolean): boolean {
  return (
    (c >= 97 && c <= 122) ||
    (c >= 65 && c <= 90) ||
    (c >= 48 && c <= 57) ||
    c === 95 ||
    c === 36 ||
    (dash && c === 45) ||
    c >= 0x80
  );
}
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
export function mayContainSecretName(text: string): boolean {
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

/** True when a JS/TS file may contain something `scanJsSource` reports; false means: skip the parse. */
export const jsMayContainConfig: (text: string) => boolean = buildPrefilter([
  'process.env',
  'process["env"]',
  "process['env']",
  'import.meta.env',
]);

// ---------------------------------------------------------------------------------------------
// Line numbers
// ---------------------------------------------------------------------------------------------


// ---------------------------------------------------------------------------------------------
// AST helpers (oxc produces an ESTree-compatible AST with UTF-16 `start`/`end` offsets)
// ---------------------------------------------------------------------------------------------

/** Loose view of an oxc AST node: we only read a handful of properties. */
interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A node plus how we reached it, so a literal can look at its parents. */
interface Frame {
  n: Node;
  p: Frame | null;
  /** The property of the parent under which `n` lives (e.g. "init", "right", "arguments"). */
  k: string;
}

function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

function child(n: Node, key: string): Node | null {
  const v = n[key];
  return isNode(v) ? v : null;
}

/** Type-only / grouping wrappers that do not change which value an expression has. */
const TRANSPARENT = new Set([
  'ParenthesizedExpression',
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'ChainExpression',
]);

function unwrap(n: Node | null): Node | null {
  let cur = n;
  for (let i = 0; cur && i < 32 && TRANSPARENT.has(cur.type); i++) cur = child(cur, 'expression');
  return cur;
}

/** The literal value of a node as a string (numbers/booleans stringified), or null when it isn't a literal. */
function literalValue(n: Node): { value: string; isString: boolean } | null {
  if (n.type === 'Literal') {
    const v = n.value;
    if (typeof v === 'string') return { value: v, isString: true };
    if (typeof v === 'number' || typeof v === 'boolean') return { value: String(v), isString: false };
    if (typeof v === 'bigint') return { value: v.toString(), isString: false };
    if (typeof n.bigint === 'string') return { value: n.bigint, isString: false };
    return null; // null, regex
  }
  if (n.type === 'TemplateLiteral') {
    const exprs = n.expressions as unknown[] | undefined;
    const quasis = n.quasis as Node[] | undefined;
    if (!exprs || exprs.length !== 0 || !quasis || quasis.length !== 1) return null;
    const v = quasis[0]!.value as { cooked?: string | null; raw?: string } | undefined;
    const s = v?.cooked ?? v?.raw;
    return typeof s === 'string' ? { value: s, isString: true } : null;
  }
  if (n.type === 'UnaryExpression' && (n.operator === '-' || n.operator === '+')) {
    const arg = unwrap(child(n, 'argument'));
    if (arg && arg.type === 'Literal' && typeof arg.value === 'number') {
      return { value: n.operator === '-' ? String(-arg.value) : String(arg.value), isString: false };
    }
  }
  return null;
}

/** Name of a non-computed key or a string-literal key (`password`, `'api-key'`, `#secret`). */
function keyName(key: Node | null, computed: unknown): string | null {
  if (!key) return null;
  if (!computed && key.type === 'Identifier') return key.name as string;
  if (!computed && key.type === 'PrivateIdentifier') return `#${key.name as string}`;
  if (!computed && key.type === 'JSXIdentifier') return key.name as string;
  const k = unwrap(key);
  if (k && (k.type === 'Literal' || k.type === 'TemplateLiteral')) {
    const lv = literalValue(k);
    if (lv && lv.isString) return lv.value;
  }
  return null;
}

/** The name an assignment target is written as: identifier, or the last property of a member chain. */
function targetName(t: Node | null): string | null {
  const n = unwrap(t);
  if (!n) return null;
  if (n.type === 'Identifier') return n.name as string;
  if (n.type === 'MemberExpression') return keyName(child(n, 'property'), n.computed);
  return null;
}

/** The last name of a callee: `Pool`, `pg.Pool` → `Pool`, `a.b.connect` → `connect`. */
function calleeName(c: Node | null): string | null {
  const n = unwrap(c);
  if (!n) return null;
  if (n.type === 'Identifier') return n.name as string;
  if (n.type === 'MemberExpression') return keyName(child(n, 'property'), n.computed);
  return null;
}

/** `process.env` / `process['env']` / `import.meta.env` → the prefix used in hints, else null. */
function envObject(n0: Node | null): string | null {
  const n = unwrap(n0);
  if (!n || n.type !== 'MemberExpression') return null;
  if (keyName(child(n, 'property'), n.computed) !== 'env') return null;
  const obj = unwrap(child(n, 'object'));
  if (!obj) return null;
  if (obj.type === 'Identifier' && obj.name === 'process') return 'process.env';
  if (obj.type === 'MetaProperty') {
    const meta = child(obj, 'meta');
    const prop = child(obj, 'property');
    if (meta?.name === 'import' && prop?.name === 'meta') return 'import.meta.env';
  }
  return null;
}

/** `process.env.X` / `process.env['X']` / `import.meta.env.X` → { name: X, hint prefix }, else null. */
function envAccess(n0: Node | null): { name: string; via: string } | null {
  const n = unwrap(n0);
  if (!n || n.type !== 'MemberExpression') return null;
  const via = envObject(child(n, 'object'));
  if (!via) return null;
  const name = keyName(child(n, 'property'), n.computed);
  return name ? { name, via } : null;
}

/** Conversions whose result is still "the env var": `Number(process.env.X) || 30`. */
const CONVERSIONS = new Set(['Number', 'parseInt', 'parseFloat', 'String', 'Boolean', 'BigInt']);

/** Env accesses in the left side of `a || b || 'v'` (all operands must be env accesses), else null. */
function envChain(n0: Node | null, depth = 0): { name: string; via: string }[] | null {
  const n = unwrap(n0);
  if (!n || depth > 16) return null;
  const direct = envAccess(n);
  if (direct) return [direct];
  if (n.type === 'LogicalExpression' && (n.operator === '||' || n.operator === '??')) {
    const l = envChain(child(n, 'left'), depth + 1);
    const r = l && envChain(child(n, 'right'), depth + 1);
    return l && r ? [...l, ...r] : null;
  }
  if (
    (n.type === 'CallExpression' || n.type === 'NewExpression') &&
    CONVERSIONS.has(calleeName(child(n, 'callee')) ?? '')
  ) {
    const args = n.arguments as Node[] | undefined;
    const first = args?.[0];
    if (first) return envChain(first, depth + 1);
  }
  return null;
}

function fallbackHints(envs: { name: string; via: string }[]): string[] {
  const out: string[] = [];
  for (const e of envs) {
    const h = `fallback for ${e.via}.${e.name}`;
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

/**
 * Rule 1: is the literal in frame `f` the fallback value of an environment variable?
 * Returns the variable name and hints, or null.
 */
function envFallback(f: Frame): { name: string; hints: string[] } | null {
  let cur = f;
  for (let i = 0; i < 8 && cur.p && TRANSPARENT.has(cur.p.n.type); i++) cur = cur.p;
  const p = cur.p;
  if (!p) return null;
  const pn = p.n;
  switch (pn.type) {
    case 'LogicalExpression': {
      if (cur.k !== 'right' || (pn.operator !== '||' && pn.operator !== '??')) return null;
      const envs = envChain(child(pn, 'left'));
      return envs ? { name: envs[0]!.name, hints: fallbackHints(envs) } : null;
    }
    case 'AssignmentExpression': {
      // process.env.X ||= 'v'
      if (cur.k !== 'right' || (pn.operator !== '||=' && pn.operator !== '??=')) return null;
      const e = envAccess(child(pn, 'left'));
      return e ? { name: e.name, hints: fallbackHints([e]) } : null;
    }
    case 'ConditionalExpression':
      return conditionalFallback(pn, cur.k);
    case 'AssignmentPattern': {
      // const { PORT = '8000', DB: db = 'x' } = process.env
      if (cur.k !== 'right') return null;
      const prop = p.p;
      if (!prop || prop.k !== 'properties' || prop.n.type !== 'Property' || p.k !== 'value') return null;
      const pattern = prop.p;
      if (!pattern || pattern.n.type !== 'ObjectPattern') return null;
      const holder = pattern.p;
      if (!holder) return null;
      let source: Node | null = null;
      if (holder.n.type === 'VariableDeclarator' && pattern.k === 'id') source = child(holder.n, 'init');
      else if (holder.n.type === 'AssignmentExpression' && pattern.k === 'left')
        source = child(holder.n, 'right');
      else if (holder.n.type === 'AssignmentPattern' && pattern.k === 'left')
        source = child(holder.n, 'right');
      const via = envObject(source);
      const name = via ? keyName(child(prop.n, 'key'), prop.n.computed) : null;
      return via && name ? { name, hints: [`destructuring default for ${via}.${name}`] } : null;
    }
    default:
      return null;
  }
}

/** `process.env.X ? process.env.X : 'v'`, `!process.env.X ? 'v' : …`, `process.env.X !== undefined ? … : 'v'`. */
function conditionalFallback(c: Node, key: string): { name: string; hints: string[] } | null {
  let test = unwrap(child(c, 'test'));
  let negated = false;
  if (test?.type === 'UnaryExpression' && test.operator === '!') {
    test = unwrap(child(test, 'argument'));
    negated = true;
  }
  let e = envAccess(test);
  if (!e && test?.type === 'BinaryExpression') {
    const op = test.operator as string;
    const l = envAccess(child(test, 'left'));
    const r = envAccess(child(test, 'right'));
    const other = unwrap(l ? child(test, 'right') : child(test, 'left'));
    const isMissing =
      other !== null &&
      ((other.type === 'Identifier' && other.name === 'undefined') ||
        (other.type === 'Literal' && (other.value === null || other.value === '')));
    if ((l || r) && isMissing && (op === '!==' || op === '!=' || op === '===' || op === '==')) {
      e = l ?? r;
      negated = op === '===' || op === '==';
    }
  }
  if (!e) return null;
  if (key !== (negated ? 'consequent' : 'alternate')) return null;
  return { name: e.name, hints: fallbackHints([e]) };
}

/**
 * The name a literal is assigned to (rules 2 and 3): variable, property key, assignment target,
 * class property, parameter default, JSX attribute, enum member. With `viaCall`, an argument of
 * a call resolves to the callee's last name. `loose` also walks up through arrays.
 */
function assignedName(f: Frame, loose: boolean): { name: string; viaCall: boolean } | null {
  let cur = f;
  for (let i = 0; i < 8 && cur.p; i++) {
    const t = cur.p.n.type;
    const k = cur.k;
    if (
      TRANSPARENT.has(t) ||
      t === 'JSXExpressionContainer' ||
      (t === 'ConditionalExpression' && k !== 'test') ||
      t === 'LogicalExpression' ||
      (loose && t === 'ArrayExpression')
    ) {
      cur = cur.p;
    } else break;
  }
  const p = cur.p;
  if (!p) return null;
  const pn = p.n;
  const k = cur.k;
  let name: string | null = null;
  switch (pn.type) {
    case 'VariableDeclarator':
      if (k === 'init') name = targetName(child(pn, 'id'));
      break;
    case 'Property':
    case 'PropertyDefinition':
    case 'AccessorProperty':
      if (k === 'value') name = keyName(child(pn, 'key'), pn.computed);
      break;
    case 'AssignmentExpression':
      if (k === 'right' && pn.operator === '=') name = targetName(child(pn, 'left'));
      break;
    case 'AssignmentPattern':
      if (k === 'right') {
        // `{ password: pw = 'x' }` → password (the key); `function f(token = 'x')` → token
        const prop = p.p;
        if (prop && p.k === 'value' && prop.n.type === 'Property') {
          const kn = keyName(child(prop.n, 'key'), prop.n.computed);
          const ln = targetName(child(pn, 'left'));
          name = kn && secretNameMatch(kn) ? kn : ln && secretNameMatch(ln) ? ln : (kn ?? ln);
        } else name = targetName(child(pn, 'left'));
      }
      break;
    case 'JSXAttribute':
      if (k === 'value') {
        const an = child(pn, 'name');
        name = an?.type === 'JSXIdentifier' ? (an.name as string) : null;
      }
      break;
    case 'TSEnumMember':
      if (k === 'initializer') name = keyName(child(pn, 'id'), false);
      break;
    case 'CallExpression':
    case 'NewExpression':
      if (k === 'arguments') {
        const cn = calleeName(child(pn, 'callee'));
        return cn ? { name: cn, viaCall: true } : null;
      }
      break;
    default:
      break;
  }
  return name ? { name, viaCall: false } : null;
}

// ---------------------------------------------------------------------------------------------
// Problems
// ---------------------------------------------------------------------------------------------

/** Keywords and contextual keywords: a parser may quote these, and they are never secret. */
const JS_KEYWORDS = new Set(
  (
    'abstract accessor any as asserts async await bigint boolean break case catch class const constructor ' +
    'continue debugger declare default delete do else enum export extends false finally for from function get ' +
    'global if implements import in infer instanceof interface is keyof let meta module namespace never new ' +
    'null number object of out override package private protected public readonly require return satisfies ' +
    'set static string super switch symbol target this throw true try type typeof undefined unique unknown ' +
    'using var void while with yield'
  ).split(' '),
);

/** Token kinds oxc names in messages (`Expected \`:\` but found \`Identifier\``). */
const TOKEN_KINDS =
  /^(?:EOF|Eof|Identifier|PrivateIdentifier|Str|String|Decimal|Float|Number|Hex|Octal|Binary|BigInt|RegExp|Template\w*|NoSubstitutionTemplate|JSX\w*)$/;

function safeFragment(inner: string): boolean {
  return /^[^\w\s]{1,4}$/.test(inner) || JS_KEYWORDS.has(inner) || TOKEN_KINDS.test(inner);
}

/**
 * A parser message without anything that could be source text: quoted fragments that are not
 * punctuators, keywords or token kinds become `…`, characters echoed by "Unexpected flag x"
 * and similar messages are dropped, an unbalanced quote cuts the message, and it is capped
 * in length. Only the first line is kept (oxc's code frame is never used).
 */
export function sanitizeParserMessage(msg: string): string {
  let m = msg.split(/\r?\n/, 1)[0] ?? '';
  m = m.replace(/(`|'|")([^`'"\r\n]*)\1/g, (whole: string, _q: string, inner: string) =>
    safeFragment(inner) ? whole : '…',
  );
  m = m.replace(/\b(flag|[Cc]haracter)\s+(?!in\b)\S+/g, '$1');
  const q = m.search(/[`'"]/);
  if (q >= 0) {
    // Only whole, safe fragments may remain quoted; anything else (unbalanced quote) is cut.
    const rest = m.slice(q).replace(/(`|'|")([^`'"]*)\1/g, '');
    if (/[`'"]/.test(rest)) m = m.slice(0, q).trimEnd();
  }
  return m.length > 120 ? `${m.slice(0, 117)}...` : m;
}

// ---------------------------------------------------------------------------------------------
// Nesting guard
// ---------------------------------------------------------------------------------------------

/*
 * oxc's native parser and serializer recurse on the AST and crash the whole process (SIGSEGV, not
 * a catchable error) on very deep nesting. Measured on x64 Linux inside a worker thread (4 MB
 * stack; the main thread's 8 MB stack takes about twice as much), the first crashing repetition
 * counts are: `${`${…}`}` ~2,050, `A<A<…>>` ~2,200, `((…))` ~3,000, `{{…}}`, `if (a) if (a) …`,
 * `} else if (a) {` and `l1: l2: …` ~3,350, `a ? b : …`, `a => a => …` and `a = a = …` ~4,300,
 * `<a><a>…` ~7,700, `new new …` ~8,850, `!!…` and `typeof typeof …` ~14,700, `1 + 1 + …` ~33,000.
 *
 * So before parsing, a light lexer estimates the stack the parse would need, in units where each
 * of those crashes costs about 30,000: every open level costs its weight, and every operator or
 * keyword costs its weight until a separator at its level (`;`, `,`, or a line break that does
 * not continue an expression). Files estimated above MAX_NESTING_ESTIMATE (2.5x below a crash in a
 * worker thread) are not parsed; real code stays far below it (node_modules, bundles included:
 * see the test).
 */

/** Estimated stack units above which a file is not handed to the native parser. */
export const MAX_NESTING_ESTIMATE = 12_000;

const LEVEL_BRACKET = 0;
const LEVEL_TEMPLATE = 1;
/** `A<B>` generic arguments (closed by `>`, or dropped at `;` and at an enclosing closer). */
const LEVEL_ANGLE = 2;
/** Inside a JSX tag `<div a="b">`. */
const LEVEL_JSX_TAG = 3;
/** JSX children (text mode until `<` or `{`). */
const LEVEL_JSX_CHILDREN = 4;
const LEVEL_WEIGHT = [10, 15, 14, 4, 4];

/** Keyword weights: statements and prefixes that nest what follows them. */
const KEYWORD_WEIGHT = new Map<string, number>([
  ...['if', 'else', 'while', 'for', 'do', 'with'].map((k) => [k, 9] as const),
  ...['new'].map((k) => [k, 4] as const),
  ...['typeof', 'void', 'delete', 'await', 'yield', 'return', 'throw', 'case'].map((k) => [k, 2] as const),
  ...['extends', 'keyof', 'infer', 'readonly', 'async', 'unique', 'asserts'].map((k) => [k, 2] as const),
  ...['in', 'instanceof', 'of', 'as', 'satisfies', 'is'].map((k) => [k, 1] as const),
]);
/** Words that continue the previous line's expression or statement (so a line break before them is no separator). */
const CONTINUATION_WORDS = new Set([
  'else',
  'catch',
  'finally',
  'in',
  'instanceof',
  'of',
  'as',
  'satisfies',
  'extends',
  'implements',
]);

const OPERATOR_CHARS = new Set([...'+-*/%&|^!~<>=?:'].map((c) => c.charCodeAt(0)));
const COMPARISONS = new Set(['==', '===', '!=', '!==', '<=', '>=']);

function operatorWeight(op: string): number {
  let w = 1;
  if (op === ':') w = 9;
  else if (op === '=>' || (op.endsWith('=') && !COMPARISONS.has(op))) w = 7;
  let bangs = 0;
  for (let k = 0; k < op.length; k++) if (op[k] === '!' || op[k] === '~') bangs++;
  return Math.max(w, 2 * bangs);
}

function isIdentStart(c: number): boolean {
  return isIdentChar(c, false) && !(c >= 48 && c <= 57);
}

/**
 * Estimates, in linear time, the native stack a parse of `text` needs (see above). `jsx`: the
 * file may contain JSX. Returns early once the estimate exceeds `limit`.
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

// ---------------------------------------------------------------------------------------------
// Scanner
// ---------------------------------------------------------------------------------------------

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
    // The first error in the file (oxc does not promise to report them in source order).
    const startOf = (e: { labels: { start: number }[] }): number => e.labels[0]?.start ?? 0;
    const first = errors.reduce((a, b) => (startOf(b) < startOf(a) ? b : a));
    const at = startOf(first);
    const line = lineOf(Math.max(0, Math.min(at, text.length)));
    const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
    problems.push({
      file,
      line,
      message: `syntax error: ${sanitizeParserMessage(first.message)}${more}`,
      severity: 'error',
    });
  }

  /** Entries by literal start offset, so rules 1–3 merge instead of duplicating. */
  const byOffset = new Map<number, RawEntry>();
  const add = (lit: Node, name: string, value: string, hints: string[]): void => {
    const existing = byOffset.get(lit.start);
    if (existing) {
      for (const h of hints) if (!existing.hints!.includes(h)) existing.hints!.push(h);
      return;
    }
    const e: RawEntry = {
      name,
      kind: 'hardcoded',
      source: { file, line: lineOf(lit.start) },
      value,
      hints: [...hints],
    };
    byOffset.set(lit.start, e);
  };

  const visitLiteral = (f: Frame, lv: { value: string; isString: boolean }): void => {
    const lit = f.n;
    // Rule 1: environment variable fallbacks (any literal).
    const fb = envFallback(f);
    if (fb) add(lit, fb.name, lv.value, fb.hints);
    if (!lv.isString) return;
    // Rule 2: string assigned to a secret-like name.
    if (lv.value !== '') {
      const an = assignedName(f, false);
      if (an && !an.viaCall) {
        const reason = secretNameMatch(an.name);
        if (reason) {
          if (fb) add(lit, fb.name, lv.value, [`assigned to secret-like name (${reason})`]);
          else add(lit, an.name, lv.value, [`assigned to secret-like name (${reason})`]);
        }
      }
    }
    // Rule 3: the value itself looks like a secret.
    const vreason = lv.value === '' ? null : secretValueMatch(lv.value);
    if (vreason) {
      const an = byOffset.has(lit.start) ? null : assignedName(f, true);
      add(lit, an?.name ?? 'literal', lv.value, [`secret-like value (${vreason})`]);
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

  // Source order (the walk is pre-order, but e.g. computed keys can be visited out of order).
  const ordered = [...byOffset.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e);
  return { entries: ordered, problems };
}
