/**
 * Killing `apply` mid-transaction leaves the previous version current and the store
 * consistent (issue 4). `cfgmig apply --all --yes` plans and applies every service of a copy
 * of fixtures/platform, one transaction per service over about a second; this test edits the
 * sources so several services have changes (settings bumped, credentials rotated), runs the
 * built CLI, SIGKILLs it at a random moment — mostly while it applies — and after every
 * kill checks from outside, through the store API, that each service is wholly at its
 * previous version or wholly at exactly what the new plan would write, never in between:
 *   - the current version reads (checksum) and its data is the previous one, or the planned
 *     one with each new credential reference pointing at a credential that decrypts to the
 *     planned value (same fingerprint);
 *   - every version apply wrote has its migration record (applied, base v-1, target v), the
 *     service's legacy_only flag names the current version's migration, every credential
 *     row is referenced by a version and every reference decrypts, and the audit log holds
 *     one row per write and its chain verifies;
 *   - a killed embedded writer's pid file is taken over on the next open.
 * At least one kill must have landed mid-run (some services moved, some not), and a last
 * apply that is not killed finishes the job, after which `plan --detailed-exitcode` exits 0.
 * A snapshot under .cfgmig/published older than the store (a kill between a commit and its
 * publication) is allowed between kills, but after the last, un-killed apply every snapshot
 * must be current: an apply that finds a service up to date publishes a snapshot left behind.
 *
 * Reproduce a failure with the seed it prints: CFGMIG_APPLY_KILL_SEED=<seed> npx vitest run <this file>.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlans } from '../../src/api/plan.js';
import { verifyAudit } from '../../src/adapters/store/audit.js';
import { history, readVersion, type ConfigVersion } from '../../src/adapters/store/configs.js';
import { readCredentials } from '../../src/adapters/store/credentials.js';
import type { Db } from '../../src/adapters/store/db.js';
import { listFlags } from '../../src/adapters/store/flags.js';
import { listMigrations } from '../../src/adapters/store/migration-records.js';
import { fingerprinter } from '../../src/core/crypto/fingerprint.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { hasChanges, type PlanDoc } from '../../src/core/plan/plan-doc.js';
import { nest } from '../../src/core/plan/target.js';
import type { Json } from '../../src/core/store/canonical.js';
import { credentialRef } from '../../src/core/store/credential-ref.js';
import { leaves } from '../../src/core/store/diff.js';
import { BIN, cleanEnv, REPO, runCli } from '../support/cli.js';
import { describeKill, killChild, sessionsGone, type KillPlan } from '../support/kill-harness.js';
import { mulberry32 } from '../support/prng.js';
import { storeBackends, useStores } from '../support/stores.js';

if (!existsSync(join(REPO, 'dist/main.js'))) {
  throw new Error('dist/ is missing: run `npm run build` first (the test runs the built CLI)');
}

const KILLS = 20;
const SEED = Number(process.env.CFGMIG_APPLY_KILL_SEED ?? randomBytes(4).readUInt32BE(0));
const ENV = 'production';
const SERVICES = 11;
const READER = 'apply-kill-test-reader';
/** A floor for a measured applying time: the output can reach us in one piece, at the very end. */
const MIN_APPLY_MS = 150;
const MASTER = createHash('sha256').update('cfgmig apply-kill test master key').digest();

/** A numeric setting per service, in its .env, bumped to original + iteration when chosen. */
const BUMPS: [service: string, name: string][] = [
  ['ai-orchestration', 'PROMPT_CACHE_TTL_SECONDS'],
  ['api-gateway', 'TOKEN_TTL_SECONDS'],
  ['data-bridge', 'WS_RECONNECT_DELAY_MS'],
  ['database-service', 'POSTGRES_POOL_MAX'],
  ['ml-training', 'TRAINING_EPOCHS'],
  ['notification-service', 'SMTP_PORT'],
  ['risk-management', 'MAX_DRAWDOWN_PCT'],
  ['strategy-optimizer', 'MAX_TRIALS'],
  ['trading-engine', 'SECRET_ROTATION_DAYS'],
  ['user-service', 'PASSWORD_MIN_LENGTH'],
];

