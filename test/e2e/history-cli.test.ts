/** `cfgmig history` through the built CLI, on an embedded store written by the store API. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeVersion } from '../../src/adapters/store/configs.js';
import { openStore } from '../../src/adapters/store/open.js';
import { cleanEnv, runCli } from '../support/cli.js';

describe('cfgmig history', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'cfgmig-history-'));
    const db = await openStore(root, {});
    try {
      const base = { service: 'api', author: 'alice', reason: 'initial' };
      await writeVersion(db, { ...base, environment: 'production', expectedVersion: 0, data: { a: 1 } });
      await writeVersion(db, {
        ...base,
        environment: 'production',
        expectedVersion: 1,
        data: { a: 2, password: 'MARKER-history' },
        author: 'bob',
        reason: 'raise a',
      });
      await writeVersion(db, { ...base, environment: 'staging', expectedVersion: 0, data: { a: 0 } });
    } finally {
      await db.close();
    }
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  const cli = (...args: string[]) => runCli(['history', '--project', root, ...args], { env: cleanEnv() });

  it('lists every environment, oldest version first, without values', async () => {
    const r = await cli('--service', 'api');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^api\/production\n {2}v1 {2}\S+Z {2}alice {2}[0-9a-f]{12} {2}initial\n {2}v2 {2}\S+Z {2}bob {2}[0-9a-f]{12} {2}raise a\n\napi\/staging\n {2}v1 .*\n$/,
    );
    expect(r.stdout + r.stderr).not.toContain('MARKER');
  });

  it('filters by --env and prints JSON', async () => {
    const r = await cli('--service', 'api', '--env', 'production', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      formatVersion: number;
      environments: { environment: string; versions: { version: number; checksum: string }[] }[];
    };
    expect(out.formatVersion).toBe(1);
    expect(out.environments.map((e) => e.environment)).toEqual(['production']);
    expect(out.environments[0]!.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(out.environments[0]!.versions[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stdout).not.toContain('MARKER');
  });

  it('says so when there are no versions, and requires --service', async () => {
    expect(await cli('--service', 'nothing')).toMatchObject({
      code: 0,
      stdout: 'no configuration versions of nothing\n',
    });
    expect((await cli()).code).toBe(2);
  });
});
