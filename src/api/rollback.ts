/**
 * `rollback` as a function (DESIGN.md "Canary and rollback"): executes the rollback plan that
 * `apply` recorded with the migration, step by step, each step's result an audit row, then
 * verifies the store and what was published. `cfgmig rollback` calls it, and so does the
 * canary's automatic rollback (with the run whose lease it holds): one code path.
 *
 * The steps, in the plan's order:
 * - `switch-to-legacy` (critical): under the writer lock and in ONE transaction, every flag of
 *   the service and environment to `legacy_only` and the migration to `rolling_back`
 *   (compare-and-set); then published at once, before anything slow: this is what puts every
 *   client back on its legacy values.
 * - `revert-config` (critical): the base version's data written again as a NEW version
 *   (history is never rewritten); skipped when the current data already is that data. The old
 *   data's credential references point at pinned credential versions, so secrets revert too.
 * - `clear-caches`: published again (clients drop their caches on a new publication).
 * - `restart`: the service's restart command through execa with a timeout; only its exit code
 *   and duration are reported, never its output.
 *
 * A failed critical step stops the rollback and leaves the migration `failed` (it can be
 * retried: failed → rolling_back); a failed non-critical step is reported and the rest go on.
 * Running it again on a rolled-back migration publishes again, verifies and says so.
 */
import { resolve } from 'node:path';
import { execa } from 'execa';
import { actor } from '../adapters/identity.js';
import {
  openPublisher,
  publishedFile,
  readSnapshot,
  type Published,
  type Publisher,
} from '../adapters/publish.js';
import {
  readRedisPublication,
  redisLocation,
  redisTarget,
  type RedisTarget,
} from '../adapters/redis/publisher.js';
import { appendAudit } from '../adapters/store/audit.js';
import {
  acquireLease,
  latestCanaryRun,
  releaseLease,
  updateCanaryRun,
  type CanaryRun,
} from '../adapters/store/canary-runs.js';
import { readVersion, writeVersionIn } from '../adapters/store/configs.js';
import type { Db, Queryable } from '../adapters/store/db.js';
import { listFlags, setFlag } from '../adapters/store/flags.js';
import { withWriterLock } from '../adapters/store/locks.js';
import {
  getMigration,
  listMigrations,
  moveMigration,
  type MigrationRecord,
} from '../adapters/store/migration-records.js';
import { readPublication } from '../adapters/store/publication.js';
import type { RollbackStep } from '../core/plan/plan-doc.js';
import type { Publication } from '../core/publish/publication.js';
import { checksumOf, type Json } from '../core/store/canonical.js';
import type { CanaryState, MigrationStatus } from '../core/store/lifecycle.js';
import { badInput, CfgmigError } from '../errors.js';

export interface RollbackRequest {
  /** The project root. */
  project: string;
  service: string;
  environment: string;
  /**
   * Default: the newest migration of the service and environment that is applied, canary,
   * completed, failed, rolling_back or rolled_back (then: already rolled back, verified only);
   * older applied ones were superseded by it.
   */
  migrationId?: string;
  env: Record<string, string | undefined>;
  /** Recorded in the audit rows and the reverted version's reason. */
  reason: string;
  /**
   * The canary's automatic rollback passes the run it holds the lease of; the run is moved to
   * rolling_back → rolled_back with that lease.
   */
  canary?: { runId: number; owner: string };
  /** How long the restart command may take (default 60 s). */
  restartTimeoutMs?: number;
}

export type RollbackAction = RollbackStep['action'];

export interface RollbackStepResult {
  action: RollbackAction;
  critical: boolean;
  ok: boolean;
  skipped?: boolean;
  /** What happened, in words: counts, versions, exit codes; never a value. */
  detail: string;
  ms: number;
}

export interface RollbackCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RollbackOutcome {
  migrationId: string;
  service: string;
  environment: string;
  status: 'rolled_back' | 'already_rolled_back' | 'failed';
  steps: RollbackStepResult[];
  verification: { ok: boolean; checks: RollbackCheck[] };
  /** The last publication: the snapshot file (relative to the project) and Redis. */
  published: { snapshot: string; redis: Published['redis'] } | null;
  /** The canary run moved along with the migration, if any. */
  canaryRun?: number;
  ms: number;
}

