/**
 * The rows later commands drive — migration flags, migration records, canary runs and gate
 * results — on both backends: typed round trips, the rules they refuse to break, and
 * compare-and-set / lease semantics that keep two cfgmig processes from trampling each other.
 */
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/adapters/store/audit.js';
import {
  acquireLease,
  createCanaryRun,
  getCanaryRun,
  latestCanaryRun,
  listGateResults,
  recordGateResult,
  releaseLease,
  updateCanaryRun,
} from '../../src/adapters/store/canary-runs.js';
import type { Db } from '../../src/adapters/store/db.js';
import { listFlags, setFlag } from '../../src/adapters/store/flags.js';
import {
  createMigration,
  getMigration,
  listMigrations,
  moveMigration,
} from '../../src/adapters/store/migration-records.js';
import { flagFor, type FlagMode } from '../../src/core/store/lifecycle.js';
import { rejection } from '../support/errors.js';
import { storeBackends, useStores } from '../support/stores.js';

const newMigration = (id: string) => ({
  id,
  service: 'trading-engine',
  environment: 'production',
  baseVersion: 3,
  planChecksum: 'abc',
  rollbackPlan: { restore: { version: 3 }, flags: [{ key: '*', mode: 'legacy_only' }] },
  createdBy: 'alice',
});

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`flags, migrations, canary runs [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> =>
      (await fresh({ migrated: true })).use(fn);

    it('sets and lists migration flags; a key flag overrides the service-wide one', async () => {
      await withDb(async (db) => {
        const base = { service: 'api', environment: 'production' };
        await db.transaction((tx) =>
          setFlag(tx, { ...base, mode: 'new_with_fallback', percentBp: 500 }, 'ops'),
        );
        await db.transaction((tx) =>
          setFlag(tx, { ...base, key: 'DB_URL', mode: 'legacy_only', percentBp: 0 }, 'ops'),
        );
        // Changing a flag replaces it.
        await db.transaction((tx) =>
          setFlag(tx, { ...base, mode: 'new_with_fallback', percentBp: 2500 }, 'ops'),
        );
        const flags = await listFlags(db, base);
        expect(
          flags.map(({ key, mode, percentBp, migrationId }) => ({ key, mode, percentBp, migrationId })),
        ).toEqual([
          { key: '*', mode: 'new_with_fallback', percentBp: 2500, migrationId: null },
          { key: 'DB_URL', mode: 'legacy_only', percentBp: 0, migrationId: null },
        ]);
        expect(flags[0]!.updatedAt).toBeInstanceOf(Date);
        expect(flagFor(flags, 'DB_URL')?.mode).toBe('legacy_only');
        expect(flagFor(flags, 'OTHER')?.percentBp).toBe(2500);
        expect(await listFlags(db, { service: 'nope' })).toEqual([]);

        for (const bad of [
          { mode: 'sometimes', percentBp: 0 },
          { mode: 'new_with_fallback', percentBp: 10001 },
          { mode: 'new_with_fallback', percentBp: 1.5 },
          { mode: 'new_only', percentBp: 5000 },
          { mode: 'legacy_only', percentBp: 100 },
        ]) {
          const e = await rejection(
            db.transaction((tx) => setFlag(tx, { ...base, ...bad, mode: bad.mode as FlagMode }, 'ops')),
          );
          expect(e.exitCode).toBe(2);
        }
        // A flag naming a migration that does not exist is refused by the schema.
        await expect(
          db.transaction((tx) =>
            setFlag(tx, { ...base, mode: 'new_only', percentBp: 10000, migrationId: 'm-x' }, 'o'),
          ),
        ).rejects.toThrow();
        expect(await listFlags(db, base)).toHaveLength(2);
        expect(await verifyAudit(db)).toMatchObject({ rows: 3, brokenId: null, tail: null });
      });
    });

    it('records migrations and moves their status by compare-and-set along the allowed moves', async () => {
      await withDb(async (db) => {
        const m = await db.transaction((tx) => createMigration(tx, newMigration('m-1')));
        expect(m).toMatchObject({ id: 'm-1', status: 'pending', baseVersion: 3, targetVersion: null });
        expect((await getMigration(db, 'm-1'))?.rollbackPlan).toEqual(newMigration('m-1').rollbackPlan);
        expect(
          (await rejection(db.transaction((tx) => createMigration(tx, newMigration('m-1'))))).exitCode,
        ).toBe(2);

        await db.transaction((tx) => moveMigration(tx, 'm-1', 'pending', 'applying', 'alice'));
        const applied = await db.transaction((tx) =>
          moveMigration(tx, 'm-1', 'applying', 'applied', 'alice', { targetVersion: 4 }),
        );
        expect(applied).toMatchObject({ status: 'applied', targetVersion: 4 });
        // Stale: someone saw it as applying.
        const stale = await rejection(
          db.transaction((tx) => moveMigration(tx, 'm-1', 'applying', 'applied', 'bob')),
        );
        expect(stale.exitCode).toBe(3);
        expect(stale.message).toBe('migration m-1 is applied, not applying: it was changed meanwhile');
        // Not an allowed move at all.
        const illegal = await rejection(
          db.transaction((tx) => moveMigration(tx, 'm-1', 'applied', 'pending', 'bob')),
        );
        expect(illegal.message).toBe('migration m-1 is applied: it cannot become pending');
        await db.transaction((tx) => moveMigration(tx, 'm-1', 'applied', 'rolling_back', 'bob'));
        await db.transaction((tx) => moveMigration(tx, 'm-1', 'rolling_back', 'rolled_back', 'bob'));
        const final = await rejection(
          db.transaction((tx) => moveMigration(tx, 'm-1', 'rolled_back', 'applying', 'bob')),
        );
        expect(final.hint).toMatch(/final/);
        expect(
          await rejection(db.transaction((tx) => moveMigration(tx, 'nope', 'pending', 'applying', 'x'))),
        ).toMatchObject({
          code: 'badInput',
        });

        await db.transaction((tx) => createMigration(tx, { ...newMigration('m-2'), service: 'api' }));
        expect((await listMigrations(db, { service: 'trading-engine' })).map((r) => r.id)).toEqual(['m-1']);
        expect((await listMigrations(db)).map((r) => r.id).sort()).toEqual(['m-1', 'm-2']);
        expect(await verifyAudit(db)).toMatchObject({ brokenId: null, tail: null });
      });
    });

    if (backend.name === 'postgres') {
      it('lets exactly one of many racing processes make the same status move', async () => {
        await withDb(async (db) => {
          await db.transaction((tx) => createMigration(tx, newMigration('m-race')));
          const results = await Promise.allSettled(
            Array.from({ length: 8 }, (_, i) =>
              db.transaction((tx) => moveMigration(tx, 'm-race', 'pending', 'applying', `p${i}`)),
            ),
          );
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        });
      });
    }

    it('drives a canary run under a lease; another driver waits for it or takes over an expired one', async () => {
      await withDb(async (db) => {
        await db.transaction((tx) => createMigration(tx, newMigration('m-c')));
        const bad = await rejection(
          db.transaction((tx) =>
            createCanaryRun(tx, { migrationId: 'm-c', schedule: [100, 50, 10000] }, 'a'),
          ),
        );
        expect(bad.message).toMatch(/increasing basis points ending at 10000/);
        const created = await db.transaction((tx) =>
          createCanaryRun(tx, { migrationId: 'm-c', schedule: [100, 500, 10000] }, 'alice'),
        );
        expect(created).toMatchObject({
          migrationId: 'm-c',
          schedule: [100, 500, 10000],
          step: 0,
          state: 'pending',
        });
        expect((await latestCanaryRun(db, 'm-c'))?.id).toBe(created.id);

        // No lease yet: no change.
        expect(
          (
            await rejection(
              db.transaction((tx) => updateCanaryRun(tx, created.id, 'host-a', { state: 'running' })),
            )
          ).exitCode,
        ).toBe(3);

        const leased = await acquireLease(db, created.id, 'host-a', 60_000);
        expect(leased.leaseOwner).toBe('host-a');
        expect(leased.leaseExpiresAt!.getTime()).toBeGreaterThan(Date.now() + 30_000);
        await acquireLease(db, created.id, 'host-a', 60_000); // renewing is fine
        const taken = await rejection(acquireLease(db, created.id, 'host-b', 60_000));
        expect(taken.message).toMatch(
          new RegExp(`^canary run ${created.id} is driven by host-a until \\d{4}-`),
        );
        expect(taken.exitCode).toBe(3);

        const moved = await db.transaction((tx) =>
          updateCanaryRun(tx, created.id, 'host-a', { step: 1, state: 'running' }),
        );
        expect(moved).toMatchObject({ step: 1, state: 'running' });
        expect(
          (await rejection(db.transaction((tx) => updateCanaryRun(tx, created.id, 'host-a', { step: 3 }))))
            .exitCode,
        ).toBe(2);
        expect(
          (await rejection(db.transaction((tx) => updateCanaryRun(tx, created.id, 'host-b', { step: 2 }))))
            .exitCode,
        ).toBe(3);

        // host-a crashes: its lease runs out, host-b takes over and host-a can no longer write.
        await db.query(
          `UPDATE canary_runs SET lease_expires_at = now() - interval '1 second' WHERE id = $1`,
          [created.id],
        );
        const expired = await rejection(
          db.transaction((tx) => updateCanaryRun(tx, created.id, 'host-a', { step: 2 })),
        );
        expect(expired.message).toBe(`the lease on canary run ${created.id} expired`);
        await acquireLease(db, created.id, 'host-b', 60_000);
        await rejection(db.transaction((tx) => updateCanaryRun(tx, created.id, 'host-a', { step: 2 })));
        await db.transaction((tx) =>
          updateCanaryRun(tx, created.id, 'host-b', { step: 2, state: 'promoted' }),
        );
        await releaseLease(db, created.id, 'host-b');
        expect(await getCanaryRun(db, created.id)).toMatchObject({
          step: 2,
          state: 'promoted',
          leaseOwner: null,
        });

        await db.transaction(async (tx) => {
          await recordGateResult(tx, {
            canaryRunId: created.id,
            step: 0,
            gate: 'error-rate',
            passed: true,
            observed: { rate: 0.001 },
          });
          await recordGateResult(tx, {
            canaryRunId: created.id,
            step: 1,
            gate: 'latency-p99',
            passed: false,
            observed: { ms: 250 },
          });
        });
        const gates = await listGateResults(db, created.id);
        expect(gates.map(({ step, gate, passed, observed }) => ({ step, gate, passed, observed }))).toEqual([
          { step: 0, gate: 'error-rate', passed: true, observed: { rate: 0.001 } },
          { step: 1, gate: 'latency-p99', passed: false, observed: { ms: 250 } },
        ]);
        expect(gates[0]!.at).toBeInstanceOf(Date);
        expect(await verifyAudit(db)).toMatchObject({ brokenId: null, tail: null });
      });
    });
  });
}
