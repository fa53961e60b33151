/**
 * How measurements decide a canary step (core/canary/policy.ts) and the order a fleet rolls
 * out in (core/canary/waves.ts).
 */
import { describe, expect, it } from 'vitest';
import type { GatePolicy, Measurement, Verdict } from '../../src/core/canary/gate-model.js';
import { count, EMPTY_TALLY, EXTEND_LIMIT, stepState, type Tally } from '../../src/core/canary/policy.js';
import { phaseOf, waves } from '../../src/core/canary/waves.js';
import { runPlan, stepsOption } from '../../src/core/canary/run-plan.js';

const policy = (over: Partial<GatePolicy> = {}): GatePolicy => ({
  name: 'errors',
  intervalMs: 1000,
  failureLimit: 3,
  consecutiveFailureLimit: 2,
  minSamples: 2,
  noData: 'fail',
  ...over,
});
const m = (verdict: Verdict): Measurement => ({
  gate: 'errors',
  type: 'metrics',
  verdict,
  value: null,
  reason: verdict,
  inputs: {},
  at: new Date(0).toISOString(),
});

function feed(p: GatePolicy, verdicts: Verdict[]): { tally: Tally; decisions: string[] } {
  let tally = EMPTY_TALLY;
  const decisions: string[] = [];
  for (const v of verdicts) {
    const r = count(tally, m(v), p);
    tally = r.tally;
    decisions.push(r.decision.kind);
  }
  return { tally, decisions };
}

describe('a gate in a step', () => {
  it.each<[string, Partial<GatePolicy>, Verdict[], string[]]>([
    ['passes keep going', {}, ['pass', 'pass', 'pass'], ['continue', 'continue', 'continue']],
    ['two failures in a row fail', {}, ['pass', 'fail', 'fail'], ['continue', 'continue', 'fail']],
    [
      'the failure limit fails, in a row or not',
      {},
      ['fail', 'pass', 'fail', 'pass', 'fail'],
      ['continue', 'continue', 'continue', 'continue', 'fail'],
    ],
    ['no data counts as a failure by default', {}, ['no-data', 'no-data'], ['continue', 'fail']],
    [
      'no data may pass',
      { noData: 'pass' },
      ['no-data', 'no-data', 'no-data'],
      ['continue', 'continue', 'continue'],
    ],
    ['no data may pause', { noData: 'pause' }, ['pass', 'no-data'], ['continue', 'pause']],
    [
      'no data may extend',
      { noData: 'extend' },
      ['no-data', 'no-data', 'no-data', 'fail'],
      ['continue', 'continue', 'continue', 'continue'],
    ],
    ['limits of one fail at once', { failureLimit: 1 }, ['fail'], ['fail']],
  ])('%s', (_name, over, verdicts, want) => {
    expect(feed(policy(over), verdicts).decisions).toEqual(want);
  });

  it('extended no-data is not a sample; pass and fail are', () => {
    expect(feed(policy({ noData: 'extend' }), ['no-data', 'pass', 'no-data', 'fail']).tally).toMatchObject({
      samples: 2,
      failures: 1,
      noData: 2,
    });
  });
});

describe('a step', () => {
  const gates = [policy({ name: 'a', minSamples: 2 }), policy({ name: 'b', minSamples: 1 })];
  const tallies = (a: number, b: number) =>
    new Map([
      ['a', { ...EMPTY_TALLY, samples: a }],
      ['b', { ...EMPTY_TALLY, samples: b }],
    ]);
  it('passes once its bake is over and every gate has its samples', () => {
    expect(stepState(gates, tallies(2, 1), 5000, 5000)).toEqual({ kind: 'passed' });
    expect(stepState(gates, tallies(2, 1), 4999, 5000)).toMatchObject({ kind: 'baking' });
    expect(stepState(gates, tallies(1, 1), 6000, 5000)).toEqual({ kind: 'baking', waitingFor: ['a'] });
  });
  it(`pauses when still short of samples after ${EXTEND_LIMIT} times its bake`, () => {
    expect(stepState(gates, tallies(1, 0), 15_000, 5000)).toMatchObject({
      kind: 'pause',
      why: expect.stringContaining('a, b'),
    });
  });
  it('without gates, passes on time', () => {
    expect(stepState([], new Map(), 0, 0)).toEqual({ kind: 'passed' });
  });
});

describe('fleet waves', () => {
  it('puts dependencies first and leaves out services outside the rollout', () => {
    expect(
      waves([
        { id: 'api', dependsOn: ['users', 'trading'] },
        { id: 'trading', dependsOn: ['db', 'users'] },
        { id: 'users', dependsOn: ['db'] },
        { id: 'db', dependsOn: [] },
        { id: 'ml', dependsOn: ['bridge'] }, // bridge is not in this rollout
      ]),
    ).toEqual([['db', 'ml'], ['users'], ['trading'], ['api']]);
  });
  it('refuses a cycle, naming it', () => {
    expect(() =>
      waves([
        { id: 'a', dependsOn: ['b'] },
        { id: 'b', dependsOn: ['a'] },
        { id: 'c', dependsOn: [] },
      ]),
    ).toThrow(/cycle: a, b/);
  });
  it.each([
    [{ risk: 'critical' }, 'critical'],
    [{ criticality: 'critical', risk: 'low' }, 'critical'],
    [{ risk: 'low', complexity: 'low' }, 'pilot'],
    [{}, 'pilot'],
    [{ risk: 'high' }, 'core'],
    [{ risk: 'medium', complexity: 'medium' }, 'remaining'],
    [{ phase: 'remaining', risk: 'critical' }, 'remaining'],
  ])('phase of %j is %s', (profile, phase) => {
    expect(phaseOf(profile)).toBe(phase);
  });
});

describe('the run plan', () => {
  it('takes the profile schedule, or the command line over it', () => {
    const critical = runPlan({ id: 'te', profile: { risk: 'critical' } }, 'production', 'm1');
    expect(critical.steps.map((s) => s.percentBp)).toEqual([100, 500, 1000, 2500, 5000, 10_000]);
    expect(critical.steps[0]!.bakeMs).toBe(10 * 60_000);
    const fast = runPlan({ id: 'te', profile: { risk: 'critical' } }, 'production', 'm1', {
      steps: '1,5,25,100',
      bake: '500ms',
      interval: '2s',
    });
    expect(fast.steps).toEqual([100, 500, 2500, 10_000].map((percentBp) => ({ percentBp, bakeMs: 500 })));
    expect(fast.checkEveryMs).toBe(2000);
    expect(fast.basis).toMatch(/overrides/);
  });
  it.each(['', '5,1,100', '1,5,50', '0,100', '1,5,101', 'a,100', '1.234,100'])(
    'refuses --steps %j',
    (text) => {
      expect(() => stepsOption(text)).toThrow(/--steps must be increasing percentages ending at 100/);
    },
  );
  it('accepts 0.01% steps', () => {
    expect(stepsOption('0.5, 12.25, 100')).toEqual([50, 1225, 10_000]);
  });
});