const CRITICAL: Record<RollbackAction, boolean> = {
  'switch-to-legacy': true,
  'revert-config': true,
  'clear-caches': false,
  restart: false,
};

const ROLLBACKABLE: MigrationStatus[] = ['applied', 'canary', 'completed', 'failed', 'rolling_back'];
/** Canary runs still in flight: a manual rollback takes them over (or is refused). */
const ACTIVE_RUN: CanaryState[] = ['pending', 'running', 'paused', 'promoted', 'rolling_back'];
const DEFAULT_RESTART_TIMEOUT_MS = 60_000;

// ------------------------------------------------------------------------------------------
// Which migration, which plan
// ------------------------------------------------------------------------------------------

async function chooseMigration(db: Db, req: RollbackRequest): Promise<MigrationRecord> {
  const { service, environment } = req;
  const all = await listMigrations(db, { service, environment });
  let m: MigrationRecord | undefined;
  if (req.migrationId !== undefined) {
    const found = await getMigration(db, req.migrationId);
    if (!found) throw badInput(`no migration ${req.migrationId}`);
    if (found.service !== service || found.environment !== environment) {
      throw badInput(
        `migration ${found.id} belongs to ${found.service}/${found.environment}, not ${service}/${environment}`,
      );
    }
    m = found;
  } else {
    // The newest migration that wrote a version decides: an older `applied` one was superseded
    // by it (apply does not close the migration before it), and once the newest is rolled
    // back there is nothing left to do but verify it.
    const decides: MigrationStatus[] = [...ROLLBACKABLE, 'rolled_back'];
    m = all.find((x) => decides.includes(x.status));
    if (!m) {
      throw badInput(`${service}/${environment} has no migration to roll back`, {
        hint: 'Only an applied migration (or one in canary) can be rolled back; see `cfgmig status`.',
      });
    }
  }
  if (!ROLLBACKABLE.includes(m.status) && m.status !== 'rolled_back') {
    throw new CfgmigError('conflict', `migration ${m.id} is ${m.status}: there is nothing to roll back`, {
      hint: 'It never wrote a configuration version.',
    });
  }
  // A later migration that is still in effect was built on this one: undoing this one first
  // would revert the configuration underneath it.
  const newer = all
    .slice(
      0,
      all.findIndex((x) => x.id === m.id),
    )
    .filter((x) => x.targetVersion !== null && x.status !== 'rolled_back');
  if (newer.length > 0) {
    throw new CfgmigError(
      'conflict',
      `migration ${newer[0]!.id} of ${service}/${environment} came after ${m.id} and is ${newer[0]!.status}`,
      { hint: `Roll back ${newer[0]!.id} first (cfgmig rollback --migration ${newer[0]!.id}).` },
    );
  }
  return m;
}

function planSteps(m: MigrationRecord): RollbackStep[] {
  const steps = (m.rollbackPlan as { steps?: unknown } | null)?.steps;
  const ok =
    Array.isArray(steps) &&
    steps.every((s): s is RollbackStep => {
      const a = (s as { action?: unknown } | null)?.action;
      if (a === 'revert-config') return Number.isInteger((s as { toVersion?: unknown }).toVersion);
      if (a === 'restart') return typeof (s as { command?: unknown }).command === 'string';
      return a === 'switch-to-legacy' || a === 'clear-caches';
    });
  if (!ok) {
    throw new CfgmigError('failed', `migration ${m.id} has no readable rollback plan; nothing was changed`, {
      hint: 'Its rollback plan is written by `apply`; set the flags by hand with `cfgmig flags set` instead.',
    });
  }
  return steps;
}

/** The data the migration started from: version toVersion's, or {} for 0 (none). */
async function baseData(q: Queryable, m: MigrationRecord, toVersion: number): Promise<Json> {
  if (toVersion === 0) return {};
  const v = await readVersion(q, m.service, m.environment, toVersion);
  if (!v || v.version !== toVersion)
    throw new CfgmigError('failed', `${m.service}/${m.environment} has no version ${toVersion} to revert to`);
  return v.data;
}

function toVersionOf(steps: RollbackStep[], m: MigrationRecord): number {
  const step = steps.find((s) => s.action === 'revert-config');
  return step?.action === 'revert-config' ? step.toVersion : (m.baseVersion ?? 0);
}

