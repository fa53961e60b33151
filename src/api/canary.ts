/**
 * `cfgmig canary` as a function (DESIGN.md "Canary and rollback"): move one service's reads
 * onto the store a step at a time, judging its health gates during each step's bake, and roll
 * back by itself the moment a gate fails.
 *
 * The run is a state machine persisted in the store (canary_runs): pending → running (step i)
 * → paused → promoted (at 100%) → completed, or → rolling_back → rolled_back. One process
 * drives it at a time, holding a lease it renews; a second one gets exit 3. A runner that died
 * leaves a run whose lease expires; `resume` carries on from the recorded step with the plan
 * the run started with. Every measurement is recorded with its inputs and verdict.
 */
import { hostname } from 'node:os';
import { makeProbe, type GateProbe } from '../adapters/canary/probes.js';
import { actor } from '../adapters/identity.js';
import { publishOne } from '../adapters/publish.js';
import {
  acquireLease,
  createCanaryRun,
  latestCanaryRun,
  releaseLease,
  updateCanaryRun,
  type CanaryRun,
} from '../adapters/store/canary-runs.js';
import type { Db } from '../adapters/store/db.js';
import { setFlag } from '../adapters/store/flags.js';
import { withWriterLock } from '../adapters/store/locks.js';
import { listMigrations, moveMigration, type MigrationRecord } from '../adapters/store/migration-records.js';
import type { GateContext, Measurement } from '../core/canary/gate-model.js';
import type { Tally } from '../core/canary/policy.js';
import {
  planFromStore,
  runPlan,
  type RunPlan,
  type ScheduleOverrides,
  type ServiceLike,
} from '../core/canary/run-plan.js';
import type { Json } from '../core/store/canonical.js';
import { FULL_BP } from '../core/store/lifecycle.js';
import { badInput, CfgmigError } from '../errors.js';
import { bake } from './canary-bake.js';
import { rollbackMigration, type RollbackOutcome } from './rollback.js';

export type CanaryEvent =
  | { type: 'run'; runId: number | null; plan: RunPlan; resumedAt: number | null }
  | { type: 'baseline'; gate: string; baseline: Json | null }
  | { type: 'step'; index: number; percentBp: number; bakeMs: number; startedAt: number }
  | { type: 'measurement'; index: number; measurement: Measurement; tally: Tally }
  | { type: 'step-passed'; index: number }
  | { type: 'decision'; kind: 'fail' | 'pause'; why: string }
  | { type: 'rollback'; outcome: RollbackOutcome };

export interface CanaryRequest {
  project: string;
  service: ServiceLike & { restart?: string };
  environment: string;
  env: Record<string, string | undefined>;
  overrides?: ScheduleOverrides;
  resume?: boolean;
  abort?: boolean;
  dryRun?: boolean;
  /** Asked before each step moves the flag (a terminal without --yes); false pauses the run. */
  confirm?: (next: { index: number; percentBp: number; of: number }) => Promise<boolean>;
  onEvent?: (e: CanaryEvent) => void;
  /** How long the lease lasts unless renewed (default 30 s; renewed every third of it). */
  leaseMs?: number;
  /** Aborted (Ctrl-C): the run stops where it is, resumable. */
  signal?: AbortSignal;
}

export type CanaryOutcome =
  'completed' | 'rolled_back' | 'paused' | 'aborted' | 'dry-run-passed' | 'dry-run-failed';

export interface CanaryResult {
  service: string;
  environment: string;
  migrationId: string;
  runId: number | null;
  outcome: CanaryOutcome;
  plan: RunPlan;
  steps: { index: number; percentBp: number; result: 'passed' | 'failed' | 'paused'; startedAt: string }[];
  measurements: (Measurement & { step: number })[];
  decidedBy: { step: number; why: string; measurement?: Measurement } | null;
  rollback?: RollbackOutcome;
  /** From the failing measurement until the legacy flag was published. */
  legacyPublishedAfterMs?: number;
}

const ACTIVE: CanaryRun['state'][] = ['pending', 'running', 'paused', 'promoted'];

