/**
 * Preload for the secretlint comparison: `node --import ./bench/extract/secretlint-no-profiler.mjs
 * node_modules/secretlint/bin/secretlint.js ...`.
 *
 * secretlint up to 13.0.x records a performance mark per rule per file even without --profile,
 * and its observer scans every earlier mark on each one: O(n²) in the number of files, so on
 * 20,000 files the bookkeeping, not the scanning, takes most of the time (secretlint issues
 * #1633 and #1653, fixed upstream by making profiling opt-in, PR #1673). This turns mark() into
 * the no-op the fixed versions have without --profile, so the benchmark compares against what
 * secretlint's scanning costs. Findings and output are unchanged.
 */
import { secretLintProfiler } from '@secretlint/profiler';

secretLintProfiler.mark = () => {};
