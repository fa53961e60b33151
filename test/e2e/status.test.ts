/**
 * `cfgmig status` beyond the table: pending plans (a plan made against the current version and
 * not applied yet), the lease of a canary whose runner was killed mid-bake, writer locks held
 * (PostgreSQL: the advisory lock, not a row a crashed holder left), and `--watch` off a
 * terminal: a snapshot every interval after a blank line, until Ctrl-C ends it with exit 0.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, runCli } from '../support/cli.js';
import { copyDemoService, DEMO_SERVICE, setComposeValue } from '../support/demo-service.js';
import { storeBackends, useStores } from '../support/stores.js';

describe('cfgmig status: plans, leases, --watch', () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  const env = cleanEnv({ CFGMIG_MASTER_KEY: randomBytes(32).toString('base64') });
  const cli = (...args: string[]) => runCli([...args, '--project', project.dir], { env });

  beforeAll(async () => {
    project = await copyDemoService();
    expect((await cli('apply', '--service', DEMO_SERVICE, '--yes')).code).toBe(0);
  }, 60_000);
  afterAll(() => project?.cleanup());

  it('shows a plan made against the current version as pending, and an applied one not', async () => {
    const none = JSON.parse((await cli('status', '--json')).stdout).services[0];
    expect(none.pendingPlans).toBeUndefined();

    await setComposeValue(project.dir, 'GREETING', 'bonjour');
    expect((await cli('plan', '--service', DEMO_SERVICE)).code).toBe(0);
    const row = JSON.parse((await cli('status', '--json')).stdout).services[0];
    expect(row.pendingPlans).toEqual([
      {
        file: 'plans/demo-service.production.plan.yaml',
        baseVersion: 1,
        summary: { set: 1, 'set-credential': 0, unchanged: 3, remove: 0 },
      },
    ]);
    const human = (await cli('status')).stdout;
    expect(human).toMatch(
      /^demo-service\s+production\s+v1\s+legacy_only 0%\s+applied demo-service\.production\./m,
    );
    expect(human).toContain(
      'demo-service/production: pending plan plans/demo-service.production.plan.yaml (1 set, against v1): cfgmig apply plans/demo-service.production.plan.yaml',
    );
  });

  it('shows the lease of a canary whose runner died mid-bake', async () => {
    const child = spawn(
      process.execPath,
      [
        BIN,
        'canary',
        '--service',
        DEMO_SERVICE,
        '--steps',
        '50,100',
        '--bake',
        '60s',
        '--lease',
        '60s',
        '--yes',
        '--project',
        project.dir,
      ],
      { env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    await new Promise<void>((done, fail) => {
      child.once('exit', (code) => fail(new Error(`canary exited ${String(code)} before baking`)));
      createInterface({ input: child.stderr! }).on('line', (line) => {
        if (/baking/.test(line)) done();
      });
    });
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const row = JSON.parse((await cli('status', '--json')).stdout).services[0];
    expect(row.leases).toEqual([
      { runId: row.canary.runId, owner: expect.any(String), expiresAt: expect.any(String), expired: false },
    ]);
    expect((await cli('status')).stdout).toMatch(
      new RegExp(`^demo-service/production: canary run ${row.canary.runId} leased by .+ until \\d{4}-`, 'm'),
    );
  }, 60_000);

  it('--watch prints a snapshot every interval after a blank line; SIGINT ends it with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'status', '--watch', '200ms', '--project', project.dir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`no two snapshots: ${out} ${stderr}`)), 30_000);
      child.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n\nSERVICE').length >= 3) {
          clearTimeout(timer);
          child.kill('SIGINT');
        }
      });
      child.once('exit', (c) => {
        clearTimeout(timer);
        done(c);
      });
    });
    expect(code, stderr).toBe(0);
    const snapshots = out.split(/\n\n(?=SERVICE)/);
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    for (const s of snapshots) expect(s).toMatch(/^SERVICE\s+ENV\s+VERSION/);
    expect(out).not.toContain('\x1b[');
  }, 60_000);

  it('rejects a bad --watch interval with exit 2', async () => {
    expect((await cli('status', '--watch', 'soon')).code).toBe(2);
  });
});

const pgUp = (await storeBackends()).find((b) => b.name === 'postgres')!.available;

describe.skipIf(!pgUp)('cfgmig status: writer locks [postgres]', () => {
  const fresh = useStores('postgres');

  it('shows a writer lock while its advisory lock is held, not a row a crashed holder left', async () => {
    const store = await fresh();
    const status = async () =>
      JSON.parse(
        (await runCli(['status', '--json', '--project', store.root], { env: cleanEnv(store.env) })).stdout,
      ).services;
    expect(await status()).toEqual([]); // creates the schema
    const client = new pg.Client({ connectionString: store.url });
    await client.connect();
    try {
      await client.query("SELECT pg_advisory_lock(hashtext('api'), hashtext('production'))");
      await client.query(
        "INSERT INTO writer_locks (service, environment, holder, since) VALUES ('api', 'production', 'tester@ci (pid 1)', now())",
      );
      const [row] = await status();
      expect(row).toMatchObject({
        service: 'api',
        environment: 'production',
        locks: [{ holder: 'tester@ci (pid 1)', since: expect.any(String) }],
      });
      const human = (await runCli(['status', '--project', store.root], { env: cleanEnv(store.env) })).stdout;
      expect(human).toMatch(/^api\/production: locked by tester@ci \(pid 1\) since \d{4}-/m);

      await client.query("SELECT pg_advisory_unlock(hashtext('api'), hashtext('production'))");
      expect(await status()).toEqual([]);
    } finally {
      await client.end();
    }
  }, 60_000);
});
