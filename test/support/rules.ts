/** Building rules and inputs for rule-engine tests: rules from YAML text, so lines are real. */
import { parseRuleFile } from '../../src/config/rules.js';
import type { Classification, EntryKind } from '../../src/core/extract/types.js';
import type { PlanInput } from '../../src/core/plan/model.js';
import type { Rule } from '../../src/core/plan/rule-model.js';

export function rule(yaml: string, file = 'rules/test.yaml'): Rule {
  return parseRuleFile(file, yaml);
}

export function input(
  name: string,
  value: string | null,
  opts: { classification?: Classification; kind?: EntryKind; file?: string; line?: number } = {},
): PlanInput {
  return {
    name,
    kind: opts.kind ?? 'env-file',
    source: { file: opts.file ?? 'services/svc/.env', line: opts.line ?? 1 },
    classification: opts.classification ?? 'setting',
    value,
    fingerprint: value === null ? null : fp(value),
  };
}

export const cred = (name: string, value: string | null, opts: Parameters<typeof input>[2] = {}) =>
  input(name, value, { ...opts, classification: 'credential' });

/** A readable fake fingerprint: tests can tell which value it was taken of without an HMAC key. */
export const fp = (v: string): string => `fp(${v.length}:${hash(v)})`;
function hash(v: string): string {
  let h = 2166136261;
  for (const c of v) h = Math.imul(h ^ c.codePointAt(0)!, 16777619) >>> 0;
  return h.toString(16);
}