// ------------------------------------------------------------------------------------------
// Concurrency on one store
// ------------------------------------------------------------------------------------------

// ------------------------------------------------------------------------------------------
// The canary run
// ------------------------------------------------------------------------------------------

interface HeldRun {
  id: number;
  owner: string;
  /** Whether this rollback took the lease itself (and so gives it back). */
  own: boolean;
}

async function holdRun(
  db: Db,
  req: RollbackRequest,
  m: MigrationRecord,
  who: string,
  ttlMs: number,
): Promise<HeldRun | null> {
  if (req.canary) return { id: req.canary.runId, owner: req.canary.owner, own: false };
  const run: CanaryRun | null = await latestCanaryRun(db, m.id);
  if (!run || !ACTIVE_RUN.includes(run.state)) return null;
  const owner = `${who} (cfgmig rollback, pid ${process.pid})`;
  try {
    await acquireLease(db, run.id, owner, ttlMs);
  } catch (err) {
    if (!(err instanceof CfgmigError) || err.code !== 'conflict') throw err;
    const now = (await latestCanaryRun(db, m.id)) ?? run;
    throw new CfgmigError(
      'conflict',
      `canary run ${run.id} of ${m.id} is ${now.state} and driven by ${now.leaseOwner ?? 'another cfgmig'} until ${now.leaseExpiresAt?.toISOString() ?? '?'}; nothing was changed`,
      { hint: 'Use `cfgmig canary --abort` (it rolls back by itself) or wait for the lease to expire.' },
    );
  }
  return { id: run.id, owner, own: true };
}

// ------------------------------------------------------------------------------------------
// Verification
// ------------------------------------------------------------------------------------------

const allLegacy = (flags: { mode: string }[]) => flags.every((f) => f.mode === 'legacy_only');

function describeFlags(flags: { key: string; mode: string }[]): string {
  const off = flags.filter((f) => f.mode !== 'legacy_only');
  return off.length === 0
    ? `${flags.length} flag${flags.length === 1 ? '' : 's'} legacy_only`
    : `not legacy_only: ${off.map((f) => `${f.key} ${f.mode}`).join(', ')}`;
}

function judgePublished(name: string, p: Publication | null, expected: Publication): RollbackCheck {
  if (!p) return { name, ok: false, detail: 'nothing readable is published' };
  if (p.etag !== expected.etag)
    return {
      name,
      ok: false,
      detail: `behind the store (etag ${p.etag.slice(0, 12)}, store ${expected.etag.slice(0, 12)}); run \`cfgmig publish\``,
    };
  if (!allLegacy(p.flags)) return { name, ok: false, detail: describeFlags(p.flags) };
  return {
    name,
    ok: true,
    detail: `matches the store (v${p.version}, flags v${p.flagsVersion}), ${p.flags.length === 0 ? 'no flags: legacy_only' : describeFlags(p.flags)}`,
  };
}

async function verify(
  db: Db,
  root: string,
  m: MigrationRecord,
  toVersion: number,
  target: RedisTarget | null,
): Promise<RollbackOutcome['verification']> {
  const checks: RollbackCheck[] = [];
  const guard = async (name: string, fn: () => Promise<RollbackCheck>) => {
    try {
      checks.push(await fn());
    } catch (err) {
      checks.push({ name, ok: false, detail: `could not be checked: ${messageOf(err)}` });
    }
  };
  await guard('store flags', async () => {
    const flags = await listFlags(db, { service: m.service, environment: m.environment });
    return {
      name: 'store flags',
      ok: allLegacy(flags),
      detail: flags.length === 0 ? 'no flags: legacy_only' : describeFlags(flags),
    };
  });
  await guard('store configuration', async () => {
    const base = await baseData(db, m, toVersion);
    const now = await readVersion(db, m.service, m.environment);
    const same = checksumOf(now?.data ?? {}) === checksumOf(base);
    const at = now ? `v${now.version}` : 'no version';
    const was = toVersion === 0 ? 'no configuration ({})' : `the data of v${toVersion}`;
    return {
      name: 'store configuration',
      ok: same,
      detail: same ? `${at} holds ${was}` : `${at} differs from ${was}`,
    };
  });
  let expected: Publication | null = null;
  await guard('snapshot', async () => {
    expected = await readPublication(db, m.service, m.environment);
    const rel = publishedFile(m.service, m.environment);
    const c = judgePublished('snapshot', await readSnapshot(root, m.service, m.environment), expected);
    return { ...c, detail: `${rel}: ${c.detail}` };
  });
  if (target) {
    await guard('redis', async () => {
      expected ??= await readPublication(db, m.service, m.environment);
      const p = await readRedisPublication(target, m.service, m.environment);
      const c = judgePublished('redis', p, expected);
      return { ...c, detail: `${redisLocation(target.url)} ${target.prefix}: ${c.detail}` };
    });
  }
  return { ok: checks.every((c) => c.ok), checks };
}

