#!/usr/bin/env node
/**
 * Benchmark: the whole migration pipeline on the synthetic 200-service fleet of bench/extract
 * (generated into bench/.work/fleet when missing, by bench/extract/generate.mjs), through the
 * built CLI, on both store backends.
 *
 *   node bench/pipeline/run.mjs [--backend embedded|postgres|all] [--services N] [--runs N]
 *                               [--cpu-prof | --no-cpu-prof] [--breakdown | --no-breakdown] [--quick]
 *
 * Setup, untimed: the fleet is copied to a temp folder; `cfgmig init` writes its cfgmig.yaml
 * (discovery: 200 services, environments global/development/production, production protected,
 * rules from rules/*.yaml); bench/pipeline/fleet-rules.yaml goes to rules/fleet.yaml. The
 * shipped rules/ are written for the sample platform: on this fleet `plan` refuses with them
 * (rules/logging.yaml maps LOG_LEVEL and LOG_FORMAT onto logging.level and logging.format,
 * which every service's config files set to other values: 212 conflicts), and most of the
 * fleet's names are not in them. fleet-rules.yaml maps every entry (by name, by pattern,
 * catch-alls last; config-file entries keep their own dotted paths).
 *
 * Per backend and run, each stage a child `node bin/cfgmig.js …`, timed spawn to exit:
 *   1. extract   `cfgmig extract --json`                (rate: inventory entries/s)
 *   2. plan      `cfgmig plan --all`, empty store        (rate: inventory entries/s)
 *   3. apply     `cfgmig apply --all --yes`, first apply (rate: mapped keys written/s)
 *   4. plan 2    `cfgmig plan --all` again: must show no change (rate: inventory entries/s)
 * Backends: embedded (PGlite) in the copy's .cfgmig/store, removed between runs; PostgreSQL in
 * a temporary database cfgmig_bench_<random> per run on CFGMIG_BENCH_PG_URL / CFGMIG_TEST_PG_URL
 * / postgres@127.0.0.1:5432, dropped WITH (FORCE) after the run, also when it fails. Skipped
 * with a message when the server is not reachable. The temp folder is removed at the end.
 *
 * Target (issue 4): plan + apply of the 200 services under 30 s on PostgreSQL (median over the
 * runs of each run's plan + apply). When it is missed (or with --cpu-prof), one more pipeline
 * runs under `node --cpu-prof` on the PostgreSQL server (embedded when it is not reachable) and
 * the functions and files with the most self time are printed per stage.
 *
 * --services N: only the first N services of the fleet (`--service svc-001,…` instead of --all).
 * --runs N: timed runs per backend (default 3). Before the first, one untimed extract warms the
 *   page cache and Node's compile cache. Each run's line ends with the 1-minute load average:
 *   on a shared machine, other work shows there before it shows in the figures.
 * --breakdown / --no-breakdown: after the runs, plan and apply once more per backend inside
 *   this process through the dist/ API (breakdown.mjs), timing inputs (extraction and
 *   precedence), the rest of planning, plan files, apply's writes and the second plan's
 *   credential reads; by default only when the target is missed.
 * --quick (or BENCH_QUICK=1): 20 services, 1 run.
 *
 * Prints figures; asserts no timing. Exits 1 only when a stage fails or gives wrong output
 * (a non-zero exit, a service not applied, a second plan that is not empty).
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { breakdown, printBreakdown } from './breakdown.mjs';
import { summariseProfile } from '../extract/cpu-profile.mjs';
import { DEFAULT_SERVICES, describeFleet, ensureFleet } from '../extract/generate.mjs';
import { fmt, measure, median, tail } from '../extract/measure.mjs';
import { backendOption, positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { checkBuilt, PG_ADMIN_URL, pgAdmin } from '../lib/setup.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const WORK = resolve(REPO, 'bench/.work');
const FLEET = resolve(WORK, 'fleet');
const CFGMIG_BIN = resolve(REPO, 'bin/cfgmig.js');
const RULES = resolve(HERE, 'fleet-rules.yaml');
const TARGET_SECONDS = 30;
// Fixed, fake: cfgmig must not create a key file, and fingerprints stay comparable between runs.
const MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
const STAGES = ['extract', 'plan', 'apply', 'plan2'];
const STAGE_LABEL = { extract: 'extract', plan: 'plan', apply: 'apply', plan2: 'plan again' };

function parseArgs(argv) {
  const quick = process.env.BENCH_QUICK === '1' || argv.includes('--quick');
  const opts = {
    backend: 'all',
    services: quick ? 20 : DEFAULT_SERVICES,
    runs: quick ? 1 : 3,
    cpuProf: 'auto',
    breakdown: 'auto',
    quick,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') continue;
    else if (a === '--services') opts.services = positiveInt(argv[++i], a);
    else if (a === '--runs') opts.runs = positiveInt(argv[++i], a);
    else if (a === '--cpu-prof') opts.cpuProf = 'always';
    else if (a === '--no-cpu-prof') opts.cpuProf = 'never';
    else if (a === '--breakdown') opts.breakdown = 'always';
    else if (a === '--no-breakdown') opts.breakdown = 'never';
    else if (a === '--backend') opts.backend = backendOption(argv[++i]);
    else if (a === '--help' || a === '-h') {
      printHelp(import.meta.url);
    } else throw usage(`unknown argument ${a} (see --help)`);
  }
  if (opts.services > DEFAULT_SERVICES)
    throw usage(`--services is at most ${DEFAULT_SERVICES}, the size of the fleet`);
  return opts;
}

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------

const int = (x) => (Number.isFinite(x) ? Math.round(x).toLocaleString('en-US') : '-');

/** Runs one CLI command in the project; throws with its output unless it exits with `expect`. */
async function cfgmig(project, args, env, { expect = 0, nodeArgs = [] } = {}) {
  const full = [...args, '--project', project];
  const run = await measure(CFGMIG_BIN, full, { cwd: REPO, env, nodeArgs });
  if (run.code !== expect) {
    throw new Error(
      `cfgmig ${args.join(' ').slice(0, 120)} exited ${run.code ?? run.signal}, expected ${expect}\n${tail(run.stderr || run.stdout)}`,
    );
  }
  return run;
}

