#!/usr/bin/env node
/**
 * Benchmark: the configuration store on both backends, the way `apply` will use it.
 *
 *   node bench/store/run.mjs [--quick] [--services N] [--backend embedded|postgres|all]
 *                            [--concurrency N] [--runs N]
 *
 * Per backend (embedded PGlite in a temp project; PostgreSQL in a temporary database
 * cfgmig_bench_<random> on CFGMIG_BENCH_PG_URL / CFGMIG_TEST_PG_URL / postgres@127.0.0.1:5432,
 * dropped WITH (FORCE) at the end, also when the bench fails):
 *   1. environments global → production (defineEnvironment);
 *   2. per service 100 configuration keys as two versions (writeVersion): 80 keys in `global`,
 *      20 in `production` (10 overriding global ones), nested as real configurations are;
 *   3. 10 credentials per service, one writeCredentials transaction per service;
 *   4. the effective production configuration of every service (effectiveConfig), each read timed.
 * Then `cfgmig store info` on the embedded store the bench just filled ("after the first run"):
 * one warm-up and --runs timed runs of the built CLI, spawn to exit.
 *
 * --quick (or BENCH_QUICK=1): 100 services instead of 1,000, 3 store info runs.
 * --concurrency N: N services written at once (each still one transaction per write), to see
 *   what the pool does with several writers; the targets are judged on the default, 1, which
 *   is how `apply` writes (one service at a time).
 *
 * Prints figures and whether the targets are met; asserts nothing. Exits 1 only when the bench
 * itself breaks (a write fails, a read returns the wrong data, the CLI exits non-zero).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendOption, positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { checkBuilt, PG_ADMIN_URL, pgAdmin } from '../lib/setup.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const CFGMIG_BIN = resolve(REPO, 'bin/cfgmig.js');

const TARGETS = { configKeysPerSec: 50_000, credentialsPerSec: 5_000, storeInfoSeconds: 1 };
const KEYS_PER_SERVICE = 100;
const CREDENTIALS_PER_SERVICE = 10;
// Fixed, fake: the bench needs a master key and must not create a key file anywhere.
const MASTER_KEY = Buffer.alloc(32, 7);

function parseArgs(argv) {
  const quick = process.env.BENCH_QUICK === '1' || argv.includes('--quick');
  const opts = { services: quick ? 100 : 1000, backend: 'all', concurrency: 1, runs: quick ? 3 : 7, quick };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') continue;
    else if (a === '--services') opts.services = positiveInt(argv[++i], a);
    else if (a === '--concurrency') opts.concurrency = positiveInt(argv[++i], a);
    else if (a === '--runs') opts.runs = positiveInt(argv[++i], a);
    else if (a === '--backend') opts.backend = backendOption(argv[++i]);
    else if (a === '--help' || a === '-h') {
      printHelp(import.meta.url);
    } else throw usage(`unknown argument ${a} (see --help)`);
  }
  return opts;
}

// ------------------------------------------------------------------------------------------
// Data: what a service's configuration looks like
// ------------------------------------------------------------------------------------------

/** Leaf values of a JSON document (an array is one value, as a key holding a list is). */
function countKeys(v) {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 1;
  let n = 0;
  for (const x of Object.values(v)) n += countKeys(x);
  return n;
}

