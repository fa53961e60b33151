#!/usr/bin/env node
/**
 * Benchmark: `cfgmig extract --json` over a generated fleet (200 services, ~20,000 files,
 * ~100 MB; see generate.mjs), and secretlint over the same files for comparison.
 *
 *   node bench/extract/run.mjs [--runs N] [--secretlint-runs N] [--no-secretlint] [--secretlint-stock] [--no-cfgmig]
 *                              [--cpu-prof | --no-cpu-prof] [--force] [--services N] [--seed S]
 *
 * Each tool runs once to warm the page cache and the compile cache, then N timed runs
 * (cfgmig 3, secretlint 1 by default). Wall time is spawn to exit of the child; peak RSS comes
 * from the child itself (peak-rss.mjs preload). Throughput counts the files cfgmig reads, found
 * in the tree with the same globs its discovery uses, and secretlint is pointed at exactly those
 * files (a .secretlintignore written next to the fleet, checked against that list).
 * secretlint runs with its always-on profiler switched off (secretlint-no-profiler.mjs: the
 * upstream fix of a bookkeeping cost quadratic in the number of files); --secretlint-stock also
 * times it as installed, once (about half an hour on this fleet).
 * When cfgmig misses a target (or with --cpu-prof), one more run is profiled with
 * `node --cpu-prof` and the functions with the most self time are printed, per thread kind.
 *
 * Prints figures; asserts no timing. Exits 1 only when a tool failed to run or gave bad output.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { glob } from 'tinyglobby';
import { parse as parseYaml } from 'yaml';
import { summariseProfile } from './cpu-profile.mjs';
import { DEFAULT_SEED, DEFAULT_SERVICES, describeFleet, ensureFleet } from './generate.mjs';
import { fmt, measure, summarise, tail } from './measure.mjs';
import { benchSecretlint } from './secretlint.mjs';
import { positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { srcNewerThan } from '../lib/setup.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '../..');
const WORK = resolve(REPO, 'bench/.work');
const FLEET = resolve(WORK, 'fleet');
const CFGMIG_BIN = resolve(REPO, 'bin/cfgmig.js');
const TARGET_SECONDS = 10;
// A fixed master key: without one cfgmig would create .cfgmig/master.key inside the fleet.
const BENCH_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');

// ------------------------------------------------------------------------------------------
// What cfgmig reads: discovery's own constants from the build (src/config/project.ts), plus the
// compose env_file references below. The bench runs the built CLI anyway.
// ------------------------------------------------------------------------------------------

const { ALWAYS_EXCLUDED, COMPOSE_FILE_NAMES } = await import('../../dist/config/project.js');

/** Files `cfgmig extract` reads in a discovered project (no cfgmig.yaml): project-relative paths. */
async function filesCfgmigReads(root) {
  const compose = COMPOSE_FILE_NAMES.find((n) => existsSync(join(root, n)));
  if (!compose) throw new Error(`no compose file in ${root}`);
  const read = new Set([compose]);
  if (existsSync(join(root, '.env'))) read.add('.env');
  const doc = parseYaml(readFileSync(join(root, compose), 'utf8'), { merge: true, maxAliasCount: -1 }) ?? {};
  const patterns = [];
  for (const [name, svc] of Object.entries(doc.services ?? {})) {
    const context = typeof svc?.build === 'string' ? svc.build : svc?.build?.context;
    let folder =
      context && existsSync(resolve(root, context)) ? relative(root, resolve(root, context)) : null;
    if (folder === null && existsSync(join(root, 'services', name))) folder = `services/${name}`;
    if (folder !== null) {
      const base = folder === '' ? '' : `${folder}/`;
      patterns.push(
        `${base}**/.env*`,
        `${base}config/**/*.{yaml,yml,json}`,
        `${base}**/*.{ts,tsx,js,jsx,mjs,cjs,py}`,
      );
    }
    const envFiles = svc?.env_file === undefined ? [] : [svc.env_file].flat();
    for (const ref of envFiles) {
      const path = typeof ref === 'string' ? ref : ref?.path;
      if (path && existsSync(resolve(root, path))) read.add(relative(root, resolve(root, path)));
    }
  }
  for (const f of await glob(patterns, {
    cwd: root,
    ignore: ALWAYS_EXCLUDED,
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
  }))
    read.add(f);
  const files = [...read].sort();
  let bytes = 0;
  for (const f of files) bytes += statSync(join(root, f)).size;
  return { files, bytes };
}

// ------------------------------------------------------------------------------------------
// cfgmig
// ------------------------------------------------------------------------------------------

function cfgmigArgs() {
  return ['extract', '--json', '--project', relative(REPO, FLEET)];
}

