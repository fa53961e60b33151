/**
 * `cfgmig finalize`: a service whose canary completed goes from 100% `new_with_fallback` to
 * `new_only`: legacy sources are no longer read, even on a store error, and `cleanup` may
 * remove them. Refused until 100% has held for the guard window (default 10 minutes), so a
 * problem that shows only under full load still finds the fallback in place.
 */
import { actor } from '../adapters/identity.js';
import { publishOne, type Published } from '../adapters/publish.js';
import { latestCanaryRun } from '../adapters/store/canary-runs.js';
import type { Db } from '../adapters/store/db.js';
import { listFlags, setFlag } from '../adapters/store/flags.js';
import { withWriterLock } from '../adapters/store/locks.js';
import { listMigrations } from '../adapters/store/migration-records.js';
import { FULL_BP } from '../core/store/lifecycle.js';
import { badInput, CfgmigError } from '../errors.js';

export const DEFAULT_GUARD_MS = 10 * 60_000;

export interface FinalizeRequest {
  project: string;
  service: string;
  environment: string;
  env: Record<string, string | undefined>;
  guardMs: number;
}

export interface FinalizeResult {
  service: string;
  environment: string;
  migrationId: string;
  status: 'finalized' | 'already_finalized';
  /** How long 100% had held. */
  heldMs: number;
  published?: Published;
}

export async function finalize(db: Db, req: FinalizeRequest): Promise<FinalizeResult> {
  const { service, environment } = req;
  const [migration] = await listMigrations(db, { service, environment });
  if (!migration) throw badInput(`${service}/${environment} has no migration to finalize`);
  const run = await latestCanaryRun(db, migration.id);
  if (migration.status !== 'completed' || run?.state !== 'completed' || !run.stepStartedAt) {
    throw new CfgmigError(
      'conflict',
      `${service}/${environment}: the newest migration (${migration.id}) is ${migration.status}${run ? `, its canary ${run.state}` : ', with no canary'}; only a completed canary can be finalized`,
      { hint: 'Run `cfgmig canary --service ' + service + '` to 100% first.' },
    );
  }
  const heldMs = Date.now() - run.stepStartedAt.getTime();
  const [flag] = (await listFlags(db, { service, environment })).filter((f) => f.key === '*');
  const base = { service, environment, migrationId: migration.id, heldMs };
  if (flag?.mode === 'new_only') return { ...base, status: 'already_finalized' };
  if (flag?.mode !== 'new_with_fallback' || flag.percentBp !== FULL_BP) {
    throw new CfgmigError(
      'conflict',
      `${service}/${environment} is at ${flag?.mode ?? 'no flag'} ${flag ? `${flag.percentBp / 100}%` : ''}, not 100% new_with_fallback: nothing to finalize`,
      {
        hint: 'Someone moved the flag after the canary; run the canary again.',
      },
    );
  }
  if (heldMs < req.guardMs) {
    throw new CfgmigError(
      'conflict',
      `${service}/${environment}: 100% has held for ${Math.floor(heldMs / 1000)}s of the ${Math.round(req.guardMs / 1000)}s guard window; nothing changed`,
      {
        hint: `Finalize after ${new Date(run.stepStartedAt.getTime() + req.guardMs).toISOString()}, or pass a shorter --guard.`,
      },
    );
  }
  const who = actor(req.env);
  await withWriterLock(db, service, environment, who, (conn) =>
    conn.transaction((tx) =>
      setFlag(
        tx,
        { service, environment, mode: 'new_only', percentBp: FULL_BP, reason: `finalize ${migration.id}` },
        who,
      ),
    ),
  );
  const published = await publishOne(db, req.project, req.env, service, environment);
  return { ...base, status: 'finalized', published };
}
