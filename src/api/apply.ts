/**
 * `apply` as a function. For each reviewed plan: plan again from the sources and the store as
 * they are now; refuse (exit 3, nothing written) unless that is exactly the reviewed plan;
 * then, under the service's writer lock and in ONE transaction, store the credentials (their
 * values re-read from the sources just now, never from the plan), the configuration version
 * that refers to them, the `legacy_only` flag (unless the service is finalized: new_only stays)
 * and the migration record with its rollback
 * plan, each with its audit rows. Last, publish a snapshot for clients (no plaintext).
 */
import { randomBytes } from 'node:crypto';
import { actor } from '../adapters/identity.js';
import { planFileName } from '../adapters/plan-file.js';
import { openPublisher, type Publisher, type Published } from '../adapters/publish.js';
import { legacyMapOf } from '../core/publish/publication.js';
import { readVersion, writeVersionIn } from '../adapters/store/configs.js';
import { writeCredentials } from '../adapters/store/credentials.js';
import type { Db } from '../adapters/store/db.js';
import { listFlags, setFlag } from '../adapters/store/flags.js';
import { withWriterLock } from '../adapters/store/locks.js';
import { createMigration } from '../adapters/store/migration-records.js';
import { fingerprinter, type Fingerprinter } from '../core/crypto/fingerprint.js';
import { splitConnectionUrl } from '../core/plan/connection-string.js';
import type { MappedValue, PlanInput } from '../core/plan/model.js';
import { hasChanges, type PlanDoc } from '../core/plan/plan-doc.js';
import { staleReasons } from '../core/plan/stale.js';
import { nest } from '../core/plan/target.js';
import type { Json } from '../core/store/canonical.js';
import { credentialRef } from '../core/store/credential-ref.js';
import { leaves } from '../core/store/diff.js';
import { CfgmigError } from '../errors.js';
import { makePlans, type PlanSet, type ServicePlan } from './plan.js';

export type ApplyOutcome =
  | {
      status: 'applied';
      service: string;
      environment: string;
      migrationId: string;
      version: number;
      /** The service's flag after the apply: legacy_only, or new_only kept for a finalized service. */
      flag: 'legacy_only' | 'new_only';
      snapshot: string;
      /** Redis publication: off, published, or what went wrong (the store is written either way). */
      redis: Published['redis'];
    }
  | {
      status: 'unchanged';
      service: string;
      environment: string;
      version: number;
      /**
       * The publication was behind the store (a run killed between commit and publication, or
       * Redis down at the time) and was published again.
       */
      republished?: string;
      /** Redis publication, when it was needed and failed. */
      redis?: Published['redis'];
    }
  | { status: 'would-apply'; service: string; environment: string; plan: PlanDoc };

/**
 * The plaintext a credential target stores: the input's value, or the part of a split URL. The
 * input is found by name and place: two config files may hold the same dotted name. The value
 * must still have the fingerprint the plan shows; anything else is refused, never stored.
 */
function credentialValue(m: MappedValue, inputs: PlanInput[], fingerprint: Fingerprinter): string {
  const value = plaintextOf(m, inputs);
  if (fingerprint(value) !== m.fingerprint) {
    throw new CfgmigError(
      'conflict',
      `${m.target}: the credential in ${m.source.file}:${m.source.line} changed while applying`,
      {
        hint: 'Plan again and review the result.',
      },
    );
  }
  return value;
}

function plaintextOf(m: MappedValue, inputs: PlanInput[]): string {
  const input = inputs.find(
    (i) => i.name === m.input && i.source.file === m.source.file && i.source.line === m.source.line,
  );
  const text = input?.value;
  if (text === undefined || text === null) {
    throw new CfgmigError('failed', `${m.target}: its source ${m.input} has no value now`, {
      hint: 'Plan again and review the result.',
    });
  }
  if (m.part === undefined) return text;
  const split = splitConnectionUrl(text);
  const part = split.ok ? (split.parts as unknown as Record<string, unknown>)[m.part] : undefined;
  if (typeof part !== 'string') {
    throw new CfgmigError('failed', `${m.target}: the ${m.part} of ${m.input} cannot be read now`, {
      hint: 'Plan again and review the result.',
    });
  }
  return part;
}

