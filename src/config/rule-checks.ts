/**
 * What rules.schema.json cannot say about a rule file, checked after it: a mapping has exactly
 * one of `from` and `match`, its regex compiles, every `{placeholder}` in its targets is a
 * named group of the regex (or `{name}` / `{file}`) with a known transform, a split has parts,
 * and a default fits the mapping's type (converted here, so `default: 30s` is 30000).
 */
import { convertValue } from '../core/plan/convert.js';
import type { IgnoreItem, Rule, RuleMapping, UrlPart, ValueType } from '../core/plan/rule-model.js';
import {
  BUILT_IN_PLACEHOLDERS,
  TRANSFORMS,
  namedGroupsOf,
  placeholdersOf,
} from '../core/plan/target-template.js';
import type { Json } from '../core/store/canonical.js';

export interface RawRule {
  name: string;
  description?: string;
  appliesTo: string | string[];
  map?: Omit<RuleMapping, 'line'>[];
  ignore?: (string | { match: string })[];
}

export type Checked = { ok: true; rule: Rule } | { ok: false; line: number; field: string; message: string };

class RuleError extends Error {
  constructor(
    readonly pointer: string,
    message: string,
  ) {
    super(message);
  }
}

export function checkRule(raw: RawRule, file: string, lineOf: (pointer: string) => number): Checked {
  try {
    const map = (raw.map ?? []).map((m, i) => checkMapping(m, `/map/${i}`, lineOf(`/map/${i}`)));
    const ignore = (raw.ignore ?? []).map((item, i): IgnoreItem => {
      const line = lineOf(`/ignore/${i}`);
      if (typeof item === 'string') return { name: item, line };
      compile(item.match, `/ignore/${i}/match`);
      return { match: item.match, line };
    });
    if (map.length === 0 && ignore.length === 0) {
      throw new RuleError('', 'a rule needs at least one mapping (map) or ignored name (ignore)');
    }
    const rule: Rule = {
      name: raw.name,
      ...(raw.description !== undefined ? { description: raw.description } : {}),
      appliesTo: typeof raw.appliesTo === 'string' ? [raw.appliesTo] : raw.appliesTo,
      map,
      ignore,
      file,
    };
    return { ok: true, rule };
  } catch (err) {
    if (!(err instanceof RuleError)) throw err;
    const field = err.pointer.slice(1).replaceAll('/', '.') || '(top level)';
    return { ok: false, line: lineOf(err.pointer), field, message: err.message };
  }
}

function compile(pattern: string, pointer: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch {
    // The engine's message quotes the pattern; the pattern is in the file, at the line we give.
    throw new RuleError(pointer, 'is not a valid regular expression');
  }
}

function checkMapping(m: Omit<RuleMapping, 'line'>, at: string, line: number): RuleMapping {
  if ((m.from === undefined) === (m.match === undefined)) {
    throw new RuleError(at, 'a mapping needs exactly one of `from` (a name) and `match` (a regex)');
  }
  const groups = m.match !== undefined ? namedGroupsOf(m.match) : [];
  if (m.match !== undefined) compile(m.match, `${at}/match`);
  if (m.to === undefined && m.split === undefined) {
    throw new RuleError(at, 'a mapping needs `to` (or `split: url` with `parts`)');
  }
  if ((m.split === undefined) !== (m.parts === undefined)) {
    throw new RuleError(at, '`split: url` and `parts` go together');
  }
  const targets: [string, string][] = [
    ...(m.to !== undefined ? [[`${at}/to`, m.to] as [string, string]] : []),
    ...Object.entries(m.parts ?? {}).map(([part, t]): [string, string] => [`${at}/parts/${part}`, t]),
  ];
  for (const [pointer, template] of targets) checkTemplate(template, pointer, groups);
  if (m.default !== undefined) {
    if (m.as === 'credential') {
      throw new RuleError(`${at}/default`, 'a credential cannot have a default (rule files are not secret)');
    }
    if (m.default === null) throw new RuleError(`${at}/default`, 'a default cannot be null');
  }
  const parts = m.parts as Partial<Record<UrlPart, string>> | undefined;
  return {
    ...m,
    ...(m.default !== undefined ? { default: checkDefault(m.default, m.type ?? 'string', at) } : {}),
    ...(parts ? { parts } : {}),
    line,
  };
}

function checkTemplate(template: string, pointer: string, groups: string[]): void {
  for (const p of placeholdersOf(template)) {
    if (!groups.includes(p.name) && !(BUILT_IN_PLACEHOLDERS as readonly string[]).includes(p.name)) {
      const known = groups.length > 0 ? `the groups of \`match\` (${groups.join(', ')})` : 'no groups';
      throw new RuleError(pointer, `{${p.name}} is not a named group: there are ${known}, {name} and {file}`);
    }
    if (p.transform !== undefined && !(TRANSFORMS as readonly string[]).includes(p.transform)) {
      throw new RuleError(pointer, `unknown transform |${p.transform} (${TRANSFORMS.join(', ')})`);
    }
  }
  const stray = template.replace(/\{[A-Za-z_$][\w$]*(\|[a-z]+)?\}/g, '');
  if (/[{}]/.test(stray)) throw new RuleError(pointer, 'has a `{` or `}` that is not a {placeholder}');
}

/** A default written as text converts like an input would; one written typed must have that type. */
function checkDefault(value: Json, type: ValueType, at: string): Json {
  const pointer = `${at}/default`;
  if (typeof value === 'string') {
    const converted = convertValue(type, value);
    if (!converted.ok) throw new RuleError(pointer, `${converted.reason}: ${JSON.stringify(value)}`);
    return converted.value;
  }
  const fits =
    type === 'json' ||
    (type === 'integer' && Number.isSafeInteger(value)) ||
    ((type === 'number' || type === 'duration') && typeof value === 'number' && Number.isFinite(value)) ||
    (type === 'boolean' && typeof value === 'boolean') ||
    (type === 'list' && Array.isArray(value));
  if (!fits) throw new RuleError(pointer, `must be a ${type} (the mapping's type)`);
  return value;
}