// ------------------------------------------------------------------------------------------
// The steps
// ------------------------------------------------------------------------------------------

function messageOf(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  // Never a URL's password in a report.
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@\s/]*@/gi, '$1');
}

function publishedWords(p: Published): string {
  const redis =
    p.redis === 'off'
      ? ''
      : typeof p.redis === 'string'
        ? `; Redis ${p.redis}`
        : `; Redis FAILED: ${p.redis.error}`;
  return `published ${p.path}${p.written ? '' : ' (unchanged)'}${redis}`;
}

interface Ctx {
  db: Db;
  req: RollbackRequest;
  root: string;
  who: string;
  m: MigrationRecord;
  status: MigrationStatus;
  publisher: Publisher;
  published: Published | null;
  run: HeldRun | null;
  /** Set when the switch committed: the migration is rolling_back from then on. */
  switched: boolean;
  toVersion: number;
}

async function switchToLegacy(ctx: Ctx): Promise<string> {
  const { db, m, who } = ctx;
  const reason = `rollback of ${m.id}: ${ctx.req.reason}`;
  const moved = await withWriterLock(db, m.service, m.environment, who, (conn) =>
    conn.transaction(async (tx) => {
      const flags = await listFlags(tx, { service: m.service, environment: m.environment });
      const off = flags.filter((f) => f.mode !== 'legacy_only');
      const keys = off.map((f) => f.key);
      if (!flags.some((f) => f.key === '*')) keys.unshift('*');
      for (const key of keys) {
        await setFlag(
          tx,
          {
            service: m.service,
            environment: m.environment,
            key,
            mode: 'legacy_only',
            percentBp: 0,
            reason,
          },
          who,
        );
      }
      if (ctx.status !== 'rolling_back') {
        await moveMigration(tx, m.id, ctx.status, 'rolling_back', who);
      }
      if (ctx.run) await updateCanaryRun(tx, ctx.run.id, ctx.run.owner, { state: 'rolling_back' });
      return keys.length;
    }),
  );
  ctx.switched = true;
  ctx.status = 'rolling_back';
  // At once: the writer lock is released, nothing slow comes before this.
  // A Redis failure does not fail the step: the store and the snapshot are legacy_only, clients
  // on Redis catch up by reconciliation, and the verification reports Redis as behind.
  ctx.published = await ctx.publisher.publish(db, m.service, m.environment);
  return `${moved} flag${moved === 1 ? '' : 's'} → legacy_only; ${publishedWords(ctx.published)}`;
}

async function revertConfig(ctx: Ctx): Promise<{ detail: string; skipped?: boolean }> {
  const { db, m, who } = ctx;
  return withWriterLock(db, m.service, m.environment, who, (conn) =>
    conn.transaction(async (tx) => {
      const current = await readVersion(tx, m.service, m.environment);
      const was = ctx.toVersion === 0 ? 'no configuration ({})' : `the data of v${ctx.toVersion}`;
      // Read here, not up front: a base version that cannot be read fails this step, after
      // the switch to legacy has already been made.
      const base = await baseData(tx, m, ctx.toVersion);
      if (checksumOf(current?.data ?? {}) === checksumOf(base)) {
        return {
          detail: `${current ? `v${current.version}` : 'the store'} already holds ${was}`,
          skipped: true,
        };
      }
      const v = await writeVersionIn(tx, {
        service: m.service,
        environment: m.environment,
        expectedVersion: current?.version ?? 0,
        data: base,
        author: who,
        reason: `rollback of ${m.id}: ${ctx.req.reason}`,
        migrationId: m.id,
      });
      return { detail: `v${v} written with ${was} (v${current?.version ?? 0} stays in the history)` };
    }),
  );
}