/** Credentials rotated every `every` iterations: a new value derived from the iteration. */
const ROTATIONS: { service: string; name: string; every: number; value: (i: number) => string }[] = [
  {
    service: 'user-service',
    name: 'GOOGLE_CLIENT_SECRET',
    every: 2,
    value: (i) => `GOCSPX-FAKE${createHash('sha256').update(`google ${i}`).digest('hex').slice(0, 24)}`,
  },
  {
    service: 'trading-engine',
    name: 'EXCHANGE_API_SECRET',
    every: 3,
    value: (i) => `"FAKE${createHash('sha256').update(`exchange ${i}`).digest('hex')}"`,
  },
];

async function setEnvValue(dir: string, service: string, name: string, value: string): Promise<void> {
  const file = join(dir, 'services', service, '.env');
  const text = await readFile(file, 'utf8');
  let n = 0;
  const next = text.replace(new RegExp(`^${name}=.*$`, 'gm'), () => {
    n++;
    return `${name}=${value}`;
  });
  if (n !== 1) throw new Error(`${service}/.env: expected one ${name}= line, found ${n}`);
  await writeFile(file, next);
}

/** Iteration i's sources: three services in four get their setting bumped; credentials rotate now and then. */
async function editSources(dir: string, originals: Map<string, number>, i: number): Promise<void> {
  for (const [j, [service, name]] of BUMPS.entries()) {
    if ((i + j) % 4 !== 0) await setEnvValue(dir, service, name, String(originals.get(name)! + i));
  }
  for (const r of ROTATIONS) if (i % r.every === 0) await setEnvValue(dir, r.service, r.name, r.value(i));
}

/**
 * Where to kill. `apply --all` shows the plan ("Plan: …"), then re-plans and applies the
 * services one by one, publishing each one's snapshot right after its transaction commits;
 * `applyMs` is how long that second part took in the last run that finished. A tenth of the
 * kills land anywhere from spawn (start-up, opening the store, planning); three in ten from
 * half-way through the applying part to just after its end; the rest shortly after the
 * first snapshot is published, when one service has moved and the others are on their way.
 */
function killPlan(rand: () => number, applyMs: number, published: string): KillPlan {
  const r = rand();
  if (r < 0.1) return { after: 'spawn', delayMs: rand() * 2000 };
  if (r < 0.4) return { after: 'Plan:', delayMs: applyMs * (0.5 + 0.55 * rand()) };
  return { after: { watch: published }, delayMs: applyMs * 0.2 * rand() };
}

const refKey = (environment: string, key: string, version: number) => `${environment}/${key}@${version}`;

/** What the test knows about each service: its current version, and what all its versions refer to. */
interface Known {
  current: ConfigVersion;
  /** Credential references held by any of its versions, as refKey. */
  refs: Set<string>;
}

interface Outcome {
  /** Services that had changes and moved to the new version. */
  moved: string[];
  /** Services that had changes and stayed at the previous version. */
  stayed: string[];
  /** Services whose published snapshot is older than their current version. */
  staleSnapshots: string[];
}

/**
 * Checks every service against what it was before (`known`) and the plans the killed apply
 * was given (`planned`); updates `known`. Everything here is what the store promises after a crash.
 */
