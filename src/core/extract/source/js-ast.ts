/**
 * A loose view of @babel/parser's own AST (UTF-16 `start`/`end` offsets): the scanner reads a
 * handful of properties, so it types only those and checks the rest at run time.
 *
 * Babel's AST, not its ESTree output: the `estree` plugin makes the parse about 2.5 times slower.
 * Where the two differ, the rules read babel's shapes: StringLiteral / NumericLiteral /
 * BooleanLiteral / BigIntLiteral / NullLiteral (ESTree: Literal), ObjectProperty (Property),
 * ClassProperty / ClassPrivateProperty / ClassAccessorProperty (PropertyDefinition /
 * AccessorProperty), PrivateName `{ id }` (PrivateIdentifier), OptionalMemberExpression /
 * OptionalCallExpression (MemberExpression / CallExpression inside a ChainExpression), and
 * directives (`'use strict'`) as Directive → DirectiveLiteral.
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

/** `a.b`, `a[b]` and `a?.b` (babel has no ChainExpression: the optional links have their own type). */
export function isMember(n: Node | null): n is Node {
  return n !== null && (n.type === 'MemberExpression' || n.type === 'OptionalMemberExpression');
}

/** `f(…)`, `f?.(…)`, `a?.f(…)` and `new F(…)`. */
export function isCall(n: Node | null): n is Node {
  return (
    n !== null &&
    (n.type === 'CallExpression' || n.type === 'OptionalCallExpression' || n.type === 'NewExpression')
  );
}

/** Type-only / grouping wrappers that do not change which value an expression has. */
export const TRANSPARENT = new Set([
  'ParenthesizedExpression',
  'TSAsExpression',
  'TSSatisfiesExpression',
  'TSNonNullExpression',
  'TSTypeAssertion',
]);

export function unwrap(n: Node | null): Node | null {
  let cur = n;
  for (let i = 0; cur && i < 32 && TRANSPARENT.has(cur.type); i++) cur = child(cur, 'expression');
  return cur;
}

/** Node types `literalValue` may return a value for (the walk looks at these only). */
export const LITERAL_TYPES = new Set([
  'StringLiteral',
  'DirectiveLiteral',
  'NumericLiteral',
  'BooleanLiteral',
  'BigIntLiteral',
  'TemplateLiteral',
  'UnaryExpression',
]);

/** The literal value of a node, or null when it isn't a literal (or is `null` or a regex). */
export function literalValue(n: Node): LiteralValue | null {
  const v = n.value;
  switch (n.type) {
    case 'StringLiteral':
    case 'DirectiveLiteral':
      return typeof v === 'string' ? { value: v, isString: true } : null;
    case 'NumericLiteral':
    case 'BooleanLiteral':
    case 'BigIntLiteral': // value: the digits, as a string
      return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string'
        ? { value: String(v), isString: false }
        : null;
    case 'TemplateLiteral': {
      const exprs = n.expressions as unknown[] | undefined;
      const quasis = n.quasis as Node[] | undefined;
      if (!exprs || exprs.length !== 0 || !quasis || quasis.length !== 1) return null;
      const tv = quasis[0]!.value as { cooked?: string | null; raw?: string } | undefined;
      const s = tv?.cooked ?? tv?.raw;
      return typeof s === 'string' ? { value: s, isString: true } : null;
    }
    case 'UnaryExpression': {
      if (n.operator !== '-' && n.operator !== '+') return null;
      const arg = unwrap(child(n, 'argument'));
      if (arg && arg.type === 'NumericLiteral' && typeof arg.value === 'number') {
        return { value: n.operator === '-' ? String(-arg.value) : String(arg.value), isString: false };
      }
      return null;
    }
    default:
      return null;
  }
}

/** Name of a non-computed key or a string-literal key (`password`, `'api-key'`, `#secret`). */
export function keyName(key: Node | null, computed: unknown): string | null {
  if (!key) return null;
  if (!computed && key.type === 'Identifier') return key.name as string;
  if (key.type === 'PrivateName') {
    const id = child(key, 'id');
    return id && typeof id.name === 'string' ? `#${id.name}` : null;
  }
  if (!computed && key.type === 'JSXIdentifier') return key.name as string;
  const k = unwrap(key);
  if (k && (k.type === 'StringLiteral' || k.type === 'TemplateLiteral')) {
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
  if (isMember(n)) return keyName(child(n, 'property'), n.computed);
  return null;
}
