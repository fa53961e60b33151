/** The report model of `cfgmig validate`: statuses, outcome, exit codes, source staleness. */
import { describe, expect, it } from 'vitest';
import type { PlanChange, PlanDoc } from '../../src/core/plan/plan-doc.js';
import {
  exitCodeOf,
  finishReport,
  sourceStaleReasons,
  type ValidateProblem,
} from '../../src/core/validate/model.js';
import { blockAt, composeBlocks } from '../../src/core/validate/compose-blocks.js';

function report(problems: ValidateProblem[]) {
  return finishReport({
    formatVersion: 1,
    project: '/p',
    environment: 'production',
    services: ['api'],
    checks: [
      { check: 'fresh', service: 'api', status: 'pass' },
      { check: 'plaintext', service: 'api', status: 'pass' },
      { check: 'values', service: 'api', status: 'skipped', note: '--no-store' },
    ],
    problems,
    values: [],
    notes: [],
  });
}

const pending: ValidateProblem = {
  check: 'fresh',
  service: 'api',
  severity: 'pending',
  rule: 'plan-pending',
  message: 'x',
};
const error: ValidateProblem = {
  check: 'plaintext',
  service: 'api',
  severity: 'error',
  rule: 'plaintext-credential',
  message: 'y',
  file: 'a',
  line: 1,
};
const warning: ValidateProblem = { ...error, severity: 'warning', rule: 'plaintext-credential-migrated' };

describe('validate report', () => {
  it('is valid with no problems, and warnings do not change that', () => {
    const r = report([warning]);
    expect(r.outcome).toBe('valid');
    expect(r.checks.map((c) => c.status)).toEqual(['pass', 'pass', 'skipped']);
    expect(exitCodeOf(r, true)).toBe(0);
  });

  it('pending exits 10 only with --detailed-exitcode', () => {
    const r = report([pending]);
    expect(r.outcome).toBe('pending');
    expect(r.checks[0]!.status).toBe('pending');
    expect(exitCodeOf(r, true)).toBe(10);
    expect(exitCodeOf(r, false)).toBe(0);
  });

  it('problems win over pending: exit 1', () => {
    const r = report([pending, error]);
    expect(r.outcome).toBe('problems');
    expect(r.checks[1]!.status).toBe('fail');
    expect(exitCodeOf(r, true)).toBe(1);
    expect(r.summary).toMatchObject({ errors: 1, pending: 1, failed: 1 });
  });
});

function plan(changes: Partial<PlanChange>[], extra: Partial<PlanDoc['inputs']> = {}): PlanDoc {
  return {
    changes: changes.map((c) => ({ op: 'set', kind: 'setting', key: 'k', ...c })),
    inputs: { inventory: 'i', rules: { 'rules/a.yaml': 'h' }, ...extra },
  } as PlanDoc;
}

describe('sourceStaleReasons', () => {
  it('ignores ops and the base: an applied plan is still fresh', () => {
    const a = plan([{ key: 'port', value: 1, op: 'set' }]);
    const b = plan([{ key: 'port', value: 1, op: 'unchanged' }]);
    expect(sourceStaleReasons(a, b)).toEqual([]);
  });

  it('names changed values, credentials (never a value), new and gone keys, rule files', () => {
    const a = plan([
      { key: 'port', value: 1 },
      { key: 'db.password', kind: 'credential', fingerprint: 'f1' },
      { key: 'gone', value: 'x' },
    ]);
    const b = plan(
      [
        { key: 'port', value: 2 },
        { key: 'db.password', kind: 'credential', fingerprint: 'f2' },
        { key: 'new', value: 'y' },
      ],
      { rules: { 'rules/a.yaml': 'h2' } },
    );
    expect(sourceStaleReasons(a, b).map((r) => r.message)).toEqual([
      'port: planned 1, now 2',
      'db.password: the credential changed since the plan',
      'gone: planned, but nothing sets it any more',
      'new: new since the plan',
      'rule file rules/a.yaml changed since the plan',
    ]);
  });

  it('reports a changed inventory when no key moved', () => {
    expect(sourceStaleReasons(plan([]), plan([], { inventory: 'j' }))[0]!.message).toMatch(
      /inventory fingerprint/,
    );
  });
});

describe('composeBlocks', () => {
  it('maps a line to the compose service that holds it', () => {
    const text = 'services:\n  api:\n    image: x\n    environment:\n      A: 1\n  db:\n    image: y\n';
    const blocks = composeBlocks(text);
    expect(blockAt(blocks, 5)).toBe('api');
    expect(blockAt(blocks, 7)).toBe('db');
    expect(blockAt(blocks, 1)).toBeNull();
  });
});