/** "Plan: 13658 to add, 0 to change, 0 to remove, 0 unchanged (200 services)." */
function planSummary(run) {
  const m = run.stdout.match(
    /Plan: (\d+) to add, (\d+) to change, (\d+) to remove, (\d+) unchanged \((\d+) services?\)/,
  );
  if (!m) throw new Error(`plan printed no summary line\n${tail(run.stdout)}`);
  const [add, change, remove, unchanged, services] = m.slice(1).map(Number);
  return { add, change, remove, unchanged, services };
}

// ------------------------------------------------------------------------------------------
// The project: a copy of the fleet with cfgmig.yaml (cfgmig init) and rules for it
// ------------------------------------------------------------------------------------------

async function prepareProject(opts) {
  const root = mkdtempSync(join(tmpdir(), 'cfgmig-bench-pipeline-'));
  const project = join(root, 'fleet');
  const t0 = performance.now();
  cpSync(FLEET, project, { recursive: true });
  const env = { CFGMIG_MASTER_KEY: MASTER_KEY, CFGMIG_STORE_URL: '' };
  const init = await cfgmig(project, ['init'], env);
  const yaml = readFileSync(join(project, 'cfgmig.yaml'), 'utf8');
  const config = parseYaml(yaml);
  if (!config.rules?.includes('rules/*.yaml'))
    throw new Error(`cfgmig init wrote no rules: rules/*.yaml in cfgmig.yaml (rules: ${config.rules})`);
  const ids = Object.keys(config.services ?? {}).sort();
  if (ids.length !== DEFAULT_SERVICES)
    throw new Error(`cfgmig init found ${ids.length} services, expected ${DEFAULT_SERVICES}`);
  mkdirSync(join(project, 'rules'), { recursive: true });
  copyFileSync(RULES, join(project, 'rules/fleet.yaml'));
  const envs = Object.keys(config.environments ?? {}).join(', ');
  console.log(
    `project ${project}: fleet copied, cfgmig init (${fmt(init.seconds)} s): ${ids.length} services, ` +
      `environments ${envs}; rules/fleet.yaml from ${relative(REPO, RULES)}; ready in ${fmt((performance.now() - t0) / 1000, 1)} s`,
  );
  const selected = ids.slice(0, opts.services);
  const all = selected.length === ids.length;
  // plan and apply need --all for every service; extract takes every service by default.
  const selection = all ? ['--all'] : ['--service', selected.join(',')];
  const extractSelection = all ? [] : selection;
  return { root, project, selected, selection, extractSelection };
}

/** Removes what a pipeline run leaves in the project: store, published snapshots, plans. */
function resetProject(project) {
  rmSync(join(project, '.cfgmig'), { recursive: true, force: true });
  rmSync(join(project, 'plans'), { recursive: true, force: true });
}

