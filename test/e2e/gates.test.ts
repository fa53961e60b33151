/**
 * The real gate probes (adapters/canary/probes.ts) against two running demo-service instances
 * (fixtures/services/demo-service on the embedded store; needs `npm run build`) and a real
 * Prometheus server (/usr/bin/prometheus, Debian's package) scraping them every second:
 *
 * - http: /health passes on both; a 404 path fails; a closed port fails (refused is a failure);
 * - metrics: the 4xx share over a window passes with only 200s and fails after traffic to a
 *   route that 404s; the latency baseline is measured and restored;
 * - config-reads: no data while the flag is legacy_only, store reads after `flags set new_only`;
 * - command: CFGMIG_* in its environment, the project root as cwd, exit codes, a timeout;
 * - prometheus: a query with `min: 1` passes after traffic, an impossible bound fails, a query
 *   without result is no-data, a bad query fails with its error type, an unreachable server is
 *   no-data.
 *
 * Without /usr/bin/prometheus the Prometheus part is skipped with a warning locally and fails
 * under CI=true. Waits poll with a deadline; nothing here is a timing assertion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeProbe, type GateProbe } from '../../src/adapters/canary/probes.js';
import type { GateContext, Measurement } from '../../src/core/canary/gate-model.js';
import { parseGates } from '../../src/core/canary/gate-parse.js';
import { cleanEnv, runCli, flagsSet } from '../support/cli.js';
import {
  composeEnv,
  copyDemoService,
  DEMO_SERVICE as SERVICE,
  startDemo,
  until as untilWithin,
  type DemoInstance,
} from '../support/demo-service.js';

const MASTER_KEY = randomBytes(32).toString('base64');
const PROMETHEUS = '/usr/bin/prometheus';
const HAVE_PROMETHEUS = existsSync(PROMETHEUS);
const IN_CI = process.env.CI === 'true';

if (!HAVE_PROMETHEUS && !IN_CI)
  console.warn(
    `gates e2e: ${PROMETHEUS} not found; the prometheus gate tests are SKIPPED (mandatory under CI=true)`,
  );

/** Polls `fn` every 100 ms until it returns something truthy; fails with the last value after `ms`. */
const until = <T>(what: string, fn: () => Promise<T>, ms = 30_000): Promise<T> =>
  untilWithin(what, fn, ms, 100);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function stop(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

const gate = (raw: Record<string, unknown>): GateProbe =>
  makeProbe(parseGates([raw], { intervalMs: 1000 }, 'gates')[0]!, cleanEnv());

describe('gate probes against demo-service and Prometheus', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => undefined;
  let env: Record<string, string> = {};
  const servers: DemoInstance[] = [];
  let prometheus: ChildProcess | null = null;
  let promStderr = '';
  let promUrl = '';
  let closedPort = 0;

  const base = (i: number) => `http://127.0.0.1:${servers[i]!.port}`;
  const metricsUrls = () => servers.map((_, i) => `${base(i)}/metrics`);
  const ctx = (over: Partial<GateContext> = {}): GateContext => ({
    service: SERVICE,
    environment: 'production',
    step: 1,
    percentBp: 1000,
    projectRoot: dir,
    ...over,
  });
  const cli = (...args: string[]) => runCli([...args, '--project', dir], { env });
  /** `n` GETs of `path` on every instance. */
  const traffic = async (path: string, n: number): Promise<void> => {
    for (let k = 0; k < n; k++)
      await Promise.all(servers.map(async (_, i) => (await fetch(`${base(i)}${path}`)).arrayBuffer()));
  };

  async function startServer(name: string): Promise<void> {
    servers.push(
      await startDemo(dir, await composeEnv(dir), {
        CFGMIG_PROJECT_DIR: dir,
        CFGMIG_RECONCILE_MS: '200',
        CFGMIG_MASTER_KEY: MASTER_KEY,
        CFGMIG_INSTANCE_ID: name,
      }),
    );
  }

  beforeAll(async () => {
    ({ dir, cleanup } = await copyDemoService());
    env = cleanEnv({ CFGMIG_MASTER_KEY: MASTER_KEY });
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    await startServer('gates-a');
    await startServer('gates-b');
    closedPort = await freePort();
  });

  afterAll(async () => {
    await stop(prometheus);
    await Promise.all(servers.map((s) => stop(s.child)));
    await cleanup();
  });

  describe('http', () => {
    it('passes on /health of both instances', async () => {
      const probe = gate({
        type: 'http',
        urls: servers.map((_, i) => `${base(i)}/health`),
        json: { path: 'status', equals: 'ok' },
      });
      const m = await probe.measure(ctx());
      expect(m, m.reason).toMatchObject({ gate: 'http', type: 'http', verdict: 'pass' });
      expect(m.inputs).toMatchObject({ results: [{ status: 200 }, { status: 200 }] });
    });

    it('fails on a path that 404s', async () => {
      const m = await gate({ type: 'http', url: `${base(0)}/nope` }).measure(ctx());
      expect(m).toMatchObject({ verdict: 'fail', reason: expect.stringContaining('status 404 not 2xx') });
      const accepted = await gate({ type: 'http', url: `${base(0)}/nope`, status: 404 }).measure(ctx());
      expect(accepted.verdict).toBe('pass');
    });

    it('fails on a closed port (refused is a failed request, not missing data)', async () => {
      const m = await gate({
        type: 'http',
        urls: [`${base(0)}/health`, `http://127.0.0.1:${closedPort}/health`],
      }).measure(ctx());
      expect(m).toMatchObject({ verdict: 'fail', reason: expect.stringContaining(': refused') });
    });

    it('a JSON field that differs fails without showing the body', async () => {
      const m = await gate({
        type: 'http',
        url: `${base(0)}/health`,
        json: { path: 'status', equals: 'down' },
      }).measure(ctx());
      expect(m.verdict).toBe('fail');
      expect(m.reason).not.toContain('"ok"');
    });
  });

  describe('metrics', () => {
    const ratio = {
      numerator: 'demo_http_requests_total{status=~"4.."}',
      denominator: 'demo_http_requests_total',
      max: 0.1,
    };

    it('the 4xx share passes with only 200s and fails after 404s', async () => {
      const probe = gate({ type: 'metrics', urls: metricsUrls(), ratio });
      await probe.startWindow(ctx());
      await traffic('/', 10);
      const good = await probe.measure(ctx());
      expect(good, good.reason).toMatchObject({ verdict: 'pass', value: 0 });
      expect(good.inputs).toMatchObject({ urlsUsed: 2, ratio: { numeratorIncrease: 0 } });
      expect(
        (good.inputs as { ratio: { denominatorIncrease: number } }).ratio.denominatorIncrease,
      ).toBeGreaterThanOrEqual(20);

      // the next window starts where the last measurement ended
      await traffic('/', 5);
      await traffic('/missing', 5);
      const bad = await probe.measure(ctx());
      expect(bad, bad.reason).toMatchObject({ verdict: 'fail' });
      expect((bad.inputs as { ratio: { numeratorIncrease: number } }).ratio.numeratorIncrease).toBe(10);
      expect(bad.value).toBeGreaterThan(0.1);
    });

    it('no traffic in the window but the scrapes themselves: no 4xx, still judged', async () => {
      const probe = gate({
        type: 'metrics',
        urls: metricsUrls(),
        ratio: { ...ratio, denominator: 'demo_http_requests_total{route="/"}' },
      });
      await probe.startWindow(ctx());
      const m = await probe.measure(ctx());
      expect(m, m.reason).toMatchObject({
        verdict: 'no-data',
        reason: 'demo_http_requests_total did not increase',
      });
    });

    it('an unreachable endpoint contributes nothing; all unreachable is no-data', async () => {
      const half = gate({
        type: 'metrics',
        urls: [metricsUrls()[0]!, `http://127.0.0.1:${closedPort}/metrics`],
        ratio,
      });
      await half.startWindow(ctx());
      await traffic('/', 3);
      const m = await half.measure(ctx());
      expect(m, m.reason).toMatchObject({ verdict: 'pass', inputs: { urlsUsed: 1 } });

      const none = gate({ type: 'metrics', url: `http://127.0.0.1:${closedPort}/metrics`, ratio });
      await none.startWindow(ctx());
      expect((await none.measure(ctx())).verdict).toBe('no-data');
    });

    it('latency: a baseline from the requests so far, restored by a resumed run', async () => {
      const raw = {
        type: 'metrics',
        urls: metricsUrls(),
        latency: {
          histogram: 'demo_http_request_duration_seconds{route="/"}',
          quantile: 0.9,
          minRequests: 10,
        },
      };
      const probe = gate(raw);
      const b = await probe.baseline(ctx({ step: 0 }));
      expect(b).toMatchObject({ latency: { quantile: 0.9 } });
      const baseline = (b as { latency: { value: number; requests: number } }).latency;
      expect(baseline.value).toBeGreaterThan(0);
      expect(baseline.requests).toBeGreaterThanOrEqual(10);

      const resumed = gate(raw);
      resumed.restoreBaseline(JSON.parse(JSON.stringify(b)) as typeof b);
      await resumed.startWindow(ctx());
      await traffic('/', 10);
      const m = await resumed.measure(ctx());
      // The verdict depends on how fast this machine answers; what is checked is that it was judged.
      expect(['pass', 'fail'], m.reason).toContain(m.verdict);
      expect(m.inputs).toMatchObject({ latency: { requests: 20, baseline: { value: baseline.value } } });

      const few = gate({ ...raw, latency: { ...raw.latency, minRequests: 1000 } });
      await few.startWindow(ctx());
      await traffic('/', 1);
      expect((await few.measure(ctx())).verdict).toBe('no-data');
    });
  });

  describe('config-reads', () => {
    it('no store reads under legacy_only: no data; after flags set new_only: store reads, no errors', async () => {
      const probe = gate({ type: 'config-reads', urls: metricsUrls(), minStoreReads: 5 });
      await probe.startWindow(ctx());
      await traffic('/', 5);
      const legacy = await probe.measure(ctx());
      expect(legacy, legacy.reason).toMatchObject({
        verdict: 'no-data',
        inputs: { storeReads: 0, storeErrors: 0 },
      });

      const set = await cli(...flagsSet(SERVICE, 'production', 'new_only', 'gates e2e'));
      expect(set.stderr).toBe('');
      expect(set.code).toBe(0);
      for (let i = 0; i < servers.length; i++)
        await until(`instance ${i} on new_only`, async () => {
          const config = (await (await fetch(`${base(i)}/config`)).json()) as {
            flags: { default: { mode: string } };
          };
          return config.flags.default.mode === 'new_only';
        });

      await probe.startWindow(ctx());
      await traffic('/', 5);
      const store = await probe.measure(ctx());
      expect(store, store.reason).toMatchObject({
        verdict: 'pass',
        inputs: { storeErrors: 0, mismatches: 0, urlsUsed: 2 },
      });
      // / reads two keys per request on each of two instances
      expect((store.inputs as { storeReads: number }).storeReads).toBeGreaterThanOrEqual(20);
    });
  });

  describe('command', () => {
    it('gets CFGMIG_* in its environment and runs in the project root', async () => {
      const check =
        'test "$CFGMIG_SERVICE" = demo-service && test "$CFGMIG_ENVIRONMENT" = production && ' +
        'test "$CFGMIG_STEP" = 2 && test "$CFGMIG_PERCENT" = 5 && test -f cfgmig.yaml && test -f server.mjs';
      const m = await gate({ type: 'command', run: check }).measure(ctx({ step: 2, percentBp: 500 }));
      expect(m, m.reason).toMatchObject({
        verdict: 'pass',
        value: 0,
        inputs: { exitCode: 0, timedOut: false },
      });

      const half = await gate({ type: 'command', run: 'test "$CFGMIG_PERCENT" = 0.5' }).measure(
        ctx({ percentBp: 50 }),
      );
      expect(half.verdict).toBe('pass');
      const wrong = await gate({ type: 'command', run: 'test "$CFGMIG_PERCENT" = 5' }).measure(
        ctx({ percentBp: 1000 }),
      );
      expect(wrong).toMatchObject({ verdict: 'fail', value: 1 });
    });

    it('a non-zero exit fails with its code; the output is not kept', async () => {
      const m = await gate({ type: 'command', run: 'echo SHOUT-OUT; echo SHOUT-ERR >&2; exit 3' }).measure(
        ctx(),
      );
      expect(m).toMatchObject({
        verdict: 'fail',
        value: 3,
        reason: expect.stringMatching(/^exit code 3 in \d+ms$/),
      });
      expect(JSON.stringify(m)).not.toContain('SHOUT');
    });

    it('a command that cannot start (its cwd is gone) fails', async () => {
      const m = await gate({ type: 'command', run: 'true' }).measure(
        ctx({ projectRoot: join(dir, 'no-such-dir') }),
      );
      expect(m).toMatchObject({ verdict: 'fail', reason: 'the command could not be started' });
    });

    it('a command over its timeout fails', async () => {
      const m = await gate({ type: 'command', run: 'sleep 5', timeout: '200ms' }).measure(ctx());
      expect(m).toMatchObject({
        verdict: 'fail',
        reason: 'timed out after 200ms',
        inputs: { timedOut: true },
      });
      expect((m.inputs as { durationMs: number }).durationMs).toBeLessThan(5000);
    });
  });

  describe.skipIf(!HAVE_PROMETHEUS && !IN_CI)('prometheus (a real server)', () => {
    beforeAll(async () => {
      if (!HAVE_PROMETHEUS) throw new Error(`${PROMETHEUS} is required under CI=true`);
      const port = await freePort();
      promUrl = `http://127.0.0.1:${port}`;
      const data = join(dir, 'prometheus-data');
      await mkdir(data);
      const config = join(dir, 'prometheus.yml');
      await writeFile(
        config,
        [
          'global:',
          '  scrape_interval: 1s',
          '  evaluation_interval: 1s',
          'scrape_configs:',
          '  - job_name: demo-service',
          '    scrape_interval: 1s',
          '    scrape_timeout: 1s',
          '    static_configs:',
          `      - targets: [${servers.map((s) => `'127.0.0.1:${s.port}'`).join(', ')}]`,
          '',
        ].join('\n'),
      );
      prometheus = spawn(
        PROMETHEUS,
        [
          `--config.file=${config}`,
          `--storage.tsdb.path=${data}`,
          `--web.listen-address=127.0.0.1:${port}`,
          '--log.level=warn',
        ],
        { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      prometheus.stderr!.on('data', (d: Buffer) => (promStderr = (promStderr + d.toString()).slice(-4000)));
      const p = prometheus;
      await until(
        'Prometheus scraping both instances (up == 1)',
        async () => {
          if (p.exitCode !== null) throw new Error(`prometheus exited ${p.exitCode}: ${promStderr}`);
          const res = await fetch(
            `${promUrl}/api/v1/query?query=${encodeURIComponent('up{job="demo-service"} == 1')}`,
          );
          const body = (await res.json()) as { data: { result: unknown[] } };
          return body.data.result.length === servers.length;
        },
        45_000,
      );
    }, 60_000);

    it('sum(demo_http_requests_total) with min 1 passes after traffic', async () => {
      await traffic('/', 5);
      const probe = gate({
        type: 'prometheus',
        url: promUrl,
        query: 'sum(demo_http_requests_total)',
        min: 1,
      });
      // Prometheus sees the traffic at its next scrape: poll until it is judged a pass.
      const m = await until<Measurement | null>('prometheus gate passing', async () => {
        const r = await probe.measure(ctx());
        return r.verdict === 'pass' ? r : null;
      });
      expect(m!.value).toBeGreaterThanOrEqual(1);
      expect(m!.inputs).toMatchObject({ resultType: 'vector', series: 1, httpStatus: 200 });
    });

    it('an impossible bound fails; several series are judged by the largest', async () => {
      const m = await gate({
        type: 'prometheus',
        url: promUrl,
        query: 'sum(demo_http_requests_total)',
        max: -1,
      }).measure(ctx());
      expect(m).toMatchObject({ verdict: 'fail', reason: expect.stringMatching(/^value \d+ > max -1$/) });
      const per = await gate({
        type: 'prometheus',
        url: `${promUrl}/`,
        query: 'up{job="demo-service"}',
        max: 0.5,
      }).measure(ctx());
      expect(per).toMatchObject({ verdict: 'fail', value: 1, inputs: { series: 2 } });
    });

    it('a scalar query is judged too', async () => {
      const m = await gate({
        type: 'prometheus',
        url: promUrl,
        query: 'scalar(count(up{job="demo-service"}))',
        min: 2,
        max: 2,
      }).measure(ctx());
      expect(m, m.reason).toMatchObject({ verdict: 'pass', value: 2, inputs: { resultType: 'scalar' } });
    });

    it('a query without result is no-data', async () => {
      const m = await gate({
        type: 'prometheus',
        url: promUrl,
        query: 'demo_http_requests_total{route="never"}',
        max: 1,
      }).measure(ctx());
      expect(m).toMatchObject({ verdict: 'no-data', reason: 'the query returned no data' });
    });

    it('a bad query fails with the error type, not the body', async () => {
      const m = await gate({ type: 'prometheus', url: promUrl, query: 'sum(', max: 1 }).measure(ctx());
      expect(m).toMatchObject({
        verdict: 'fail',
        reason: 'Prometheus query error: bad_data',
        inputs: { errorType: 'bad_data' },
      });
    });

    it('an unreachable server is no-data', async () => {
      const m = await gate({
        type: 'prometheus',
        url: `http://127.0.0.1:${closedPort}`,
        query: 'up',
        max: 1,
      }).measure(ctx());
      expect(m).toMatchObject({ verdict: 'no-data', reason: 'Prometheus query not answered: refused' });
    });
  });
});