/** 80 keys for `global`: eight sections of ten, some nested two levels. */
function globalConfig(i) {
  const name = `svc-${String(i).padStart(4, '0')}`;
  return {
    service: {
      name,
      port: 8000 + (i % 1000),
      logLevel: 'info',
      shutdownGraceMs: 15_000,
      workers: 4,
      region: 'eu-west-1',
      tags: ['team-' + (i % 17), 'tier-' + (i % 3)],
      healthcheck: { path: '/healthz', intervalMs: 10_000, timeoutMs: 2_000 },
    },
    database: {
      host: `${name}-db.internal`,
      port: 5432,
      name: name.replaceAll('-', '_'),
      user: 'app',
      pool: { min: 2, max: 20, idleTimeoutMs: 30_000 },
      ssl: { enabled: true, mode: 'verify-full', rootCert: '/etc/ssl/certs/rds.pem' },
    },
    cache: {
      url: `redis://cache.internal:6379/${i % 16}`,
      ttlSeconds: 300,
      prefix: `${name}:`,
      maxEntries: 10_000,
      compression: 'lz4',
      cluster: { enabled: false, nodes: [], readFromReplicas: true },
      retry: { attempts: 3, backoffMs: 50 },
    },
    http: {
      timeoutMs: 5_000,
      retries: 2,
      keepAlive: true,
      maxSockets: 64,
      cors: { origins: ['https://app.example.com'], credentials: true, maxAgeSeconds: 600 },
      rateLimit: { perMinute: 600, burst: 100, enabled: true },
    },
    queue: {
      broker: 'amqp://mq.internal:5672',
      exchange: `${name}.events`,
      prefetch: 32,
      durable: true,
      deadLetter: { exchange: `${name}.dlx`, ttlMs: 86_400_000, maxRetries: 5 },
      consumers: { min: 1, max: 8, scaleUpAt: 100 },
    },
    logging: {
      format: 'json',
      level: 'info',
      redact: ['password', 'token', 'authorization'],
      sampling: { enabled: true, rate: 0.1, burst: 50 },
      sink: { kind: 'stdout', bufferBytes: 65_536, flushMs: 1_000, gzip: false },
    },
    metrics: {
      enabled: true,
      port: 9090,
      path: '/metrics',
      prefix: name.replaceAll('-', '_'),
      histogram: { buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5], maxAgeSeconds: 600 },
      tracing: { enabled: true, sampleRate: 0.01, endpoint: 'http://otel.internal:4318', propagate: true },
    },
    features: {
      newCheckout: i % 2 === 0,
      darkMode: true,
      betaSearch: false,
      recommendations: { enabled: true, model: 'v3', maxItems: 12 },
      experiments: { bucketCount: 100, salt: `salt-${i}`, holdout: 0.05, sticky: true },
    },
  };
}

/** 20 keys for `production`: 10 overriding global values, 10 that exist only in production. */
function productionConfig(i) {
  return {
    service: { logLevel: 'warn', workers: 16, region: 'eu-central-1' },
    database: { host: `svc-${i}-db.prod.internal`, pool: { min: 10, max: 100 } },
    cache: { cluster: { enabled: true, nodes: ['cache-1.prod:6379', 'cache-2.prod:6379'] } },
    http: { rateLimit: { perMinute: 6_000 } },
    logging: { sampling: { rate: 0.01 } },
    production: {
      pagerDuty: { serviceKeyRef: `pd-${i}`, urgency: 'high' },
      backups: { schedule: '0 3 * * *', retentionDays: 35, crossRegion: true },
      scaling: { minReplicas: 3, maxReplicas: 30, targetCpu: 0.65 },
      slo: { availability: 0.999, latencyP99Ms: 300 },
    },
  };
}

const serviceName = (i) => `svc-${String(i).padStart(4, '0')}`;

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? NaN : s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
/** Nearest-rank percentile. */
const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const fmt = (x, digits = 2) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits));
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');
const now = () => performance.now();

/** Runs `fn(i)` for i in [0, n) with at most `width` in flight. */
async function forEach(n, width, fn) {
  let next = 0;
  const worker = async () => {
    while (next < n) await fn(next++);
  };
  await Promise.all(Array.from({ length: Math.min(width, n) }, worker));
}

function spawnTimed(args, env) {
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [CFGMIG_BIN, ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    child.stdout.on('data', (b) => out.push(b));
    child.stderr.on('data', (b) => out.push(b));
    child.on('error', reject);
    child.on('close', (code) =>
      resolvePromise({
        code,
        seconds: Number(process.hrtime.bigint() - t0) / 1e9,
        output: Buffer.concat(out).toString('utf8'),
      }),
    );
  });
}

// ------------------------------------------------------------------------------------------
// The workload
// ------------------------------------------------------------------------------------------

