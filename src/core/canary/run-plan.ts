/**
 * What a canary run does, fixed when it starts and kept with the run in the store so that
 * `--resume` carries on with exactly the same steps, bakes and gates: the service's schedule
 * (core/plan/canary-schedule.ts: its `canary:` settings or profile) with the command line's
 * overrides, and its gates (`canary.gates`).
 */
import { badInput } from '../../errors.js';
import type { Json } from '../store/canonical.js';
import { FULL_BP } from '../store/lifecycle.js';
import { canarySchedule, type CanaryStep } from '../plan/canary-schedule.js';
import { parseDuration } from '../plan/duration.js';
import type { GateSpec } from './gate-model.js';
import { parseGates } from './gate-parse.js';

export const RUN_PLAN_FORMAT = 1;

export interface RunPlan {
  formatVersion: typeof RUN_PLAN_FORMAT;
  service: string;
  environment: string;
  migrationId: string;
  steps: CanaryStep[];
  checkEveryMs: number;
  gates: GateSpec[];
  /** Per gate, what its later measurements are judged against (measured before the first step). */
  baseline: Record<string, Json | null>;
  /** Where the schedule came from, for the reader. */
  basis: string;
}

export interface ScheduleOverrides {
  /** `1,5,25,100`: percentages. */
  steps?: string;
  /** `30s`: every step's bake. */
  bake?: string;
  /** `2s`: how often gates are checked (each gate's own `interval` wins). */
  interval?: string;
}

export interface ServiceLike {
  id: string;
  profile?: Record<string, unknown>;
  canary?: Record<string, unknown>;
}

export function runPlan(
  service: ServiceLike,
  environment: string,
  migrationId: string,
  o: ScheduleOverrides = {},
): RunPlan {
  const base = canarySchedule(service);
  const bakeMs = o.bake === undefined ? undefined : parseDuration(o.bake, '--bake');
  const checkEveryMs =
    o.interval === undefined
      ? base.checkEveryMs
      : positive(parseDuration(o.interval, '--interval'), '--interval');
  const percents = o.steps === undefined ? base.steps.map((s) => s.percentBp) : stepsOption(o.steps);
  const steps = percents.map((percentBp, i) => ({
    percentBp,
    bakeMs: bakeMs ?? (o.steps === undefined ? base.steps[i]!.bakeMs : base.steps.at(-1)!.bakeMs),
  }));
  const gates = parseGates(
    service.canary?.gates ?? [],
    { intervalMs: checkEveryMs },
    `services.${service.id}.canary.gates`,
  );
  return {
    formatVersion: RUN_PLAN_FORMAT,
    service: service.id,
    environment,
    migrationId,
    steps,
    checkEveryMs,
    gates,
    baseline: {},
    basis: o.steps || o.bake || o.interval ? `${base.basis}, with command-line overrides` : base.basis,
  };
}

/** `1,5,25,100` → basis points; increasing, ending at 100. */
export function stepsOption(text: string): number[] {
  const parts = text.split(',').map((p) => p.trim());
  const bp = parts.map((p) => (/^\d{1,3}(\.\d{1,2})?$/.test(p) ? Math.round(Number(p) * 100) : NaN));
  const ok = bp.every((b, i) => Number.isInteger(b) && b > 0 && b <= FULL_BP && (i === 0 || b > bp[i - 1]!));
  if (!ok || bp.at(-1) !== FULL_BP) {
    throw badInput(`--steps must be increasing percentages ending at 100, got "${text}"`, {
      hint: 'Example: --steps 1,5,25,100',
    });
  }
  return bp;
}

function positive(ms: number, where: string): number {
  if (ms <= 0) throw badInput(`${where} must be longer than 0`);
  return ms;
}

/** The plan as the store keeps it, and back (a run started by this version of cfgmig). */
export function planFromStore(json: Json, runId: number): RunPlan {
  const p = json as unknown as Partial<RunPlan>;
  if (p?.formatVersion !== RUN_PLAN_FORMAT || !Array.isArray(p.steps) || !Array.isArray(p.gates)) {
    throw badInput(`canary run ${runId} was started without a plan this cfgmig can resume`, {
      hint: 'Abort it with `cfgmig canary --abort` and start a new run.',
    });
  }
  return p as RunPlan;
}