export async function runCanary(db: Db, req: CanaryRequest): Promise<CanaryResult> {
  const service = req.service.id;
  const { environment } = req;
  const owner = `${actor(req.env)}/${hostname()}:${process.pid}`;
  const migration = await currentMigration(db, service, environment);
  const existing = await latestCanaryRun(db, migration.id);
  const active = existing && ACTIVE.includes(existing.state) ? existing : null;

  if (req.dryRun) return dryRun(db, req, migration);
  if (req.abort) {
    if (!active) throw badInput(`${service}/${environment} has no canary running to abort`);
    await acquireLease(db, active.id, owner, req.leaseMs ?? 30_000);
    const plan = planFromStore(active.plan, active.id);
    const result = emptyResult(req, migration, active.id, plan);
    return rollBack(db, req, result, owner, active.step, 'aborted by the operator', 'aborted');
  }
  if (active && !req.resume) {
    const live = active.leaseExpiresAt !== null && active.leaseExpiresAt.getTime() > Date.now();
    throw new CfgmigError(
      'conflict',
      live
        ? `canary run ${active.id} of ${service}/${environment} is being driven by ${active.leaseOwner} (lease until ${active.leaseExpiresAt!.toISOString()})`
        : `canary run ${active.id} of ${service}/${environment} is ${active.state} at step ${active.step + 1}; its runner is gone`,
      {
        hint: live
          ? 'Wait for it, or stop it with `cfgmig canary --abort`.'
          : 'Carry it on with --resume, or roll it back with --abort.',
      },
    );
  }
  if (!active && req.resume) throw badInput(`${service}/${environment} has no canary run to resume`);
  if (!active && migration.status !== 'applied') {
    throw badInput(
      `the newest migration of ${service}/${environment} (${migration.id}) is ${migration.status}: nothing to roll out`,
      {
        hint: 'Apply a new plan first (`cfgmig apply`).',
      },
    );
  }

  let run: CanaryRun;
  let plan: RunPlan;
  if (active) {
    run = await acquireLease(db, active.id, owner, req.leaseMs ?? 30_000);
    plan = planFromStore(run.plan, run.id);
  } else {
    plan = runPlan(req.service, environment, migration.id, req.overrides);
    run = await db.transaction(async (tx) => {
      const created = await createCanaryRun(
        tx,
        {
          migrationId: migration.id,
          schedule: plan.steps.map((s) => s.percentBp),
          plan: plan as unknown as Json,
        },
        owner,
      );
      await moveMigration(tx, migration.id, 'applied', 'canary', owner);
      return created;
    });
    run = await acquireLease(db, run.id, owner, req.leaseMs ?? 30_000);
  }
  const lease = keepLease(db, run.id, owner, req.leaseMs ?? 30_000);
  try {
    return await drive(db, req, migration, run, plan, owner, lease.lost);
  } finally {
    lease.stop();
    await releaseLease(db, run.id, owner).catch(() => undefined);
  }
}

