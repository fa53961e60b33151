/**
 * The stack-cost model behind the nesting guard (nesting-guard.ts).
 *
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

export const LEVEL_BRACKET = 0;
export const LEVEL_TEMPLATE = 1;
/** `A<B>` generic arguments (closed by `>`, or dropped at `;` and at an enclosing closer). */
export const LEVEL_ANGLE = 2;
/** Inside a JSX tag `<div a="b">`. */
export const LEVEL_JSX_TAG = 3;
/** JSX children (text mode until `<` or `{`). */
export const LEVEL_JSX_CHILDREN = 4;
/** The cost of one open level of each kind above. */
export const LEVEL_WEIGHT = [10, 15, 14, 4, 4];

/** Keyword weights: statements and prefixes that nest what follows them. */
export const KEYWORD_WEIGHT = new Map<string, number>([
  ...['if', 'else', 'while', 'for', 'do', 'with'].map((k) => [k, 9] as const),
  ...['new'].map((k) => [k, 4] as const),
  ...['typeof', 'void', 'delete', 'await', 'yield', 'return', 'throw', 'case'].map((k) => [k, 2] as const),
  ...['extends', 'keyof', 'infer', 'readonly', 'async', 'unique', 'asserts'].map((k) => [k, 2] as const),
  ...['in', 'instanceof', 'of', 'as', 'satisfies', 'is'].map((k) => [k, 1] as const),
]);

/** Words that continue the previous line's expression or statement (so a line break before them is no separator). */
export const CONTINUATION_WORDS = new Set(
  'else catch finally in instanceof of as satisfies extends implements'.split(' '),
);

export const OPERATOR_CHARS = new Set([...'+-*/%&|^!~<>=?:'].map((c) => c.charCodeAt(0)));
const COMPARISONS = new Set(['==', '===', '!=', '!==', '<=', '>=']);

/** The cost of an operator run such as `=`, `=>`, `?`, `!!`. */
export function operatorWeight(op: string): number {
  let w = 1;
  if (op === ':') w = 9;
  else if (op === '=>' || (op.endsWith('=') && !COMPARISONS.has(op))) w = 7;
  let bangs = 0;
  for (let k = 0; k < op.length; k++) if (op[k] === '!' || op[k] === '~') bangs++;
  return Math.max(w, 2 * bangs);
}
