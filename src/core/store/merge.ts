/**
 * The environment hierarchy: `global` → `production` …, the effective configuration being
 * the deep merge along the chain. Pure so the rules are table-tested without a store.
 */
import { badInput } from '../../errors.js';
import type { Json } from './canonical.js';

function isObject(v: unknown): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Objects merge key by key; arrays and scalars in `override` replace. An explicit `null`
 * replaces too, so an environment can blank a value it inherits.
 */
export function deepMerge(base: Json, override: Json): Json {
  if (!isObject(base) || !isObject(override)) return override;
  const out: { [key: string]: Json } = { ...base };
  for (const [k, v] of Object.entries(override)) {
    // hasOwn and defineProperty, not `in` and `=`: a key named "__proto__" (valid JSON) must
    // stay a plain key, not reach Object.prototype or replace the result's prototype.
    const merged = Object.hasOwn(base, k) ? deepMerge(base[k]!, v) : v;
    Object.defineProperty(out, k, { value: merged, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export interface EnvironmentDef {
  name: string;
  /** Ordered parents; their chains come first, nearer parents later. */
  inherits: string[];
}

/**
 * The environments whose configurations make up `name`, farthest ancestor first and `name`
 * last. With several parents each is expanded in order and an environment reached twice
 * (a diamond) keeps its first place, so it is merged once.
 */
export function effectiveChain(environments: EnvironmentDef[], name: string): string[] {
  const byName = new Map(environments.map((e) => [e.name, e]));
  const chain: string[] = [];
  const visit = (env: string, path: string[]): void => {
    if (path.includes(env)) {
      throw badInput(`environment inheritance cycle: ${[...path.slice(path.indexOf(env)), env].join(' → ')}`);
    }
    const def = byName.get(env);
    if (!def) {
      throw path.length === 0
        ? badInput(`unknown environment "${env}"`)
        : badInput(`environment "${path.at(-1)}" inherits from unknown environment "${env}"`);
    }
    for (const parent of def.inherits) visit(parent, [...path, env]);
    if (!chain.includes(env)) chain.push(env);
  };
  visit(name, []);
  return chain;
}