async function clearCaches(ctx: Ctx): Promise<{ detail: string; ok: boolean }> {
  ctx.published = await ctx.publisher.publish(ctx.db, ctx.m.service, ctx.m.environment);
  return {
    ok: typeof ctx.published.redis === 'string',
    detail: `${publishedWords(ctx.published)} (clients drop their caches on a new publication)`,
  };
}

async function restart(ctx: Ctx, command: string): Promise<{ detail: string; ok: boolean }> {
  const timeout = ctx.req.restartTimeoutMs ?? DEFAULT_RESTART_TIMEOUT_MS;
  // The service's own environment, less cfgmig's keys: a restart script has no use for them.
  const env: Record<string, string | undefined> = { ...ctx.req.env };
  delete env.CFGMIG_MASTER_KEY;
  delete env.CFGMIG_NEW_MASTER_KEY;
  const t0 = performance.now();
  const r = await execa(command, {
    shell: true,
    cwd: ctx.root,
    timeout,
    reject: false,
    stdin: 'ignore',
    // Never shown: a restart script may print anything, configuration values included.
    stdout: 'ignore',
    stderr: 'ignore',
    env: {
      ...env,
      CFGMIG_SERVICE: ctx.m.service,
      CFGMIG_ENVIRONMENT: ctx.m.environment,
      CFGMIG_MIGRATION: ctx.m.id,
    },
    extendEnv: false,
    forceKillAfterDelay: 2000,
  });
  const ms = Math.round(performance.now() - t0);
  if (r.timedOut) return { ok: false, detail: `timed out after ${ms} ms (limit ${timeout} ms); stopped` };
  if (r.failed && r.exitCode === undefined)
    return { ok: false, detail: `could not run: ${r.signal ? `killed by ${r.signal}` : 'failed to start'}` };
  return r.exitCode === 0
    ? { ok: true, detail: `exit 0 after ${ms} ms` }
    : { ok: false, detail: `exit ${r.exitCode} after ${ms} ms` };
}

async function recordStep(ctx: Ctx, s: RollbackStepResult): Promise<void> {
  await ctx.db.transaction((tx) =>
    appendAudit(tx, {
      actor: ctx.who,
      action: 'rollback.step',
      subject: `${ctx.m.service}/${ctx.m.environment}`,
      details: {
        migration: ctx.m.id,
        action: s.action,
        ok: s.ok,
        ...(s.skipped ? { skipped: true } : {}),
        detail: s.detail,
        reason: ctx.req.reason,
      },
    }),
  );
}

async function runStep(ctx: Ctx, step: RollbackStep): Promise<RollbackStepResult> {
  const t0 = performance.now();
  const critical = CRITICAL[step.action];
  let result: { ok: boolean; detail: string; skipped?: boolean };
  try {
    switch (step.action) {
      case 'switch-to-legacy':
        result = { ok: true, detail: await switchToLegacy(ctx) };
        break;
      case 'revert-config':
        result = { ok: true, ...(await revertConfig(ctx)) };
        break;
      case 'clear-caches':
        result = await clearCaches(ctx);
        break;
      case 'restart':
        result = await restart(ctx, step.command);
        break;
    }
  } catch (err) {
    // Nothing written and someone else in the way (the writer lock, the migration moved, the
    // canary lease lost): a conflict, exit 3, not a failed rollback.
    if (err instanceof CfgmigError && err.code === 'conflict' && !ctx.switched) throw err;
    result = { ok: false, detail: messageOf(err) };
  }
  return { action: step.action, critical, ...result, ms: Math.round(performance.now() - t0) };
}

// ------------------------------------------------------------------------------------------

