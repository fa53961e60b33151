/**
 * Whether a reviewed plan still describes what applying it would do. `apply` plans again from
 * the sources and the store at the moment it writes, and compares: any difference means the
 * reviewed plan is stale, and each key that moved is named (a setting with its old and new
 * value; a credential only as changed, never a value).
 */
import { canonicalJson } from '../store/canonical.js';
import type { PlanChange, PlanDoc } from './plan-doc.js';

const where = (c: PlanChange): string => (c.source ? ` (${c.source.file}:${c.source.line})` : '');

function differs(a: PlanChange, b: PlanChange): string | null {
  if (a.kind === 'credential' || b.kind === 'credential') {
    if (a.kind !== b.kind) return `${a.key}: now a ${b.kind}, planned as a ${a.kind}`;
    if (a.fingerprint !== b.fingerprint) return `${a.key}: the credential changed since the plan${where(b)}`;
    return a.op === b.op ? null : `${a.key}: planned ${a.op}, now ${b.op}`;
  }
  if (canonicalJson(a.value ?? null) !== canonicalJson(b.value ?? null)) {
    return `${a.key}: planned ${canonicalJson(a.value ?? null)}, now ${canonicalJson(b.value ?? null)}${where(b)}`;
  }
  return a.op === b.op ? null : `${a.key}: planned ${a.op}, now ${b.op}`;
}

/** Every way `now` differs from `planned`; empty when the plan is still exact. */
export function staleReasons(planned: PlanDoc, now: PlanDoc): string[] {
  const reasons: string[] = [];
  if (planned.base.version !== now.base.version) {
    reasons.push(
      `the store moved: planned against ${planned.service}/${planned.environment} version ${planned.base.version}, now at ${now.base.version}`,
    );
  }
  const before = new Map(planned.changes.map((c) => [c.key, c]));
  const after = new Map(now.changes.map((c) => [c.key, c]));
  for (const [key, a] of before) {
    const b = after.get(key);
    if (!b) reasons.push(`${key}: planned ${a.op}, but nothing sets it any more`);
    else {
      const d = differs(a, b);
      if (d) reasons.push(d);
    }
  }
  for (const [key, b] of after) {
    if (!before.has(key)) reasons.push(`${key}: new since the plan${where(b)}`);
  }
  return reasons;
}
