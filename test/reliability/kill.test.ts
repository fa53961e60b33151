/**
 * The store never half-writes. A child process (test/support/store-writer.mjs, running the
 * built code) writes large configuration versions and batches of credentials forever; this
 * test SIGKILLs it at random moments — while node starts, while the store is created or
 * opened and migrated, between and in the middle of transactions — at least 50 times per
 * backend, and after every kill checks from outside, through the store API:
 *   - every configuration version reads (its checksum matches its data) and holds exactly
 *     the data written for it, versions run 1..n without gaps, the current one is n;
 *   - every credential row decrypts to the value written for it, and every credential
 *     version holds the whole batch, never part of it;
 *   - the audit chain verifies, with exactly one audit row per committed write.
 * A killed embedded writer leaves its pid file behind; each reopening proves it is taken over.
 *
 * Reproduce a failure with the seed it prints: CFGMIG_KILL_SEED=<seed> npx vitest run <this file>.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src/adapters/store/audit.js';
import { currentVersion, history, readVersion } from '../../src/adapters/store/configs.js';
import { readCredentials } from '../../src/adapters/store/credentials.js';
import type { Db } from '../../src/adapters/store/db.js';
import { unseal } from '../../src/core/crypto/envelope.js';
import { keyring, type Keyring } from '../../src/core/crypto/keyring.js';
import { checksumOf, type Json } from '../../src/core/store/canonical.js';
import { cleanEnv, REPO } from '../support/cli.js';
import { sessionsGone } from '../support/kill-harness.js';
import { mulberry32 } from '../support/prng.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';

const WRITER = join(REPO, 'test/support/store-writer.mjs');
if (!existsSync(join(REPO, 'dist/adapters/store/open.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (the writer runs the built code)');
}

/** The writer's deterministic generators: one source for what was written and what must be read. */
interface Writer {
  SERVICES: string[];
  ENVIRONMENT: string;
  CREDENTIAL_KEYS: string[];
  AUTHOR: string;
  configData(service: string, version: number): Json;
  credentialValue(seed: string, service: string, key: string, version: number): string;
}
const W = (await import(pathToFileURL(WRITER).href)) as Writer;

const KILLS = 50;
const SEED = Number(process.env.CFGMIG_KILL_SEED ?? randomBytes(4).readUInt32BE(0));
const READER = 'kill-test-reader';

interface KillPlan {
  /** What to wait for before the delay starts: 'spawn', or a line (or first word of one) the writer prints. */
  after: string;
  delayMs: number;
}

/**
 * Where to kill: a spread over the writer's whole life. A fifth from spawn (node start-up,
 * imports, opening and migrating), some from the start of opening, the rest while writing:
 * from the moment the store is open, or from the first credential batch it completed, so
 * every one of those writers makes some progress before it dies.
 */
function plan(rand: () => number): KillPlan {
  const r = rand();
  if (r < 0.2) return { after: 'spawn', delayMs: rand() * 1000 };
  // Squared: biased to short delays, so PostgreSQL's quick open is hit as well as PGlite's slow one.
  if (r < 0.35) return { after: 'opening', delayMs: rand() ** 2 * 700 };
  if (r < 0.6) return { after: 'opened', delayMs: rand() * 400 };
  return { after: 'creds', delayMs: rand() * 300 };
}

interface Killed {
  pid: number;
  /** The last progress line the writer printed before it died ('' when none). */
  last: string;
}

/** Runs the writer and SIGKILLs it as planned; rejects if it exits any other way (it failed). */
function runAndKill(env: Record<string, string>, p: KillPlan): Promise<Killed> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [WRITER], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last = '';
    let armed = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (armed) return;
      armed = true;
      timer = setTimeout(() => child.kill('SIGKILL'), p.delayMs);
    };
    // A writer that never gets where it was expected is a failure, not a hang.
    let stuck = false;
    const guard = setTimeout(() => {
      stuck = true;
      child.kill('SIGKILL');
    }, 60_000);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        last = line;
        if (line === p.after || line.startsWith(`${p.after} `)) arm();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      if (stuck) fail(new Error(`the writer never printed "${p.after}" in 60 s; last "${last}":\n${err}`));
      else if (signal === 'SIGKILL' && armed) done({ pid: child.pid!, last });
      else
        fail(
          new Error(`the writer exited by itself (code ${code}, signal ${signal}) after "${last}":\n${err}`),
        );
    });
    if (p.after === 'spawn') arm();
  });
}

/** What earlier checks already proved, so each check reads in full only what is new. */
interface Proven {
  /** service@version → md5 of the stored jsonb and its checksum, once its data was compared in full. */
  prints: Map<string, string>;
  /** service → highest credential version read back through readCredentials. */
  credentials: Map<string, number>;
}

