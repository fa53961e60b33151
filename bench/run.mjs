#!/usr/bin/env node
/**
 * `npm run bench`: runs every benchmark (bench/<name>/run.mjs) one after the other, streaming
 * their output. Names select some of them; every other argument goes to each benchmark run.
 *
 *   npm run bench                        # all
 *   npm run bench -- extract             # only bench/extract
 *   npm run bench -- extract --runs 5    # and pass --runs 5 to it
 *   BENCH_QUICK=1 npm run bench -- store # bench/store on 100 services instead of 1,000
 *
 * Exits non-zero when a benchmark failed to run (not when it missed a target: benchmarks
 * print figures, they do not assert them).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(HERE, { withFileTypes: true })
  .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(HERE, e.name, 'run.mjs')))
  .map((e) => e.name)
  .sort();

const args = process.argv.slice(2);
if (args.includes('--help') && !args.some((a) => available.includes(a))) {
  console.log(
    `usage: npm run bench -- [name ...] [options for the benchmarks]\nbenchmarks: ${available.join(', ') || '(none)'}`,
  );
  process.exit(0);
}
const names = args.filter((a) => available.includes(a));
const passOn = args.filter((a) => !available.includes(a));
// A bare word that is neither a benchmark nor an option's value is most likely a typo'd name.
const unknown = passOn.filter(
  (a, i) => !a.startsWith('-') && !(i > 0 && passOn[i - 1].startsWith('--') && !passOn[i - 1].includes('=')),
);
if (unknown.length > 0) {
  console.error(`bench: unknown benchmark ${unknown.join(', ')}; available: ${available.join(', ')}`);
  process.exit(2);
}

const selected = names.length > 0 ? [...new Set(names)] : available;
const failed = [];
for (const name of selected) {
  console.log(`\n=== bench/${name} ${'='.repeat(Math.max(3, 60 - name.length))}`);
  const t0 = performance.now();
  const res = spawnSync(process.execPath, [join(HERE, name, 'run.mjs'), ...passOn], {
    stdio: 'inherit',
    cwd: join(HERE, '..'),
  });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  if (res.status !== 0) {
    failed.push(name);
    console.log(`=== bench/${name}: FAILED (exit ${res.status ?? res.signal}) after ${secs} s`);
  } else console.log(`=== bench/${name}: done in ${secs} s`);
}
if (failed.length > 0) {
  console.error(`\nbench: ${failed.length} of ${selected.length} failed: ${failed.join(', ')}`);
  process.exit(1);
}
