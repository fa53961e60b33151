/**
 * Store foundation contract: the same expectations against the embedded store and a real
 * PostgreSQL database. Lock tests are embedded-only (PostgreSQL serves many clients).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { knownMigrations } from '../../src/adapters/store/migrate.js';
import { openStore } from '../../src/adapters/store/open.js';
import { cleanEnv, REPO, runCli } from '../support/cli.js';
import { storeBackends, useStores } from '../support/stores.js';
import { rejection } from '../support/errors.js';

const TABLES = [
  'audit_head',
  'audit_log',
  'canary_runs',
  'credential_access_log',
  'credentials',
  'environments',
  'gate_results',
  'migration_flags',
  'migrations',
  'schema_migrations',
  'service_configurations',
  'writer_locks',
];

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`store basics [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('applies the migrations and records them with their checksums', async () => {
      const db = await (await fresh()).open();
      try {
        const rows = await db.query<{ version: number; name: string; checksum: string }>(
          'SELECT version, name, checksum FROM schema_migrations ORDER BY version',
        );
        expect(rows).toEqual(
          knownMigrations().map(({ version, name, checksum }) => ({ version, name, checksum })),
        );
        const tables = await db.query<{ t: string }>(
          `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1`,
        );
        expect(tables.map((r) => r.t)).toEqual(TABLES);
      } finally {
        await db.close();
      }
    });

    it('re-opening is idempotent and keeps the data', async () => {
      const store = await fresh();
      const first = await store.open();
      await first.query(`INSERT INTO environments (name, inherits) VALUES ('production', '{global}')`);
      await first.close();
      const again = await store.open();
      try {
        expect(await again.query('SELECT version FROM schema_migrations')).toHaveLength(
          knownMigrations().length,
        );
        expect(await again.query<{ inherits: string[] }>('SELECT inherits FROM environments')).toEqual([
          { inherits: ['global'] },
        ]);
      } finally {
        await again.close();
      }
    });

    if (backend.name === 'postgres') {
      it('takes the server from `store:` in cfgmig.yaml, and CFGMIG_STORE_URL over it', async () => {
        const store = await fresh();
        writeFileSync(join(store.root, 'cfgmig.yaml'), `version: 1\nstore: ${store.url}\n`);
        const fromFile = await runCli(['store', 'info', '--json', '--project', store.root]);
        expect(fromFile.code).toBe(0);
        expect(JSON.parse(fromFile.stdout)).toMatchObject({ backend: 'postgres', location: store.url });
        const envWins = await runCli(['store', 'info', '--json', '--project', store.root], {
          env: cleanEnv({ CFGMIG_STORE_URL: 'embedded' }),
        });
        expect(JSON.parse(envWins.stdout)).toMatchObject({ backend: 'embedded' });
      });

      it('names a database that does not exist, without the password', async () => {
        const store = await fresh();
        const url = store
          .url!.replace('postgres@', 'postgres:MARKERdb1@')
          .replace(store.database!, 'cfgmig_test_missing');
        const err = await rejection(openStore(store.root, { CFGMIG_STORE_URL: url }));
        expect(err.message).toMatch(/127\.0\.0\.1:5432\/cfgmig_test_missing: .*does not exist/);
        expect(`${err.message} ${err.hint}`).not.toContain('MARKERdb1');
      });

      it('two processes opening a new database at once both end up on the same schema', async () => {
        const store = await fresh();
        const dbs = await Promise.all([store.open(), store.open(), store.open()]);
        try {
          expect(await dbs[0]!.query('SELECT version FROM schema_migrations')).toHaveLength(
            knownMigrations().length,
          );
        } finally {
          await Promise.all(dbs.map((d) => d.close()));
        }
      });
    }

    it('returns the same JavaScript types on both backends', async () => {
      const db = await (await fresh({ migrated: true })).open();
      try {
        const [row] = await db.query<Record<string, unknown>>(
          `SELECT 9007199254740991::bigint AS i8, 2::int AS i4, '1.5'::numeric AS num, now() AS ts,
                  '\\x00ff'::bytea AS b, '{"a":[1]}'::jsonb AS j, ARRAY['x'] AS arr, true AS bool, NULL::text AS nul`,
        );
        expect(row).toEqual({
          i8: Number.MAX_SAFE_INTEGER,
          i4: 2,
          num: '1.5',
          ts: expect.any(Date),
          b: Buffer.from([0, 255]),
          j: { a: [1] },
          arr: ['x'],
          bool: true,
          nul: null,
        });
        expect(Buffer.isBuffer(row!.b)).toBe(true);
        // Parameters round-trip too: a Buffer in, the same bytes out.
        const [echo] = await db.query<{ b: Buffer }>('SELECT $1::bytea AS b', [Buffer.from('héllo')]);
        expect(echo!.b.toString()).toBe('héllo');
      } finally {
        await db.close();
      }
    });

    it('rolls a failed transaction back completely', async () => {
      const db = await (await fresh({ migrated: true })).open();
      try {
        const boom = db.transaction(async (tx) => {
          await tx.query(`INSERT INTO environments (name) VALUES ('staging')`);
          throw new Error('boom');
        });
        await expect(boom).rejects.toThrow('boom');
        expect(await db.query('SELECT * FROM environments')).toEqual([]);
      } finally {
        await db.close();
      }
    });

    it('refuses a store whose schema is newer than this cfgmig, with exit 2 and nothing changed', async () => {
      const store = await fresh({ migrated: true });
      const db = await store.open();
      await db.query(`INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')`);
      await db.close();
      const err = await rejection(store.open());
      expect(err.code).toBe('badInput');
      expect(err.exitCode).toBe(2);
      const known = Math.max(...knownMigrations().map((m) => m.version));
      expect(err.message).toBe(
        `store schema version 999 is newer than this cfgmig (knows ${known}): upgrade cfgmig`,
      );
      const raw = await store.connect();
      try {
        expect(await raw.query('SELECT version FROM schema_migrations ORDER BY version')).toHaveLength(
          knownMigrations().length + 1,
        );
      } finally {
        await raw.close();
      }
    });

    it('`store info --json` via the built CLI reports backend, location, version and counts', async () => {
      const store = await fresh({ migrated: true });
      // A marker password in the URL (trust auth ignores it) must come out masked.
      const env = { ...store.env };
      if (store.url) env.CFGMIG_STORE_URL = store.url.replace('postgres@', 'postgres:MARKERpw7@');
      const res = await runCli(['store', 'info', '--json', '--project', store.root], { env: cleanEnv(env) });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(res.stdout + res.stderr).not.toContain('MARKERpw7');
      const info = JSON.parse(res.stdout) as Record<string, unknown>;
      expect(info).toMatchObject({
        formatVersion: 1,
        backend: backend.name,
        schemaVersion: knownMigrations().length,
      });
      expect(Object.keys(info.tables as object).sort()).toEqual(TABLES);
      expect((info.tables as Record<string, number>).schema_migrations).toBe(knownMigrations().length);
      expect(info.location).toBe(
        backend.name === 'embedded'
          ? join(store.root, '.cfgmig/store')
          : `postgres://postgres:***@127.0.0.1:5432/${store.database}`,
      );
    });
  });
}

describe('embedded store lock', () => {
  const fresh = useStores('embedded');
  let child: ChildProcess | undefined;
  afterEach(() => {
    child?.kill('SIGKILL');
    child = undefined;
  });

  /** Another cfgmig process holding the store open, via the built module. */
  async function holder(root: string): Promise<ChildProcess> {
    const open = pathToFileURL(join(REPO, 'dist/adapters/store/open.js')).href;
    const code = `const m = await import(${JSON.stringify(open)}); await m.openStore(${JSON.stringify(root)}, {}); console.log('ready'); setInterval(() => {}, 1000);`;
    const p = spawn(process.execPath, ['--input-type=module', '-e', code], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((ready, fail) => {
      let err = '';
      p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
      p.stdout!.on('data', (d: Buffer) => d.toString().includes('ready') && ready());
      p.on('exit', (c) => fail(new Error(`holder exited ${c}: ${err}`)));
    });
    return p;
  }

  it('refuses a second opener with exit 3 naming the pid, and takes over once that pid is gone', async () => {
    const { root } = await fresh();
    child = await holder(root);
    const err = await rejection(openStore(root, {}));
    expect(err.code).toBe('conflict');
    expect(err.exitCode).toBe(3);
    expect(err.message).toContain(`store in use by pid ${child.pid}`);

    // SIGKILL leaves the pid file behind: the next opener sees a dead pid and takes over.
    const exited = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    child = undefined;
    const db = await openStore(root, {});
    await db.close();
  });

  it('takes over a stale pid file and refuses while it is held in this process', async () => {
    const { root } = await fresh();
    const db = await openStore(root, {});
    const err = await rejection(openStore(root, {}));
    expect(err.message).toContain(`pid ${process.pid}`);
    await db.close();
    // A pid that cannot be alive (beyond pid_max) stands for a crashed process.
    writeFileSync(join(root, '.cfgmig/store/cfgmig.pid'), '2147483646\n');
    const again = await openStore(root, {});
    await again.close();
  });
});