/** Counts from the plan files the first plan wrote: what is mapped, unmapped, ignored. */
function planFileFacts(project) {
  const dir = join(project, 'plans');
  const facts = { settings: 0, credentials: 0, unmapped: 0, ignored: 0, problems: 0, files: 0 };
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.plan.yaml'))) {
    const doc = parseYaml(readFileSync(join(dir, f), 'utf8'));
    facts.files++;
    for (const c of doc.changes ?? []) {
      if (c.op === 'set-credential') facts.credentials++;
      else if (c.op === 'set') facts.settings++;
    }
    facts.unmapped += doc.unmapped?.length ?? 0;
    facts.ignored += doc.ignored?.length ?? 0;
    facts.problems += doc.problems?.length ?? 0;
  }
  return facts;
}

// ------------------------------------------------------------------------------------------
// One pipeline: extract, plan, apply, plan again
// ------------------------------------------------------------------------------------------

async function pipeline(ctx, env, { label, nodeArgsFor = () => [], firstRun = false } = {}) {
  const { project, selection, extractSelection, selected } = ctx;
  resetProject(project);
  const r = {};
  const ex = await cfgmig(project, ['extract', '--json', ...extractSelection], env, {
    expect: 0,
    nodeArgs: nodeArgsFor('extract'),
  });
  const inv = JSON.parse(ex.stdout);
  if (inv.services.length !== selected.length)
    throw new Error(`extract: ${inv.services.length} services, expected ${selected.length}`);
  r.entries = inv.services.reduce((s, x) => s + x.entries.length, 0);
  r.extract = ex;

  r.plan = await cfgmig(project, ['plan', ...selection], env, { nodeArgs: nodeArgsFor('plan') });
  r.planned = planSummary(r.plan);
  if (r.planned.services !== selected.length || r.planned.unchanged !== 0 || r.planned.add === 0)
    throw new Error(`plan on an empty store: ${JSON.stringify(r.planned)}`);
  if (firstRun) r.facts = planFileFacts(project);

  r.apply = await cfgmig(project, ['apply', ...selection, '--yes'], env, { nodeArgs: nodeArgsFor('apply') });
  const applied = (r.apply.stdout.match(/: applied as version 1 /g) ?? []).length;
  if (applied !== selected.length)
    throw new Error(
      `apply: ${applied} services applied, expected ${selected.length}\n${tail(r.apply.stdout)}`,
    );

  r.plan2 = await cfgmig(project, ['plan', ...selection], env, { nodeArgs: nodeArgsFor('plan2') });
  r.replanned = planSummary(r.plan2);
  const keys = r.planned.add + r.planned.change + r.planned.remove;
  if (r.replanned.add + r.replanned.change + r.replanned.remove !== 0 || r.replanned.unchanged !== keys)
    throw new Error(`second plan is not empty: ${JSON.stringify(r.replanned)}`);
  r.keys = keys;

  if (firstRun) {
    const info = await cfgmig(project, ['store', 'info', '--json'], env);
    r.tables = JSON.parse(info.stdout).tables;
  }
  if (label) {
    console.log(
      `  ${label}: extract ${fmt(r.extract.seconds)} s, plan ${fmt(r.plan.seconds)} s, apply ${fmt(r.apply.seconds)} s, ` +
        `plan again ${fmt(r.plan2.seconds)} s; plan + apply ${fmt(r.plan.seconds + r.apply.seconds)} s ` +
        `(load average ${fmt(loadavg()[0])})`,
    );
  }
  return r;
}

function describeFirst(r, backend) {
  const f = r.facts;
  console.log(
    `  ${backend}: ${int(r.entries)} inventory entries → plan: ${int(r.keys)} keys to write ` +
      `(${int(f.settings)} settings, ${int(f.credentials)} credentials), ${int(f.unmapped)} unmapped, ` +
      `${int(f.ignored)} ignored, ${int(f.problems)} warnings, ${f.files} plan files`,
  );
  const t = r.tables ?? {};
  console.log(
    `  ${backend}: store after apply: ${int(t.service_configurations)} configuration versions, ` +
      `${int(t.credentials)} credentials, ${int(t.migrations)} migration records, ${int(t.audit_log)} audit rows`,
  );
}

