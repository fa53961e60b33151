/**
 * `cfgmig keys rotate` through the built CLI: with the key file (cfgmig makes and swaps the
 * new key, keeping the old one), with keys from the environment (the user supplies the new
 * key), and resuming a rotation that was interrupted half-way.
 */
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKeyring, loadMasterKey } from '../../src/adapters/master-key.js';
import { readCredentials, writeCredentials } from '../../src/adapters/store/credentials.js';
import { rotateMasterKey } from '../../src/adapters/store/rotate.js';
import { keyIdOf } from '../../src/core/crypto/envelope.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';

const marker = () => `marker-${randomBytes(8).toString('hex')}`;
const scope = { service: 'api', environment: 'production' };
const b64 = (k: Buffer) => k.toString('base64');

async function seed(store: FreshStore, key: Buffer, n: number): Promise<Map<string, string>> {
  const values = new Map(Array.from({ length: n }, (_, i) => [`K${i}`, marker()]));
  const db = await store.open();
  try {
    await db.transaction((tx) =>
      writeCredentials(
        tx,
        keyring(key),
        scope,
        [...values].map(([k, value]) => ({ key: k, value })),
        'alice',
      ),
    );
  } finally {
    await db.close();
  }
  return values;
}

async function readAll(store: FreshStore, keys: ReturnType<typeof keyring>): Promise<Map<string, string>> {
  const db = await store.open();
  try {
    return new Map((await readCredentials(db, keys, scope, 'test')).map((c) => [c.key, c.value]));
  } finally {
    await db.close();
  }
}

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`cfgmig keys rotate [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('with the key file: creates the new key, swaps it in and keeps the old one', async () => {
      const store = await fresh({ migrated: true });
      const old = await loadMasterKey(store.root, {}); // creates .cfgmig/master.key
      const values = await seed(store, old, 30);
      const env = cleanEnv(store.env);
      const res = await runCli(['keys', 'rotate', '--project', store.root], { env });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      const next = await loadMasterKey(store.root, {});
      expect(keyIdOf(next)).not.toBe(keyIdOf(old));
      expect(res.stdout).toContain(
        `re-wrapped 30 credential data keys from ${keyIdOf(old)} to ${keyIdOf(next)}`,
      );
      const retired = join(store.root, `.cfgmig/master.key.retired-${keyIdOf(old)}`);
      expect(Buffer.from((await readFile(retired, 'utf8')).trim(), 'base64')).toEqual(old);
      expect((await stat(retired)).mode & 0o777).toBe(0o600);
      expect((await stat(join(store.root, '.cfgmig/master.key'))).mode & 0o777).toBe(0o600);
      await expect(stat(join(store.root, '.cfgmig/master.key.next'))).rejects.toThrow();
      expect(await readAll(store, await loadKeyring(store.root, {}))).toEqual(values);
      for (const v of values.values()) expect(res.stdout).not.toContain(v);

      const audit = await runCli(['audit', 'verify', '--project', store.root], { env });
      expect(audit).toMatchObject({ code: 0 });
    });

    it('with CFGMIG_MASTER_KEY: needs CFGMIG_NEW_MASTER_KEY, then rotates to it', async () => {
      const store = await fresh({ migrated: true });
      const old = randomBytes(32);
      const next = randomBytes(32);
      const values = await seed(store, old, 5);
      const missing = await runCli(['keys', 'rotate', '--project', store.root], {
        env: cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: b64(old) }),
      });
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('CFGMIG_NEW_MASTER_KEY is not set');
      const same = await runCli(['keys', 'rotate', '--project', store.root], {
        env: cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: b64(old), CFGMIG_NEW_MASTER_KEY: b64(old) }),
      });
      expect(same.code).toBe(2);

      const res = await runCli(['keys', 'rotate', '--json', '--project', store.root], {
        env: cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: b64(old), CFGMIG_NEW_MASTER_KEY: b64(next) }),
      });
      expect(res.code).toBe(0);
      expect(JSON.parse(res.stdout)).toEqual({
        formatVersion: 1,
        oldKeyId: keyIdOf(old),
        newKeyId: keyIdOf(next),
        rewrapped: 5,
        alreadyDone: 0,
        keySource: 'env',
        retiredKeyFile: null,
        republished: 0, // credentials only, no configuration refers to them: nothing published
      });
      expect(await readAll(store, keyring(next))).toEqual(values);
    });

    it('resumes an interrupted rotation, reading both keys meanwhile', async () => {
      const store = await fresh({ migrated: true });
      const old = await loadMasterKey(store.root, {});
      const values = await seed(store, old, 1100);
      // An interrupted run: the next key file exists and the first batch was re-wrapped.
      const next = randomBytes(32);
      await writeFile(join(store.root, '.cfgmig/master.key.next'), `${b64(next)}\n`, { mode: 0o600 });
      const stop = new AbortController();
      const db = await store.open();
      await rotateMasterKey(db, old, next, 'ops', () => stop.abort(), stop.signal).catch(() => undefined);
      await db.close();
      // Meanwhile every credential still reads, with the keyring cfgmig loads.
      expect(await readAll(store, await loadKeyring(store.root, {}))).toEqual(values);

      const res = await runCli(['keys', 'rotate', '--project', store.root], { env: cleanEnv(store.env) });
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('re-wrapped 600 credential data keys');
      expect(res.stdout).toContain('(500 already done by an earlier run)');
      expect(keyIdOf(await loadMasterKey(store.root, {}))).toBe(keyIdOf(next));
      expect(await readAll(store, keyring(next))).toEqual(values);
    });
  });
}
