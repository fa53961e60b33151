#!/usr/bin/env node
/**
 * Benchmark: how fast a flag change made with the CLI reaches running cfgmig/client
 * instances, and how fast the client reads.
 *
 *   node bench/propagation/run.mjs [--mode redis|files|both] [--rounds N] [--clients N]
 *                                  [--processes N] [--seconds N]
 *
 * Project: a copy of fixtures/services/demo-service in a temp folder, applied with the built
 * CLI (a random master key in CFGMIG_MASTER_KEY). Two modes:
 *   redis  PostgreSQL store in a temporary database cfgmig_bench_<random> (on
 *          CFGMIG_BENCH_PG_URL / CFGMIG_TEST_PG_URL / postgres@127.0.0.1:5432, dropped WITH
 *          (FORCE) at the end) and Redis publication (CFGMIG_BENCH_REDIS_URL, default
 *          redis://127.0.0.1:6379) under a fresh prefix cfgmig_bench_<random>: (its keys
 *          deleted at the end). Clients get Redis and the store URL, no projectDir: the change
 *          reaches them by pub/sub.
 *   files  embedded store; clients get only projectDir: the change reaches them through their
 *          watch on .cfgmig/published/.
 *
 * Propagation: --clients instances (default 100) across --processes worker processes (default
 * 4, bench/propagation/worker.mjs). Each round runs the real CLI, `cfgmig flags set --mode
 * new_with_fallback`, alternating 10% and 20%, and takes the parent's wall clock when that
 * process exits ("returned"); each worker reports the wall clock (performance.timeOrigin +
 * performance.now()) at which each instance first showed the new flag version, detected by a
 * 1 ms setInterval poll of `flags().flagsVersion` (so up to ~1 ms late). Latency = observed −
 * returned, reported as is: it is negative when an instance saw the change before the CLI
 * process had exited (the publication is sent before the CLI closes its store and exits).
 * Also printed: each observation − the round's first one (how far apart the instances hear
 * of a change). One warm-up round is not counted; --rounds (default 20) are. Targets: p99 < 50 ms with
 * Redis, < 250 ms with snapshot files.
 *
 * Reads: in this process, one client on the published snapshot (projectDir only) reads
 * upstream.url, upstream.timeoutMs and greeting in turn for --seconds (default 2) each:
 * `await config.get(key)`, `getSync(key)`, and `get` with stickiness `read` (a draw per read).
 * Target: ≥ 2,000,000 get()/s.
 *
 * Prints figures and whether targets are met; asserts nothing. Cleans up processes, database,
 * Redis keys and temp folders also on failure or Ctrl-C. Exits 1 only when the bench breaks.
 */
import { cpSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import { positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { cleanupAll, tempDir } from '../lib/cleanup.mjs';
import { freshStoreAndPrefix, REDIS_URL, redisReachable } from '../lib/servers.mjs';
import { checkBuilt, cliEnv, machine, PG_ADMIN_URL, pgAdmin, runCli as cli } from '../lib/setup.mjs';
import { fmt, msSummary, percentile, summarize, verdict } from '../lib/stats.mjs';
import { ask, forkWorkers, stopWorkers } from '../lib/workers.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const WORKER = resolve(HERE, 'worker.mjs');
const FIXTURE = resolve(REPO, 'fixtures/services/demo-service');
const SERVICE = 'demo-service';
const ENVIRONMENT = 'production';
const TARGETS = { redisP99Ms: 50, filesP99Ms: 250, getPerSec: 2_000_000 };
const PERCENTS = ['10', '20'];
const READ_KEYS = ['upstream.url', 'upstream.timeoutMs', 'greeting'];
const ROUND_TIMEOUT_MS = 15_000;

function parseArgs(argv) {
  const opts = { rounds: 20, clients: 100, processes: 4, mode: 'both', seconds: 2 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') opts.rounds = positiveInt(argv[++i], a);
    else if (a === '--clients') opts.clients = positiveInt(argv[++i], a);
    else if (a === '--processes') opts.processes = positiveInt(argv[++i], a);
    else if (a === '--seconds') opts.seconds = positiveInt(argv[++i], a);
    else if (a === '--mode') {
      opts.mode = argv[++i];
      if (!['redis', 'files', 'both'].includes(opts.mode)) throw usage('--mode is redis, files or both');
    } else if (a === '--help' || a === '-h') printHelp(import.meta.url);
    else throw usage(`unknown argument ${a} (see --help)`);
  }
  if (opts.processes > opts.clients) opts.processes = opts.clients;
  return opts;
}

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');

// ------------------------------------------------------------------------------------------
// Setup
// ------------------------------------------------------------------------------------------

/** A copy of demo-service, applied; returns what clients and the CLI need. */
async function makeProject(mode) {
  const dir = tempDir(`cfgmig-bench-propagation-${mode}-`);
  cpSync(FIXTURE, dir, { recursive: true });
  const compose = parse(readFileSync(join(dir, 'docker-compose.yml'), 'utf8'));
  const legacy = compose.services[SERVICE].environment;
  const env = cliEnv();
  const options = { service: SERVICE, environment: ENVIRONMENT, legacy };
  let where = `embedded store in ${dir}`;
  if (mode === 'redis') {
    const servers = await freshStoreAndPrefix();
    Object.assign(env, servers.env);
    Object.assign(options, { redis: { url: REDIS_URL, prefix: servers.prefix }, store: servers.storeUrl });
    where = servers.where;
  } else {
    options.projectDir = dir;
  }
  const applied = await cli(['apply', '--all', '--yes', '--project', dir], env);
  if (mode === 'redis' && !/published/.test(applied.output))
    throw new Error(`apply did not publish:\n${applied.output}`);
  return { dir, env, options, where };
}

function publishedFlagsVersion(dir) {
  const p = JSON.parse(readFileSync(join(dir, '.cfgmig/published', ENVIRONMENT, `${SERVICE}.json`), 'utf8'));
  return p.flagsVersion;
}

/** Forks the workers and connects `clients` instances across them. */
async function startWorkers(opts, options) {
  const per = Math.floor(opts.clients / opts.processes);
  const extra = opts.clients % opts.processes;
  let base = 0;
  const starts = [];
  for (let i = 0; i < opts.processes; i++) {
    const count = per + (i < extra ? 1 : 0);
    starts.push({ type: 'start', options, count, base });
    base += count;
  }
  const { workers, ready } = await forkWorkers(WORKER, starts);
  return { workers, versions: ready.flatMap((m) => m.versions) };
}

// ------------------------------------------------------------------------------------------
// Propagation
// ------------------------------------------------------------------------------------------

async function propagation(mode, project, opts) {
  console.log(`\n${mode}: ${project.where}`);
  const { workers, versions } = await startWorkers(opts, project.options);
  console.log(
    `  ${opts.clients} clients in ${workers.length} processes connected (flag version ${Math.min(...versions)})`,
  );
  const latencies = [];
  const cliMs = [];
  /** Observed − the round's first observation: how far apart the instances hear of it. */
  const spread = [];
  let missing = 0;
  for (let round = 0; round <= opts.rounds; round++) {
    const percent = PERCENTS[round % PERCENTS.length];
    const run = await cli(
      [
        'flags',
        'set',
        '--project',
        project.dir,
        '-s',
        SERVICE,
        '-e',
        ENVIRONMENT,
        '--mode',
        'new_with_fallback',
        '--percent',
        percent,
        '--reason',
        `bench round ${round}`,
      ],
      project.env,
    );
    const version = publishedFlagsVersion(project.dir);
    const answers = await Promise.all(
      ask(
        workers,
        { type: 'await', version, timeoutMs: ROUND_TIMEOUT_MS },
        'observed',
        ROUND_TIMEOUT_MS + 5000,
      ),
    );
    if (round === 0) continue; // warm-up
    cliMs.push(run.returned - run.started);
    const seenAt = answers.flatMap((a) => a.times.filter((t) => t !== null));
    const first = Math.min(...seenAt);
    for (const a of answers) missing += a.missing;
    for (const t of seenAt) {
      latencies.push(t - run.returned);
      spread.push(t - first);
    }
    await sleep(100);
  }
  await stopWorkers(workers);
  const spreadSummary = summarize(spread);
  const r = {
    samples: latencies.length,
    missing,
    min: Math.min(...latencies),
    ...summarize(latencies),
    negative: latencies.filter((x) => x < 0).length,
    cliP50: percentile(cliMs, 50),
    spreadP50: spreadSummary.p50,
    spreadP99: spreadSummary.p99,
    spreadMax: spreadSummary.max,
  };
  console.log(
    `  ${opts.rounds} rounds × ${opts.clients} clients: ${r.samples} observations` +
      `${missing ? `, ${missing} MISSING (not seen within ${ROUND_TIMEOUT_MS} ms)` : ''}`,
  );
  console.log(
    `  latency after \`flags set\` returned: ${msSummary(r)} ` +
      `(min ${fmt(r.min)} ms; ${r.negative} of ${r.samples} seen before the CLI process had exited)`,
  );
  console.log(`  after the round's first instance saw it: ${msSummary(spreadSummary)}`);
  console.log(`  \`cfgmig flags set\` itself, spawn to exit: median ${fmt(r.cliP50, 0)} ms`);
  return r;
}

// ------------------------------------------------------------------------------------------
// Reads
// ------------------------------------------------------------------------------------------

async function readThroughput(project, opts) {
  const { MigrationCompatibleConfig } = await import(
    pathToFileURL(resolve(REPO, 'dist/client/index.js')).href
  );
  const base = {
    service: SERVICE,
    environment: ENVIRONMENT,
    projectDir: project.dir,
    legacy: project.options.legacy,
  };
  const ms = opts.seconds * 1000;
  const BATCH = 30_000; // a multiple of READ_KEYS.length
  const results = {};

  const measure = async (label, fn) => {
    await fn(Math.min(ms / 10, 200)); // warm-up
    const r = await fn(ms);
    results[label] = r;
    console.log(`  ${label.padEnd(34)} ${int(r).padStart(12)} reads/s`);
  };
  const asyncLoop = (config) => async (duration) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < duration) {
      for (let i = 0; i < BATCH; i += 3) {
        await config.get(READ_KEYS[0]);
        await config.get(READ_KEYS[1]);
        await config.get(READ_KEYS[2]);
      }
      n += BATCH;
      t = performance.now();
    }
    return n / ((t - t0) / 1000);
  };
  const syncLoop = (config) => async (duration) => {
    let n = 0;
    const t0 = performance.now();
    let t = t0;
    while (t - t0 < duration) {
      for (let i = 0; i < BATCH; i += 3) {
        config.getSync(READ_KEYS[0]);
        config.getSync(READ_KEYS[1]);
        config.getSync(READ_KEYS[2]);
      }
      n += BATCH;
      t = performance.now();
    }
    return n / ((t - t0) / 1000);
  };

  const sticky = await MigrationCompatibleConfig.connect(base);
  const perRead = await MigrationCompatibleConfig.connect({ ...base, stickiness: 'read' });
  try {
    const f = sticky.flags().default;
    console.log(
      `\nreads: one client on the snapshot file, flag ${f.mode} ${f.percentBp / 100}%, keys ${READ_KEYS.join(', ')}`,
    );
    // Every value must be there, or the figures measure the default path.
    for (const k of READ_KEYS)
      if ((await sticky.get(k)) === undefined) throw new Error(`${k}: no value; the reads would not be real`);
    await measure('await get() (stickiness instance)', asyncLoop(sticky));
    await measure('getSync() (stickiness instance)', syncLoop(sticky));
    await measure('await get() (stickiness read)', asyncLoop(perRead));
  } finally {
    await sticky.close();
    await perRead.close();
  }
  return results;
}

