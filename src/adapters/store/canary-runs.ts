/**
 * Canary runs and their gate results. A run is driven by one cfgmig process at a time: the
 * driver holds a lease (owner and expiry, judged by the database clock so hosts with skewed
 * clocks agree), renews it while it works, and every change it makes is conditional on
 * still holding it. A driver that crashed stops renewing, and once the lease expires another
 * process may take the run over and resume it.
 */
import type { Json } from '../../core/store/canonical.js';
import { checkSchedule, type CanaryState } from '../../core/store/lifecycle.js';
import { assertStorable } from '../../core/store/storable.js';
import { badInput, CfgmigError } from '../../errors.js';
import { appendAudit } from './audit.js';
import type { Queryable } from './db.js';

export interface CanaryRun {
  id: number;
  migrationId: string;
  /** Shares of reads on the store per step, in basis points, ending at 10000. */
  schedule: number[];
  /** Index into schedule of the current step. */
  step: number;
  state: CanaryState;
  leaseOwner: string | null;
  leaseExpiresAt: Date | null;
  /** What the run was started with (steps, bakes, gates, baseline): `--resume` carries on with it. */
  plan: Json;
  /** When the current step's bake began (null before the first step). */
  stepStartedAt: Date | null;
  /** How the run ended: what decided it (null while it runs). */
  outcome: Json | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface GateResult {
  step: number;
  gate: string;
  passed: boolean;
  verdict: 'pass' | 'fail' | 'no-data' | null;
  observed: Json;
  at: Date;
}

interface Row {
  id: number;
  migration_id: string;
  schedule: number[];
  step: number;
  state: CanaryState;
  lease_owner: string | null;
  lease_expires_at: Date | null;
  plan: Json;
  step_started_at: Date | null;
  outcome: Json | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS =
  'id, migration_id, schedule, step, state, lease_owner, lease_expires_at, plan, step_started_at, outcome, created_at, updated_at';

function run(r: Row): CanaryRun {
  return {
    id: r.id,
    migrationId: r.migration_id,
    schedule: r.schedule,
    step: r.step,
    state: r.state,
    leaseOwner: r.lease_owner,
    leaseExpiresAt: r.lease_expires_at,
    plan: r.plan,
    stepStartedAt: r.step_started_at,
    outcome: r.outcome,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export async function createCanaryRun(
  tx: Queryable,
  c: { migrationId: string; schedule: number[]; plan?: Json },
  actor: string,
): Promise<CanaryRun> {
  checkSchedule(c.schedule);
  assertStorable('canary plan', c.plan ?? {});
  const [m] = await tx.query('SELECT 1 FROM migrations WHERE id = $1', [c.migrationId]);
  if (!m) throw badInput(`no migration ${c.migrationId}`);
  const [row] = await tx.query<Row>(
    `INSERT INTO canary_runs (migration_id, schedule, state, plan) VALUES ($1, $2::jsonb, 'pending', $3::jsonb)
     RETURNING ${COLUMNS}`,
    [c.migrationId, JSON.stringify(c.schedule), JSON.stringify(c.plan ?? {})],
  );
  await appendAudit(tx, {
    actor,
    action: 'canary.create',
    subject: c.migrationId,
    details: { run: row!.id, schedule: c.schedule },
  });
  return run(row!);
}

export async function getCanaryRun(db: Queryable, id: number): Promise<CanaryRun | null> {
  const [row] = await db.query<Row>(`SELECT ${COLUMNS} FROM canary_runs WHERE id = $1`, [id]);
  return row ? run(row) : null;
}

/** The newest run of a migration, or null. */
export async function latestCanaryRun(db: Queryable, migrationId: string): Promise<CanaryRun | null> {
  const [row] = await db.query<Row>(
    `SELECT ${COLUMNS} FROM canary_runs WHERE migration_id = $1 ORDER BY id DESC LIMIT 1`,
    [migrationId],
  );
  return row ? run(row) : null;
}

function held(id: number, current: CanaryRun | null): CfgmigError {
  if (!current) return badInput(`no canary run ${id}`);
  return new CfgmigError(
    'conflict',
    `canary run ${id} is driven by ${current.leaseOwner} until ${current.leaseExpiresAt?.toISOString()}`,
    {
      hint: 'Another cfgmig is driving this canary. If it crashed, its lease expires by itself; retry after that.',
    },
  );
}

/**
 * Takes or renews the lease for `ttlMs`: granted when the run is free, already ours, or its
 * lease has expired (a crashed driver). Otherwise exit 3 naming the holder and expiry.
 */
export async function acquireLease(
  db: Queryable,
  id: number,
  owner: string,
  ttlMs: number,
): Promise<CanaryRun> {
  if (!Number.isInteger(ttlMs) || ttlMs <= 0)
    throw badInput(`lease time must be a positive number of ms, got ${ttlMs}`);
  const [row] = await db.query<Row>(
    `UPDATE canary_runs SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3::float8 / 1000)
      WHERE id = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_expires_at <= now())
      RETURNING ${COLUMNS}`,
    [id, owner, ttlMs],
  );
  if (!row) throw held(id, await getCanaryRun(db, id));
  return run(row);
}

/** Gives the lease up (if still ours) so another driver need not wait for it to expire. */
export async function releaseLease(db: Queryable, id: number, owner: string): Promise<void> {
  await db.query(
    'UPDATE canary_runs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_owner = $2',
    [id, owner],
  );
}

/**
 * Moves a run to another step and/or state, only while `owner` holds an unexpired lease:
 * a driver that lost its lease (it stalled past the expiry and someone took over) gets
 * exit 3 instead of overwriting the new driver's progress.
 */
export async function updateCanaryRun(
  tx: Queryable,
  id: number,
  owner: string,
  change: { step?: number; state?: CanaryState; stepStarted?: boolean; outcome?: Json; plan?: Json },
): Promise<CanaryRun> {
  if (change.outcome !== undefined) assertStorable('canary outcome', change.outcome);
  if (change.plan !== undefined) assertStorable('canary plan', change.plan);
  const [row] = await tx.query<Row>(
    `UPDATE canary_runs SET step = coalesce($3, step), state = coalesce($4, state), updated_at = now(),
            step_started_at = CASE WHEN $5::boolean THEN now() ELSE step_started_at END,
            outcome = coalesce($6::jsonb, outcome), plan = coalesce($7::jsonb, plan)
      WHERE id = $1 AND lease_owner = $2 AND lease_expires_at > now()
        AND ($3::int IS NULL OR ($3::int >= 0 AND $3::int < jsonb_array_length(schedule)))
      RETURNING ${COLUMNS}`,
    [
      id,
      owner,
      change.step ?? null,
      change.state ?? null,
      change.stepStarted ?? false,
      change.outcome === undefined ? null : JSON.stringify(change.outcome),
      change.plan === undefined ? null : JSON.stringify(change.plan),
    ],
  );
  if (!row) {
    const current = await getCanaryRun(tx, id);
    if (current && change.step !== undefined && (change.step < 0 || change.step >= current.schedule.length)) {
      throw badInput(`canary run ${id} has steps 0 to ${current.schedule.length - 1}, not ${change.step}`);
    }
    if (current && current.leaseOwner === owner) {
      throw new CfgmigError('conflict', `the lease on canary run ${id} expired`, {
        hint: 'The lease was not renewed in time; take it again before changing the run.',
      });
    }
    throw held(id, current);
  }
  await appendAudit(tx, {
    actor: owner,
    action: 'canary.update',
    subject: row.migration_id,
    details: { run: id, step: row.step, state: row.state },
  });
  return run(row);
}

/** Records one gate's judgement at a step; `observed` holds the measured figures, never values. */
export async function recordGateResult(
  tx: Queryable,
  g: {
    canaryRunId: number;
    step: number;
    gate: string;
    passed: boolean;
    verdict?: 'pass' | 'fail' | 'no-data';
    observed?: Json;
  },
): Promise<void> {
  assertStorable(`gate ${g.gate}`, g);
  await tx.query(
    `INSERT INTO gate_results (canary_run_id, step, gate, passed, verdict, observed)
     VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [g.canaryRunId, g.step, g.gate, g.passed, g.verdict ?? null, JSON.stringify(g.observed ?? {})],
  );
}

export async function listGateResults(db: Queryable, canaryRunId: number): Promise<GateResult[]> {
  return db.query<GateResult>(
    `SELECT step, gate, passed, verdict, observed, at FROM gate_results WHERE canary_run_id = $1 ORDER BY id`,
    [canaryRunId],
  );
}
