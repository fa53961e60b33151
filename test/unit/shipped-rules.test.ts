/**
 * The rules shipped in rules/ against the sample fleet: every entry of every service of
 * fixtures/platform is mapped or explicitly ignored, with no error, and the specification's
 * keys land where it says.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRules } from '../../src/config/rules.js';
import { splitConnectionUrl } from '../../src/core/plan/connection-string.js';
import type { MappedValue, MappingResult, PlanInput } from '../../src/core/plan/model.js';
import type { Rule } from '../../src/core/plan/rule-model.js';
import { applyRules } from '../../src/core/plan/rules.js';
import { REPO } from '../support/cli.js';
import { expectedInventory, platformInputs, testFingerprint } from '../support/platform-inputs.js';

let rules: Rule[];
let inputs: Map<string, PlanInput[]>;
const results = new Map<string, MappingResult>();

beforeAll(async () => {
  rules = await loadRules({ root: REPO, rules: ['rules/*.yaml'] });
  inputs = await platformInputs();
  for (const [service, list] of inputs)
    results.set(service, applyRules(rules, service, list, testFingerprint));
});

const target = (service: string, key: string): MappedValue | undefined =>
  results.get(service)!.mapped.find((v) => v.target === key);

describe('shipped rules on fixtures/platform', () => {
  it('load, with the specification’s three rules among them', () => {
    expect(rules.map((r) => r.name)).toEqual(
      expect.arrayContaining(['database-configuration', 'ai-providers', 'service-networking']),
    );
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
  });

  it('cover all 11 services and 557 entries', () => {
    expect([...inputs.keys()]).toHaveLength(11);
    expect(expectedInventory().reduce((n, s) => n + s.entries.length, 0)).toBe(557);
  });

  it.each(expectedInventory().map((s) => [s.service]))('%s: nothing unmapped, no errors', (service) => {
    const r = results.get(service)!;
    expect(r.unmapped.map((i) => `${i.name} (${i.source.file}:${i.source.line})`)).toEqual([]);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.message)).toEqual([]);
  });

  it('maps or ignores every entry of the inventory (shadowed ones through their winner)', () => {
    for (const svc of expectedInventory()) {
      const r = results.get(svc.service)!;
      const handled = new Set([
        ...r.mapped.flatMap((v) => [v.input, ...(v.agreeing ?? []).map((a) => a.input)]),
        ...r.ignored.map((i) => i.input),
      ]);
      // An input with an error problem is claimed too; there are none (see above).
      const missing = svc.entries.filter((e) => !handled.has(e.name)).map((e) => `${e.name} ${e.file}`);
      expect(missing, svc.service).toEqual([]);
    }
  });

  it('has no warnings either', () => {
    const warnings = [...results.values()].flatMap((r) => r.problems.map((p) => p.message));
    expect(warnings).toEqual([]);
  });

  it('pool min/max default to 5 and 20 where the service sets neither', () => {
    for (const service of ['ai-orchestration', 'risk-management', 'user-service']) {
      expect(target(service, 'database.pool.max')).toMatchObject({
        value: 20,
        defaulted: true,
        as: 'setting',
      });
      expect(target(service, 'database.pool.min')).toMatchObject({ value: 5, defaulted: true });
    }
    // Services the rule does not apply to get no database defaults.
    expect(target('notification-service', 'database.pool.max')).toBeUndefined();
  });

  it('a real pool size wins over the default: trading-engine’s config file says 40, min 5', () => {
    expect(target('trading-engine', 'database.pool.max')).toMatchObject({
      value: 40,
      input: 'database.pool.max',
      source: { file: 'services/trading-engine/config/trading.yaml', line: 16 },
    });
    expect(target('trading-engine', 'database.pool.max')!.defaulted).toBeUndefined();
    expect(target('database-service', 'database.pool.max')).toMatchObject({
      value: 20,
      input: 'POSTGRES_POOL_MAX',
    });
    expect(target('database-service', 'database.pool.max')!.defaulted).toBeUndefined();
  });

  it('puts the OpenAI and DeepSeek keys under ai.providers.*.apiKey as credentials', () => {
    for (const provider of ['openai', 'deepseek']) {
      const v = target('ai-orchestration', `ai.providers.${provider}.apiKey`)!;
      expect(v).toMatchObject({ as: 'credential', rule: 'ai-providers' });
      expect(v.fingerprint).toMatch(/^test:/);
      expect(v).not.toHaveProperty('value');
    }
  });

  it('maps the connection string as a credential and service.port as an integer everywhere', () => {
    expect(target('trading-engine', 'database.postgresql.connectionString')).toMatchObject({
      as: 'credential',
      input: 'POSTGRES_CONNECTION_STRING',
    });
    for (const service of inputs.keys()) expect(typeof target(service, 'service.port')?.value).toBe('number');
    expect(target('notification-service', 'service.port')).toMatchObject({ value: 8010, input: 'PORT' });
  });

  it('splits the replica URL: settings for host/port/user, a credential for the password', () => {
    expect(target('database-service', 'database.postgresql.replica.host')).toMatchObject({
      value: 'pg-replica-1',
    });
    expect(target('database-service', 'database.postgresql.replica.port')).toMatchObject({ value: 5432 });
    expect(target('database-service', 'database.postgresql.replica.user')).toMatchObject({
      value: 'dbsvc_ro',
    });
    const pw = target('database-service', 'database.postgresql.replica.password')!;
    expect(pw).toMatchObject({ as: 'credential', part: 'password' });
    expect(pw).not.toHaveProperty('value');
  });

  it('keeps a vault reference as a setting holding the reference', () => {
    expect(target('trading-engine', 'brokers.prime.apiKey')).toMatchObject({
      as: 'setting',
      value: '${vault:secret/data/trading#api_key}',
    });
  });

  it('sends unmapped config-file entries to their own path, and per-file sections where rules say', () => {
    expect(target('api-gateway', 'server.port')).toMatchObject({ rule: 'config-file', value: '8000' });
    expect(target('trading-engine', 'strategies.momentum.name')).toMatchObject({
      value: 'momentum-breakout',
    });
    expect(target('trading-engine', 'strategies.mean-reversion.name')).toMatchObject({
      value: 'mean-reversion-pairs',
    });
    expect(target('trading-engine', 'health.checkIntervalMs')).toMatchObject({ value: 15_000 });
    expect(target('database-service', 'backup.s3.bucket')).toMatchObject({
      input: 'BACKUP_S3_BUCKET',
      agreeing: [{ input: 's3.bucket', rule: 'database-service' }],
    });
    expect(target('trading-engine', 'logging.level')).toMatchObject({ value: 'warn', input: 'LOG_LEVEL' });
  });

  it('shows no credential of the fleet, nor the password of a credential URL, anywhere but unmapped', () => {
    const secrets = [...inputs.values()]
      .flat()
      .filter((i) => i.classification === 'credential' && i.value !== null && i.value.length >= 8)
      .flatMap((i) => {
        const split = splitConnectionUrl(i.value!);
        return [i.value!, ...(split.ok && split.parts.password ? [split.parts.password] : [])];
      });
    expect(secrets.length).toBeGreaterThan(60);
    for (const [service, r] of results) {
      const shown = JSON.stringify({ mapped: r.mapped, ignored: r.ignored, problems: r.problems });
      for (const s of secrets) expect(shown.includes(s), `${service} shows a credential`).toBe(false);
    }
  });

  it('never carries a credential’s value', () => {
    for (const r of results.values()) {
      for (const v of r.mapped.filter((m) => m.as === 'credential')) expect(v).not.toHaveProperty('value');
    }
  });
});

describe('shipped rules from the repository root (cfgmig.yaml points at fixtures/platform)', () => {
  it('match the same files when sources are under fixtures/platform/', () => {
    for (const [service, list] of inputs) {
      const moved = list.map((i) => ({
        ...i,
        source: { ...i.source, file: `fixtures/platform/${i.source.file}` },
      }));
      const r = applyRules(rules, service, moved, testFingerprint);
      expect(
        r.unmapped.map((i) => i.name),
        service,
      ).toEqual([]);
      expect(
        r.problems.map((p) => p.message),
        service,
      ).toEqual([]);
      expect(r.mapped.length, service).toBe(results.get(service)!.mapped.length);
    }
  });
});

describe('rules/ files', () => {
  it('are found by the default glob of cfgmig.yaml', async () => {
    const again = await loadRules({ root: join(REPO), rules: ['rules/*.yaml'] });
    expect(again.length).toBe(rules.length);
  });
});
