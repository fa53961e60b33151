/**
 * What the benchmarks share besides argument handling: the PostgreSQL server to make their
 * scratch databases on, the check that dist/ (what they measure) is built from the current
 * src/, and running the built CLI.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { wall } from './stats.mjs';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CFGMIG_BIN = resolve(REPO, 'bin/cfgmig.js');

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

/** `node v…, N × cpu model`: the machine, for a benchmark's first line. */
export const machine = () => `node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`;

/** A clean environment for the CLI (PATH, HOME, NO_COLOR) with a random master key. */
export function cliEnv() {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    NO_COLOR: '1',
    CFGMIG_MASTER_KEY: randomBytes(32).toString('base64'),
  };
}

/**
 * Runs the built CLI (bin/cfgmig.js, in the repository) with `env`; resolves with its output
 * and the wall clock when it was spawned and when it exited, rejects when it exits non-zero.
 */
export function runCli(args, env) {
  return new Promise((done, reject) => {
    const started = wall();
    const child = spawn(process.execPath, [CFGMIG_BIN, ...args], {
      cwd: REPO,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (out += b));
    child.on('error', reject);
    child.on('exit', (code) => {
      const returned = wall();
      if (code !== 0) reject(new Error(`cfgmig ${args.join(' ')} exited ${code}:\n${out}`));
      else done({ started, returned, output: out });
    });
  });
}
