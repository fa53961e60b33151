/**
 * `cfgmig diff` through the built CLI on both backends: versions of one environment and the
 * effective configurations of two, credentials shown only as changed/unchanged (a new
 * version holding the same secret is unchanged), marker secrets never printed, and bad
 * usage refused with exit 2.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { writeVersion } from '../../src/adapters/store/configs.js';
import { writeCredentials } from '../../src/adapters/store/credentials.js';
import type { Db } from '../../src/adapters/store/db.js';
import { defineEnvironment } from '../../src/adapters/store/environments.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { credentialRef } from '../../src/core/store/credential-ref.js';
import type { Json } from '../../src/core/store/canonical.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';

const marker = () => `marker-${randomBytes(8).toString('hex')}`;

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`cfgmig diff [${backend.name}]`, () => {
    const fresh = useStores(backend.name);
    const masterKey = randomBytes(32);
    const secrets = [marker(), marker(), marker()];

    /** api: global v1; production v1..v3 (password rotated to a new value, then re-set to the same value). */
    async function seeded() {
      const store = await fresh({ migrated: true });
      const db: Db = await store.open();
      const keys = keyring(masterKey);
      const put = (environment: string, key: string, value: string) =>
        db.transaction((tx) =>
          writeCredentials(tx, keys, { service: 'api', environment }, [{ key, value }], 'alice'),
        );
      const write = (environment: string, expectedVersion: number, data: Json) =>
        writeVersion(db, {
          service: 'api',
          environment,
          expectedVersion,
          data,
          author: 'alice',
          reason: 'test',
        });
      try {
        await defineEnvironment(db, 'global');
        await defineEnvironment(db, 'staging', ['global']);
        await defineEnvironment(db, 'production', ['global']);
        await write('global', 0, { log: { level: 'info' }, timeoutMs: 1000 });
        await put('production', 'DB_PASSWORD', secrets[0]!); // v1
        await put('production', 'DB_PASSWORD', secrets[1]!); // v2, a new value
        await put('production', 'DB_PASSWORD', secrets[1]!); // v3, the same value again
        await put('staging', 'DB_PASSWORD', secrets[2]!);
        await put('production', 'API_TOKEN', secrets[2]!);
        const pw = (version: number) =>
          credentialRef({ environment: 'production', key: 'DB_PASSWORD', version });
        const token = credentialRef({ environment: 'production', key: 'API_TOKEN', version: 1 });
        await write('production', 0, { db: { host: 'db-1', password: pw(1) }, token, legacy: true });
        await write('production', 1, { db: { host: 'db-2', password: pw(2) }, token, pool: [1, 2] });
        await write('production', 2, { db: { host: 'db-2', password: pw(3) }, token, pool: [1, 2] });
        await write('staging', 0, {
          db: {
            host: 'db-s',
            password: credentialRef({ environment: 'staging', key: 'DB_PASSWORD', version: 1 }),
          },
          token,
        });
      } finally {
        await db.close();
      }
      const env = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: masterKey.toString('base64') });
      const cli = async (...args: string[]) => {
        const res = await runCli(['diff', '--project', store.root, '--service', 'api', ...args], { env });
        for (const s of secrets) expect(res.stdout + res.stderr).not.toContain(s);
        return res;
      };
      return { store, cli };
    }

    it('compares two versions: values for configuration, changed/unchanged for credentials', async () => {
      const { cli } = await seeded();
      const res = await cli('--env', 'production', '--from', '1', '--to', '2');
      expect(res).toMatchObject({ code: 0, stderr: '' });
      expect(res.stdout).toBe(
        [
          'api/production: v1 → v2',
          '  ~ db.host      "db-1" → "db-2"',
          '  ~ db.password  credential changed',
          '  - legacy       (was true)',
          '  + pool         [1,2]',
          '  = token        credential unchanged',
          '1 added, 1 removed, 2 changed, 1 unchanged',
          '',
        ].join('\n'),
      );
      // v2 → v3: a new credential version holding the same secret is unchanged.
      const same = await cli('--env', 'production', '--from', '2', '--json');
      expect(same.code).toBe(0);
      const doc = JSON.parse(same.stdout);
      expect(doc).toMatchObject({
        formatVersion: 1,
        service: 'api',
        from: { environment: 'production', version: 2 },
        to: { environment: 'production', version: 3 },
        summary: { added: 0, removed: 0, changed: 0, unchanged: 4 },
      });
      expect(doc.changes).toContainEqual({ key: 'db.password', kind: 'credential', change: 'unchanged' });
    });

    it('compares the effective configurations of two environments', async () => {
      const { cli } = await seeded();
      const res = await cli('--env', 'staging', '--env', 'production', '--json');
      expect(res.code).toBe(0);
      const doc = JSON.parse(res.stdout);
      expect(doc.from).toEqual({
        environment: 'staging',
        sources: [
          { environment: 'global', version: 1 },
          { environment: 'staging', version: 1 },
        ],
      });
      expect(doc.changes).toEqual([
        { key: 'db.host', kind: 'config', change: 'changed', from: 'db-s', to: 'db-2' },
        { key: 'db.password', kind: 'credential', change: 'changed' },
        { key: 'log.level', kind: 'config', change: 'unchanged' },
        { key: 'pool', kind: 'config', change: 'added', to: [1, 2] },
        { key: 'timeoutMs', kind: 'config', change: 'unchanged' },
        { key: 'token', kind: 'credential', change: 'unchanged' },
      ]);
      const human = await cli('--env', 'staging', '--env', 'production');
      expect(human.stdout.split('\n')[0]).toBe(
        'api: staging (global v1 + staging v1) → production (global v1 + production v3)',
      );
    });

    it('refuses bad usage and unknown versions with exit 2, saying what to do', async () => {
      const { cli } = await seeded();
      const cases: [string[], RegExp][] = [
        [['--from', '1'], /api has versions in global, production, staging: choose one with --env/],
        [['--env', 'production', '--from', '9'], /api\/production has no version 9 \(current is 3\)/],
        [['--env', 'production', '--from', 'x'], /--from must be a version number/],
        [['--env', 'production'], /nothing to compare/],
        [['--env', 'a', '--env', 'b', '--from', '1'], /--from\/--to compare versions of one environment/],
        [['--env', 'a', '--env', 'b', '--env', 'c'], /give --env once/],
        [['--env', 'nope', '--env', 'production'], /unknown environment|nope/],
      ];
      for (const [args, pattern] of cases) {
        const res = await cli(...args);
        expect(res.code, args.join(' ')).toBe(2);
        expect(res.stderr).toMatch(pattern);
        expect(res.stdout).toBe('');
      }
    });

    it('needs the master key only when two credential versions must be compared', async () => {
      const { store } = await seeded();
      const run = (...args: string[]) =>
        runCli(['diff', '--project', store.root, '--service', 'api', '--env', 'production', ...args], {
          env: cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: randomBytes(32).toString('base64') }),
        });
      // v1 → v1: nothing to decrypt, so a wrong key does not matter.
      expect((await run('--from', '1', '--to', '1')).code).toBe(0);
      const wrong = await run('--from', '1', '--to', '2');
      expect(wrong.code).toBe(1);
      expect(wrong.stderr).toMatch(
        /credential api\/production\/DB_PASSWORD version 1 is wrapped under master key mk-/,
      );
    });
  });
}