/** Checks the --json output; returns a one-line description or throws. */
function checkInventory(run, expectedServices) {
  // Exit 0: clean; 2: some file had an error (still a full inventory). Anything else: failed.
  if (run.code !== 0 && run.code !== 2)
    throw new Error(`exit code ${run.code ?? run.signal}\n${tail(run.stderr)}`);
  let inv;
  try {
    inv = JSON.parse(run.stdout);
  } catch (e) {
    throw new Error(`stdout is not JSON (${e.message}); exit ${run.code}\n${tail(run.stderr)}`);
  }
  if (inv.formatVersion !== 1 || !Array.isArray(inv.services))
    throw new Error('stdout is JSON but not an inventory (formatVersion 1, services[])');
  if (inv.services.length !== expectedServices)
    throw new Error(`inventory has ${inv.services.length} services, expected ${expectedServices}`);
  const byKind = {};
  const byClass = {};
  let entries = 0;
  for (const s of inv.services) {
    for (const e of s.entries ?? []) {
      entries++;
      byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
      byClass[e.classification] = (byClass[e.classification] ?? 0) + 1;
    }
  }
  const problems = inv.problems ?? [];
  const errors = problems.filter((p) => p.severity === 'error').length;
  const list = (o) =>
    Object.entries(o)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return {
    entries,
    line:
      `${inv.services.length} services, ${entries.toLocaleString('en-US')} inventory entries (${list(byKind)}; ${list(byClass)}), ` +
      `${problems.length} problems (${errors} errors), exit ${run.code}, ${(run.stdoutBytes / 1e6).toFixed(1)} MB of JSON`,
  };
}

async function benchCfgmig(opts, read, expectedServices) {
  const env = { CFGMIG_MASTER_KEY: BENCH_MASTER_KEY };
  console.log(`\ncfgmig: node bin/cfgmig.js ${cfgmigArgs().join(' ')}`);
  const warm = await measure(CFGMIG_BIN, cfgmigArgs(), { cwd: REPO, env });
  let check;
  try {
    check = checkInventory(warm, expectedServices);
  } catch (e) {
    console.log(`  FAILED: ${e.message}`);
    return { failed: true };
  }
  console.log(`  warm-up  ${fmt(warm.seconds)} s, peak RSS ${fmt(warm.rssMiB, 0)} MiB`);
  console.log(`  output   ${check.line}`);
  const runs = [];
  for (let i = 1; i <= opts.runs; i++) {
    const run = await measure(CFGMIG_BIN, cfgmigArgs(), { cwd: REPO, env, keepStdout: false });
    if (run.code !== warm.code) {
      console.log(
        `  FAILED: run ${i} exited ${run.code ?? run.signal}, the warm-up ${warm.code}\n${tail(run.stderr)}`,
      );
      return { failed: true };
    }
    console.log(`  run ${i}    ${fmt(run.seconds)} s, peak RSS ${fmt(run.rssMiB, 0)} MiB`);
    runs.push(run);
  }
  return summarise('cfgmig extract --json', runs, read);
}

// ------------------------------------------------------------------------------------------
// CPU profile of one cfgmig run
// ------------------------------------------------------------------------------------------

async function profileCfgmig() {
  const dir = resolve(WORK, 'profiles');
  mkdirSync(dir, { recursive: true });
  const before = new Set(readdirSync(dir));
  console.log(`\nprofile: one more cfgmig run under node --cpu-prof (profiles in ${relative(REPO, dir)}/)`);
  const run = await measure(CFGMIG_BIN, cfgmigArgs(), {
    cwd: REPO,
    env: { CFGMIG_MASTER_KEY: BENCH_MASTER_KEY },
    nodeArgs: ['--cpu-prof', '--cpu-prof-dir', dir],
    keepStdout: false,
  });
  const made = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (made.length === 0) {
    console.log('  no profile written');
    return;
  }
  // One profile per thread: CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile, thread 0 the main one.
  const threadOf = (f) => Number(f.split('.').at(-3));
  const main = made.filter((f) => threadOf(f) === 0).map((f) => join(dir, f));
  const workers = made.filter((f) => threadOf(f) !== 0).map((f) => join(dir, f));
  console.log(
    `  ${fmt(run.seconds)} s under the profiler (it slows the run); main thread + ${workers.length} worker thread(s): ${relative(REPO, dir)}/${made[0].split('.').slice(0, 4).join('.')}.*`,
  );
  if (main.length) summariseProfile('main thread', main, REPO);
  if (workers.length) summariseProfile(`worker threads (${workers.length}, added up)`, workers, REPO);
}

// ------------------------------------------------------------------------------------------

