/**
 * `cfgmig validate` through the built CLI on a copy of the repository's example project
 * (cfgmig.yaml, rules, plans, schema and fixtures/platform), on the embedded store:
 * before any apply the store checks are skipped and no store is created; after a full migration
 * it exits 0 with every value MATCH and the migration reversible; one edited `.env` value makes
 * it pending (exit 10 with --detailed-exitcode); a plaintext credential added to the compose file
 * makes it exit 1, and the SARIF names the file and line while no output holds the value.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readVersion, writeVersion } from '../../src/adapters/store/configs.js';
import { openStore } from '../../src/adapters/store/open.js';
import type { Json } from '../../src/core/store/canonical.js';
import { cleanEnv, REPO, runCli, type CliRun } from '../support/cli.js';

const COMPOSE = 'fixtures/platform/docker-compose.yml';
const TE_ENV = 'fixtures/platform/services/trading-engine/.env';
const SERVICES = 11;
const PER_SERVICE_CHECKS = ['fresh', 'mapped', 'schema', 'plaintext', 'values', 'reversible'];

interface Report {
  formatVersion: number;
  outcome: string;
  checks: { check: string; service: string | null; status: string; note?: string }[];
  problems: {
    check: string;
    severity: string;
    rule: string;
    file?: string;
    line?: number;
    message: string;
  }[];
  values: { service: string; totalKeys: number; matches: number; mismatches: number; errors: number }[];
  notes: string[];
  summary: { errors: number; pending: number };
}

/** A minimal XML well-formedness check: balanced tags, quoted attributes, escaped text. */
function wellFormed(xml: string): { testcases: number; suites: Map<string, number> } {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  const stack: string[] = [];
  const suites = new Map<string, number>();
  let suite = '';
  let testcases = 0;
  const token = /<(\/?)([A-Za-z][\w.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = token.exec(body)) !== null) {
    at = token.lastIndex;
    if (m[5] !== undefined) {
      if (/&(?!amp;|lt;|gt;|quot;|apos;)/.test(m[5])) throw new Error(`unescaped & in ${m[5]}`);
      continue;
    }
    const [, close, name, attrs, self] = m;
    if (close) {
      if (stack.pop() !== name) throw new Error(`unbalanced </${name}>`);
      continue;
    }
    if (name === 'testsuite') {
      suite = /name="([^"]*)"/.exec(attrs ?? '')![1]!;
      suites.set(suite, 0);
    }
    if (name === 'testcase') {
      testcases++;
      suites.set(suite, (suites.get(suite) ?? 0) + 1);
    }
    if (!self) stack.push(name!);
  }
  if (at !== body.length) throw new Error(`not XML at offset ${at}: ${body.slice(at, at + 40)}`);
  if (stack.length > 0) throw new Error(`unclosed <${stack.join('>, <')}>`);
  return { testcases, suites };
}

