/**
 * What the benchmarks share besides argument handling: the PostgreSQL server to make their
 * scratch databases on, and the check that dist/ (what they measure) is built from the
 * current src/.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pg from 'pg';

export const PG_ADMIN_URL =
  process.env.CFGMIG_BENCH_PG_URL ??
  process.env.CFGMIG_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs fn with a client on the admin database (to create and drop scratch databases). */
export async function pgAdmin(fn) {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** True when src/ has changes newer than the built file `dist` (the figures would be stale). */
export function srcNewerThan(repo, dist) {
  return existsSync(resolve(repo, 'src')) && newestMtime(resolve(repo, 'src')) > statSync(dist).mtimeMs;
}

/** Throws when dist/ is missing; notes on the console when it is older than src/. */
export function checkBuilt(repo) {
  const distMain = resolve(repo, 'dist/main.js');
  if (!existsSync(distMain)) throw new Error('dist/ is missing. Build first: npm run build');
  if (srcNewerThan(repo, distMain))
    console.log('note: src/ has changes newer than dist/; run `npm run build` to measure the current code');
}