async function workload(store, opts, label) {
  const { db, api } = store;
  const { writeVersion, defineEnvironment, effectiveConfig, writeCredentials, keys } = api;
  const n = opts.services;
  await defineEnvironment(db, 'global', [], 'bench');
  await defineEnvironment(db, 'production', ['global'], 'bench');

  // Generated up front so the timing is the store's, not the generator's.
  const configs = Array.from({ length: n }, (_, i) => ({ g: globalConfig(i), p: productionConfig(i) }));
  const keysWritten = configs.reduce((s, c) => s + countKeys(c.g) + countKeys(c.p), 0);

  let t0 = now();
  await forEach(n, opts.concurrency, async (i) => {
    const service = serviceName(i);
    for (const [environment, data] of [
      ['global', configs[i].g],
      ['production', configs[i].p],
    ]) {
      const v = await writeVersion(db, {
        service,
        environment,
        expectedVersion: 0,
        data,
        author: 'bench',
        reason: 'bench store',
      });
      if (v !== 1) throw new Error(`${service}/${environment}: wrote version ${v}, expected 1`);
    }
  });
  const configSeconds = (now() - t0) / 1000;
  console.log(
    `  ${label}: wrote ${n * 2} versions, ${int(keysWritten)} keys in ${fmt(configSeconds)} s: ` +
      `${int(keysWritten / configSeconds)} keys/s`,
  );

  t0 = now();
  await forEach(n, opts.concurrency, async (i) => {
    const items = Array.from({ length: CREDENTIALS_PER_SERVICE }, (_, k) => ({
      key: `SECRET_${k}`,
      value: `fake-${randomBytes(18).toString('base64url')}`,
    }));
    await db.transaction((tx) =>
      writeCredentials(tx, keys, { service: serviceName(i), environment: 'production' }, items, 'bench'),
    );
  });
  const credSeconds = (now() - t0) / 1000;
  const credentials = n * CREDENTIALS_PER_SERVICE;
  console.log(
    `  ${label}: wrote ${int(credentials)} credentials in ${fmt(credSeconds)} s: ${int(credentials / credSeconds)} credentials/s`,
  );

  // Reads one at a time: latency of a single read, not throughput of many.
  const latencies = [];
  t0 = now();
  for (let i = 0; i < n; i++) {
    const r0 = now();
    const eff = await effectiveConfig(db, serviceName(i), 'production');
    latencies.push(now() - r0);
    if (eff.sources.length !== 2 || eff.data.service.workers !== 16 || eff.data.service.port !== 8000 + i)
      throw new Error(`${serviceName(i)}: wrong effective configuration`);
  }
  const readSeconds = (now() - t0) / 1000;
  console.log(
    `  ${label}: read ${n} effective configurations in ${fmt(readSeconds)} s: ` +
      `p50 ${fmt(percentile(latencies, 50))} ms, p99 ${fmt(percentile(latencies, 99))} ms`,
  );
  return {
    keysPerSec: keysWritten / configSeconds,
    credentialsPerSec: credentials / credSeconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
  };
}

async function loadApi() {
  const dist = (p) => import(resolve(REPO, 'dist', p));
  const [open, configs, environments, credentials, keyring] = await Promise.all([
    dist('adapters/store/open.js'),
    dist('adapters/store/configs.js'),
    dist('adapters/store/environments.js'),
    dist('adapters/store/credentials.js'),
    dist('core/crypto/keyring.js'),
  ]);
  return {
    openStore: open.openStore,
    writeVersion: configs.writeVersion,
    defineEnvironment: environments.defineEnvironment,
    effectiveConfig: environments.effectiveConfig,
    writeCredentials: credentials.writeCredentials,
    keys: keyring.keyring(MASTER_KEY),
  };
}

