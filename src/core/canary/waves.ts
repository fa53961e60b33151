/**
 * Fleet rollouts (`cfgmig canary --all | --phase P`): which services a phase holds, and the
 * waves they run in. A service runs in a wave after every service it depends on
 * (`profile.dependsOn`) that is part of the rollout, so a dependency is on the store before
 * its dependants are; services outside the rollout are taken as they are.
 */
import { badInput } from '../../errors.js';

export const PHASES = ['pilot', 'core', 'critical', 'remaining'] as const;
export type Phase = (typeof PHASES)[number];

export interface ProfileLike {
  phase?: unknown;
  risk?: unknown;
  criticality?: unknown;
  complexity?: unknown;
  dependsOn?: unknown;
}

/**
 * `profile.phase` when set; otherwise from the profile, as the specification orders its
 * rollout: low-risk, low-complexity services first as pilots, critical ones last but one.
 */
export function phaseOf(profile: ProfileLike | undefined): Phase {
  const p = profile ?? {};
  if (typeof p.phase === 'string' && (PHASES as readonly string[]).includes(p.phase)) return p.phase as Phase;
  if (p.risk === 'critical' || p.criticality === 'critical') return 'critical';
  if ((p.risk ?? 'low') === 'low' && (p.complexity ?? 'low') === 'low') return 'pilot';
  if (p.risk === 'high' || p.criticality === 'high' || p.complexity === 'high') return 'core';
  return 'remaining';
}

export function dependsOn(profile: ProfileLike | undefined): string[] {
  const d = profile?.dependsOn;
  return Array.isArray(d) ? d.filter((x): x is string => typeof x === 'string') : [];
}

/** Waves of service ids, dependencies first; a cycle among them is an error naming it. */
export function waves(services: readonly { id: string; dependsOn: readonly string[] }[]): string[][] {
  const selected = new Set(services.map((s) => s.id));
  const pending = new Map(
    services.map((s) => [s.id, s.dependsOn.filter((d) => selected.has(d) && d !== s.id)]),
  );
  const done = new Set<string>();
  const out: string[][] = [];
  while (pending.size > 0) {
    const wave = [...pending]
      .filter(([, deps]) => deps.every((d) => done.has(d)))
      .map(([id]) => id)
      .sort();
    if (wave.length === 0) {
      throw badInput(`services depend on each other in a cycle: ${[...pending.keys()].sort().join(', ')}`, {
        hint: 'Fix profile.dependsOn in cfgmig.yaml so the dependencies form no cycle.',
      });
    }
    for (const id of wave) {
      pending.delete(id);
      done.add(id);
    }
    out.push(wave);
  }
  return out;
}
