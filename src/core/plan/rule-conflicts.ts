/**
 * One target, one value. Rules that give a target the same value agree and the copies collapse;
 * different values are an error naming both rules and inputs. A default only fills a gap: it
 * yields to any value an input provides. A target that is a value and also the parent of another
 * (`db` and `db.host`) cannot be written as JSON and is an error too.
 */
import { canonicalJson } from '../store/canonical.js';
import type { MappedValue, RuleProblem } from './model.js';
import type { Origin } from './rule-context.js';

const payload = (v: MappedValue): string =>
  v.as === 'credential' ? `c:${v.fingerprint ?? ''}` : `s:${canonicalJson(v.value ?? null)}`;

const who = (v: MappedValue, o: Origin | undefined): string =>
  `rule ${v.rule} (${o ? `${o.file}:${o.line}` : '?'}) from ${v.input} (${v.source.file}:${v.source.line})`;

export function resolveTargets(
  mapped: MappedValue[],
  origins: Map<MappedValue, Origin>,
): { mapped: MappedValue[]; problems: RuleProblem[] } {
  const byTarget = new Map<string, MappedValue[]>();
  for (const v of mapped) {
    const list = byTarget.get(v.target);
    if (list) list.push(v);
    else byTarget.set(v.target, [v]);
  }
  const kept: MappedValue[] = [];
  const problems: RuleProblem[] = [];
  for (const [target, all] of byTarget) {
    const real = all.filter((v) => !v.defaulted);
    const candidates = real.length > 0 ? real : all;
    const first = candidates[0]!;
    kept.push(first);
    const reported = new Set([payload(first)]);
    for (const other of candidates.slice(1)) {
      if (payload(other) === payload(first)) {
        (first.agreeing ??= []).push({ input: other.input, source: other.source, rule: other.rule });
        continue;
      }
      if (reported.has(payload(other))) continue;
      reported.add(payload(other));
      const o = origins.get(other);
      problems.push({
        message:
          `target ${target} gets different values from ${who(first, origins.get(first))} ` +
          `and ${who(other, o)}`,
        severity: 'error',
        rule: other.rule,
        input: other.input,
        ...(o ? { file: o.file, line: o.line } : {}),
      });
    }
  }
  problems.push(...parentConflicts(kept, origins));
  return { mapped: kept, problems };
}

function parentConflicts(mapped: MappedValue[], origins: Map<MappedValue, Origin>): RuleProblem[] {
  const byTarget = new Map(mapped.map((v) => [v.target, v]));
  const problems: RuleProblem[] = [];
  for (const v of mapped) {
    const segments = v.target.split('.');
    for (let i = 1; i < segments.length; i++) {
      const parent = byTarget.get(segments.slice(0, i).join('.'));
      if (!parent) continue;
      const o = origins.get(v);
      problems.push({
        message:
          `target ${parent.target} is a value (${who(parent, origins.get(parent))}), ` +
          `so ${v.target} (${who(v, o)}) cannot be set under it`,
        severity: 'error',
        rule: v.rule,
        input: v.input,
        ...(o ? { file: o.file, line: o.line } : {}),
      });
      break;
    }
  }
  return problems;
}