async function benchEmbedded(api, opts) {
  const root = mkdtempSync(join(tmpdir(), 'cfgmig-bench-store-'));
  try {
    let t0 = now();
    const db = await api.openStore(root, {});
    const createSeconds = (now() - t0) / 1000;
    console.log(`\nembedded (PGlite) in ${root}: created and migrated in ${fmt(createSeconds)} s`);
    let figures;
    try {
      figures = await workload({ db, api }, opts, 'embedded');
    } finally {
      await db.close();
    }
    // Reopening in this process: PGlite's own share of a command's time.
    const opens = [];
    for (let i = 0; i < 3; i++) {
      t0 = now();
      const again = await api.openStore(root, {});
      opens.push((now() - t0) / 1000);
      await again.close();
    }
    console.log(`  embedded: reopen + migration check in-process, median of 3: ${fmt(median(opens))} s`);

    const args = ['store', 'info', '--project', root];
    console.log(`  cfgmig ${args.join(' ')}`);
    const warm = await spawnTimed(args, {});
    if (warm.code !== 0) throw new Error(`store info exited ${warm.code}:\n${warm.output}`);
    if (!/service_configurations\s+\d+/.test(warm.output))
      throw new Error(`store info output has no row counts:\n${warm.output}`);
    const runs = [];
    for (let i = 0; i < opts.runs; i++) {
      const r = await spawnTimed(args, {});
      if (r.code !== 0) throw new Error(`store info exited ${r.code}:\n${r.output}`);
      runs.push(r.seconds);
    }
    console.log(
      `  store info: warm-up ${fmt(warm.seconds)} s, then ${runs.map((s) => fmt(s)).join(' ')} s; median ${fmt(median(runs))} s`,
    );
    return { ...figures, storeInfo: median(runs), storeInfoRuns: runs.length, reopen: median(opens) };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

async function benchPostgres(api, opts) {
  try {
    await pgAdmin((c) => c.query('SELECT 1'));
  } catch (err) {
    console.log(`\npostgres: not reachable at ${PG_ADMIN_URL} (${err.message}): skipped`);
    return null;
  }
  const database = `cfgmig_bench_${randomBytes(6).toString('hex')}`;
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  const root = mkdtempSync(join(tmpdir(), 'cfgmig-bench-store-'));
  await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  const drop = () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  // Ctrl-C must not leave the database behind either.
  const onSigint = () => {
    drop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSigint);
  try {
    const t0 = now();
    const db = await api.openStore(root, { CFGMIG_STORE_URL: u.toString() });
    console.log(
      `\npostgres in database ${database} on ${u.host}: created and migrated in ${fmt((now() - t0) / 1000)} s`,
    );
    try {
      return await workload({ db, api }, opts, 'postgres');
    } finally {
      await db.close();
    }
  } finally {
    process.off('SIGINT', onSigint);
    await drop();
    rmSync(root, { recursive: true, force: true });
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench store — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${int(opts.services)} services × ${KEYS_PER_SERVICE} keys, ${CREDENTIALS_PER_SERVICE} credentials each, ` +
      `concurrency ${opts.concurrency}${opts.quick ? ' (quick)' : ''}`,
  );
  checkBuilt(REPO);
  const api = await loadApi();

  const results = {};
  if (opts.backend !== 'postgres') results.embedded = await benchEmbedded(api, opts);
  if (opts.backend !== 'embedded') results.postgres = await benchPostgres(api, opts);

  console.log('\nsummary');
  const head = ['backend', 'config keys/s', 'credentials/s', 'read p50 ms', 'read p99 ms', 'store info s'];
  const rows = Object.entries(results)
    .filter(([, r]) => r)
    .map(([name, r]) => [
      name,
      int(r.keysPerSec),
      int(r.credentialsPerSec),
      fmt(r.p50),
      fmt(r.p99),
      r.storeInfo === undefined ? '' : `${fmt(r.storeInfo)} (median of ${r.storeInfoRuns})`,
    ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  console.log(line(head));
  for (const r of rows) console.log(line(r));

  const scale = opts.services === 1000 ? '' : ` (${opts.services} services; the targets are for 1,000)`;
  const conc = opts.concurrency === 1 ? '' : ` (concurrency ${opts.concurrency}; the targets are for 1)`;
  const verdict = (ok) => (ok ? 'met' : 'MISSED');
  console.log('\ntargets');
  const p = results.postgres;
  if (p) {
    console.log(
      `  PostgreSQL ≥ ${int(TARGETS.configKeysPerSec)} configuration keys/s: ${verdict(p.keysPerSec >= TARGETS.configKeysPerSec)} (${int(p.keysPerSec)})${scale}${conc}`,
    );
    console.log(
      `  PostgreSQL ≥ ${int(TARGETS.credentialsPerSec)} credentials/s: ${verdict(p.credentialsPerSec >= TARGETS.credentialsPerSec)} (${int(p.credentialsPerSec)})${scale}${conc}`,
    );
  } else if (opts.backend !== 'embedded') console.log('  PostgreSQL: no figures (server not reachable)');
  const e = results.embedded;
  if (e)
    console.log(
      `  embedded \`cfgmig store info\` < ${TARGETS.storeInfoSeconds} s after the first run: ${verdict(e.storeInfo < TARGETS.storeInfoSeconds)} (median ${fmt(e.storeInfo)} s)`,
    );
}

main().catch((err) => {
  reportFailure('store', err);
});