async function drive(
  db: Db,
  req: CanaryRequest,
  migration: MigrationRecord,
  run: CanaryRun,
  plan: RunPlan,
  owner: string,
  lost: AbortSignal,
): Promise<CanaryResult> {
  const result = emptyResult(req, migration, run.id, plan);
  const signal = req.signal ? AbortSignal.any([req.signal, lost]) : lost;
  const resumedAt = run.state === 'pending' ? null : run.step;
  req.onEvent?.({ type: 'run', runId: run.id, plan, resumedAt });
  const probes = plan.gates.map((g) => makeProbe(g, req.env));
  const ctx = (index: number): GateContext => ({
    service: plan.service,
    environment: plan.environment,
    step: index + 1,
    percentBp: index < 0 ? 0 : plan.steps[index]!.percentBp,
    projectRoot: req.project,
  });
  if (run.state === 'pending') {
    for (const p of probes) {
      plan.baseline[p.spec.name] = await p.baseline(ctx(-1));
      req.onEvent?.({ type: 'baseline', gate: p.spec.name, baseline: plan.baseline[p.spec.name]! });
    }
    run = await updateCanaryRun(db, run.id, owner, { plan: plan as unknown as Json });
  } else {
    for (const p of probes) p.restoreBaseline(plan.baseline[p.spec.name] ?? null);
  }

  // A run that crashed mid-bake carries on with that bake; a paused or new one starts its step.
  const carryOn = run.state === 'running' || run.state === 'promoted';
  for (let index = run.state === 'pending' ? 0 : run.step; index < plan.steps.length; index++) {
    const step = plan.steps[index]!;
    let startedAt: number;
    if (carryOn && index === run.step && run.stepStartedAt) {
      startedAt = run.stepStartedAt.getTime();
    } else {
      if (req.confirm && !(await req.confirm({ index, percentBp: step.percentBp, of: plan.steps.length }))) {
        return pause(db, result, run.id, owner, index, 'the operator declined the next step');
      }
      await moveFlag(db, req, run.id, index, step.percentBp, owner);
      const state = step.percentBp === FULL_BP ? 'promoted' : 'running';
      const moved = await updateCanaryRun(db, run.id, owner, { step: index, state, stepStarted: true });
      startedAt = moved.stepStartedAt?.getTime() ?? Date.now();
    }
    req.onEvent?.({ type: 'step', index, percentBp: step.percentBp, bakeMs: step.bakeMs, startedAt });
    for (const p of probes) await p.startWindow(ctx(index));
    const outcome = await bake({
      db,
      runId: run.id,
      stepIndex: index,
      probes,
      ctx: ctx(index),
      startedAt,
      bakeMs: step.bakeMs,
      signal,
      events: {
        measurement: (m, tally) => {
          result.measurements.push({ ...m, step: index });
          req.onEvent?.({ type: 'measurement', index, measurement: m, tally });
        },
      },
    });
    const record = { index, percentBp: step.percentBp, startedAt: new Date(startedAt).toISOString() };
    if (outcome.kind === 'pause') {
      result.steps.push({ ...record, result: 'paused' });
      return pause(db, result, run.id, owner, index, outcome.why);
    }
    if (outcome.kind === 'fail') {
      result.steps.push({ ...record, result: 'failed' });
      result.decidedBy = { step: index, why: outcome.why, measurement: outcome.measurement };
      req.onEvent?.({ type: 'decision', kind: 'fail', why: outcome.why });
      return rollBack(db, req, result, owner, index, outcome.why, 'rolled_back', outcome.decidedAt);
    }
    result.steps.push({ ...record, result: 'passed' });
    req.onEvent?.({ type: 'step-passed', index });
  }
  await db.transaction(async (tx) => {
    await updateCanaryRun(tx, run.id, owner, { state: 'completed', outcome: { result: 'completed' } });
    await moveMigration(tx, migration.id, 'canary', 'completed', owner);
  });
  return { ...result, outcome: 'completed' };
}

async function rollBack(
  db: Db,
  req: CanaryRequest,
  result: CanaryResult,
  owner: string,
  index: number,
  why: string,
  outcome: 'rolled_back' | 'aborted',
  decidedAt = Date.now(),
): Promise<CanaryResult> {
  const rollback = await rollbackMigration(db, {
    project: req.project,
    service: result.service,
    environment: result.environment,
    migrationId: result.migrationId,
    env: req.env,
    reason: `canary run ${result.runId}, step ${index + 1}: ${why}`,
    canary: { runId: result.runId!, owner },
  });
  req.onEvent?.({ type: 'rollback', outcome: rollback });
  const switched = rollback.steps.find((s) => s.action === 'switch-to-legacy');
  await updateCanaryRun(db, result.runId!, owner, {
    outcome: { result: outcome, step: index + 1, why } as Json,
  }).catch(() => undefined); // the rollback may have moved the run on; the outcome is a courtesy
  return {
    ...result,
    outcome,
    decidedBy: result.decidedBy ?? { step: index, why },
    rollback,
    ...(switched?.ok && outcome === 'rolled_back'
      ? { legacyPublishedAfterMs: Date.now() - decidedAt - sinceSwitch(rollback) }
      : {}),
  };
}

