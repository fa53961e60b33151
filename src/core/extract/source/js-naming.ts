/**
 * How a JS/TS literal gets its name for rules 2 and 3: from what it is assigned to, since the
 * literal itself has none (`password: 'x'` is the entry `password`).
 */
import { secretNameMatch } from '../secret-patterns.js';
import { child, keyName, lastName, TRANSPARENT, type Frame } from './js-ast.js';

export interface AssignedName {
  name: string;
  /** The literal is a call argument and `name` is the callee's (`new Pool('…')` → `Pool`). */
  viaCall: boolean;
}

/**
 * The name a literal is assigned to: variable, property key, assignment target, class property,
 * parameter default, JSX attribute, enum member. An argument of a call resolves to the callee's
 * last name (`viaCall`). `loose` also walks up through arrays (`urls = ['…']` → `urls`).
 */
export function assignedName(f: Frame, loose: boolean): AssignedName | null {
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
      if (k === 'init') name = lastName(child(pn, 'id'));
      break;
    case 'ObjectProperty':
    case 'ClassProperty':
    case 'ClassPrivateProperty':
    case 'ClassAccessorProperty':
      if (k === 'value') name = keyName(child(pn, 'key'), pn.computed);
      break;
    case 'AssignmentExpression':
      if (k === 'right' && pn.operator === '=') name = lastName(child(pn, 'left'));
      break;
    case 'AssignmentPattern':
      if (k === 'right') {
        // `{ password: pw = 'x' }` → password (the key); `function f(token = 'x')` → token
        const prop = p.p;
        if (prop && p.k === 'value' && prop.n.type === 'ObjectProperty') {
          const kn = keyName(child(prop.n, 'key'), prop.n.computed);
          const ln = lastName(child(pn, 'left'));
          name = kn && secretNameMatch(kn) ? kn : ln && secretNameMatch(ln) ? ln : (kn ?? ln);
        } else name = lastName(child(pn, 'left'));
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
    case 'OptionalCallExpression':
    case 'NewExpression':
      if (k === 'arguments') {
        const cn = lastName(child(pn, 'callee'));
        return cn ? { name: cn, viaCall: true } : null;
      }
      break;
    default:
      break;
  }
  return name ? { name, viaCall: false } : null;
}
