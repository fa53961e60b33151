/**
 * Plants unique marker credentials in a store and runs every store command's output paths —
 * human, --json, errors with --debug (wrong master key, a tampered row) — grepping all of it
 * for the markers. The plaintext must never leave the vault's memory.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeVersion } from '../../src/adapters/store/configs.js';
import { readCredentials, writeCredentials } from '../../src/adapters/store/credentials.js';
import { defineEnvironment } from '../../src/adapters/store/environments.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { credentialRef } from '../../src/core/store/credential-ref.js';
import { cleanEnv, runCli, type CliRun } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';

const marker = (tag: string) => `Mk${tag}${randomBytes(12).toString('hex')}`;

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(
    `store commands never print a credential [${backend.name}]`,
    () => {
      const fresh = useStores(backend.name);

      it('no marker in any output of store info, history, diff, keys rotate or audit verify', async () => {
        const store = await fresh({ migrated: true });
        const master = randomBytes(32);
        const M = { a: marker('A'), b: marker('B'), c: marker('C'), long: marker('Long').repeat(300) };
        const scope = { service: 'api', environment: 'production' };
        const db = await store.open();
        try {
          await defineEnvironment(db, 'staging');
          await defineEnvironment(db, 'production');
          const put = (environment: string, key: string, value: string) =>
            db.transaction((tx) =>
              writeCredentials(tx, keyring(master), { ...scope, environment }, [{ key, value }], 'a'),
            );
          await put('production', 'DB_PASSWORD', M.a);
          await put('production', 'DB_PASSWORD', M.b);
          await put('production', 'CERT', M.long);
          await put('staging', 'DB_PASSWORD', M.c);
          const ref = (environment: string, key: string, version: number) => ({
            password: credentialRef({ environment, key, version }),
          });
          await writeVersion(db, {
            ...scope,
            expectedVersion: 0,
            data: ref('production', 'DB_PASSWORD', 1),
            author: 'a',
            reason: 'r',
          });
          await writeVersion(db, {
            ...scope,
            expectedVersion: 1,
            data: {
              ...ref('production', 'DB_PASSWORD', 2),
              cert: credentialRef({ environment: 'production', key: 'CERT', version: 1 }),
            },
            author: 'a',
            reason: 'r',
          });
          await writeVersion(db, {
            ...scope,
            environment: 'staging',
            expectedVersion: 0,
            data: ref('staging', 'DB_PASSWORD', 1),
            author: 'a',
            reason: 'r',
          });
          // The markers are really there, so finding none below means something.
          const stored = await readCredentials(db, keyring(master), scope, 't');
          expect(stored.map((c) => c.value).sort()).toEqual([M.b, M.long].sort());
        } finally {
          await db.close();
        }

        const env = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: master.toString('base64') });
        const wrongKey = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: randomBytes(32).toString('base64') });
        const runs: [string, CliRun][] = [];
        const run = async (args: string[], e = env) => {
          const res = await runCli([...args, '--project', store.root], { env: e });
          runs.push([args.join(' '), res]);
          return res;
        };
        for (const json of [[], ['--json']]) {
          await run(['store', 'info', ...json]);
          await run(['history', '--service', 'api', ...json]);
          await run(['diff', '--service', 'api', '--env', 'production', '--from', '1', ...json]);
          await run(['diff', '--service', 'api', '--env', 'staging', '--env', 'production', ...json]);
          await run(['audit', 'verify', ...json]);
        }
        // Error paths, with --debug stacks.
        expect(
          (await run(['diff', '--service', 'api', '--env', 'production', '--from', '1', '--debug'], wrongKey))
            .code,
        ).toBe(1);
        const tamper = await store.connect();
        await tamper.query(
          `UPDATE credentials SET ciphertext = ciphertext || '\\x00'::bytea WHERE environment = 'staging'`,
        );
        await tamper.close();
        expect(
          (await run(['diff', '--service', 'api', '--env', 'staging', '--env', 'production', '--debug']))
            .code,
        ).toBe(1);
        expect(
          (
            await run(
              ['keys', 'rotate', '--debug'],
              cleanEnv({ ...wrongKey, CFGMIG_NEW_MASTER_KEY: randomBytes(32).toString('base64') }),
            )
          ).code,
        ).toBe(1);

        const ok = runs.filter(([, r]) => r.code === 0);
        expect(ok.length).toBe(10);
        for (const [args, r] of runs) {
          for (const m of Object.values(M)) {
            expect(r.stdout, args).not.toContain(m.slice(0, 30));
            expect(r.stderr, args).not.toContain(m.slice(0, 30));
          }
        }
      });
    },
  );
}
