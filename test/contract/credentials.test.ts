/**
 * The vault on both backends: versioned credentials that decrypt only where and with the key
 * they were written, an access log of every read and write, tampering caught at the row, and
 * a master key rotation that survives interruption.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/adapters/store/audit.js';
import { listCredentials, readCredentials, writeCredentials } from '../../src/adapters/store/credentials.js';
import type { Db } from '../../src/adapters/store/db.js';
import { rotateMasterKey } from '../../src/adapters/store/rotate.js';
import { keyIdOf } from '../../src/core/crypto/envelope.js';
import { keyring, type Keyring } from '../../src/core/crypto/keyring.js';
import { rejection } from '../support/errors.js';
import { storeBackends, useStores } from '../support/stores.js';

const scope = { service: 'trading-engine', environment: 'production' };
const marker = () => `marker-${randomBytes(8).toString('hex')}`;

const put = (db: Db, keys: Keyring, items: { key: string; value: string }[], s = scope) =>
  db.transaction((tx) => writeCredentials(tx, keys, s, items, 'alice'));

async function allText(db: Db): Promise<string> {
  const tables = ['credentials', 'credential_access_log', 'audit_log'];
  const parts: string[] = [];
  for (const t of tables) parts.push(JSON.stringify(await db.query(`SELECT * FROM ${t}`)));
  return parts.join('\n');
}

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`credentials [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    const withDb = async <T>(fn: (db: Db) => Promise<T>): Promise<T> =>
      (await fresh({ migrated: true })).use(fn);

    it('keeps versions, reads current and given ones, and logs every read and write', async () => {
      await withDb(async (db) => {
        const keys = keyring(randomBytes(32));
        const [a1, a2, b1] = [marker(), marker(), marker()];
        expect(
          await put(db, keys, [
            { key: 'DB_PASSWORD', value: a1 },
            { key: 'API_TOKEN', value: b1 },
          ]),
        ).toEqual([
          { key: 'DB_PASSWORD', version: 1 },
          { key: 'API_TOKEN', version: 1 },
        ]);
        expect(await put(db, keys, [{ key: 'DB_PASSWORD', value: a2 }])).toEqual([
          { key: 'DB_PASSWORD', version: 2 },
        ]);

        const current = await readCredentials(db, keys, scope, 'bob');
        expect(current).toEqual([
          { key: 'API_TOKEN', version: 1, value: b1 },
          { key: 'DB_PASSWORD', version: 2, value: a2 },
        ]);
        expect(await readCredentials(db, keys, scope, 'bob', { names: ['DB_PASSWORD'], version: 1 })).toEqual(
          [{ key: 'DB_PASSWORD', version: 1, value: a1 }],
        );
        expect(await readCredentials(db, keys, { ...scope, environment: 'staging' }, 'bob')).toEqual([]);

        const list = await listCredentials(db, scope);
        expect(list.map(({ key, version, keyId, author }) => ({ key, version, keyId, author }))).toEqual([
          { key: 'API_TOKEN', version: 1, keyId: keys.primaryId, author: 'alice' },
          { key: 'DB_PASSWORD', version: 2, keyId: keys.primaryId, author: 'alice' },
        ]);

        const log = await db.query<{ actor: string; action: string; key: string; version: number }>(
          'SELECT actor, action, key, version FROM credential_access_log ORDER BY id',
        );
        expect(log).toEqual([
          { actor: 'alice', action: 'write', key: 'DB_PASSWORD', version: 1 },
          { actor: 'alice', action: 'write', key: 'API_TOKEN', version: 1 },
          { actor: 'alice', action: 'write', key: 'DB_PASSWORD', version: 2 },
          { actor: 'bob', action: 'read', key: 'API_TOKEN', version: 1 },
          { actor: 'bob', action: 'read', key: 'DB_PASSWORD', version: 2 },
          { actor: 'bob', action: 'read', key: 'DB_PASSWORD', version: 1 },
        ]);
        expect(await verifyAudit(db)).toMatchObject({ rows: 2, brokenId: null });
        const text = await allText(db);
        for (const m of [a1, a2, b1]) expect(text).not.toContain(m);
      });
    });

    it('writes nothing when the transaction around the write fails', async () => {
      await withDb(async (db) => {
        const keys = keyring(randomBytes(32));
        await expect(
          db.transaction(async (tx) => {
            await writeCredentials(tx, keys, scope, [{ key: 'K', value: marker() }], 'alice');
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        for (const t of ['credentials', 'credential_access_log', 'audit_log']) {
          expect(await db.query(`SELECT 1 FROM ${t}`)).toEqual([]);
        }
      });
    });

    it('refuses a wrong master key, an altered row and a moved row, naming the credential', async () => {
      await withDb(async (db) => {
        const keys = keyring(randomBytes(32));
        const secret = marker();
        await put(db, keys, [
          { key: 'DB_PASSWORD', value: secret },
          { key: 'OTHER', value: marker() },
        ]);
        const read = () => readCredentials(db, keys, scope, 'bob', { names: ['DB_PASSWORD'] });
        const check = async (p: Promise<unknown>, pattern: RegExp) => {
          const e = await rejection(p);
          expect(e.message).toMatch(pattern);
          expect(`${e.message}${e.hint}`).not.toContain(secret);
        };

        await check(readCredentials(db, keyring(randomBytes(32)), scope, 'bob'), /master key in use is/);

        const flipLast = (col: string) =>
          db.query(
            `UPDATE credentials SET ${col} = overlay(${col} placing decode(lpad(to_hex(get_byte(${col}, length(${col}) - 1) # 1), 2, '0'), 'hex') from length(${col}))
              WHERE key = 'DB_PASSWORD'`,
          );
        for (const col of ['ciphertext', 'tag', 'iv', 'wrapped_key']) {
          await flipLast(col);
          await check(read(), /DB_PASSWORD version 1 cannot be decrypted: the row was altered or moved/);
          await flipLast(col); // flipping back restores it
          expect((await read())[0]!.value).toBe(secret);
        }

        // Moved: the row relabelled as another key, environment or version.
        for (const [col, value] of [
          ['key', "'MOVED'"],
          ['environment', "'staging'"],
          ['version', '7'],
        ] as const) {
          const [backCol, backValue] = [
            col,
            col === 'version' ? '1' : col === 'key' ? "'DB_PASSWORD'" : "'production'",
          ];
          await db.query(`UPDATE credentials SET ${col} = ${value} WHERE key = 'DB_PASSWORD'`);
          const where = {
            key: { ...scope, names: ['MOVED'] },
            environment: { ...scope, environment: 'staging', names: ['DB_PASSWORD'] },
            version: { ...scope, names: ['DB_PASSWORD'] },
          }[col];
          await check(
            readCredentials(db, keys, { service: where.service, environment: where.environment }, 'bob', {
              names: where.names,
            }),
            /altered or moved/,
          );
          await db.query(`UPDATE credentials SET ${backCol} = ${backValue} WHERE ${col} = ${value}`);
        }
        expect((await read())[0]!.value).toBe(secret);
        // Failed reads hand out nothing, so they log nothing either.
        const reads = await db.query('SELECT 1 FROM credential_access_log WHERE action = $1', ['read']);
        expect(reads.length).toBe(5);
      });
    });

    it('rotates the master key without touching values, and resumes an interrupted rotation', async () => {
      await withDb(async (db) => {
        const old = randomBytes(32);
        const next = randomBytes(32);
        const values = Array.from({ length: 1203 }, (_, i) => ({ key: `K${i}`, value: marker() }));
        await put(db, keyring(old), values);
        await put(db, keyring(old), [{ key: 'K0', value: 'v2' }], { ...scope, environment: 'staging' });
        const before = await db.query<{ key: string; ciphertext: Buffer }>(
          'SELECT key, ciphertext FROM credentials ORDER BY key, environment',
        );

        // Interrupted after the first batch: the rows done are under the new key, the rest under the old.
        const stop = new AbortController();
        await expect(
          rotateMasterKey(
            db,
            old,
            next,
            'ops',
            (done) => {
              if (done > 0) stop.abort(new Error('interrupted'));
            },
            stop.signal,
          ),
        ).rejects.toThrow('interrupted');
        const split = await db.query<{ key_id: string; n: number }>(
          'SELECT key_id, count(*)::int AS n FROM credentials GROUP BY key_id ORDER BY key_id',
        );
        expect(split.map((r) => r.n).sort((a, b) => a - b)).toEqual([500, 704]);
        // Mid-rotation, a keyring holding both keys still reads everything.
        const both = keyring(old, [next]);
        expect(await readCredentials(db, both, scope, 'bob')).toHaveLength(1203);

        const result = await rotateMasterKey(db, old, next, 'ops');
        expect(result).toEqual({
          oldKeyId: keyIdOf(old),
          newKeyId: keyIdOf(next),
          rewrapped: 704,
          alreadyDone: 500,
        });
        const after = await db.query<{ key: string; ciphertext: Buffer }>(
          'SELECT key, ciphertext FROM credentials ORDER BY key, environment',
        );
        expect(after).toEqual(before); // values untouched
        const got = await readCredentials(db, keyring(next), scope, 'bob');
        expect(new Map(got.map((g) => [g.key, g.value]))).toEqual(
          new Map(values.map((v) => [v.key, v.value])),
        );
        await rejection(readCredentials(db, keyring(old), scope, 'bob', { names: ['K1'] }));

        // Running it again finds nothing to do.
        expect(await rotateMasterKey(db, old, next, 'ops')).toMatchObject({
          rewrapped: 0,
          alreadyDone: 1204,
        });
        const rewraps = await db.query('SELECT 1 FROM credential_access_log WHERE action = $1', ['rewrap']);
        expect(rewraps.length).toBe(1204);
        const audit = await db.query<{ details: { rewrapped: number } }>(
          "SELECT details FROM audit_log WHERE action = 'keys.rotate' ORDER BY id",
        );
        expect(audit.map((a) => a.details.rewrapped)).toEqual([704, 0]);
        expect(await verifyAudit(db)).toMatchObject({ brokenId: null });
      });
    });

    it('stops a rotation at a row it cannot unwrap, leaving the batch as it was', async () => {
      await withDb(async (db) => {
        const old = randomBytes(32);
        const stranger = randomBytes(32);
        await put(db, keyring(old), [{ key: 'A', value: marker() }]);
        await put(db, keyring(stranger), [{ key: 'B', value: marker() }]);
        const e = await rejection(rotateMasterKey(db, old, randomBytes(32), 'ops'));
        expect(e.message).toContain(`wrapped under master key ${keyIdOf(stranger)}`);
        const ids = await db.query<{ key_id: string }>('SELECT key_id FROM credentials ORDER BY key');
        expect(ids.map((r) => r.key_id)).toEqual([keyIdOf(old), keyIdOf(stranger)]);
      });
    });
  });
}
