/**
 * Preload for benchmarks: `node --import ./bench/extract/peak-rss.mjs program.js`.
 * When the process exits (normally or through process.exit), writes its peak resident set
 * size in KiB (process.resourceUsage().maxRSS) to the file named by BENCH_PEAK_RSS_FILE.
 * Does nothing when that variable is unset, and never changes the program's exit code.
 */
import { writeFileSync } from 'node:fs';

const target = process.env.BENCH_PEAK_RSS_FILE;
if (target) {
  // Not inherited by anything the program starts: their memory is theirs, not ours.
  delete process.env.BENCH_PEAK_RSS_FILE;
  process.on('exit', () => {
    try {
      writeFileSync(target, `${process.resourceUsage().maxRSS}\n`);
    } catch {
      // A benchmark helper must never turn a run into a failure.
    }
  });
}
