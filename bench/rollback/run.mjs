#!/usr/bin/env node
/**
 * Benchmark: roll back a fleet at once and measure how long until every running client has
 * observed it (issue 6: 50 services, target under 2 seconds).
 *
 *   node bench/rollback/run.mjs [--services N]
 *   npm run bench -- rollback [--services N]
 *
 * Project: --services services (default 50) in one compose file, each with a pool size of 20
 * and a database password (a credential), a rule file mapping them and a cfgmig.yaml giving
 * each a restart command (`true`), in a temp folder. Store: a temporary PostgreSQL database
 * cfgmig_bench_<random> (on CFGMIG_BENCH_PG_URL / CFGMIG_TEST_PG_URL / postgres@127.0.0.1:5432,
 * dropped WITH (FORCE) at the end); publication to Redis (CFGMIG_BENCH_REDIS_URL, default
 * redis://127.0.0.1:6379) under a fresh prefix cfgmig_bench_<random>: (its keys deleted at
 * the end). Applied with the built CLI (`cfgmig apply --all --yes`); then every service's flag
 * is set to new_with_fallback 100% and published.
 *
 * Clients: one cfgmig/client instance per service (dist/client, Redis only, the service's
 * legacy environment with a pool size of 12) spread over 2–4 worker processes
 * (bench/rollback/worker.mjs); each first checks it reads the store's 20.
 *
 * Rollback: ONE process (this one, with the store already open, as the canary's fleet runner
 * would be) calls rollbackMigration (dist/api/rollback.js) for every service concurrently:
 * the same code path as `cfgmig rollback` and the canary's automatic rollback. (50 separate
 * `cfgmig rollback` processes would measure mostly 50 Node start-ups competing for the CPUs.)
 * The clock starts just before the calls; a client has observed the rollback when its flag
 * is legacy_only AND its value is the legacy 12 (1 ms poll). Printed: per-client latency
 * p50/p99/max, the total (until the last client), when the switch-to-legacy steps were done
 * and when every rollback (revert, clear caches, restart, verification) returned.
 *
 * Prints figures and whether the target is met; asserts nothing. Cleans up workers, database,
 * Redis keys and the temp folder also on failure or Ctrl-C. Exits 1 only when the bench breaks.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { cleanupAll, onCleanup, tempDir } from '../lib/cleanup.mjs';
import { freshStoreAndPrefix, REDIS_URL, redisReachable } from '../lib/servers.mjs';
import { checkBuilt, cliEnv, machine, pgAdmin, runCli as cli } from '../lib/setup.mjs';
import { fmt, msSummary, percentile, summarize, verdict, wall } from '../lib/stats.mjs';
import { ask, forkWorkers, stopWorkers } from '../lib/workers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const WORKER = resolve(HERE, 'worker.mjs');
const ENVIRONMENT = 'production';
const TARGET_MS = 2000;
const KEY = 'database.pool.max';
const STORE_VALUE = 20;
const LEGACY_VALUE = 12;
const OBSERVE_TIMEOUT_MS = 30_000;

function parseArgs(argv) {
  const opts = { services: 50 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--services') opts.services = positiveInt(argv[++i], a);
    else if (a === '--help' || a === '-h') printHelp(import.meta.url);
    else throw usage(`unknown argument ${a} (see --help)`);
  }
  return opts;
}

/** The project: N services, a credential each, a restart command each. */
function writeProject(dir, services) {
  const compose = ['services:'];
  const project = ['version: 1', 'services:'];
  for (const s of services) {
    compose.push(
      `  ${s}:`,
      `    image: ${s}`,
      '    environment:',
      '      SERVICE_PORT: "8080"',
      `      POOL_MAX: "${STORE_VALUE}"`,
      `      DATABASE_URL: "postgres://app:pw-${randomBytes(6).toString('hex')}@db.internal:5432/${s}"`,
    );
    project.push(`  ${s}:`, '    restart: "true"');
  }
  writeFileSync(join(dir, 'docker-compose.yml'), `${compose.join('\n')}\n`);
  writeFileSync(join(dir, 'cfgmig.yaml'), `${project.join('\n')}\n`);
  mkdirSync(join(dir, 'rules'));
  writeFileSync(
    join(dir, 'rules/db.yaml'),
    [
      'name: db',
      "appliesTo: ['*']",
      'map:',
      '  - from: SERVICE_PORT',
      '    to: service.port',
      '    type: integer',
      '  - from: POOL_MAX',
      `    to: ${KEY}`,
      '    type: integer',
      '  - from: DATABASE_URL',
      '    split: url',
      '    parts:',
      '      host: database.host',
      '      password: database.password',
      '',
    ].join('\n'),
  );
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const processes = Math.min(opts.services, Math.max(2, Math.min(4, cpus().length)));
  console.log(
    `bench rollback — ${machine()}; ` +
      `${opts.services} services, one client each in ${processes} worker processes`,
  );
  checkBuilt(REPO);
  if (!(await redisReachable())) throw new Error(`Redis is not reachable at ${REDIS_URL}`);
  await pgAdmin((c) => c.query('SELECT 1'));

  const dir = tempDir('cfgmig-bench-rollback-');
  const services = Array.from({ length: opts.services }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  writeProject(dir, services);
  const servers = await freshStoreAndPrefix();
  const env = { ...cliEnv(), ...servers.env, CFGMIG_ACTOR: 'bench-rollback' };
  console.log(servers.where);

  let t = wall();
  await cli(['apply', '--all', '--yes', '--project', dir], env);
  console.log(`applied ${opts.services} services in ${fmt((wall() - t) / 1000)} s`);

  const dist = (p) => import(pathToFileURL(resolve(REPO, 'dist', p)).href);
  const { openStore } = await dist('adapters/store/open.js');
  const { setFlag } = await dist('adapters/store/flags.js');
  const { publishAll } = await dist('adapters/publish.js');
  const { rollbackMigration } = await dist('api/rollback.js');
  const db = await openStore(dir, env);
  onCleanup(() => db.close());
  for (const service of services) {
    await db.transaction((tx) =>
      setFlag(
        tx,
        { service, environment: ENVIRONMENT, mode: 'new_with_fallback', percentBp: 10_000, reason: 'bench' },
        'bench-rollback',
      ),
    );
  }
  const published = await publishAll(db, dir, env, { environment: ENVIRONMENT });
  if (published.some((p) => p.redis !== 'published' && p.redis !== 'unchanged'))
    throw new Error('publishing the 100% flags to Redis failed');

  // Clients, spread over the workers.
  const options = {
    environment: ENVIRONMENT,
    redis: { url: REDIS_URL, prefix: servers.prefix },
    legacy: { SERVICE_PORT: '8080', POOL_MAX: String(LEGACY_VALUE) },
    reconcileIntervalMs: 5000,
  };
  const shares = Array.from({ length: processes }, (_, i) => services.filter((_, j) => j % processes === i));
  t = wall();
  const { workers } = await forkWorkers(
    WORKER,
    shares.map((share) => ({ type: 'start', options, services: share, key: KEY, storeValue: STORE_VALUE })),
  );
  console.log(
    `${opts.services} clients connected in ${processes} processes (${fmt(wall() - t)} ms), all reading the store's ${KEY} = ${STORE_VALUE} at 100%`,
  );

  // The rollback of every service at once.
  const observed = ask(
    workers,
    { type: 'await', legacyValue: LEGACY_VALUE, timeoutMs: OBSERVE_TIMEOUT_MS },
    'observed',
    OBSERVE_TIMEOUT_MS + 5000,
  );
  await new Promise((r) => setTimeout(r, 50)); // the workers' polls are running
  const start = wall();
  const outcomes = await Promise.all(
    services.map(async (service) => {
      const o = await rollbackMigration(db, {
        project: dir,
        service,
        environment: ENVIRONMENT,
        env,
        reason: 'bench: roll back the fleet',
      });
      return { ...o, returned: wall() - start };
    }),
  );
  const answers = await Promise.all(observed);
  const latencies = answers.flatMap((a) => a.times).map((x) => (x === null ? null : x - start));
  const missing = latencies.filter((x) => x === null).length;
  const seen = latencies.filter((x) => x !== null);

  const bad = outcomes.filter((o) => o.status !== 'rolled_back' || !o.verification.ok);
  const switchMs = outcomes.map((o) => o.steps.find((s) => s.action === 'switch-to-legacy')?.ms ?? NaN);
  const returned = outcomes.map((o) => o.returned);
  console.log(
    `\nrolled back ${outcomes.length - bad.length} of ${outcomes.length} (status rolled_back, verified)` +
      (bad.length ? `; NOT: ${bad.map((o) => `${o.service} ${o.status}`).join(', ')}` : ''),
  );
  console.log(
    `  switch-to-legacy step per service (lock wait, transaction, publication): p50 ${fmt(percentile(switchMs, 50))} ms, max ${fmt(Math.max(...switchMs))} ms`,
  );
  console.log(
    `  rollbackMigration returned (all steps incl. restart and verification): p50 ${fmt(percentile(returned, 50))} ms, last ${fmt(Math.max(...returned))} ms`,
  );
  console.log(
    `clients on legacy values, from the start of the rollback: ${seen.length} of ${latencies.length}` +
      (missing ? ` (${missing} NOT within ${OBSERVE_TIMEOUT_MS} ms)` : ''),
  );
  const total = missing ? Infinity : Math.max(...seen);
  console.log(`  per client: ${msSummary(summarize(seen))}`);
  console.log(`  total, until every client had observed it: ${fmt(total)} ms`);
  console.log(
    `\ntarget: every client within ${TARGET_MS} ms: ${verdict(total < TARGET_MS && bad.length === 0)}`,
  );

  await stopWorkers(workers);
}

main()
  .catch((err) => reportFailure('rollback', err))
  .finally(() => cleanupAll());
