/**
 * How a step's measurements decide it (DESIGN.md "Canary and rollback"). Pure: the runner
 * feeds each measurement in and asks whether the step goes on, passes, fails or waits for a
 * human.
 *
 * Per gate: a failed measurement counts towards its failure limit and its consecutive-failure
 * limit (reaching either fails the step); a measurement without data counts as its no-data
 * policy says: `fail` (a failure), `pass` (a passing sample), `pause` (stop and ask a human),
 * `extend` (not a sample at all: the bake lasts until enough data arrived). A step passes
 * once its bake time is over and every gate has its minimum of samples; a bake extended past
 * EXTEND_LIMIT times its length still short of samples pauses instead of waiting for ever.
 */
import type { GatePolicy, Measurement } from './gate-model.js';

export interface Tally {
  /** Measurements that count as samples (passes, failures, no-data counted as pass or fail). */
  samples: number;
  failures: number;
  consecutive: number;
  noData: number;
  last: Measurement | null;
}

export const EMPTY_TALLY: Tally = { samples: 0, failures: 0, consecutive: 0, noData: 0, last: null };

/** A bake waiting for samples gives up (pauses) after this many times its planned length. */
export const EXTEND_LIMIT = 3;

export type GateDecision =
  { kind: 'continue' } | { kind: 'fail'; why: string } | { kind: 'pause'; why: string };

export function count(
  t: Tally,
  m: Measurement,
  policy: GatePolicy,
): { tally: Tally; decision: GateDecision } {
  const verdict = m.verdict === 'no-data' ? policy.noData : m.verdict;
  const noData = t.noData + (m.verdict === 'no-data' ? 1 : 0);
  if (verdict === 'pause') {
    return {
      tally: { ...t, noData, last: m },
      decision: { kind: 'pause', why: `${policy.name}: no data (${m.reason}); its no-data policy is pause` },
    };
  }
  if (verdict === 'extend') return { tally: { ...t, noData, last: m }, decision: { kind: 'continue' } };
  if (verdict === 'pass') {
    return {
      tally: { ...t, samples: t.samples + 1, consecutive: 0, noData, last: m },
      decision: { kind: 'continue' },
    };
  }
  const tally = {
    samples: t.samples + 1,
    failures: t.failures + 1,
    consecutive: t.consecutive + 1,
    noData,
    last: m,
  };
  const what = m.verdict === 'no-data' ? `no data (${m.reason}), which counts as a failure` : m.reason;
  if (tally.failures >= policy.failureLimit)
    return {
      tally,
      decision: {
        kind: 'fail',
        why: `${policy.name}: ${what} (${tally.failures} failures, limit ${policy.failureLimit})`,
      },
    };
  if (tally.consecutive >= policy.consecutiveFailureLimit)
    return {
      tally,
      decision: {
        kind: 'fail',
        why: `${policy.name}: ${what} (${tally.consecutive} in a row, limit ${policy.consecutiveFailureLimit})`,
      },
    };
  return { tally, decision: { kind: 'continue' } };
}

export type StepState =
  { kind: 'baking'; waitingFor: string[] } | { kind: 'passed' } | { kind: 'pause'; why: string };

/** Where a step stands after `elapsedMs` of its bake, given each gate's tally. */
export function stepState(
  gates: readonly GatePolicy[],
  tallies: ReadonlyMap<string, Tally>,
  elapsedMs: number,
  bakeMs: number,
): StepState {
  const short = gates
    .filter((g) => (tallies.get(g.name) ?? EMPTY_TALLY).samples < g.minSamples)
    .map((g) => g.name);
  if (elapsedMs >= bakeMs && short.length === 0) return { kind: 'passed' };
  if (short.length > 0 && elapsedMs >= Math.max(bakeMs, 1000) * EXTEND_LIMIT) {
    return {
      kind: 'pause',
      why: `still short of samples after ${EXTEND_LIMIT} times the bake: ${short.join(', ')}`,
    };
  }
  return { kind: 'baking', waitingFor: short };
}
