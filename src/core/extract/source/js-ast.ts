/**
 * A loose view of oxc's AST (ESTree-compatible, UTF-16 `start`/`end` offsets): the scanner reads a
 * handful of properties, so it types only those and checks the rest at run time.
 */

export interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A node plus how the walk reached it, so a literal can look at its parents. */
export interface Frame {
  n: Node;
  p: Frame | null;
  /** The property of the parent under which `n` lives (e.g. "init", "right", "arguments"). */
  k: string;
}

/** A literal's value as a string (numbers and booleans stringified). */
export interface LiteralValue {
  value: string;
  isString: boolean;
}

export function isNode(v: unknown): v is Node {
  return typeof v === 'object' && v !== null && typeof (v as { type?: unknown }).type === 'string';
}

export function child(n: Node, key: string): Node | null {
  const v = n[key];
  return isNode(v) ? v : null;
}

/** Type-only / grouping wrappers that do not change which value an expression has. */
export const TRANSPARENT = new Set([
  'ParenthesizedExpression',
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
  'ChainExpression',
]);

export function unwrap(n: Node | null): Node | null {
  let cur = n;
  for (let i = 0; cur && i < 32 && TRANSPARENT.has(cur.type); i++) cur = child(cur, 'expression');
  return cur;
}

/** The literal value of a node, or null when it isn't a literal (or is `null` or a regex). */
export function literalValue(n: Node): LiteralValue | null {
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
export function keyName(key: Node | null, computed: unknown): string | null {
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

/**
 * The name an expression is written as: an identifier, or the last property of a member chain
 * (assignment targets `cfg.db.password`; callees `pg.Pool` → `Pool`).
 */
export function lastName(e: Node | null): string | null {
  const n = unwrap(e);
  if (!n) return null;
  if (n.type === 'Identifier') return n.name as string;
  if (n.type === 'MemberExpression') return keyName(child(n, 'property'), n.computed);
  return null;
}
