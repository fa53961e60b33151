/**
 * The audit log on both backends: writes append rows in their own transaction, the chain
 * verifies, a tampered row is named, and racing writers on PostgreSQL still leave one line.
 */
import { describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '../../src/adapters/store/audit.js';
import { writeVersion } from '../../src/adapters/store/configs.js';
import type { Db } from '../../src/adapters/store/db.js';
import { defineEnvironment } from '../../src/adapters/store/environments.js';
import { knownMigrations, migrate } from '../../src/adapters/store/migrate.js';
import { GENESIS_HASH, rowHash } from '../../src/core/store/audit-chain.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';

/** Rows as version 1 wrote them (before the head existed): a linked chain. */
const chainRows: { prev: string; hash: string; at: string }[] = [];
function chainRow(i: number): [string, unknown[]] {
  if (i === 0) chainRows.length = 0;
  const prev = chainRows[i - 1]?.hash ?? GENESIS_HASH;
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
  const hash = rowHash(prev, { at, actor: 'a', action: 'x', subject: 's', details: {} });
  chainRows.push({ prev, hash, at });
  return [
    `INSERT INTO audit_log (at, actor, action, subject, details, prev_hash, hash) VALUES ($1, 'a', 'x', 's', '{}', $2, $3)`,
    [at, prev, hash],
  ];
}

const write = (db: Db, service: string, expectedVersion: number, data: object) =>
  writeVersion(db, {
    service,
    environment: 'production',
    expectedVersion,
    data: data as never,
    author: 'alice',
    reason: 'test',
  });

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`audit log [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('records writes and environment definitions, without values, in a verifying chain', async () => {
      const db = await (await fresh({ migrated: true })).open();
      try {
        expect(await verifyAudit(db)).toEqual({ rows: 0, brokenId: null, tail: null });
        await defineEnvironment(db, 'production', [], 'bob');
        await write(db, 'api', 0, { password: 'MARKER-not-in-audit' });
        await write(db, 'api', 1, { b: 2 });
        // A refused write (stale version) rolls back and leaves no audit row.
        await expect(write(db, 'api', 1, { c: 3 })).rejects.toThrow(/expected 1/);
        const rows = await db.query<{ actor: string; action: string; subject: string; details: unknown }>(
          'SELECT actor, action, subject, details FROM audit_log ORDER BY id',
        );
        expect(rows.map((r) => [r.actor, r.action, r.subject])).toEqual([
          ['bob', 'environment.define', 'production'],
          ['alice', 'config.write', 'api/production'],
          ['alice', 'config.write', 'api/production'],
        ]);
        expect(rows[1]!.details).toMatchObject({ version: 1, reason: 'test' });
        expect(JSON.stringify(rows)).not.toContain('MARKER');
        expect(await verifyAudit(db)).toEqual({ rows: 3, brokenId: null, tail: null });
      } finally {
        await db.close();
      }
    });

    it('names the first tampered row, also through `cfgmig audit verify`', async () => {
      const store = await fresh({ migrated: true });
      let db = await store.open();
      for (let v = 0; v < 4; v++) await write(db, 'api', v, { v });
      await db.close();
      const env = cleanEnv(store.env);
      const ok = await runCli(['audit', 'verify', '--project', store.root], { env });
      expect(ok).toMatchObject({ code: 0, stdout: 'audit chain intact (4 rows)\n' });

      db = await store.connect();
      const [second] = await db.query<{ id: number }>(
        'SELECT id FROM audit_log ORDER BY id OFFSET 1 LIMIT 1',
      );
      await db.query(`UPDATE audit_log SET details = '{"version": 99}'::jsonb WHERE id = $1`, [second!.id]);
      expect((await verifyAudit(db)).brokenId).toBe(second!.id);
      await db.close();

      const bad = await runCli(['audit', 'verify', '--project', store.root], { env });
      expect(bad.code).toBe(1);
      expect(bad.stdout).toContain(`audit chain broken at row ${second!.id}`);
      const json = await runCli(['audit', 'verify', '--json', '--project', store.root], { env });
      expect(json.code).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({
        formatVersion: 1,
        intact: false,
        rows: 2,
        brokenId: second!.id,
        tail: null,
      });
    });

    it('notices rows deleted from the end of the log, which leave a chain that still links up', async () => {
      const store = await fresh({ migrated: true });
      let db = await store.open();
      for (let v = 0; v < 5; v++) await write(db, 'api', v, { v });
      const ids = (await db.query<{ id: number }>('SELECT id FROM audit_log ORDER BY id')).map((r) => r.id);
      await db.query('DELETE FROM audit_log WHERE id >= $1', [ids[3]]);
      expect(await verifyAudit(db)).toEqual({
        rows: 3,
        brokenId: null,
        tail: { lastId: ids[2], expectedLastId: ids[4], expectedRows: 5 },
      });
      // Emptying the whole log is caught the same way.
      await db.query('DELETE FROM audit_log');
      expect((await verifyAudit(db)).tail).toEqual({ lastId: null, expectedLastId: ids[4], expectedRows: 5 });
      await db.close();
      const res = await runCli(['audit', 'verify', '--project', store.root], { env: cleanEnv(store.env) });
      expect(res.code).toBe(1);
      expect(res.stdout).toContain(
        `audit log ends at row (none) (0 rows), but the last append recorded row ${ids[4]} (5 rows)`,
      );

      // The head moves with every append, so a log that kept growing normally verifies.
      db = await (await fresh({ migrated: true })).open();
      try {
        for (let v = 0; v < 3; v++) await write(db, 'api', v, { v });
        expect(await verifyAudit(db)).toEqual({ rows: 3, brokenId: null, tail: null });
      } finally {
        await db.close();
      }
    });

    it('gives a store made before the audit head a head that matches its log', async () => {
      const store = await fresh();
      const old = await store.connect();
      await migrate(
        old,
        knownMigrations().filter((m) => m.version === 1),
      );
      await old.query(`INSERT INTO environments (name) VALUES ('production')`);
      for (let i = 0; i < 3; i++) {
        await old.transaction((tx) => tx.query(...chainRow(i)));
      }
      await old.close();
      const db = await store.open();
      try {
        expect(await verifyAudit(db)).toEqual({ rows: 3, brokenId: null, tail: null });
        await write(db, 'api', 0, { a: 1 });
        expect(await verifyAudit(db)).toEqual({ rows: 4, brokenId: null, tail: null });
      } finally {
        await db.close();
      }
    });

    if (backend.name === 'postgres') {
      it('keeps one linear chain when many transactions append at once', async () => {
        const db = await (await fresh()).open();
        try {
          // Separate services so no write is refused: every one appends, on its own pooled connection.
          await Promise.all(Array.from({ length: 40 }, (_, i) => write(db, `svc-${i % 8}-${i}`, 0, { i })));
          await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
              db.transaction((tx) => appendAudit(tx, { actor: 'x', action: 'test', subject: `${i}` })),
            ),
          );
          expect(await verifyAudit(db)).toEqual({ rows: 60, brokenId: null, tail: null });
        } finally {
          await db.close();
        }
      });
    }
  });
}