describe('PostgreSQL connection errors', () => {
  it('names host:port/database and what to check, never the password', async () => {
    const marker = 'MARKERpw-9f3c';
    const url = `postgres://postgres:${marker}@127.0.0.1:1/nowhere`;
    const err = await rejection(openStore('/nonexistent', { CFGMIG_STORE_URL: url }));
    expect(err.message).toContain('127.0.0.1:1/nowhere');
    expect(err.hint).toMatch(/server is running/);
    expect(`${err.message} ${err.hint} ${err.stack}`).not.toContain(marker);

    const res = await runCli(['store', 'info', '--debug', '--project', REPO], {
      env: cleanEnv({ CFGMIG_STORE_URL: url }),
    });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('127.0.0.1:1/nowhere');
    expect(res.stdout + res.stderr).not.toContain(marker);
  });

  it('refuses an unparsable URL as bad input (exit 2), without the password', async () => {
    for (const url of ['postgres://u:MARKERy@[::1/db', 'postgres://u:MARKERy@127.0.0.1:99999/db']) {
      const err = await rejection(openStore('/nonexistent', { CFGMIG_STORE_URL: url }));
      expect(err.exitCode).toBe(2);
      expect(`${err.message} ${err.hint}`).not.toContain('MARKERy');
    }
    const odd = await rejection(
      openStore('/nonexistent', { CFGMIG_STORE_URL: 'postgres://u:MARK%zz@127.0.0.1:1/db' }),
    );
    expect(`${odd.message} ${odd.hint}`).not.toContain('MARK%zz');
  });

  it('refuses a store setting that is neither embedded nor a postgres URL without echoing it', async () => {
    const err = await rejection(openStore('/nonexistent', { CFGMIG_STORE_URL: 'mysql://u:MARKERx@h/d' }));
    expect(err.exitCode).toBe(2);
    expect(err.message).not.toContain('MARKERx');
  });
});
