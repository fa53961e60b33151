/**
 * cfgmig/client with the embedded store: no server at all, the snapshot files under
 * `.cfgmig/published/` are the channel. A flag change made by the CLI reaches clients in two
 * other processes through the folder watch; sections, batches and metrics read as documented;
 * the snapshot holds no credential value.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationCompatibleConfig } from '../../src/client/index.js';
import { cleanEnv, runCli, flagsSet } from '../support/cli.js';
import { startProbe, type Probe } from '../support/probe.js';
import { makeProject } from '../support/project.js';

const MARKER = `cfgmigMarker${randomBytes(6).toString('hex')}`;

describe('cfgmig/client on the embedded store (snapshot files)', () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  const probes: Probe[] = [];
  const masterKey = randomBytes(32).toString('base64');
  const env = cleanEnv({ CFGMIG_MASTER_KEY: masterKey });
  const cli = (...args: string[]) => runCli([...args, '--project', project.dir], { env });
  const legacy = { LIMITS_MAX_ORDERS: '10', FEATURES: 'a,b', TIMEOUT: '1s' };
  const options = () => ({
    service: 'orders',
    environment: 'production',
    projectDir: project.dir,
    legacy,
    reconcileIntervalMs: 60_000, // long: only the folder watch can deliver within the test
  });

  beforeAll(async () => {
    project = await makeProject({
      'docker-compose.yml': [
        'services:',
        '  orders:',
        '    image: orders',
        '    environment:',
        '      LIMITS_MAX_ORDERS: "500"',
        '      FEATURES: "a,b,c"',
        '      TIMEOUT: "30s"',
        `      SIGNING_SECRET: "${MARKER}"`,
        '',
      ].join('\n'),
      'rules/orders.yaml': [
        'name: orders',
        "appliesTo: ['*']",
        'map:',
        '  - { from: LIMITS_MAX_ORDERS, to: limits.maxOrders, type: integer }',
        '  - { from: FEATURES, to: limits.features, type: list }',
        '  - { from: TIMEOUT, to: http.timeoutMs, type: duration }',
        '  - { from: SIGNING_SECRET, to: auth.signingSecret, as: credential }',
        '',
      ].join('\n'),
    });
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
  });

  afterAll(async () => {
    for (const p of probes) await p.stop();
    await project?.cleanup();
  });

  it('a flag change made by the CLI reaches clients in two other processes through the files', async () => {
    const started = await Promise.all([startProbe(options()), startProbe(options())]);
    probes.push(...started);
    for (const p of started) {
      expect(p.events[0]).toMatchObject({ health: { status: 'ok', source: 'snapshot' } });
      expect(await p.get('limits.maxOrders')).toBe(10);
    }
    const set = await cli(...flagsSet('orders', 'production', 'new_only', 'all reads on the store'));
    expect(set.code).toBe(0);
    for (const p of started) {
      await p.next(
        (e) => e.event === 'flags' && (e.flags as { default: { mode: string } }).default.mode === 'new_only',
      );
      expect(await p.get('limits.maxOrders')).toBe(500);
      expect(await p.get('http.timeoutMs')).toBe(30_000);
    }
  });

  it('sections, batches, effective values and metrics', async () => {
    const client = await MigrationCompatibleConfig.connect(options());
    try {
      expect(client.flags().default.mode).toBe('new_only');
      expect(await client.getSection('limits')).toEqual({ maxOrders: 500, features: ['a', 'b', 'c'] });
      expect(await client.get('limits')).toEqual({ maxOrders: 500, features: ['a', 'b', 'c'] });
      expect(await client.getBatch(['limits.maxOrders', 'nope'])).toEqual({
        'limits.maxOrders': 500,
        nope: undefined,
      });
      expect(await client.get('nope', 'fallback')).toBe('fallback');
      // A section honours each key's own flag: limits.maxOrders back on legacy alone.
      const moved = await cli(
        ...flagsSet('orders', 'production', 'legacy_only', 'one key back', '--key', 'limits.maxOrders'),
      );
      expect(moved.code).toBe(0);
      await client.refresh();
      expect(await client.get('limits')).toEqual({ maxOrders: 10, features: ['a', 'b', 'c'] });
      const effective = client.effective();
      expect(effective).toMatchObject({ 'limits.maxOrders': 10, 'http.timeoutMs': 30_000 });
      expect(Object.keys(effective)).not.toContain('auth.signingSecret');
      const text = await client.metrics();
      expect(text).toMatch(
        /^cfgmig_config_reads_total\{service="orders",source="new",outcome="ok"\} [1-9]\d*$/m,
      );
      expect(text).toMatch(/^cfgmig_config_flags_version\{service="orders"\} [1-9]\d*$/m);
      expect(text).toContain('cfgmig_config_read_duration_seconds_bucket');
      expect(text).not.toContain(MARKER);
    } finally {
      await client.close();
    }
  });

  it('connect refuses options it cannot work with, naming the option', async () => {
    const base = { service: 'orders', environment: 'production' };
    await expect(MigrationCompatibleConfig.connect(base)).rejects.toThrow(/at least one of `redis`, `store`/);
    await expect(MigrationCompatibleConfig.connect({ ...base, store: 'mysql://x' })).rejects.toThrow(
      /`store` must be/,
    );
    await expect(
      MigrationCompatibleConfig.connect({ ...base, projectDir: project.dir, masterKey: 'short' }),
    ).rejects.toThrow(/masterKey must be 32 bytes/);
  });

  it('the snapshot holds the credential only encrypted', async () => {
    const text = await readFile(join(project.dir, '.cfgmig/published/production/orders.json'), 'utf8');
    expect(text).not.toContain(MARKER);
    expect(Object.keys(JSON.parse(text).credentials)).toHaveLength(1);
  });
});

describe('after a master key rotation', () => {
  it('publications carry the credentials under the new key, which the client reads them with', async () => {
    const key = randomBytes(32).toString('base64');
    const next = randomBytes(32).toString('base64');
    const p = await makeProject({
      'docker-compose.yml': `services:\n  orders:\n    image: orders\n    environment:\n      SIGNING_SECRET: "${MARKER}"\n`,
      'rules/orders.yaml':
        "name: orders\nappliesTo: ['*']\nmap:\n  - { from: SIGNING_SECRET, to: auth.signingSecret, as: credential }\n",
    });
    try {
      const run = (extra: Record<string, string>, ...args: string[]) =>
        runCli([...args, '--project', p.dir], { env: cleanEnv({ CFGMIG_MASTER_KEY: key, ...extra }) });
      expect((await run({}, 'apply', '--all', '--yes')).code).toBe(0);
      expect((await run({}, ...flagsSet('orders', 'production', 'new_only', 'r'))).code).toBe(0);
      const rotated = await run({ CFGMIG_NEW_MASTER_KEY: next }, 'keys', 'rotate');
      expect(rotated.code).toBe(0);
      expect(rotated.stdout).toContain('published 1 service environments again');
      const client = await MigrationCompatibleConfig.connect({
        service: 'orders',
        environment: 'production',
        projectDir: p.dir,
        masterKey: next,
      });
      try {
        expect(await client.get('auth.signingSecret')).toBe(MARKER);
      } finally {
        await client.close();
      }
    } finally {
      await p.cleanup();
    }
  });
});