describe('cfgmig validate on the example project', () => {
  let dir = '';
  const runs: CliRun[] = [];
  const env = cleanEnv();
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--project', dir], { env, cwd: dir });
    runs.push(r);
    return r;
  };
  const json = (r: CliRun) => JSON.parse(r.stdout) as Report;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cfgmig-validate-e2e-'));
    for (const f of ['cfgmig.yaml', 'rules', 'plans', 'schema'])
      await cp(join(REPO, f), join(dir, f), { recursive: true });
    await mkdir(join(dir, 'fixtures'));
    await cp(join(REPO, 'fixtures/platform'), join(dir, 'fixtures/platform'), { recursive: true });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  }, 180_000);

  it('skips the store checks, creating nothing, before the project has a store', async () => {
    const r = await cli('validate', '--json');
    expect(r.code).toBe(0);
    const report = json(r);
    expect(report.formatVersion).toBe(1);
    expect(report.outcome).toBe('valid');
    expect(report.notes.join('\n')).toMatch(/no store yet/);
    expect(report.checks.filter((c) => c.check === 'values').every((c) => c.status === 'skipped')).toBe(true);
    expect(existsSync(join(dir, '.cfgmig/store'))).toBe(false);
  }, 180_000);

  it('exits 0 after a full migration, every value MATCH, reversible; junit and json well formed', async () => {
    const plans = [
      'ai-orchestration',
      'api-gateway',
      'data-bridge',
      'database-service',
      'ml-training',
      'notification-service',
      'performance-analytics',
      'risk-management',
      'strategy-optimizer',
      'trading-engine',
      'user-service',
    ].map((s) => `plans/${s}.production.plan.yaml`);
    const applied = await runCli(['apply', ...plans, '--yes', '--project', dir], { env, cwd: dir });
    expect(applied.code, applied.stderr).toBe(0);

    const r = await cli('validate', '--json', '--detailed-exitcode');
    expect(r.code, r.stdout).toBe(0);
    const report = json(r);
    expect(report.summary).toMatchObject({ errors: 0, pending: 0 });
    expect(report.values).toHaveLength(SERVICES);
    for (const v of report.values) {
      expect(v.totalKeys).toBeGreaterThan(0);
      expect(v).toMatchObject({ mismatches: 0, errors: 0 });
      expect(v.matches).toBe(v.totalKeys);
    }
    const reversible = report.checks.filter((c) => c.check === 'reversible');
    expect(reversible).toHaveLength(SERVICES);
    expect(reversible.every((c) => c.status === 'pass')).toBe(true);

    const junit = await cli('validate', '--format', 'junit', '-o', 'reports/cfgmig-junit.xml');
    expect(junit.code).toBe(0);
    const file = await readFile(join(dir, 'reports/cfgmig-junit.xml'), 'utf8');
    expect(file).toBe(junit.stdout);
    const parsed = wellFormed(file);
    expect(parsed.suites.size).toBe(SERVICES + 1);
    for (const [name, n] of parsed.suites)
      expect(n, name).toBe(name.endsWith('project') ? 4 : PER_SERVICE_CHECKS.length);
    expect(parsed.testcases).toBe(4 + SERVICES * PER_SERVICE_CHECKS.length);
    expect(file).not.toMatch(/<failure/);
  }, 180_000);

  it('is pending after a .env edit: exit 10 with --detailed-exitcode, 0 without', async () => {
    const original = await readFile(join(dir, TE_ENV), 'utf8');
    expect(original).toMatch(/^MAX_POSITION_SIZE_USD=250000$/m);
    await writeFile(
      join(dir, TE_ENV),
      original.replace(/^MAX_POSITION_SIZE_USD=250000$/m, 'MAX_POSITION_SIZE_USD=260000'),
    );
    try {
      const detailed = await cli('validate', '--detailed-exitcode');
      expect(detailed.code, detailed.stdout).toBe(10);
      expect(detailed.stdout).toMatch(
        new RegExp(
          `pending ${TE_ENV.replaceAll('.', '\\.')}:31: plans/trading-engine\\.production\\.plan\\.yaml is behind its sources`,
        ),
      );
      expect(detailed.stdout).toMatch(/MISMATCH/);
      const plain = await cli('validate', '--json');
      expect(plain.code).toBe(0);
      expect(json(plain).outcome).toBe('pending');
    } finally {
      await writeFile(join(dir, TE_ENV), original);
    }
  }, 180_000);

  it('exits 1 with a plaintext credential in the compose file; the SARIF names file and line, never the value', async () => {
    const original = await readFile(join(dir, COMPOSE), 'utf8');
    const marker = `sk_live_${randomBytes(12).toString('hex')}MARK`;
    const anchor = '      RISK_SERVICE_URL: http://risk-management:8006\n';
    expect(original).toContain(anchor);
    const edited = original.replace(anchor, `${anchor}      STRIPE_SECRET_KEY: ${marker}\n`);
    const line = edited.split('\n').findIndex((l) => l.includes(marker)) + 1;
    await writeFile(join(dir, COMPOSE), edited);
    const before = runs.length;
    try {
      const sarif = await cli('validate', '--format', 'sarif', '-o', 'cfgmig.sarif', '--detailed-exitcode');
      expect(sarif.code).toBe(1);
      const log = JSON.parse(await readFile(join(dir, 'cfgmig.sarif'), 'utf8')) as {
        version: string;
        runs: {
          results: {
            ruleId: string;
            level: string;
            message: { text: string };
            locations: {
              physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
            }[];
          }[];
        }[];
      };
      expect(log.version).toBe('2.1.0');
      const hit = log.runs[0]!.results.find((r) => r.ruleId === 'plaintext-credential');
      expect(hit).toBeDefined();
      expect(hit!.level).toBe('error');
      expect(hit!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(COMPOSE);
      expect(hit!.locations[0]!.physicalLocation.region.startLine).toBe(line);
      expect(hit!.message.text).toMatch(/STRIPE_SECRET_KEY/);
      await cli('validate');
      await cli('validate', '--json');
      await cli('validate', '--format', 'junit');
      const sarifFile = await readFile(join(dir, 'cfgmig.sarif'), 'utf8');
      for (const r of [...runs.slice(before)]) {
        expect(r.code).toBe(1);
        expect(r.stdout + r.stderr).not.toContain(marker);
        expect(r.stdout + r.stderr).not.toContain(marker.slice(8, 24));
      }
      expect(sarifFile).not.toContain(marker);
    } finally {
      await writeFile(join(dir, COMPOSE), original);
    }
  }, 180_000);

  it('exits 1 with a value MISMATCH when the store was changed outside the plans', async () => {
    const db = await openStore(dir, env);
    try {
      const current = (await readVersion(db, 'trading-engine', 'production'))!;
      const data = structuredClone(current.data) as { risk: { hardStops: { maxPositionSizeUsd: Json } } };
      data.risk.hardStops.maxPositionSizeUsd = 1;
      await writeVersion(db, {
        service: 'trading-engine',
        environment: 'production',
        expectedVersion: current.version,
        data: data as unknown as Json,
        author: 'test',
        reason: 'an edit outside the plans',
      });
    } finally {
      await db.close();
    }
    const r = await cli('validate', '--json', '--detailed-exitcode');
    expect(r.code, r.stdout).toBe(1);
    const report = json(r);
    const te = report.values.find((v) => v.service === 'trading-engine')!;
    expect(te).toMatchObject({ mismatches: 1, errors: 0 });
    expect(report.problems.filter((p) => p.check === 'values')).toEqual([
      expect.objectContaining({
        severity: 'error',
        rule: 'value-mismatch',
        file: TE_ENV,
        line: 31,
        message: 'risk.hardStops.maxPositionSizeUsd: MISMATCH (setting: values differ)',
      }),
    ]);
  }, 180_000);

  it('--no-store skips the store checks', async () => {
    const r = await cli('validate', '--json', '--no-store');
    expect(r.code).toBe(0);
    const report = json(r);
    const storeChecks = report.checks.filter((c) => c.check === 'values' || c.check === 'reversible');
    expect(storeChecks).toHaveLength(2 * SERVICES);
    expect(storeChecks.every((c) => c.status === 'skipped' && c.note === '--no-store')).toBe(true);
    expect(report.values).toEqual([]);
  }, 180_000);

  it('in a git repository, reports a committed .env with a secret but not an untracked one', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, { cwd: dir, env: { ...env, GIT_CONFIG_GLOBAL: '/dev/null' } });
    git('init', '-q');
    const token = `ghp_${randomBytes(18).toString('hex').slice(0, 36)}`;
    await mkdir(join(dir, 'tools'), { recursive: true });
    await writeFile(join(dir, 'tools/.env'), `GITHUB_TOKEN=${token}\n`);
    // With the whole sample tracked, as in this repository: its dead secrets (values another
    // source overrides) are warnings to remove and rotate, not a gap in the migration.
    git('add', 'fixtures');
    const sample = await cli('validate', '--json', '--no-store');
    expect(sample.code, sample.stdout).not.toBe(1);
    expect(
      json(sample).problems.filter((p) => p.rule === 'plaintext-credential-dead').length,
    ).toBeGreaterThan(0);
    const untracked = await cli('validate', '--json', '--no-store');
    expect(untracked.code, untracked.stdout).not.toBe(1);
    expect(json(untracked).problems.some((p) => p.file === 'tools/.env')).toBe(false);

    git('add', 'tools/.env');
    const tracked = await cli('validate', '--json', '--no-store');
    expect(tracked.code).toBe(1);
    const p = json(tracked).problems.find((x) => x.file === 'tools/.env');
    expect(p).toMatchObject({ check: 'plaintext', severity: 'error', rule: 'plaintext-credential', line: 1 });
    expect(tracked.stdout).not.toContain(token);
  }, 180_000);
});