interface Counts {
  versions: number;
  credentialVersions: number;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/**
 * Everything the store promises after a crash. Versions compared in full once are afterwards
 * compared by a server-side md5 of their stored data, so a later kill that damaged one would
 * still be caught without re-reading hundreds of megabytes every time.
 */
async function verifyStore(db: Db, keys: Keyring, seed: string, proven: Proven): Promise<Counts> {
  const counts: Counts = { versions: 0, credentialVersions: 0 };
  let writes = 0;
  const audit = await db.query<{ action: string; subject: string; details: Record<string, unknown> }>(
    'SELECT action, subject, details FROM audit_log ORDER BY id',
  );
  for (const service of W.SERVICES) {
    const env = W.ENVIRONMENT;
    const scope = { service, environment: env };
    const subject = `${service}/${env}`;

    // Configuration versions: 1..n, the current one is n and whole.
    const versions = await history(db, service, env);
    const n = versions.length;
    expect(versions.map((v) => `${v.version} ${v.author}`)).toEqual(range(n).map((v) => `${v} ${W.AUTHOR}`));
    expect(await currentVersion(db, service, env)).toBe(n);
    if (n > 0) {
      const current = await readVersion(db, service, env);
      expect(current?.version).toBe(n);
      expect(current?.data).toEqual(W.configData(service, n));
    }
    const prints = await db.query<{ version: number; print: string }>(
      `SELECT version, md5(data::text) || ' ' || checksum AS print FROM service_configurations
        WHERE service = $1 AND environment = $2 ORDER BY version`,
      [service, env],
    );
    for (const { version, print } of prints) {
      const id = `${service}@${version}`;
      const known = proven.prints.get(id);
      if (known !== undefined) {
        expect(print, `${id} changed since it was verified`).toBe(known);
        continue;
      }
      const stored = await readVersion(db, service, env, version); // throws on a checksum mismatch
      const expected = W.configData(service, version);
      expect(stored?.data).toEqual(expected);
      expect(stored?.checksum).toBe(checksumOf(expected));
      proven.prints.set(id, print);
    }
    counts.versions += n;

    // Credentials: every row decrypts to its value; every version is one whole batch.
    const rows = await db.query<{
      key: string;
      version: number;
      ciphertext: Buffer;
      iv: Buffer;
      tag: Buffer;
      wrapped_key: Buffer;
      key_id: string;
    }>(
      `SELECT key, version, ciphertext, iv, tag, wrapped_key, key_id FROM credentials
        WHERE service = $1 AND environment = $2 ORDER BY version, key`,
      [service, env],
    );
    const m = rows.at(-1)?.version ?? 0;
    const sortedKeys = [...W.CREDENTIAL_KEYS].sort();
    expect(rows.map((r) => `${r.version}:${r.key}`)).toEqual(
      range(m).flatMap((v) => sortedKeys.map((k) => `${v}:${k}`)),
    );
    for (const r of rows) {
      const value = unseal(
        keys.primary,
        { ...scope, key: r.key, version: r.version },
        {
          ciphertext: r.ciphertext,
          iv: r.iv,
          tag: r.tag,
          wrappedKey: r.wrapped_key,
          keyId: r.key_id,
        },
      );
      expect(value === W.credentialValue(seed, service, r.key, r.version), `${r.key} v${r.version}`).toBe(
        true,
      );
    }
    // And through the API, each version once.
    const expectBatch = (got: { key: string; version: number; value: string }[], v: number) =>
      expect(got.map((g) => `${g.key}:${g.version}:${g.value}`).sort()).toEqual(
        W.CREDENTIAL_KEYS.map((k) => `${k}:${v}:${W.credentialValue(seed, service, k, v)}`).sort(),
      );
    for (let v = (proven.credentials.get(service) ?? 0) + 1; v <= m; v++) {
      expectBatch(
        await readCredentials(db, keys, scope, READER, { names: W.CREDENTIAL_KEYS, version: v }),
        v,
      );
    }
    proven.credentials.set(service, m);
    if (m > 0) expectBatch(await readCredentials(db, keys, scope, READER), m);
    counts.credentialVersions += m;

    // Exactly one audit row per committed write, naming what was written.
    const mine = audit.filter((a) => a.subject === subject);
    expect(mine.filter((a) => a.action === 'config.write').map((a) => a.details)).toEqual(
      versions.map((v) => expect.objectContaining({ version: v.version, checksum: v.checksum })),
    );
    expect(mine.filter((a) => a.action === 'credential.write').map((a) => a.details)).toEqual(
      range(m).map((v) => ({ credentials: W.CREDENTIAL_KEYS.map((key) => ({ key, version: v })) })),
    );
    const [logged] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM credential_access_log
        WHERE action = 'write' AND service = $1 AND environment = $2`,
      [service, env],
    );
    expect(logged!.n).toBe(rows.length);
    writes += n + m;
  }
  expect(audit).toHaveLength(writes);
  const chain = await verifyAudit(db);
  expect(chain).toEqual({ rows: writes, brokenId: null, tail: null });
  return counts;
}

interface Session {
  store: FreshStore;
  env: Record<string, string>;
  keys: Keyring;
  seed: string;
  proven: Proven;
}

function session(store: FreshStore): Session {
  const master = randomBytes(32);
  const seed = randomBytes(16).toString('hex');
  return {
    store,
    keys: keyring(master),
    seed,
    env: {
      ...store.env,
      CFGMIG_WRITER_ROOT: store.root,
      CFGMIG_WRITER_SEED: seed,
      CFGMIG_MASTER_KEY: master.toString('base64'),
    },
    proven: { prints: new Map(), credentials: new Map() },
  };
}

/** One kill and the checks after it; failures name the kill and the seed. */
async function killAndVerify(
  s: Session,
  p: KillPlan,
  label: string,
): Promise<{ killed: Killed; counts: Counts }> {
  const killed = await runAndKill(s.env, p);
  try {
    const pidFile = join(s.store.root, '.cfgmig/store/cfgmig.pid');
    if (s.store.database) await sessionsGone(s.store.database);
    // The dead writer's pid file stays behind; opening must take it over, not refuse.
    else if (existsSync(pidFile)) expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(killed.pid));
    const db = await s.store.open();
    try {
      return { killed, counts: await verifyStore(db, s.keys, s.seed, s.proven) };
    } finally {
      await db.close();
    }
  } catch (err) {
    const where = `${label}, killed ${Math.round(p.delayMs)} ms after ${p.after}, last printed "${killed.last}"`;
    throw new Error(`${where} (CFGMIG_KILL_SEED=${SEED}): ${(err as Error).message}`, { cause: err });
  }
}

for (const [index, backend] of (await storeBackends()).entries()) {
  (backend.available ? describe : describe.skip)(`SIGKILL while writing [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it(`leaves whole versions, decryptable credentials and an intact audit chain after ${KILLS} kills`, async () => {
      const s = session(await fresh());
      const rand = mulberry32(SEED + index);
      const landed = new Map<string, number>();
      let counts: Counts = { versions: 0, credentialVersions: 0 };
      for (let i = 0; i < KILLS; i++) {
        const r = await killAndVerify(s, plan(rand), `kill ${i + 1}/${KILLS}`);
        counts = r.counts;
        const phase = r.killed.last.split(' ')[0] || 'start-up';
        landed.set(phase, (landed.get(phase) ?? 0) + 1);
      }
      console.info(
        `[${backend.name}] ${KILLS} kills (CFGMIG_KILL_SEED=${SEED}), by the writer's last line: ` +
          `${JSON.stringify(Object.fromEntries(landed))}; ${counts.versions} configuration versions, ` +
          `${counts.credentialVersions} credential versions`,
      );
      // Not vacuous: kills landed among the writes, and the writers, each continuing where
      // the last one died, made real progress.
      expect((landed.get('config') ?? 0) + (landed.get('creds') ?? 0), `seed ${SEED}`).toBeGreaterThan(0);
      expect(counts.versions, `seed ${SEED}`).toBeGreaterThanOrEqual(10);
      expect(counts.credentialVersions, `seed ${SEED}`).toBeGreaterThanOrEqual(10);
    }, 300_000);
  });
}

describe('SIGKILL while creating the embedded store', () => {
  const fresh = useStores('embedded');

  it('never leaves a store that cannot be opened', async () => {
    const s = session(await fresh());
    const rand = mulberry32(SEED ^ 0x5eed);
    const data = join(s.store.root, '.cfgmig/store/pgdata');
    // Creating takes a few seconds (initdb): kills spread over that window, each one in the
    // same project, so every next writer has to open what the last one left.
    const KILLS_CREATING = 6;
    const WINDOW_MS = 4000;
    let whileCreating = 0;
    for (let k = 0; k < KILLS_CREATING; k++) {
      const existed = existsSync(data);
      const p = { after: 'opening', delayMs: ((k + rand()) * WINDOW_MS) / KILLS_CREATING };
      const killed = await runAndKill(s.env, p);
      if (!existed && (killed.last === '' || killed.last === 'opening')) whileCreating++;
    }
    expect(whileCreating, `seed ${SEED}`).toBeGreaterThan(0);
    // The last writer opens what the others left, writes, and is killed while writing.
    const last = { after: 'config', delayMs: rand() * 100 };
    const { counts } = await killAndVerify(s, last, 'after the creation kills');
    expect(counts.versions).toBeGreaterThan(0);
  }, 120_000);
});
