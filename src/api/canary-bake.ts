/**
 * One canary step's bake: measure every gate at its interval, record each measurement with
 * its inputs and verdict, and decide (core/canary/policy.ts) whether the step passed, failed or
 * needs a human. The bake lasts at least its time and until every gate has its minimum of
 * samples. Measurements of due gates run concurrently; nothing here moves a flag.
 */
import type { GateProbe } from '../adapters/canary/probes.js';
import { recordGateResult } from '../adapters/store/canary-runs.js';
import type { Db } from '../adapters/store/db.js';
import type { GateContext, GateSpec, Measurement } from '../core/canary/gate-model.js';
import { count, EMPTY_TALLY, stepState, type Tally } from '../core/canary/policy.js';
import type { Json } from '../core/store/canonical.js';

export type BakeResult =
  | { kind: 'passed' }
  | { kind: 'fail'; why: string; measurement: Measurement; decidedAt: number }
  | { kind: 'pause'; why: string };

export interface BakeEvents {
  measurement?(m: Measurement, tally: Tally): void;
}

export interface Bake {
  db: Db;
  /** null: a dry run, which records nothing. */
  runId: number | null;
  stepIndex: number;
  probes: GateProbe[];
  ctx: GateContext;
  /** When the bake began (a resumed run: when it began before the crash). */
  startedAt: number;
  bakeMs: number;
  signal?: AbortSignal;
  events?: BakeEvents;
}

export async function bake(b: Bake): Promise<BakeResult> {
  const gates: GateSpec[] = b.probes.map((p) => p.spec);
  const tallies = new Map<string, Tally>(gates.map((g) => [g.name, EMPTY_TALLY]));
  const due = new Map<string, number>(gates.map((g) => [g.name, Date.now() + g.intervalMs]));
  for (;;) {
    const now = Date.now();
    const state = stepState(gates, tallies, now - b.startedAt, b.bakeMs);
    if (state.kind === 'passed') return { kind: 'passed' };
    if (state.kind === 'pause') return { kind: 'pause', why: state.why };
    const nextGate = Math.min(...due.values());
    const end = b.startedAt + b.bakeMs;
    await sleep(Math.max(0, Math.min(nextGate, end > now ? end : Infinity) - now), b.signal);
    const at = Date.now();
    const measured = await Promise.all(
      b.probes
        .filter((p) => due.get(p.spec.name)! <= at)
        .map(async (p) => [p, await p.measure(b.ctx)] as const),
    );
    for (const [p, m] of measured) {
      due.set(p.spec.name, Date.now() + p.spec.intervalMs);
      const { tally, decision } = count(tallies.get(p.spec.name)!, m, p.spec);
      tallies.set(p.spec.name, tally);
      if (b.runId !== null) await record(b, m);
      b.events?.measurement?.(m, tally);
      if (decision.kind === 'fail')
        return { kind: 'fail', why: decision.why, measurement: m, decidedAt: Date.now() };
      if (decision.kind === 'pause') return { kind: 'pause', why: decision.why };
    }
  }
}

async function record(b: Bake, m: Measurement): Promise<void> {
  await recordGateResult(b.db, {
    canaryRunId: b.runId!,
    step: b.stepIndex,
    gate: m.gate,
    passed: m.verdict === 'pass',
    verdict: m.verdict,
    observed: { type: m.type, value: m.value, reason: m.reason, inputs: m.inputs, at: m.at } as Json,
  });
}

/** Resolves after `ms`, or rejects with the signal's reason when it is aborted (Ctrl-C). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