export async function rollbackMigration(db: Db, req: RollbackRequest): Promise<RollbackOutcome> {
  const t0 = performance.now();
  if (req.reason.trim() === '') throw badInput('a rollback needs a reason (it goes to the audit log)');
  const restartTimeoutMs = req.restartTimeoutMs ?? DEFAULT_RESTART_TIMEOUT_MS;
  if (!Number.isInteger(restartTimeoutMs) || restartTimeoutMs <= 0)
    throw badInput(`the restart timeout must be a positive number of ms, got ${restartTimeoutMs}`);
  const root = resolve(req.project);
  const who = actor(req.env);
  // A bad Redis setting is refused before anything moves.
  const target = await redisTarget(root, req.env);
  const m = await chooseMigration(db, req);
  const steps = planSteps(m);
  const toVersion = toVersionOf(steps, m);
  const run = m.status === 'rolled_back' ? null : await holdRun(db, req, m, who, restartTimeoutMs + 120_000);
  const publisher = await openPublisher(root, req.env);
  const ctx: Ctx = {
    db,
    req,
    root,
    who,
    m,
    status: m.status,
    publisher,
    published: null,
    run,
    switched: m.status === 'rolling_back',
    toVersion,
  };
  const outcome = (
    status: RollbackOutcome['status'],
    results: RollbackStepResult[],
    verification: RollbackOutcome['verification'],
  ): RollbackOutcome => ({
    migrationId: m.id,
    service: m.service,
    environment: m.environment,
    status,
    steps: results,
    verification,
    published: ctx.published ? { snapshot: ctx.published.path, redis: ctx.published.redis } : null,
    ...(run ? { canaryRun: run.id } : {}),
    ms: Math.round(performance.now() - t0),
  });
  try {
    if (m.status === 'rolled_back') {
      // Done before: publish again (a publication may have been lost), then verify.
      const results: RollbackStepResult[] = [];
      for (const step of steps) {
        const r: RollbackStepResult =
          step.action === 'clear-caches'
            ? await runStep(ctx, step)
            : {
                action: step.action,
                critical: CRITICAL[step.action],
                ok: true,
                skipped: true,
                detail: 'already rolled back',
                ms: 0,
              };
        results.push(r);
        if (!r.skipped) await recordStep(ctx, r);
      }
      if (!ctx.published) ctx.published = await publisher.publish(db, m.service, m.environment);
      const verification = await verify(db, root, m, toVersion, target);
      return outcome('already_rolled_back', results, verification);
    }

    const results: RollbackStepResult[] = [];
    let failedCritical = false;
    for (const step of steps) {
      const r = await runStep(ctx, step);
      results.push(r);
      await recordStep(ctx, r);
      if (!r.ok && r.critical) {
        failedCritical = true;
        break;
      }
    }
    if (failedCritical) {
      if (ctx.switched) {
        await db.transaction((tx) => moveMigration(tx, m.id, 'rolling_back', 'failed', who));
      }
      // The steps not run, so the report shows the whole plan.
      for (const step of steps.slice(results.length)) {
        results.push({
          action: step.action,
          critical: CRITICAL[step.action],
          ok: false,
          skipped: true,
          detail: 'not run: a critical step failed',
          ms: 0,
        });
      }
      const verification = await verify(db, root, m, toVersion, target);
      return outcome('failed', results, verification);
    }
    if (!ctx.switched) {
      // A plan without switch-to-legacy (never written by apply): the status still moves.
      await db.transaction((tx) => moveMigration(tx, m.id, ctx.status, 'rolling_back', who));
    }
    await db.transaction(async (tx) => {
      const now = await getMigration(tx, m.id);
      // A concurrent rollback of the same migration may have finished first: that is fine.
      if (now?.status !== 'rolled_back') await moveMigration(tx, m.id, 'rolling_back', 'rolled_back', who);
      if (run) {
        await updateCanaryRun(tx, run.id, run.owner, {
          state: 'rolled_back',
          ...(run.own
            ? {
                outcome: { rolledBackBy: 'cfgmig rollback', migration: m.id, actor: who, reason: req.reason },
              }
            : {}),
        });
      }
    });
    if (!ctx.published) ctx.published = await publisher.publish(db, m.service, m.environment);
    const verification = await verify(db, root, m, toVersion, target);
    return outcome('rolled_back', results, verification);
  } finally {
    await publisher.close().catch(() => undefined);
    if (run?.own) await releaseLease(db, run.id, run.owner).catch(() => undefined);
  }
}
