/** Figures: wall-clock time (comparable across processes) and how the benchmarks print them. */

/** Wall-clock ms (performance.timeOrigin + performance.now()): comparable across processes. */
export const wall = () => performance.timeOrigin + performance.now();

/** Nearest-rank percentile. */
export function percentile(xs, p) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

/** A number with `digits` decimals; '-' for none (missing, NaN or infinite). */
export const fmt = (x, digits = 1) => (Number.isFinite(x) ? x.toFixed(digits) : '-');

/** How a target came out: 'met' or 'MISSED'. */
export const verdict = (ok) => (ok ? 'met' : 'MISSED');

/** p50, p99 and max of `xs`. */
export const summarize = (xs) => ({ p50: percentile(xs, 50), p99: percentile(xs, 99), max: Math.max(...xs) });

/** `p50 … ms, p99 … ms, max … ms` of a summary. */
export const msSummary = ({ p50, p99, max }) => `p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, max ${fmt(max)} ms`;