/** Refuses, naming every key that moved, unless planning now gives exactly the reviewed plan. */
export function checkFresh(reviewed: PlanDoc, now: PlanDoc, file: string): void {
  const reasons = staleReasons(reviewed, now);
  if (reasons.length === 0) return;
  throw new CfgmigError('conflict', `${file} is stale, nothing was written:\n  ${reasons.join('\n  ')}`, {
    file,
    hint: 'Make a new plan with `cfgmig plan`, review it, and apply that.',
  });
}

/**
 * The configuration version the plan leads to: settings as planned; credentials that did not
 * change keep the reference (and so the version) the store already had; new ones point at
 * the versions just written.
 */
function nextConfig(
  plan: ServicePlan,
  environment: string,
  base: Json,
  written: Map<string, number>,
): { [key: string]: Json } {
  const before = leaves(base);
  return nest(
    plan.mapped.map((m): [string, Json] => {
      if (m.as === 'setting') return [m.target, m.value ?? null];
      const version = written.get(m.target);
      if (version !== undefined) return [m.target, credentialRef({ environment, key: m.target, version })];
      return [m.target, before.get(m.target)!.value];
    }),
  );
}

async function applyOne(
  db: Db,
  set: PlanSet,
  plan: ServicePlan,
  who: string,
  publisher: Publisher,
): Promise<ApplyOutcome> {
  const { service, environment } = plan.doc;
  const fingerprint = fingerprinter(set.keys.primary);
  const migrationId = `${service}.${environment}.${new Date().toISOString().replace(/[-:.]/g, '')}.${randomBytes(3).toString('hex')}`;
  const { v: version, flag } = await withWriterLock(db, service, environment, who, (conn) =>
    conn.transaction(async (tx) => {
      // Re-checked under the lock: a writer that got in between plan and lock is caught here.
      const current = await readVersion(tx, service, environment);
      if ((current?.version ?? 0) !== plan.doc.base.version) {
        throw new CfgmigError(
          'conflict',
          `${service}/${environment} moved while applying; nothing was written`,
          {
            hint: 'Plan again and review the result.',
          },
        );
      }
      const toStore = plan.doc.changes.filter((c) => c.op === 'set-credential');
      const stored = await writeCredentials(
        tx,
        set.keys,
        { service, environment },
        toStore.map((c) => ({
          key: c.key,
          value: credentialValue(
            plan.mapped.find((m) => m.target === c.key)!,
            plan.inputs,
            fingerprint,
          ),
        })),
        who,
      );
      const data = nextConfig(
        plan,
        environment,
        current?.data ?? {},
        new Map(stored.map((s) => [s.key, s.version])),
      );
      const v = await writeVersionIn(tx, {
        service,
        environment,
        expectedVersion: plan.doc.base.version,
        data,
        author: who,
        reason: `cfgmig apply ${migrationId}`,
        migrationId,
      });
      await createMigration(tx, {
        id: migrationId,
        service,
        environment,
        status: 'applied',
        baseVersion: plan.doc.base.version,
        targetVersion: v,
        planChecksum: plan.doc.checksum,
        rollbackPlan: plan.doc.rollback as unknown as Json,
        legacyMap: legacyMapOf(plan.doc.changes) as unknown as Json,
        createdBy: who,
      });
      // A new migration starts on the legacy sources and waits for its canary; but a finalized
      // service (new_only) keeps reading the store: its legacy sources may be gone already.
      const [serviceFlag] = (await listFlags(tx, { service, environment })).filter((f) => f.key === '*');
      if (serviceFlag?.mode === 'new_only') return { v, flag: serviceFlag.mode };
      await setFlag(tx, { service, environment, mode: 'legacy_only', percentBp: 0, migrationId }, who);
      return { v, flag: 'legacy_only' as const };
    }),
  );
  const published = await publisher.publish(db, service, environment);
  return {
    status: 'applied',
    service,
    environment,
    migrationId,
    version,
    flag,
    snapshot: published.path,
    redis: published.redis,
  };
}