function parseArgs(argv) {
  const opts = {
    runs: 3,
    secretlintRuns: 1,
    secretlint: true,
    secretlintStock: false,
    cfgmig: true,
    cpuProf: 'auto',
    force: false,
    services: DEFAULT_SERVICES,
    seed: DEFAULT_SEED,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--runs') opts.runs = positiveInt(argv[++i], a);
    else if (a === '--secretlint-runs') opts.secretlintRuns = positiveInt(argv[++i], a);
    else if (a === '--no-secretlint') opts.secretlint = false;
    else if (a === '--no-cfgmig') opts.cfgmig = false;
    else if (a === '--secretlint-stock') opts.secretlintStock = true;
    else if (a === '--cpu-prof') opts.cpuProf = 'always';
    else if (a === '--no-cpu-prof') opts.cpuProf = 'never';
    else if (a === '--force') opts.force = true;
    else if (a === '--services') opts.services = positiveInt(argv[++i], a);
    else if (a === '--seed') opts.seed = argv[++i];
    else if (a === '--help' || a === '-h') {
      printHelp(import.meta.url);
    } else throw usage(`unknown argument ${a} (see --help)`);
  }
  return opts;
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  console.log(
    `bench extract — node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
  );
  const fleet = ensureFleet({ out: FLEET, seed: opts.seed, services: opts.services, force: opts.force });
  console.log(describeFleet(fleet));
  const read = await filesCfgmigReads(FLEET);
  console.log(
    `cfgmig reads ${read.files.length.toLocaleString('en-US')} of them, ${(read.bytes / 1e6).toFixed(1)} MB (compose, .env files, config/, source; not tests, docs, manifests)`,
  );

  const results = [];
  let failed = false;
  const dist = resolve(REPO, 'dist/main.js');
  if (!opts.cfgmig) {
    // secretlint only (--no-cfgmig)
  } else if (!existsSync(dist)) {
    console.log('\ncfgmig: dist/ is missing. Build first: npm run build');
    failed = true;
  } else {
    if (srcNewerThan(REPO, dist)) {
      console.log(
        '\nnote: src/ has changes newer than dist/; run `npm run build` to measure the current code',
      );
    }
    const r = await benchCfgmig(opts, read, opts.services);
    if (r.failed) failed = true;
    else results.push(r);
  }
  if (opts.secretlint) {
    for (const r of await benchSecretlint(opts, read, { repo: REPO, fleet: FLEET })) {
      if (r.failed) failed = true;
      else results.push(r);
    }
  }

  console.log(
    '\nsummary (wall time spawn → exit; MB = 10^6 bytes of the files scanned; RSS of the child process)',
  );
  const head = ['tool', 'runs', 'min s', 'median s', 'files/s', 'MB/s', 'peak RSS MiB'];
  const rows = results.map((r) => [
    r.tool,
    String(r.runs),
    fmt(r.min),
    fmt(r.median),
    fmt(r.filesPerSec, 0),
    fmt(r.mbPerSec, 1),
    fmt(r.rssMiB, 0),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) =>
    `  ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}`;
  console.log(line(head));
  for (const r of rows) console.log(line(r));

  const cf = results.find((r) => r.tool.startsWith('cfgmig'));
  // The fastest secretlint measured: the comparison that means something.
  const sl = results.filter((r) => r.tool.startsWith('secretlint')).sort((a, b) => a.median - b.median)[0];
  console.log('\ntargets');
  if (cf) {
    const scale =
      opts.services === DEFAULT_SERVICES
        ? ''
        : ` (fleet of ${opts.services}, target is for ${DEFAULT_SERVICES})`;
    console.log(
      `  cfgmig under ${TARGET_SECONDS} s for the fleet: ${cf.median < TARGET_SECONDS ? 'met' : 'MISSED'} (median ${fmt(cf.median)} s)${scale}`,
    );
    if (sl)
      console.log(
        `  cfgmig faster than secretlint: ${cf.median < sl.median ? 'met' : 'MISSED'} (cfgmig ${fmt(cf.median)} s, ${sl.tool} ${fmt(sl.median)} s: ${fmt(sl.median / cf.median, 2)}× secretlint's speed)`,
      );
  } else console.log('  cfgmig: no figures');

  if (opts.secretlint && !opts.secretlintStock) {
    console.log(
      '  (secretlint as installed, with its O(n²) profiler, took over 40 min on the 200-service fleet: --secretlint-stock times it)',
    );
  }

  const missed = cf && (cf.median >= TARGET_SECONDS || (sl && cf.median >= sl.median));
  if (cf && (opts.cpuProf === 'always' || (opts.cpuProf === 'auto' && missed))) await profileCfgmig();
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  reportFailure('extract', err);
});
