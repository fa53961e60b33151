/** Running a benchmark's child process and measuring it: wall time, peak RSS, output. */
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const PEAK_RSS = pathToFileURL(resolve(dirname(fileURLToPath(import.meta.url)), 'peak-rss.mjs')).href;

/** Runs `node [nodeArgs] --import peak-rss.mjs script args`; resolves with wall time, peak RSS, output. */
export function measure(script, args, { cwd, env = {}, nodeArgs = [], keepStdout = true } = {}) {
  const rssFile = join(
    tmpdir(),
    `cfgmig-bench-rss-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`,
  );
  return new Promise((resolvePromise, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, [...nodeArgs, '--import', PEAK_RSS, script, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env, BENCH_PEAK_RSS_FILE: rssFile },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    let outBytes = 0;
    child.stdout.on('data', (b) => {
      outBytes += b.length;
      if (keepStdout) out.push(b);
    });
    child.stderr.on('data', (b) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      let rssKiB = null;
      try {
        rssKiB = Number(readFileSync(rssFile, 'utf8').trim());
        rmSync(rssFile, { force: true });
      } catch {
        // The child died before its exit handler ran (a signal): no figure.
      }
      resolvePromise({
        code,
        signal,
        seconds,
        rssMiB: rssKiB === null ? null : rssKiB / 1024,
        stdout: Buffer.concat(out).toString('utf8'),
        stdoutBytes: outBytes,
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const fmt = (x, digits = 2) =>
  x === null || x === undefined || Number.isNaN(x) ? '-' : x.toFixed(digits);
export const tail = (text, lines = 15) =>
  text
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${l}`)
    .join('\n');

export function summarise(tool, runs, read) {
  const secs = runs.map((r) => r.seconds);
  const med = median(secs);
  const rss = runs.map((r) => r.rssMiB).filter((x) => x !== null);
  return {
    tool,
    runs: runs.length,
    min: Math.min(...secs),
    median: med,
    filesPerSec: read.files.length / med,
    mbPerSec: read.bytes / 1e6 / med,
    rssMiB: rss.length ? Math.max(...rss) : null,
  };
}
