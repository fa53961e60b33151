/**
 * The audit log on both backends: writes append rows in their own transaction, the chain
 * verifies, a tampered row is named, and racing writers on PostgreSQL still leave one line.
 */
import { describe, expect, it } from 'vitest';
import { appendAudit, verifyAudit } from '../../src/adapters/store/audit.js';
import { writeVersion } from '../../src/adapters/store/configs.js';
import type { Db } from '../../src/adapters/store/db.js';
import { defineEnvironment } from '../../src/adapters/store/environments.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';

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
        expect(await verifyAudit(db)).toEqual({ rows: 0, brokenId: null });
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
        expect(await verifyAudit(db)).toEqual({ rows: 3, brokenId: null });
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
      });
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
          expect(await verifyAudit(db)).toEqual({ rows: 60, brokenId: null });
        } finally {
          await db.close();
        }
      });
    }
  });
}
