/**
 * Gives contract tests fresh stores on both backends: an embedded PGlite store in a temp
 * project, and a PostgreSQL database `cfgmig_test_<random>` on 127.0.0.1:5432 (user
 * postgres, trust auth) created for the test and dropped with FORCE afterwards.
 *
 * When the server is unreachable: under CI=true the test file fails to load (the server is
 * mandatory there); locally its PostgreSQL suites are skipped with a visible warning.
 */
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import type { Db } from '../../src/adapters/store/db.js';
import { connect, openStore } from '../../src/adapters/store/open.js';

export const PG_ADMIN_URL = process.env.CFGMIG_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export type BackendName = 'embedded' | 'postgres';

export interface StoreBackend {
  name: BackendName;
  available: boolean;
}

/** One fresh, empty store: a temp project root and the env that points cfgmig at the store. */
export interface FreshStore {
  root: string;
  env: Record<string, string>;
  /** PostgreSQL only: the database URL (no password) and name. */
  url?: string;
  database?: string;
  /** Opens and migrates, as every command does. */
  open(): Promise<Db>;
  /** Opens without migrating, to inspect or tamper with a store. */
  connect(): Promise<Db>;
  /** Opens (and migrates), runs fn, and closes again whatever happens. */
  use<T>(fn: (db: Db) => Promise<T>): Promise<T>;
}

async function using<T>(open: () => Promise<Db>, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await open();
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Both backends, PostgreSQL marked unavailable (locally) or throwing (CI) when the server is down. */
export async function storeBackends(): Promise<StoreBackend[]> {
  const up = await postgresReachable();
  if (!up) {
    const ci = process.env.CI === 'true' || process.env.CI === '1';
    const msg = `PostgreSQL is not reachable at ${PG_ADMIN_URL.replace(/\/\/[^@]*@/, '//')}`;
    if (ci) throw new Error(`${msg}: the PostgreSQL contract tests are mandatory under CI=true`);
    console.warn(`\n⚠ ${msg}: SKIPPING the PostgreSQL store contract tests (they run under CI=true)\n`);
  }
  return [
    { name: 'embedded', available: true },
    { name: 'postgres', available: up },
  ];
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export interface FreshOptions {
  /**
   * Embedded only: start from a copy of a store migrated once per test file instead of
   * running initdb and the migrations again (about 1.5 s less per store). Leave it off
   * for tests about creating or migrating a store.
   */
  migrated?: boolean;
}

/** A migrated, closed embedded store, made once per test file (module state is per file). */
let template: Promise<string> | undefined;
function embeddedTemplate(cleanups: (() => Promise<void>)[]): Promise<string> {
  template ??= (async () => {
    const root = await mkdtemp(join(tmpdir(), 'cfgmig-template-'));
    // The cleanup belongs to the describe block that first asked; forget the template with
    // it, or a later block in the same file would copy a directory that is gone.
    cleanups.push(() => {
      template = undefined;
      return rm(root, { recursive: true, force: true });
    });
    const db = await openStore(root, {});
    await db.close(); // also removes the pid file, so copies start unlocked
    return join(root, '.cfgmig', 'store');
  })();
  return template;
}

/**
 * Returns a factory of fresh stores for `backend`; everything it creates is removed after
 * the file's tests (afterAll), so call it inside the describe block.
 */
export function useStores(backend: BackendName): (opts?: FreshOptions) => Promise<FreshStore> {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse())
      await c().catch((err) => console.warn(`cleanup failed: ${String(err)}`));
  });
  return async (opts = {}) => {
    const root = await mkdtemp(join(tmpdir(), 'cfgmig-store-'));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    if (backend === 'embedded') {
      if (opts.migrated) {
        await cp(await embeddedTemplate(cleanups), join(root, '.cfgmig', 'store'), { recursive: true });
      }
      const open = () => openStore(root, {});
      return {
        root,
        env: {},
        open,
        connect: () => connect(root, { kind: 'embedded' }),
        use: (fn) => using(open, fn),
      };
    }
    const database = `cfgmig_test_${randomBytes(6).toString('hex')}`;
    await admin((c) => c.query(`CREATE DATABASE ${database}`));
    // FORCE: a test that failed half-way may still hold connections; the database must go anyway.
    cleanups.push(() =>
      admin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)).then(() => undefined),
    );
    const u = new URL(PG_ADMIN_URL);
    u.pathname = `/${database}`;
    const url = u.toString();
    const env = { CFGMIG_STORE_URL: url };
    const open = () => openStore(root, env);
    return {
      root,
      env,
      url,
      database,
      open,
      connect: () => connect(root, { kind: 'postgres', url }),
      use: (fn) => using(open, fn),
    };
  };
}
