/**
 * `cfgmig canary` end to end on the real PostgreSQL and Redis servers, with three instances
 * of fixtures/services/demo-service taking traffic and following the flags through Redis:
 *
 * - a healthy plan's canary completes, and the instances serve every read from the store;
 * - a plan with a bad value (an upstream URL that makes requests fail) fails the 5xx gate at
 *   its first step and is rolled back by itself: the instances are on their legacy values
 *   again (the time from the failing measurement until the last of them is, is printed), the
 *   store history is intact, and `cfgmig status` shows the evidence;
 * - a second runner is refused (exit 3); a runner killed mid-bake is resumed with --resume
 *   and completes.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, cleanEnv, runCli } from '../support/cli.js';
import {
  composeEnv,
  copyDemoService,
  DEMO_SERVICE,
  setComposeValue,
  startDemo,
  startTraffic,
  until,
  writeDemoGates,
  type DemoInstance,
} from '../support/demo-service.js';
import { dropPrefix, freshPrefix, REDIS_URL, redisAvailable } from '../support/redis.js';
import { storeBackends, useStores, type FreshStore } from '../support/stores.js';

const MASTER_KEY = randomBytes(32).toString('base64');
const redisUp = await redisAvailable();
const pgUp = (await storeBackends()).find((b) => b.name === 'postgres')!.available;
const FAST = ['--interval', '250ms', '--yes'];

describe.skipIf(!redisUp || !pgUp)('cfgmig canary with three demo-service instances', () => {
  const fresh = useStores('postgres');
  const prefix = freshPrefix();
  let store: FreshStore;
  let project: { dir: string; cleanup: () => Promise<void> };
  let env: Record<string, string>;
  let legacy: Record<string, string>;
  const instances: DemoInstance[] = [];
  let traffic: { stop(): Promise<void> } | null = null;
  /** Everything the CLI printed, to look for the service's token in. */
  const printed: string[] = [];
  const cli = async (...args: string[]) => {
    const r = await runCli([...args, '--project', project.dir], { env });
    printed.push(r.stdout, r.stderr);
    return r;
  };
  const mode = async (i: DemoInstance) =>
    ((await i.get('/config')).json().flags as { default: { mode: string; percentBp: number } }).default;

  beforeAll(async () => {
    store = await fresh();
    project = await copyDemoService();
    legacy = await composeEnv(project.dir);
    env = cleanEnv({
      ...store.env,
      CFGMIG_MASTER_KEY: MASTER_KEY,
      CFGMIG_REDIS_URL: REDIS_URL,
      CFGMIG_REDIS_PREFIX: prefix,
    });
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    for (let i = 0; i < 3; i++) {
      instances.push(
        await startDemo(project.dir, legacy, {
          CFGMIG_REDIS_URL: REDIS_URL,
          CFGMIG_REDIS_PREFIX: prefix,
          CFGMIG_STORE_URL: store.url!,
          CFGMIG_INSTANCE_ID: `demo-${i}`,
          CFGMIG_STICKINESS: 'read',
          CFGMIG_MASTER_KEY: MASTER_KEY,
        }),
      );
    }
    await writeDemoGates(project.dir, instances);
    traffic = startTraffic(instances);
  });

  afterAll(async () => {
    await traffic?.stop();
    for (const i of instances) await i.stop().catch(() => undefined);
    await dropPrefix(prefix);
    await project?.cleanup();
  });

  it('a healthy plan completes, and every read is served by the store', async () => {
    const r = await cli(
      'canary',
      '--service',
      DEMO_SERVICE,
      '--steps',
      '10,50,100',
      '--bake',
      '1s',
      ...FAST,
      '--json',
    );
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({
      outcome: 'completed',
      steps: [{ result: 'passed' }, { result: 'passed' }, { result: 'passed' }],
    });
    expect(run.measurements.length).toBeGreaterThan(0);
    for (const i of instances) {
      await until('100% on the instance', async () => (await mode(i)).percentBp === 10_000);
      const before = readCounts((await i.get('/metrics')).text);
      for (let n = 0; n < 20; n++) expect((await i.get('/')).status).toBe(200);
      const after = readCounts((await i.get('/metrics')).text);
      expect(after.newOk - before.newOk).toBeGreaterThanOrEqual(40); // two keys a request
      expect(after.legacy - before.legacy).toBe(0);
    }
    expect((await cli('status', '--json')).stdout).toContain('"state": "completed"');
  });

  it('a bad value fails a gate, rolls back by itself, and the instances are back on legacy values', async () => {
    await setComposeValue(project.dir, 'UPSTREAM_URL', 'ftp://bad');
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.code, applied.stderr).toBe(0);
    // A new migration starts on legacy_only: wait until the instances know it.
    for (const i of instances)
      await until('legacy_only after apply', async () => (await mode(i)).mode === 'legacy_only');

    const watch = watchBackToLegacy(instances);
    const r = await cli(
      'canary',
      '--service',
      DEMO_SERVICE,
      '--steps',
      '10,50,100',
      '--bake',
      '3s',
      ...FAST,
      '--json',
    );
    expect(r.code, r.stderr).toBe(1);
    const run = JSON.parse(r.stdout);
    expect(run).toMatchObject({ outcome: 'rolled_back', decidedBy: { step: 0 } });
    expect(run.decidedBy.why).toMatch(/^errors: /);
    expect(run.rollback.steps.map((s: { action: string; ok: boolean }) => [s.action, s.ok])).toEqual([
      ['switch-to-legacy', true],
      ['revert-config', true],
      ['clear-caches', true],
    ]);
    const back = await watch.done();
    const failedAt = Date.parse(run.decidedBy.measurement.at);
    const ms = Math.max(...back) - failedAt;
    console.log(
      `canary e2e: from the failing measurement to all ${instances.length} instances on legacy values: ${ms} ms (target < 1000 ms); the runner published legacy ${run.legacyPublishedAfterMs} ms after it`,
    );
    for (const i of instances) {
      const config = (await i.get('/config')).json();
      expect(config).toMatchObject({
        config: { 'upstream.url': legacy.UPSTREAM_URL },
        flags: { default: { mode: 'legacy_only' } },
      });
      expect((await i.get('/')).status).toBe(200);
    }

    // Rolled back as a new version: v3 holds v1's data, v2 (the bad one) is still in the history.
    const history = JSON.parse(
      (await cli('history', '--service', DEMO_SERVICE, '--env', 'production', '--json')).stdout,
    );
    const versions = history.environments[0].versions as { version: number; checksum: string }[];
    expect(versions.map((v) => v.version).sort()).toEqual([1, 2, 3]);
    const byVersion = new Map(versions.map((v) => [v.version, v.checksum]));
    expect(byVersion.get(3)).toBe(byVersion.get(1));
    const status = JSON.parse((await cli('status', '--json')).stdout).services[0];
    expect(status.canary).toMatchObject({
      state: 'rolled_back',
      step: 1,
      outcome: { result: 'rolled_back' },
    });
    expect(
      status.canary.evidence.some(
        (g: { gate: string; verdict: string }) => g.gate === 'errors' && g.verdict === 'fail',
      ),
    ).toBe(true);
    const human = (await cli('status')).stdout;
    expect(human).toMatch(/canary run \d+ rolled_back at step 1 \(10%\): errors: /);
  });

  it('a second runner is refused; a runner killed mid-bake is resumed and completes', async () => {
    await setComposeValue(project.dir, 'UPSTREAM_URL', legacy.UPSTREAM_URL!);
    await setComposeValue(project.dir, 'GREETING', 'hello again');
    expect((await cli('apply', '--all', '--yes')).code).toBe(0);

    const args = [
      BIN,
      'canary',
      '--service',
      DEMO_SERVICE,
      '--steps',
      '50,100',
      '--bake',
      '4s',
      ...FAST,
      '--lease',
      '2s',
      '--project',
      project.dir,
    ];
    const first = spawn(process.execPath, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    first.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    await until('the first runner baking step 1', async () => {
      if (first.exitCode !== null) throw new Error(`the runner exited ${first.exitCode}: ${log}`);
      return log.includes('step 1/2');
    });

    const second = await cli('canary', '--service', DEMO_SERVICE, ...FAST);
    expect(second.code).toBe(3);
    expect(second.stderr).toMatch(/is being driven by/);

    const killed = new Promise((r) => first.once('exit', r));
    first.kill('SIGKILL');
    await killed;
    printed.push(log);
    // The dead runner's lease expires (2 s); until then a resume is refused like any second runner.
    const resumed = (await until('a resume after the lease expired', async () => {
      const r = await cli('canary', '--service', DEMO_SERVICE, '--resume', ...FAST, '--json');
      return r.code === 3 ? null : r;
    }))!;
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ outcome: 'completed' });
    expect(resumed.stderr).toMatch(/resumed at step 1/);
    for (const i of instances)
      await until('100% after the resume', async () => (await mode(i)).percentBp === 10_000);
  });

  it("prints demo-service's credential nowhere: runs, measurements, rollbacks, status", async () => {
    const token = legacy.API_TOKEN!;
    expect(token.length).toBeGreaterThan(20);
    printed.push((await cli('status', '--json')).stdout, (await cli('status')).stdout);
    for (const text of printed) expect(text).not.toContain(token);
  });
});

/** When each instance, having left legacy_only, is back on it (polled every 10 ms). */
function watchBackToLegacy(instances: DemoInstance[]): { done(): Promise<number[]> } {
  const seen = instances.map(async (i) => {
    let left = false;
    for (;;) {
      const flag = ((await i.get('/config')).json().flags as { default: { mode: string } }).default.mode;
      if (flag !== 'legacy_only') left = true;
      else if (left) return Date.now();
      await new Promise((r) => setTimeout(r, 10));
    }
  });
  return { done: () => Promise.all(seen) };
}

function readCounts(text: string): { newOk: number; legacy: number } {
  const n = (source: string, outcome: string) =>
    Number(
      new RegExp(
        `^cfgmig_config_reads_total\\{service="demo-service",source="${source}",outcome="${outcome}"\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { newOk: n('new', 'ok'), legacy: n('legacy', 'ok') + n('legacy', 'fallback') };
}