async function benchBackend(ctx, opts, backend, pgAvailable) {
  const runs = [];
  for (let i = 1; i <= opts.runs; i++) {
    const env = { CFGMIG_MASTER_KEY: MASTER_KEY, CFGMIG_ACTOR: 'bench', CFGMIG_STORE_URL: '' };
    if (backend === 'embedded') {
      runs.push(await pipeline(ctx, env, { label: `run ${i}`, firstRun: i === 1 }));
    } else {
      if (!pgAvailable) return null;
      runs.push(
        await withTempDatabase((url) =>
          pipeline(ctx, { ...env, CFGMIG_STORE_URL: url }, { label: `run ${i}`, firstRun: i === 1 }),
        ),
      );
    }
    if (i === 1) describeFirst(runs[0], backend);
  }
  resetProject(ctx.project);
  const stat = (pick) => {
    const xs = runs.map(pick);
    return { median: median(xs), min: Math.min(...xs) };
  };
  const out = { backend, runs: runs.length, entries: runs[0].entries, keys: runs[0].keys };
  out.credentials = runs[0].tables?.credentials ?? runs[0].facts.credentials;
  for (const s of STAGES) {
    out[s] = stat((r) => r[s].seconds);
    out[s].rssMiB = Math.max(...runs.map((r) => r[s].rssMiB ?? 0));
  }
  out.planApply = stat((r) => r.plan.seconds + r.apply.seconds);
  out.total = stat((r) => STAGES.reduce((sum, s) => sum + r[s].seconds, 0));
  return out;
}

async function pgReachable() {
  try {
    await pgAdmin((c) => c.query('SELECT 1'));
    return true;
  } catch (err) {
    console.log(`\npostgres: not reachable at ${PG_ADMIN_URL} (${err.message}): skipped`);
    return false;
  }
}

/** What Ctrl-C must clean up: the temp folder, and the database of the run in progress. */
const cleanup = { root: null, drop: null };
function onSigint() {
  if (cleanup.root) rmSync(cleanup.root, { recursive: true, force: true });
  (cleanup.drop ? cleanup.drop() : Promise.resolve()).finally(() => process.exit(130));
}