async function verify(
  db: Db,
  dir: string,
  known: Map<string, Known>,
  planned: Map<string, PlanDoc>,
): Promise<Outcome> {
  const keys = keyring(MASTER);
  const fingerprint = fingerprinter(MASTER);
  const outcome: Outcome = { moved: [], stayed: [], staleSnapshots: [] };
  let versions = 0;
  let credentialRows = 0;
  for (const [service, doc] of planned) {
    const before = known.get(service);
    const current = await readVersion(db, service, ENV); // throws on a checksum mismatch
    expect(current, `${service} has no version`).not.toBeNull();
    const cur = current!;
    const all = await history(db, service, ENV);
    expect(all.map((v) => v.version)).toEqual(all.map((_, i) => i + 1));
    expect(cur.version).toBe(all.length);
    const refs = new Set(before?.refs ?? []);
    const baseVersion = before?.current.version ?? 0;
    expect(doc.base.version, `${service}: planned against another version`).toBe(baseVersion);

    if (cur.version === baseVersion) {
      // Wholly at the previous version: the very same row.
      expect(cur.checksum).toBe(before!.current.checksum);
      expect(cur.data).toEqual(before!.current.data);
      expect(cur.migrationId).toBe(before!.current.migrationId);
      if (hasChanges(doc)) outcome.stayed.push(service);
    } else {
      // Wholly at the new version: exactly what the plan said, one version on.
      expect(hasChanges(doc), `${service} moved without changes to apply`).toBe(true);
      expect(cur.version).toBe(baseVersion + 1);
      const was = leaves(before?.current.data ?? {});
      const now = leaves(cur.data);
      const entries: [string, Json][] = [];
      for (const c of doc.changes) {
        if (c.op === 'remove') continue;
        if (c.kind === 'setting') {
          entries.push([c.key, c.value ?? null]);
        } else if (c.op === 'unchanged') {
          entries.push([c.key, was.get(c.key)!.value]);
        } else {
          const ref = now.get(c.key)?.ref;
          expect(ref, `${service}: ${c.key} is not a credential reference`).toBeTruthy();
          const latest = Math.max(
            0,
            ...[...refs]
              .filter((r) => r.startsWith(`${ENV}/${c.key}@`))
              .map((r) => Number(r.split('@').pop())),
          );
          expect(ref).toEqual({ environment: ENV, key: c.key, version: latest + 1 });
          const [got] = await readCredentials(db, keys, { service, environment: ENV }, READER, {
            names: [c.key],
            version: ref!.version,
          });
          expect(got, `${service}: credential ${c.key} v${ref!.version} is missing`).toBeDefined();
          expect(fingerprint(got!.value) === c.fingerprint, `${service}: ${c.key} holds another value`).toBe(
            true,
          );
          entries.push([c.key, credentialRef(ref!)]);
        }
      }
      expect(cur.data).toEqual(nest(entries));
      outcome.moved.push(service);
    }

    // Every version was written by an apply whose migration record says so, and only those
    // records exist: none without its version, none with another status.
    const migrations = await listMigrations(db, { service, environment: ENV });
    expect(
      migrations
        .map((m) => ({ id: m.id, status: m.status, base: m.baseVersion, target: m.targetVersion }))
        .sort((a, b) => (a.target ?? 0) - (b.target ?? 0)),
      `${service}: migration records`,
    ).toEqual(
      all.map((v) => ({ id: v.migrationId, status: 'applied', base: v.version - 1, target: v.version })),
    );
    // Every credential reference of a version written since the last look decrypts.
    for (const v of all.filter((x) => x.version > baseVersion)) {
      const data =
        v.version === cur.version ? cur.data : (await readVersion(db, service, ENV, v.version))!.data;
      for (const leaf of leaves(data).values()) {
        if (!leaf.ref) continue;
        const id = refKey(leaf.ref.environment, leaf.ref.key, leaf.ref.version);
        if (refs.has(id)) continue;
        const got = await readCredentials(db, keys, { service, environment: leaf.ref.environment }, READER, {
          names: [leaf.ref.key],
          version: leaf.ref.version,
        });
        expect(got, `${service} v${v.version}: ${id} does not decrypt`).toHaveLength(1);
        refs.add(id);
      }
    }
    // The flag names the migration of the current version, never one whose version is absent.
    expect(await listFlags(db, { service, environment: ENV })).toEqual([
      expect.objectContaining({ key: '*', mode: 'legacy_only', percentBp: 0, migrationId: cur.migrationId }),
    ]);
    // No credential stored without the version that refers to it.
    const rows = await db.query<{ environment: string; key: string; version: number }>(
      'SELECT environment, key, version FROM credentials WHERE service = $1 ORDER BY environment, key, version',
      [service],
    );
    expect(
      rows.map((r) => refKey(r.environment, r.key, r.version)).sort(),
      `${service}: credentials stored vs referenced`,
    ).toEqual([...refs].sort());

    const snapshot = join(dir, '.cfgmig/published', ENV, `${service}.json`);
    const published = existsSync(snapshot)
      ? (JSON.parse(readFileSync(snapshot, 'utf8')) as { version: number }).version
      : 0;
    if (published < cur.version) outcome.staleSnapshots.push(service);

    known.set(service, { current: cur, refs });
    versions += all.length;
    credentialRows += rows.length;
  }

  // One audit row per write of each committed apply, none of a rolled-back one; the chain holds.
  const audit = await db.query<{ action: string; n: number; creds: number }>(
    `SELECT action, count(*)::int AS n,
            coalesce(sum(jsonb_array_length(details->'credentials')), 0)::int AS creds
       FROM audit_log GROUP BY action ORDER BY action`,
  );
  const counted = Object.fromEntries(audit.map((a) => [a.action, a.n]));
  expect(counted['config.write']).toBe(versions);
  expect(counted['migration.create']).toBe(versions);
  expect(counted['flag.set']).toBe(versions);
  expect(audit.find((a) => a.action === 'credential.write')?.creds ?? 0).toBe(credentialRows);
  expect(await verifyAudit(db)).toMatchObject({ brokenId: null, tail: null });
  return outcome;
}

