/**
 * The plan document: each change decided against the store's current version, credentials as
 * fingerprints only, a deterministic checksum that catches any edit (also through the plan
 * file on disk), the canary schedule from the profile, and dotted keys nested safely.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readPlanFile, writePlanFile } from '../../src/adapters/plan-file.js';
import { canarySchedule, CRITICAL, GRADUAL } from '../../src/core/plan/canary-schedule.js';
import { durationMs } from '../../src/core/plan/duration.js';
import type { MappedValue, PlanInput } from '../../src/core/plan/model.js';
import {
  buildPlan,
  hasChanges,
  planChecksum,
  plannedConfig,
  type PlanFacts,
} from '../../src/core/plan/plan-doc.js';
import { nest, splitPath } from '../../src/core/plan/target.js';
import { credentialRef } from '../../src/core/store/credential-ref.js';
import { rejection } from '../support/errors.js';

const src = (line: number) => ({ file: 'services/api/.env', line });
const input = (
  name: string,
  line: number,
  classification: PlanInput['classification'] = 'setting',
): PlanInput => ({
  name,
  kind: 'env-file',
  source: src(line),
  classification,
  value: classification === 'credential' ? 'plaintext-never-in-plan' : 'v',
  fingerprint: `hmac-sha256:${name}`,
});
const mapped = (target: string, over: Partial<MappedValue> = {}): MappedValue => ({
  target,
  as: 'setting',
  value: 'v',
  input: target.toUpperCase(),
  source: src(1),
  rule: 'r',
  ...over,
});

function facts(over: Partial<PlanFacts> = {}): PlanFacts {
  return {
    service: 'api',
    environment: 'production',
    inputs: [input('PORT', 1), input('DB_PASSWORD', 2, 'credential')],
    rules: { 'rules/net.yaml': 'abc' },
    mapping: {
      mapped: [
        mapped('port', { value: 8080, input: 'PORT' }),
        mapped('db.password', {
          as: 'credential',
          value: undefined,
          fingerprint: 'fp-new',
          input: 'DB_PASSWORD',
        }),
      ],
      ignored: [{ input: 'NODE_ENV', rule: 'r' }],
      unmapped: [],
      problems: [],
    },
    base: { version: 0, checksum: null, data: {} },
    storedCredentials: new Map(),
    validation: { schema: null, valid: true, errors: [] },
    canary: GRADUAL,
    ...over,
  };
}

describe('buildPlan', () => {
  it('sets everything on a first plan, credentials by fingerprint only', () => {
    const doc = buildPlan(facts({ restart: 'docker compose restart api' }));
    expect(doc.changes).toEqual([
      {
        op: 'set-credential',
        key: 'db.password',
        kind: 'credential',
        fingerprint: 'fp-new',
        source: { ...src(1), kind: 'env-file', name: 'DB_PASSWORD' },
        rule: 'r',
      },
      {
        op: 'set',
        key: 'port',
        kind: 'setting',
        value: 8080,
        source: { ...src(1), kind: 'env-file', name: 'PORT' },
        rule: 'r',
      },
    ]);
    expect(doc.summary).toEqual({ set: 1, 'set-credential': 1, unchanged: 0, remove: 0 });
    expect(hasChanges(doc)).toBe(true);
    expect(doc.rollback.steps).toEqual([
      { action: 'switch-to-legacy' },
      { action: 'revert-config', toVersion: 0 },
      { action: 'clear-caches' },
      { action: 'restart', command: 'docker compose restart api' },
    ]);
    expect(JSON.stringify(doc)).not.toContain('plaintext-never-in-plan');
    expect(doc.checksum).toBe(planChecksum(doc));
    // Deterministic: the same facts give the same plan.
    expect(buildPlan(facts({ restart: 'docker compose restart api' }))).toEqual(doc);
  });

  it('compares with the store: unchanged, changed (with the previous value), removed', () => {
    const ref = credentialRef({ environment: 'production', key: 'db.password', version: 2 });
    const base = {
      version: 4,
      checksum: 'c4',
      data: {
        port: 8080,
        db: { password: ref },
        old: { flag: true },
        token: credentialRef({ environment: 'production', key: 'token', version: 1 }),
      },
    };
    const same = buildPlan(facts({ base, storedCredentials: new Map([['db.password', 'fp-new']]) }));
    expect(same.changes.map((c) => [c.op, c.key, c.previous])).toEqual([
      ['unchanged', 'db.password', undefined],
      ['remove', 'old.flag', true],
      ['unchanged', 'port', undefined],
      ['remove', 'token', undefined],
    ]);
    expect(same.base).toEqual({ version: 4, checksum: 'c4' });
    const moved = buildPlan(
      facts({
        base: { ...base, data: { port: 80, db: { password: ref } } },
        storedCredentials: new Map([['db.password', 'fp-old']]),
      }),
    );
    expect(moved.changes.map((c) => [c.op, c.key, c.previous])).toEqual([
      ['set-credential', 'db.password', undefined],
      ['set', 'port', 80],
    ]);
    const nothing = buildPlan(
      facts({
        base: { ...base, data: { port: 8080, db: { password: ref } } },
        storedCredentials: new Map([['db.password', 'fp-new']]),
      }),
    );
    expect(hasChanges(nothing)).toBe(false);
  });

  it('shows planned configuration with credentials as a placeholder', () => {
    expect(plannedConfig(facts().mapping.mapped)).toEqual({ port: 8080, db: { password: '<credential>' } });
  });
});

describe('plan files', () => {
  it('round-trip through YAML with the checksum intact, and refuse any edit with exit 3', async () => {
    const root = await mkdtemp(join(tmpdir(), 'cfgmig-plan-'));
    try {
      const doc = buildPlan(
        facts({
          mapping: {
            ...facts().mapping,
            mapped: [
              mapped('flags', { value: ['a', 'true', '1'] }),
              mapped('n', { value: 12.5 }),
              mapped('s', { value: 'yes' }),
              mapped('multi', { value: 'line1\nline2 # not a comment' }),
              mapped('nil', { value: null }),
            ],
          },
        }),
      );
      const rel = await writePlanFile(root, 'plans', doc);
      expect(rel).toBe('plans/api.production.plan.yaml');
      const text = await readFile(join(root, rel), 'utf8');
      expect(text).toMatch(/^# cfgmig plan/);
      expect(await readPlanFile(join(root, rel))).toEqual(doc);

      await writeFile(join(root, rel), text.replace('12.5', '13'));
      const e = await rejection(readPlanFile(join(root, rel)));
      expect(e.exitCode).toBe(3);
      expect(e.message).toBe(
        'api.production.plan.yaml: checksum does not verify: the plan was changed after it was made',
      );
      await writeFile(join(root, rel), 'a: [');
      expect((await rejection(readPlanFile(join(root, rel)))).exitCode).toBe(2);
      await writeFile(join(root, rel), 'just: a map\n');
      expect((await rejection(readPlanFile(join(root, rel)))).message).toMatch(/is not a cfgmig plan/);
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('canary schedule', () => {
  it('follows the profile, or the service canary settings', () => {
    expect(canarySchedule({ id: 'a' })).toEqual(GRADUAL);
    expect(GRADUAL.steps.map((s) => [s.percentBp / 100, s.bakeMs / 60_000])).toEqual([
      [10, 5],
      [25, 3],
      [50, 3],
      [75, 3],
      [100, 3],
    ]);
    expect(canarySchedule({ id: 'a', profile: { risk: 'critical' } })).toEqual(CRITICAL);
    expect(CRITICAL.steps.map((s) => [s.percentBp / 100, s.bakeMs / 60_000])).toEqual([
      [1, 10],
      [5, 5],
      [10, 5],
      [25, 5],
      [50, 5],
      [100, 5],
    ]);
    expect(canarySchedule({ id: 'a', profile: { strategy: 'big-bang' } }).steps).toEqual([
      { percentBp: 10000, bakeMs: 0 },
    ]);
    const own = canarySchedule({ id: 'a', canary: { steps: [1, 5, 10, 25, 50, 100], bake: '5m' } });
    expect(own).toMatchObject({ basis: 'canary settings', checkEveryMs: 30_000 });
    expect(own.steps.map((s) => s.percentBp)).toEqual([100, 500, 1000, 2500, 5000, 10000]);
    expect(own.steps.every((s) => s.bakeMs === 300_000)).toBe(true);
    for (const bad of [{ steps: [5, 1, 100] }, { steps: [1, 50] }, { steps: [] }, { bake: 'soon' }]) {
      expect(() => canarySchedule({ id: 'a', canary: bad })).toThrow(/services\.a\.canary/);
    }
  });

  it('reads durations', () => {
    expect([
      durationMs('250ms'),
      durationMs('30s'),
      durationMs('1h30m'),
      durationMs('1d'),
      durationMs('42'),
    ]).toEqual([250, 30_000, 5_400_000, 86_400_000, 42]);
    for (const bad of ['', 'm5', '5 minutes', '1.2.3s', '-5s']) expect(durationMs(bad)).toBeNull();
  });
});

describe('target keys', () => {
  it('nests dotted keys, round-trips quoted segments, and refuses a value used as a section', () => {
    expect(
      nest([
        ['a.b', 1],
        ['a.c', 2],
        ['["x.y"]', 3],
      ]),
    ).toEqual({ a: { b: 1, c: 2 }, 'x.y': 3 });
    expect(splitPath('a["b.c"].d')).toEqual(['a', 'b.c', 'd']);
    expect(() =>
      nest([
        ['a', 1],
        ['a.b', 2],
      ]),
    ).toThrow(/a is a value/);
    expect(() =>
      nest([
        ['a.b', 2],
        ['a', 1],
      ]),
    ).toThrow(/set twice, or is a section/);
    expect(() =>
      nest([
        ['a', { b: 1 }],
        ['a.b', 2],
      ]),
    ).toThrow(/a is a value/);
    const proto = nest([['__proto__.polluted', 1]]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(proto)).toEqual(['__proto__']);
  });
});
