/**
 * The canary schedule a plan proposes, from the service's `canary:` settings or, failing
 * those, its profile (DESIGN.md "Canary and rollback"): the specification's gradual schedule
 * (10% for 5 minutes, then 25/50/75/100% for 3 minutes each) and, for a critical service, its
 * critical one (1% for 10 minutes, then 5/10/25/50/100% for 5 minutes each). A big-bang
 * service goes to 100% at once. `cfgmig canary` runs it (core/canary/run-plan.ts); the plan shows it
 * so a reviewer sees how fast the change will reach everyone.
 */
import { badInput } from '../../errors.js';
import { FULL_BP } from '../store/lifecycle.js';
import { parseDuration } from './duration.js';

export interface CanaryStep {
  /** Share of reads on the store, in basis points (100 = 1%). */
  percentBp: number;
  /** How long the step holds while its gates are judged, in ms. */
  bakeMs: number;
}

export interface CanarySchedule {
  /** Where the schedule came from, for the reviewer: `canary` settings or the profile's name. */
  basis: string;
  steps: CanaryStep[];
  /** How often gates are checked during a step, in ms. */
  checkEveryMs: number;
}

const MIN = 60_000;
const steps = (first: [number, number], rest: number[], restBake: number): CanaryStep[] => [
  { percentBp: first[0] * 100, bakeMs: first[1] },
  ...rest.map((p) => ({ percentBp: p * 100, bakeMs: restBake })),
];

export const GRADUAL: CanarySchedule = {
  basis: 'gradual',
  steps: steps([10, 5 * MIN], [25, 50, 75, 100], 3 * MIN),
  checkEveryMs: 30_000,
};
export const CRITICAL: CanarySchedule = {
  basis: 'critical',
  steps: steps([1, 10 * MIN], [5, 10, 25, 50, 100], 5 * MIN),
  checkEveryMs: 30_000,
};
export const BIG_BANG: CanarySchedule = {
  basis: 'big-bang',
  steps: [{ percentBp: FULL_BP, bakeMs: 0 }],
  checkEveryMs: 30_000,
};

interface ServiceLike {
  id: string;
  profile?: Record<string, unknown>;
  canary?: Record<string, unknown>;
}

function fromSettings(id: string, canary: Record<string, unknown>, fallback: CanarySchedule): CanarySchedule {
  const where = `services.${id}.canary`;
  const bakeMs =
    canary.bake === undefined
      ? fallback.steps.at(-1)!.bakeMs
      : parseDuration(String(canary.bake), `${where}.bake`);
  const raw = canary.steps ?? fallback.steps.map((s) => s.percentBp / 100);
  if (!Array.isArray(raw) || raw.length === 0) throw badInput(`${where}.steps must be a list of percentages`);
  const percents = raw.map((p) => Number(p));
  const ok = percents.every(
    (p, i) => Number.isFinite(p) && p > 0 && p <= 100 && (i === 0 || p > percents[i - 1]!),
  );
  if (!ok || percents.at(-1) !== 100) {
    throw badInput(`${where}.steps must be increasing percentages ending at 100, got [${raw.join(', ')}]`, {
      hint: 'Example: steps: [1, 5, 10, 25, 50, 100]',
    });
  }
  const every =
    canary.checkEvery === undefined
      ? fallback.checkEveryMs
      : parseDuration(String(canary.checkEvery), `${where}.checkEvery`);
  return {
    basis: 'canary settings',
    steps: percents.map((p) => ({ percentBp: Math.round(p * 100), bakeMs })),
    checkEveryMs: every,
  };
}

export function canarySchedule(service: ServiceLike): CanarySchedule {
  const p = service.profile ?? {};
  const critical = p.risk === 'critical' || p.criticality === 'critical';
  const base = p.strategy === 'big-bang' ? BIG_BANG : critical ? CRITICAL : GRADUAL;
  return service.canary &&
    Object.keys(service.canary).some((k) => ['steps', 'bake', 'checkEvery'].includes(k))
    ? fromSettings(service.id, service.canary, base)
    : base;
}