export interface ApplyRequest {
  project: string;
  /** Reviewed plans to apply; each is planned again from the sources and must match. */
  plans: { doc: PlanDoc; file: string }[];
  /**
   * Plans this very process has just made (`apply --service/--all`): applied as they are, as
   * planning them again a moment later would read the same sources. The base version is
   * still checked under the writer lock, so a store that moved in between is still caught.
   */
  planned?: PlanSet;
  env: Record<string, string | undefined>;
  dryRun?: boolean;
}

interface Candidate {
  doc: PlanDoc;
  file: string;
  set: PlanSet;
  now: ServicePlan;
}

/** Each reviewed plan with what planning it now gives; planning runs once per environment. */
async function replan(req: ApplyRequest, db: Db): Promise<Candidate[]> {
  if (req.planned) {
    const set = req.planned;
    return set.plans.map((now) => ({
      doc: now.doc,
      file: planFileName(now.doc.service, now.doc.environment),
      set,
      now,
    }));
  }
  const byEnvironment = new Map<string, ApplyRequest['plans']>();
  for (const p of req.plans)
    byEnvironment.set(p.doc.environment, [...(byEnvironment.get(p.doc.environment) ?? []), p]);
  const out: Candidate[] = [];
  for (const [environment, plans] of byEnvironment) {
    const services = [...new Set(plans.map((p) => p.doc.service))];
    const set = await makePlans({ project: req.project, services, environment, env: req.env }, db);
    for (const { doc, file } of plans)
      out.push({ doc, file, set, now: set.plans.find((p) => p.doc.service === doc.service)! });
  }
  return out;
}

/**
 * Applies plans against the open store. Every plan is checked before anything is written, so
 * one stale plan among several stops them all rather than leaving half of them applied.
 */
export async function applyPlans(req: ApplyRequest, db: Db): Promise<ApplyOutcome[]> {
  const candidates = await replan(req, db);
  const root = candidates[0]?.set.project.root;
  if (root === undefined) return [];
  const publisher = await openPublisher(root, req.env);
  try {
    return await applyChecked(req, db, candidates, publisher);
  } finally {
    await publisher.close();
  }
}

async function applyChecked(
  req: ApplyRequest,
  db: Db,
  candidates: Candidate[],
  publisher: Publisher,
): Promise<ApplyOutcome[]> {
  const who = actor(req.env);
  const checked: Candidate[] = [];
  const outcomes: ApplyOutcome[] = [];
  for (const c of candidates) {
    const { service, environment } = c.doc;
    if (!hasChanges(c.now.doc)) {
      // Nothing to write to the store; but if an earlier run died between its commit and
      // publishing, the snapshot is behind the store, and this is the moment to catch up.
      const snap = req.dryRun ? null : await publisher.publish(db, service, environment);
      outcomes.push({
        status: 'unchanged',
        service,
        environment,
        version: c.now.doc.base.version,
        ...(snap && (snap.written || snap.redis === 'published') ? { republished: snap.path } : {}),
        ...(snap && typeof snap.redis !== 'string' ? { redis: snap.redis } : {}),
      });
      continue;
    }
    checkFresh(c.doc, c.now.doc, c.file);
    if (!c.now.doc.validation.valid) {
      throw new CfgmigError(
        'failed',
        `${c.file}: the planned configuration does not satisfy ${c.now.doc.validation.schema}; nothing was written`,
        { file: c.file, hint: c.now.doc.validation.errors.map((e) => `${e.path} ${e.message}`).join('; ') },
      );
    }
    checked.push(c);
  }
  for (const { set, now } of checked) {
    const { service, environment } = now.doc;
    outcomes.push(
      req.dryRun
        ? { status: 'would-apply', service, environment, plan: now.doc }
        : await applyOne(db, set, now, who, publisher),
    );
  }
  return outcomes;
}
