/**
 * Rule 1 for JS/TS: literals that are the fallback of an environment variable
 * (`process.env.X || 'v'`, `?? 'v'`, `||= 'v'`, conditionals, destructuring defaults).
 */
import {
  child,
  isCall,
  isMember,
  keyName,
  lastName,
  TRANSPARENT,
  unwrap,
  type Frame,
  type Node,
} from './js-ast.js';

interface EnvAccess {
  name: string;
  /** The accessor as written in hints: `process.env` or `import.meta.env`. */
  via: string;
}

export interface EnvFallback {
  name: string;
  hints: string[];
}

/** `process.env` / `process['env']` / `import.meta.env` → the prefix used in hints, else null. */
function envObject(n0: Node | null): string | null {
  const n = unwrap(n0);
  if (!isMember(n)) return null;
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

/** `process.env.X` / `process.env['X']` / `import.meta.env.X` → { name: X, via }, else null. */
function envAccess(n0: Node | null): EnvAccess | null {
  const n = unwrap(n0);
  if (!isMember(n)) return null;
  const via = envObject(child(n, 'object'));
  if (!via) return null;
  const name = keyName(child(n, 'property'), n.computed);
  return name ? { name, via } : null;
}

/** Conversions whose result is still "the env var": `Number(process.env.X) || 30`. */
const CONVERSIONS = new Set(['Number', 'parseInt', 'parseFloat', 'String', 'Boolean', 'BigInt']);

/** Env accesses in the left side of `a || b || 'v'` (all operands must be env accesses), else null. */
function envChain(n0: Node | null, depth = 0): EnvAccess[] | null {
  const n = unwrap(n0);
  if (!n || depth > 16) return null;
  const direct = envAccess(n);
  if (direct) return [direct];
  if (n.type === 'LogicalExpression' && (n.operator === '||' || n.operator === '??')) {
    const l = envChain(child(n, 'left'), depth + 1);
    const r = l && envChain(child(n, 'right'), depth + 1);
    return l && r ? [...l, ...r] : null;
  }
  if (isCall(n) && CONVERSIONS.has(lastName(child(n, 'callee')) ?? '')) {
    const args = n.arguments as Node[] | undefined;
    const first = args?.[0];
    if (first) return envChain(first, depth + 1);
  }
  return null;
}

function fallbackHints(envs: EnvAccess[]): string[] {
  const out: string[] = [];
  for (const e of envs) {
    const h = `fallback for ${e.via}.${e.name}`;
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

/** Is the literal in frame `f` the fallback value of an environment variable? */
export function envFallback(f: Frame): EnvFallback | null {
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
    case 'AssignmentPattern':
      return cur.k === 'right' ? destructuringDefault(p) : null;
    default:
      return null;
  }
}

/** `const { PORT = '8000', DB: db = 'x' } = process.env` (also in assignments and parameters). */
function destructuringDefault(p: Frame): EnvFallback | null {
  const prop = p.p;
  if (!prop || prop.k !== 'properties' || prop.n.type !== 'ObjectProperty' || p.k !== 'value') return null;
  const pattern = prop.p;
  if (!pattern || pattern.n.type !== 'ObjectPattern') return null;
  const holder = pattern.p;
  if (!holder) return null;
  let source: Node | null = null;
  if (holder.n.type === 'VariableDeclarator' && pattern.k === 'id') source = child(holder.n, 'init');
  else if (holder.n.type === 'AssignmentExpression' && pattern.k === 'left')
    source = child(holder.n, 'right');
  else if (holder.n.type === 'AssignmentPattern' && pattern.k === 'left') source = child(holder.n, 'right');
  const via = envObject(source);
  const name = via ? keyName(child(prop.n, 'key'), prop.n.computed) : null;
  return via && name ? { name, hints: [`destructuring default for ${via}.${name}`] } : null;
}

/** `process.env.X ? process.env.X : 'v'`, `!process.env.X ? 'v' : …`, `process.env.X !== undefined ? … : 'v'`. */
function conditionalFallback(c: Node, key: string): EnvFallback | null {
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
        other.type === 'NullLiteral' ||
        (other.type === 'StringLiteral' && other.value === ''));
    if ((l || r) && isMissing && (op === '!==' || op === '!=' || op === '===' || op === '==')) {
      e = l ?? r;
      negated = op === '===' || op === '==';
    }
  }
  if (!e) return null;
  if (key !== (negated ? 'consequent' : 'alternate')) return null;
  return { name: e.name, hints: fallbackHints([e]) };
}