const backends = await storeBackends();

// The backends run side by side (each test has its own project, store and child), which halves
// the file's time; kills are aimed by what the children print and write, not by the clock alone.
describe.concurrent('SIGKILL during apply', () => {
  for (const [index, backend] of backends.entries()) {
    const fresh = useStores(backend.name);

    (backend.available ? it : it.skip)(
      `[${backend.name}] leaves every service wholly at its previous or its new version after ${KILLS} kills`,
      async () => {
        console.info(`[${backend.name}] CFGMIG_APPLY_KILL_SEED=${SEED}`);
        const rand = mulberry32(SEED + index);
        // The project is the store's temp root: the embedded store lives in it, and it is removed with it.
        const store = await fresh({ migrated: true });
        const dir = store.root;
        await cp(join(REPO, 'fixtures/platform'), dir, { recursive: true });
        await cp(join(REPO, 'rules'), join(dir, 'rules'), { recursive: true });
        const env = cleanEnv({
          ...store.env,
          CFGMIG_MASTER_KEY: MASTER.toString('base64'),
          CFGMIG_ACTOR: 'apply-kill-test',
        });
        const originals = new Map<string, number>();
        for (const [service, name] of BUMPS) {
          const text = await readFile(join(dir, 'services', service, '.env'), 'utf8');
          const m = new RegExp(`^${name}=(\\d+)$`, 'm').exec(text);
          expect(m, `${service}/.env has no numeric ${name}`).not.toBeNull();
          originals.set(name, Number(m![1]));
        }
        const applyArgs = ['apply', '--all', '--yes', '--project', dir];
        const known = new Map<string, Known>();
        /**
         * One look at the store: verifies it against the plans the last apply was given (when
         * there was one), then edits the sources for iteration `next` (when given) and plans
         * them against the store, as the next `apply --all` will.
         */
        const visit = async (planned: Map<string, PlanDoc> | null, next?: number) => {
          const db = await store.open();
          try {
            const outcome = planned ? await verify(db, dir, known, planned) : null;
            if (next !== undefined) await editSources(dir, originals, next);
            const set = await makePlans({ project: dir, services: [], env }, db);
            return { outcome, plans: new Map(set.plans.map((p) => [p.doc.service, p.doc])) };
          } finally {
            await db.close();
          }
        };

        // Version 1 of every service, applied without interruption.
        let { plans: planned } = await visit(null);
        expect(planned.size).toBe(SERVICES);
        // Through the kill harness with a kill that never comes, to time the applying part.
        const first = await killChild(BIN, applyArgs, env, { after: 'Plan:', delayMs: 1e9 });
        expect(first.code, first.stderr).toBe(0);
        expect(first.last).toMatch(/: applied as version 1 /);
        let applyMs = Math.max(MIN_APPLY_MS, first.endedAtMs - first.armedAtMs!);
        let look = await visit(planned, 1);
        expect(look.outcome!.moved).toHaveLength(SERVICES);
        planned = look.plans;

        const tally = { partial: 0, none: 0, all: 0, completed: 0, staleSnapshots: 0, pidFiles: 0 };
        for (let i = 1; i <= KILLS; i++) {
          const pending = [...planned.values()].filter(hasChanges).length;
          expect(pending, `iteration ${i}: too few services with changes`).toBeGreaterThanOrEqual(5);
          const p = killPlan(rand, applyMs, join(dir, '.cfgmig/published', ENV));
          const end = await killChild(BIN, applyArgs, env, p);
          try {
            if (!end.killed) expect(end.code, `apply failed by itself:\n${end.stderr}`).toBe(0);
            if (store.database) await sessionsGone(store.database);
            else {
              // A dead writer's pid file stays behind; opening must take it over, not refuse.
              const pidFile = join(dir, '.cfgmig/store/cfgmig.pid');
              if (existsSync(pidFile)) {
                expect(end.killed).toBe(true);
                expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(end.pid));
                tally.pidFiles++;
              }
            }
            look = await visit(planned, i < KILLS ? i + 1 : undefined);
            const o = look.outcome!;
            planned = look.plans;
            if (!end.killed) {
              expect(o.stayed).toEqual([]);
              tally.completed++;
              // Aim by the latest run that finished (a machine's speed drifts with its load).
              if (p.after === 'Plan:' && end.armedAtMs !== null)
                applyMs = Math.max(MIN_APPLY_MS, end.endedAtMs - end.armedAtMs);
            } else if (o.moved.length > 0 && o.stayed.length > 0) tally.partial++;
            else if (o.moved.length === 0) {
              tally.none++;
              // Killed before any transaction: aim a little later.
              if (p.after === 'Plan:') applyMs = applyMs * 1.1 + 25;
            } else tally.all++;
            tally.staleSnapshots += o.staleSnapshots.length;
          } catch (err) {
            const where =
              `kill ${i}/${KILLS} [${backend.name}] ${describeKill(p)}, ` +
              `${end.killed ? `last printed "${end.last.slice(0, 60)}"` : `it finished first (exit ${end.code})`}`;
            throw new Error(`${where} (CFGMIG_APPLY_KILL_SEED=${SEED}): ${(err as Error).message}`, {
              cause: err,
            });
          }
        }
        console.info(
          `[${backend.name}] ${KILLS} runs (CFGMIG_APPLY_KILL_SEED=${SEED}): killed with some services moved ` +
            `and some not ${tally.partial}, with none moved ${tally.none}, with all moved ${tally.all}; ` +
            `finished before the kill ${tally.completed}; applying took ~${Math.round(applyMs)} ms; ` +
            `published snapshots seen older than the store ${tally.staleSnapshots}`,
        );
        // Not vacuous: kills landed between one service's transaction and the next.
        expect(tally.partial, `seed ${SEED}`).toBeGreaterThan(0);
        if (!store.database)
          expect(tally.pidFiles, `seed ${SEED}: no stale pid file was taken over`).toBeGreaterThan(0);

        // A last apply that is not killed finishes what the killed ones left; then nothing is pending.
        const last = await runCli(applyArgs, { env });
        expect(last.code, last.stderr).toBe(0);
        look = await visit(planned);
        expect(look.outcome!.stayed).toEqual([]);
        expect([...look.plans.values()].filter(hasChanges).map((d) => d.service)).toEqual([]);
        // A kill between a commit and its publication leaves the snapshot behind the store; the
        // next apply that finds the service up to date publishes it again.
        expect(look.outcome!.staleSnapshots, 'snapshots behind the store after the last apply').toEqual([]);
        const settled = await runCli(['plan', '--all', '--detailed-exitcode', '--project', dir], { env });
        expect(settled.code, settled.stderr).toBe(0);
      },
      240_000,
    );
  }
});