/** Time spent in rollback steps after the switch to legacy (which is the first): not part of "legacy published". */
function sinceSwitch(r: RollbackOutcome): number {
  return r.steps.filter((s) => s.action !== 'switch-to-legacy').reduce((sum, s) => sum + s.ms, 0);
}

async function pause(
  db: Db,
  result: CanaryResult,
  runId: number,
  owner: string,
  index: number,
  why: string,
): Promise<CanaryResult> {
  await updateCanaryRun(db, runId, owner, {
    state: 'paused',
    outcome: { result: 'paused', step: index + 1, why },
  });
  return { ...result, outcome: 'paused', decidedBy: { step: index, why } };
}

/** The step's share of reads, under the writer lock, audited, and published at once. */
async function moveFlag(
  db: Db,
  req: CanaryRequest,
  runId: number,
  index: number,
  percentBp: number,
  owner: string,
) {
  const service = req.service.id;
  await withWriterLock(db, service, req.environment, owner, (conn) =>
    conn.transaction((tx) =>
      setFlag(
        tx,
        {
          service,
          environment: req.environment,
          mode: 'new_with_fallback',
          percentBp,
          reason: `canary run ${runId}, step ${index + 1}`,
        },
        owner,
      ),
    ),
  );
  await publishOne(db, req.project, req.env, service, req.environment);
}

async function dryRun(db: Db, req: CanaryRequest, migration: MigrationRecord): Promise<CanaryResult> {
  const plan = runPlan(req.service, req.environment, migration.id, req.overrides);
  const result = emptyResult(req, migration, null, plan);
  req.onEvent?.({ type: 'run', runId: null, plan, resumedAt: null });
  const probes: GateProbe[] = plan.gates.map((g) => makeProbe(g, req.env));
  const ctx: GateContext = {
    service: plan.service,
    environment: plan.environment,
    step: 0,
    percentBp: 0,
    projectRoot: req.project,
  };
  for (const p of probes) {
    plan.baseline[p.spec.name] = await p.baseline(ctx);
    await p.startWindow(ctx);
  }
  // Every gate judged live, as often as a step would need (its minimum of samples), no flag moved.
  const outcome = await bake({
    db,
    runId: null,
    stepIndex: 0,
    probes,
    ctx,
    startedAt: Date.now(),
    bakeMs: 0,
    ...(req.signal ? { signal: req.signal } : {}),
    events: {
      measurement: (m, tally) => {
        result.measurements.push({ ...m, step: 0 });
        req.onEvent?.({ type: 'measurement', index: 0, measurement: m, tally });
      },
    },
  });
  const failed = outcome.kind !== 'passed';
  return {
    ...result,
    outcome: failed ? 'dry-run-failed' : 'dry-run-passed',
    decidedBy: outcome.kind === 'passed' ? null : { step: 0, why: outcome.why },
  };
}

function emptyResult(
  req: CanaryRequest,
  m: MigrationRecord,
  runId: number | null,
  plan: RunPlan,
): CanaryResult {
  return {
    service: req.service.id,
    environment: req.environment,
    migrationId: m.id,
    runId,
    outcome: 'paused',
    plan,
    steps: [],
    measurements: [],
    decidedBy: null,
  };
}

async function currentMigration(db: Db, service: string, environment: string): Promise<MigrationRecord> {
  const [newest] = await listMigrations(db, { service, environment });
  if (!newest) {
    throw badInput(`${service}/${environment} has no migration`, {
      hint: 'Apply a plan first (`cfgmig apply`).',
    });
  }
  return newest;
}

/**
 * Renews the lease every third of its time while the run goes on. A renewal that fails (the
 * lease was taken over after this process stalled) aborts the run: another driver owns it now.
 */
function keepLease(
  db: Db,
  runId: number,
  owner: string,
  leaseMs: number,
): { lost: AbortSignal; stop(): void } {
  const controller = new AbortController();
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing) return;
      renewing = true;
      acquireLease(db, runId, owner, leaseMs)
        .catch((err: unknown) => {
          clearInterval(timer);
          controller.abort(err);
        })
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(100, Math.floor(leaseMs / 3)),
  );
  return { lost: controller.signal, stop: () => clearInterval(timer) };
}
