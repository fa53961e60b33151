/**
 * What `plan` and `apply` refuse, through the built CLI on a small project: a configuration
 * that breaks its service's JSON Schema (plan exit 1 with the key named, apply exit 1 and
 * nothing written), a rule that fails (exit 2, no plan written), bad usage (exit 2), and a
 * dry run that writes nothing.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readVersion } from '../../src/adapters/store/configs.js';
import { readCredentials } from '../../src/adapters/store/credentials.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { openStore } from '../../src/adapters/store/open.js';
import { cleanEnv, runCli } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const KEY = Buffer.alloc(32, 7).toString('base64');
const env = cleanEnv({ CFGMIG_MASTER_KEY: KEY });

async function project(maxPosition: string) {
  return makeProject({
    'docker-compose.yml': `services:\n  te:\n    image: te\n    environment:\n      MAX_POSITION: "${maxPosition}"\n      SERVICE_PORT: "8007"\n`,
    'rules/te.yaml': [
      'name: te',
      'appliesTo: [te]',
      'map:',
      '  - from: MAX_POSITION',
      '    to: risk.maxPositionSize',
      '    type: number',
      '  - from: SERVICE_PORT',
      '    to: service.port',
      '    type: integer',
      '',
    ].join('\n'),
    'schema/services/te.json': JSON.stringify({
      type: 'object',
      properties: {
        risk: { type: 'object', properties: { maxPositionSize: { type: 'number', exclusiveMinimum: 0 } } },
      },
    }),
  });
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('plan and apply refuse what they must', () => {
  it('a configuration that breaks its schema: plan exit 1 naming the key, apply exit 1 writing nothing', async () => {
    const p = await project('-5');
    cleanups.push(p.cleanup);
    const plan = await runCli(['plan', '--service', 'te', '--project', p.dir], { env });
    expect(plan.code).toBe(1);
    expect(plan.stdout).toContain('! schema/services/te.json: risk.maxPositionSize must be > 0');
    const apply = await runCli(
      ['apply', '--yes', join(p.dir, 'plans/te.production.plan.yaml'), '--project', p.dir],
      { env },
    );
    expect(apply.code).toBe(1);
    expect(apply.stderr).toMatch(/does not satisfy schema\/services\/te\.json; nothing was written/);
    const db = await openStore(p.dir, {});
    try {
      expect(await readVersion(db, 'te', 'production')).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('a value a rule cannot convert: exit 2 and no plan written', async () => {
    const p = await project('lots');
    cleanups.push(p.cleanup);
    const plan = await runCli(['plan', '--service', 'te', '--project', p.dir], { env });
    expect(plan.code).toBe(2);
    expect(plan.stderr).toMatch(/no plan written: 1 problem/);
    expect(plan.stderr).toContain('MAX_POSITION');
    // The rule's file and line, said once.
    expect(plan.stderr).toMatch(/^ {2}te: rules\/[\w.-]+\.yaml:\d+: rule /m);
    expect(existsSync(join(p.dir, 'plans'))).toBe(false);
  });

  it('one stale plan among several stops them all: nothing is written for any', async () => {
    const p = await makeProject({
      'docker-compose.yml':
        'services:\n  a:\n    image: a\n    environment:\n      SERVICE_PORT: "1"\n  b:\n    image: b\n    environment:\n      SERVICE_PORT: "2"\n',
      'rules/net.yaml':
        'name: net\nappliesTo: ["*"]\nmap:\n  - from: SERVICE_PORT\n    to: service.port\n    type: integer\n',
    });
    cleanups.push(p.cleanup);
    expect((await runCli(['plan', '--all', '--project', p.dir], { env })).code).toBe(0);
    const compose = join(p.dir, 'docker-compose.yml');
    await writeFile(compose, (await readFile(compose, 'utf8')).replace('"2"', '"3"'));
    const plans = ['a', 'b'].map((s) => join(p.dir, `plans/${s}.production.plan.yaml`));
    const res = await runCli(['apply', '--yes', ...plans, '--project', p.dir], { env });
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('service.port: planned 2, now 3');
    const db = await openStore(p.dir, {});
    try {
      expect(await readVersion(db, 'a', 'production')).toBeNull();
      expect(await readVersion(db, 'b', 'production')).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('stores each credential from its own place when two config files use the same name', async () => {
    const p = await makeProject({
      'docker-compose.yml': 'services:\n  s:\n    image: s\n',
      'services/s/config/a.yaml': 'password: first-secret-value-1\n',
      'services/s/config/b.yaml': 'password: second-secret-value-2\n',
      'rules/db.yaml':
        "name: db\nappliesTo: ['*']\nmap:\n  - match: '^password$'\n    to: 'db.{file}.password'\n    as: credential\n",
    });
    cleanups.push(p.cleanup);
    const res = await runCli(['apply', '--service', 's', '--yes', '--project', p.dir], { env });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).not.toContain('secret-value');
    const db = await openStore(p.dir, {});
    try {
      const got = await readCredentials(
        db,
        keyring(Buffer.from(KEY, 'base64')),
        { service: 's', environment: 'production' },
        't',
      );
      expect(Object.fromEntries(got.map((c) => [c.key, c.value]))).toEqual({
        'db.a.password': 'first-secret-value-1',
        'db.b.password': 'second-secret-value-2',
      });
    } finally {
      await db.close();
    }
  });

  it('bad usage, and a dry run that writes nothing', async () => {
    const p = await project('100');
    cleanups.push(p.cleanup);
    const none = await runCli(['plan', '--project', p.dir], { env });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--service <id> (repeatable) or --all');
    const both = await runCli(['plan', '--all', '--service', 'te', '--project', p.dir], { env });
    expect(both.code).toBe(2);
    const unknownEnv = await runCli(['plan', '--all', '--env', 'moon', '--project', p.dir], { env });
    expect(unknownEnv.code).toBe(2);
    expect(unknownEnv.stderr).toContain('unknown environment moon');

    const dry = await runCli(['apply', '--service', 'te', '--dry-run', '--project', p.dir], { env });
    expect(dry.stderr).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('te/production: would write version 1 (dry run, nothing written)');
    expect(existsSync(join(p.dir, 'plans'))).toBe(false);
    const db = await openStore(p.dir, {});
    try {
      expect(await readVersion(db, 'te', 'production')).toBeNull();
    } finally {
      await db.close();
    }

    // An edited plan is refused: its checksum no longer verifies.
    await runCli(['plan', '--all', '--project', p.dir], { env });
    const file = join(p.dir, 'plans/te.production.plan.yaml');
    await writeFile(file, (await readFile(file, 'utf8')).replace('value: 100', 'value: 1000'));
    const edited = await runCli(['apply', '--yes', file, '--project', p.dir], { env });
    expect(edited.code).toBe(3);
    expect(edited.stderr).toContain('checksum does not verify');
  });
});
