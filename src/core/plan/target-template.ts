/**
 * Target templates: `ai.providers.{provider|lower}.apiKey`. A placeholder names a group of the
 * mapping's `match` or a built-in (`{name}`: the input's name; `{file}`: its source file's name
 * without folder and extension), optionally through one transform.
 */
import { splitPath } from './target.js';

export const TRANSFORMS = ['lower', 'upper', 'kebab', 'camel', 'snake'] as const;
export const BUILT_IN_PLACEHOLDERS = ['name', 'file'] as const;

const PLACEHOLDER = /\{([A-Za-z_$][\w$]*)(?:\|([a-z]+))?\}/g;

export interface Placeholder {
  name: string;
  transform?: string;
}

/** The placeholders a template uses, for the loader to check against the regex's groups. */
export function placeholdersOf(template: string): Placeholder[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => ({
    name: m[1]!,
    ...(m[2] !== undefined ? { transform: m[2] } : {}),
  }));
}

/** Named groups of a regular expression's source: `(?<provider>…)`. */
export function namedGroupsOf(pattern: string): string[] {
  return [...pattern.matchAll(/\(\?<([A-Za-z_$][\w$]*)>/g)].map((m) => m[1]!);
}

function words(s: string): string[] {
  return s
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w.toLowerCase());
}

export function applyTransform(value: string, transform: string | undefined): string {
  switch (transform) {
    case undefined:
      return value;
    case 'lower':
      return value.toLowerCase();
    case 'upper':
      return value.toUpperCase();
    case 'kebab':
      return words(value).join('-');
    case 'snake':
      return words(value).join('_');
    case 'camel':
      return words(value)
        .map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1)))
        .join('');
    default:
      // The loader refuses unknown transforms; this keeps the engine total.
      return value;
  }
}

/** The target for one input, or a reason it cannot be built (an empty segment, a bad path). */
export function renderTarget(
  template: string,
  values: Record<string, string | undefined>,
): { ok: true; target: string } | { ok: false; reason: string } {
  let missing: string | undefined;
  const target = template.replace(PLACEHOLDER, (_all, name: string, transform: string | undefined) => {
    const v = Object.hasOwn(values, name) ? values[name] : undefined;
    if (v === undefined) missing ??= name;
    return applyTransform(v ?? '', transform);
  });
  if (missing !== undefined) return { ok: false, reason: `the group {${missing}} did not match` };
  try {
    const segments = splitPath(target);
    if (segments.some((s) => s.trim() === ''))
      return { ok: false, reason: 'the target has an empty segment' };
  } catch {
    return { ok: false, reason: 'the target is not a dotted key' };
  }
  if (/^\.|\.\.|\.$/.test(target)) return { ok: false, reason: 'the target has an empty segment' };
  return { ok: true, target };
}
