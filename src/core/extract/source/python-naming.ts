/**
 * How a Python literal gets its name for rules 2 and 3: from what it is assigned to, or, for a
 * call argument, from the callee.
 */
import { isName, isOp, K, type Tok } from './python-tokens.js';

/**
 * The name a literal at index `i` is assigned to: `NAME = lit`, `obj.attr = lit`,
 * `name: Type = lit`, keyword argument / parameter default `f(name=lit)`, `x[‘key’] = lit`,
 * dict entry `{'key': lit}`, walrus `(name := lit)`. Null when there is none.
 */
export function assignedName(toks: Tok[], i: number): string | null {
  const prev = toks[i - 1];
  if (!prev || prev.k !== K.Op) return null;
  if (prev.v === '=' || prev.v === ':=') {
    const t = toks[i - 2];
    if (!t) return null;
    // x['password'] = lit
    if (isOp(t, ']') && toks[i - 3]?.k === K.String && isOp(toks[i - 4], '[') && toks[i - 3]!.v)
      return toks[i - 3]!.v;
    // name: Annotation = lit / self.name: Annotation = lit / def f(name: Annotation = lit)
    const annotated = annotatedName(toks, i - 2);
    if (annotated) return annotated;
    return isName(t) ? t.v : null;
  }
  if (prev.v === ':') {
    // {'password': lit} — a string key inside braces.
    const key = toks[i - 2];
    if (key?.k === K.String && key.v !== null && prev.encl >= 0 && toks[prev.encl]!.v === '{') return key.v;
  }
  return null;
}

/**
 * `name: Annotation` ending at token `last` (inclusive), where `name` starts a statement or a
 * parameter: returns `name`. Bounded backwards scan within the statement / argument.
 */
function annotatedName(toks: Tok[], last: number): string | null {
  let depth = 0;
  for (let j = last, guard = 0; j >= 1 && guard < 48; j--, guard++) {
    const u = toks[j]!;
    if (u.k === K.Newline) return null;
    if (u.k !== K.Op) continue;
    if (u.v === ')' || u.v === ']' || u.v === '}') depth++;
    else if (u.v === '(' || u.v === '[' || u.v === '{') {
      if (depth === 0) return null;
      depth--;
    } else if (depth === 0 && (u.v === ',' || u.v === ';' || u.v === '=' || u.v === ':=')) return null;
    else if (depth === 0 && u.v === ':') {
      const nm = toks[j - 1];
      const before = toks[j - 2];
      const starts =
        before === undefined ||
        before.k === K.Newline ||
        isOp(before, ';') ||
        isOp(before, '(') ||
        isOp(before, ',') ||
        isOp(before, '.') ||
        isOp(before, '*') ||
        isOp(before, '**');
      return isName(nm) && starts ? nm.v : null;
    }
  }
  return null;
}

/** For a literal inside `callee(...)` (positional argument), the callee's name. */
export function calleeOf(toks: Tok[], i: number): string | null {
  const open = toks[i]!.encl;
  if (open < 0 || toks[open]!.v !== '(') return null;
  const callee = toks[open - 1];
  return isName(callee) ? callee.v : null;
}

/** Calls whose result is still the value they convert: `int(os.getenv('PORT', '80'))`. */
const CONVERSIONS = new Set(['int', 'str', 'float', 'bool', 'Path']);

/**
 * The name the expression starting at token `start` is assigned to, looking through conversions:
 * `password = os.getenv('PGPASS', 'x')` and `{'password': str(os.environ.get('P', 'x'))}` → password.
 */
export function expressionTarget(toks: Tok[], start: number): string | null {
  let s = start;
  for (let guard = 0; guard < 4; guard++) {
    const callee = toks[s - 2];
    if (!isOp(toks[s - 1], '(') || !isName(callee) || !CONVERSIONS.has(callee.v) || isOp(toks[s - 3], '.'))
      break;
    s -= 2;
  }
  return assignedName(toks, s);
}