/** Runs fn(url) against a new database, dropped WITH (FORCE) afterwards, also on failure or Ctrl-C. */
async function withTempDatabase(fn) {
  const database = `cfgmig_bench_${randomBytes(6).toString('hex')}`;
  const u = new URL(PG_ADMIN_URL);
  u.pathname = `/${database}`;
  await pgAdmin((c) => c.query(`CREATE DATABASE ${database}`));
  const drop = () => pgAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`));
  cleanup.drop = drop;
  try {
    return await fn(u.toString());
  } finally {
    cleanup.drop = null;
    await drop();
  }
}

// ------------------------------------------------------------------------------------------
// CPU profile of one pipeline
// ------------------------------------------------------------------------------------------

async function profilePipeline(ctx, backend) {
  const base = resolve(WORK, 'profiles', `pipeline-${new Date().toISOString().replace(/[-:.]/g, '')}`);
  for (const s of STAGES) mkdirSync(join(base, s), { recursive: true });
  console.log(
    `\nprofile: one more pipeline on ${backend} under node --cpu-prof (it slows the run; profiles in ${relative(REPO, base)}/<stage>/)`,
  );
  const nodeArgsFor = (stage) => ['--cpu-prof', '--cpu-prof-dir', join(base, stage)];
  const env = { CFGMIG_MASTER_KEY: MASTER_KEY, CFGMIG_ACTOR: 'bench', CFGMIG_STORE_URL: '' };
  const r =
    backend === 'postgres'
      ? await withTempDatabase((url) => pipeline(ctx, { ...env, CFGMIG_STORE_URL: url }, { nodeArgsFor }))
      : await pipeline(ctx, env, { nodeArgsFor });
  resetProject(ctx.project);
  for (const s of ['plan', 'apply', 'plan2']) {
    const dir = join(base, s);
    const made = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
    // CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile, thread 0 the main one.
    const threadOf = (f) => Number(f.split('.').at(-3));
    const main = made.filter((f) => threadOf(f) === 0).map((f) => join(dir, f));
    const workers = made.filter((f) => threadOf(f) !== 0).map((f) => join(dir, f));
    console.log(`\n  ${STAGE_LABEL[s]}: ${fmt(r[s].seconds)} s wall under the profiler`);
    if (main.length) summariseProfile('main thread', main, REPO);
    if (workers.length) summariseProfile(`worker threads (${workers.length}, added up)`, workers, REPO);
  }
}

async function breakdownBackend(ctx, backend) {
  const services = ctx.selected.length === DEFAULT_SERVICES ? [] : ctx.selected;
  const env = { CFGMIG_MASTER_KEY: MASTER_KEY, CFGMIG_ACTOR: 'bench', CFGMIG_STORE_URL: '' };
  resetProject(ctx.project);
  try {
    const t =
      backend === 'postgres'
        ? await withTempDatabase((url) =>
            breakdown(REPO, ctx.project, services, { ...env, CFGMIG_STORE_URL: url }),
          )
        : await breakdown(REPO, ctx.project, services, env);
    printBreakdown(backend, t, fmt);
  } finally {
    resetProject(ctx.project);
  }
}

// ------------------------------------------------------------------------------------------

function printSummary(results, opts) {
  console.log('\nsummary (median of the runs; wall time spawn → exit of `node bin/cfgmig.js`)');
  const head = ['backend', 'stage', 'median s', 'min s', 'rate', 'peak RSS MiB'];
  const rows = [];
  for (const r of results) {
    const rate = {
      extract: `${int(r.entries / r.extract.median)} entries/s`,
      plan: `${int(r.entries / r.plan.median)} entries/s`,
      apply: `${int(r.keys / r.apply.median)} keys/s`,
      plan2: `${int(r.entries / r.plan2.median)} entries/s`,
    };
    for (const s of STAGES)
      rows.push([r.backend, STAGE_LABEL[s], fmt(r[s].median), fmt(r[s].min), rate[s], fmt(r[s].rssMiB, 0)]);
    rows.push([r.backend, 'plan + apply', fmt(r.planApply.median), fmt(r.planApply.min), '', '']);
    rows.push([r.backend, 'all four', fmt(r.total.median), fmt(r.total.min), '', '']);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells) =>
    `  ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  console.log(line(head));
  for (const row of rows) console.log(line(row));
  for (const r of results)
    console.log(
      `  ${r.backend}: ${int(r.keys)} mapped keys written per pipeline, ${int(r.credentials)} of them credentials; ` +
        `${r.runs} run${r.runs === 1 ? '' : 's'}`,
    );

  console.log('\ntargets');
  const p = results.find((r) => r.backend === 'postgres');
  const scale =
    opts.services === DEFAULT_SERVICES
      ? ''
      : ` (${opts.services} services; the target is for ${DEFAULT_SERVICES})`;
  if (p) {
    const met = p.planApply.median < TARGET_SECONDS;
    console.log(
      `  plan + apply under ${TARGET_SECONDS} s on PostgreSQL: ${met ? 'met' : 'MISSED'} (median ${fmt(p.planApply.median)} s: ` +
        `plan ${fmt(p.plan.median)} s + apply ${fmt(p.apply.median)} s; with extract and plan again ${fmt(p.total.median)} s)${scale}`,
    );
    return met;
  }
  console.log('  PostgreSQL: no figures (not measured or not reachable)');
  return true;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench pipeline — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; ` +
      `${opts.services} services, ${opts.runs} run${opts.runs === 1 ? '' : 's'} per backend${opts.quick ? ' (quick)' : ''}`,
  );
  checkBuilt(REPO);
  console.log(describeFleet(ensureFleet({ out: FLEET })));

  process.on('SIGINT', onSigint);
  const ctx = await prepareProject(opts);
  cleanup.root = ctx.root;
  try {
    // Warm the page cache (the copy) and Node's compile cache; not timed.
    await cfgmig(ctx.project, ['extract', '--json', ...ctx.extractSelection], {
      CFGMIG_MASTER_KEY: MASTER_KEY,
      CFGMIG_STORE_URL: '',
    });
    const pgAvailable = opts.backend === 'embedded' ? false : await pgReachable();
    const results = [];
    for (const backend of ['embedded', 'postgres']) {
      if (opts.backend !== 'all' && opts.backend !== backend) continue;
      if (backend === 'postgres' && !pgAvailable) continue;
      console.log(
        backend === 'embedded'
          ? '\nembedded (PGlite) in the project copy'
          : `\npostgres on ${new URL(PG_ADMIN_URL).host}, a new database per run`,
      );
      const r = await benchBackend(ctx, opts, backend, pgAvailable);
      if (r) results.push(r);
    }
    const met = printSummary(results, opts);
    if (results.length > 0 && (opts.breakdown === 'always' || (opts.breakdown === 'auto' && !met))) {
      console.log('\nbreakdown: plan and apply again in this process, through the dist/ API');
      for (const r of results) await breakdownBackend(ctx, r.backend);
    }
    if (results.length > 0 && (opts.cpuProf === 'always' || (opts.cpuProf === 'auto' && !met)))
      await profilePipeline(ctx, pgAvailable ? 'postgres' : 'embedded');
  } finally {
    rmSync(ctx.root, { recursive: true, force: true });
    process.off('SIGINT', onSigint);
  }
}

main().catch((err) => {
  reportFailure('pipeline', err);
});