// ------------------------------------------------------------------------------------------

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench propagation — ${machine()}; ` +
      `${opts.clients} clients in ${opts.processes} processes, ${opts.rounds} rounds, mode ${opts.mode}`,
  );
  checkBuilt(REPO);
  const modes = opts.mode === 'both' ? ['redis', 'files'] : [opts.mode];
  const results = {};
  let reads = null;
  for (const mode of modes) {
    if (mode === 'redis') {
      if (!(await redisReachable())) {
        console.log(`\nredis: not reachable at ${REDIS_URL}: skipped`);
        continue;
      }
      try {
        await pgAdmin((c) => c.query('SELECT 1'));
      } catch (err) {
        console.log(`\nredis: PostgreSQL not reachable at ${PG_ADMIN_URL} (${err.message}): skipped`);
        continue;
      }
    }
    const project = await makeProject(mode);
    results[mode] = await propagation(mode, project, opts);
    // The snapshot file is written in both modes: the read figures need only one of them.
    reads ??= await readThroughput(project, opts);
  }

  console.log('\ntargets');
  const target = { redis: TARGETS.redisP99Ms, files: TARGETS.filesP99Ms };
  for (const [mode, r] of Object.entries(results)) {
    const note = r.missing ? ` (${r.missing} observations missing)` : '';
    console.log(
      `  ${mode === 'redis' ? 'Redis' : 'snapshot files'}: p99 < ${target[mode]} ms: ` +
        `${verdict(r.p99 < target[mode] && r.missing === 0)} (p50 ${fmt(r.p50)}, p99 ${fmt(r.p99)}, max ${fmt(r.max)} ms)${note}`,
    );
  }
  if (reads) {
    const g = reads['await get() (stickiness instance)'];
    console.log(
      `  get() ≥ ${int(TARGETS.getPerSec)} reads/s: ${verdict(g >= TARGETS.getPerSec)} (${int(g)})`,
    );
  }
}

main()
  .catch((err) => reportFailure('propagation', err))
  .finally(() => cleanupAll());
