#!/usr/bin/env node
/**
 * bench/startup: how long `cfgmig --help` and `cfgmig --version` take, from spawning Node to
 * its exit, as a user at a terminal feels it. The CLI imports each command's code only when
 * that command runs (src/cli.ts), so neither loads a parser, a database driver or PGlite.
 *
 *   npm run bench -- startup [--runs N]
 *
 * Prints p50/p90/max per command over N runs (default 20) after two warm-up runs, and
 * whether p50 meets the 200 ms target.
 */
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { positiveInt, printHelp, reportFailure, usage } from '../lib/args.mjs';
import { checkBuilt, machine, REPO } from '../lib/setup.mjs';

const TARGET_MS = 200;

function options(argv) {
  const o = { runs: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help') printHelp(import.meta.url);
    else if (a === '--runs') o.runs = positiveInt(argv[++i], '--runs');
    else throw usage(`unknown option ${a}`);
  }
  return o;
}

function time(args) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['bin/cfgmig.js', ...args], { cwd: REPO, encoding: 'utf8' });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`cfgmig ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return ms;
}

try {
  const o = options(process.argv.slice(2));
  checkBuilt(REPO);
  console.log(`bench startup — ${machine()}; ${o.runs} runs each after 2 warm-ups`);
  for (const args of [['--help'], ['--version'], ['canary', '--help']]) {
    time(args);
    time(args);
    const ms = Array.from({ length: o.runs }, () => time(args)).sort((a, b) => a - b);
    const at = (q) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))];
    const p50 = at(0.5);
    console.log(
      `  cfgmig ${args.join(' ').padEnd(14)} p50 ${p50.toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms, max ${ms.at(-1).toFixed(0)} ms — target < ${TARGET_MS} ms: ${p50 < TARGET_MS ? 'met' : 'MISSED'}`,
    );
  }
} catch (err) {
  reportFailure('startup', err);
}
