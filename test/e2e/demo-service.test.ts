/**
 * fixtures/services/demo-service end to end, on the embedded store (needs `npm run build`):
 * a copy of the project applied with the built CLI, its server.mjs started with the compose
 * environment as its own (the legacy configuration), then
 *
 * - legacy_only: /config shows the legacy values typed as the plan types them, no credential;
 *   / answers 200;
 * - `cfgmig flags set` reaches the running server (snapshot file watch);
 * - a bad upstream.url applied to the store (a new migration: apply sets the flag back to
 *   legacy_only; the test moves it to new_only) makes / fail with 500, counted in /metrics both by the service
 *   (demo_http_requests_total) and by the client (reads from the store);
 * - new_with_fallback at 50% with per-read stickiness: both 200 and 500 answers;
 * - the token appears in no HTTP response; SIGTERM stops the server with exit 0.
 *
 * Waits poll with a deadline; nothing here is a timing assertion.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, flagsSet } from '../support/cli.js';
import {
  composeEnv,
  copyDemoService,
  DEMO_SERVICE as SERVICE,
  setComposeValue,
  startDemo,
  until,
  type DemoInstance,
  type HttpAnswer,
} from '../support/demo-service.js';

const MASTER_KEY = randomBytes(32).toString('base64');
const BAD_URL = 'ftp://bad'; // type url accepts it (`not a url` is a plan error); not http(s)

describe('fixtures/services/demo-service', () => {
  let dir = '';
  let cleanup = async (): Promise<void> => undefined;
  let env: Record<string, string> = {};
  let legacy: Record<string, string> = {};
  let server: DemoInstance | null = null;
  /** Every HTTP response body, to look for the token in. */
  const bodies: string[] = [];

  const cli = (...args: string[]) => runCli([...args, '--project', dir], { env });
  const get = async (path: string): Promise<HttpAnswer> => {
    const answer = await server!.get(path);
    bodies.push(answer.text);
    return answer;
  };
  const setFlag = async (mode: string, percent?: string): Promise<void> => {
    const set = await cli(
      ...flagsSet(SERVICE, 'production', mode, 'e2e', ...(percent ? ['--percent', percent] : [])),
    );
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
  };

  beforeAll(async () => {
    ({ dir, cleanup } = await copyDemoService());
    env = cleanEnv({ CFGMIG_MASTER_KEY: MASTER_KEY });
    legacy = await composeEnv(dir);
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    server = await startDemo(dir, legacy, {
      CFGMIG_PROJECT_DIR: dir,
      CFGMIG_RECONCILE_MS: '200',
      CFGMIG_MASTER_KEY: MASTER_KEY,
    });
  });

  afterAll(async () => {
    if (server && server.child.exitCode === null && server.child.signalCode === null)
      server.child.kill('SIGKILL');
    await cleanup();
  });

  it('legacy_only: /config shows the legacy values typed and no credential; / answers 200', async () => {
    const config = (await get('/config')).json();
    expect(config).toMatchObject({
      service: SERVICE,
      environment: 'production',
      config: { 'upstream.url': legacy.UPSTREAM_URL, 'upstream.timeoutMs': 2000, greeting: 'hello' },
      flags: { default: { mode: 'legacy_only' } },
    });
    expect(Object.keys(config.config as object)).not.toContain('auth.apiToken');

    const work = await get('/');
    expect(work.status).toBe(200);
    expect(work.json()).toEqual({
      greeting: 'hello',
      upstream: { url: legacy.UPSTREAM_URL, timeoutMs: 2000 },
    });

    const health = await get('/health');
    expect(health.status).toBe(200);
    expect(health.json()).toMatchObject({ status: 'ok', config: { source: 'snapshot' } });
  });

  it('a flag set with the CLI reaches the running server', async () => {
    await setFlag('new_with_fallback', '100');
    await until('flags new_with_fallback in /config', async () => {
      const flags = (await get('/config')).json().flags as { default: { mode: string } };
      return flags.default.mode === 'new_with_fallback';
    });
    expect((await get('/')).status).toBe(200);
  });

  it('a bad upstream.url applied to the store makes / fail, and /metrics counts it', async () => {
    await setComposeValue(dir, 'UPSTREAM_URL', BAD_URL);
    expect((await composeEnv(dir)).UPSTREAM_URL).toBe(BAD_URL);

    const planned = await cli('plan', '--all');
    expect(planned.code).toBe(0);
    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);

    // An apply starts a new migration from legacy_only: the server is back on its own
    // (good) environment until the flag moves again.
    await until('flags legacy_only after apply', async () => {
      const config = (await get('/config')).json();
      return (config.flags as { version: number; default: { mode: string } }).version === 2
        ? (config.flags as { default: { mode: string } }).default.mode === 'legacy_only'
        : false;
    });
    expect((await get('/')).status).toBe(200);

    await setFlag('new_only');
    await until('/ answering 500', async () => (await get('/')).status === 500);
    const config = (await get('/config')).json();
    expect(config).toMatchObject({
      config: { 'upstream.url': BAD_URL },
      flags: { default: { mode: 'new_only' } },
    });

    const metrics = await get('/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(/^demo_http_requests_total\{[^}]*status="500"[^}]*\} [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^demo_http_requests_total\{route="\/",status="200"\} [1-9]\d*$/m);
    expect(metrics.text).toMatch(/^demo_http_request_duration_seconds_bucket\{/m);
    const newOk = metrics.text.match(
      /^cfgmig_config_reads_total\{service="demo-service",source="new",outcome="ok"\} (\d+)$/m,
    );
    expect(newOk, metrics.text).not.toBeNull();
    expect(Number(newOk![1])).toBeGreaterThan(0);
  });

  it('new_with_fallback at 50% with per-read stickiness: some requests fail, some succeed', async () => {
    await setFlag('new_with_fallback', '50');
    await until('flags new_with_fallback in /config', async () => {
      const flags = (await get('/config')).json().flags as { default: { mode: string } };
      return flags.default.mode === 'new_with_fallback';
    });
    const seen = new Set<number>();
    await until('both 200 and 500 from /', async () => {
      seen.add((await get('/')).status);
      return seen.has(200) && seen.has(500);
    });
    expect([...seen].sort()).toEqual([200, 500]);
  });

  it('the token appears in no HTTP response', async () => {
    const token = legacy.API_TOKEN!;
    expect(token.length).toBeGreaterThan(20);
    await get('/health');
    await get('/metrics');
    await get('/config');
    expect(bodies.length).toBeGreaterThan(8);
    for (const body of bodies) expect(body).not.toContain(token);
  });

  it('SIGTERM: the server closes and exits 0', async () => {
    const child = server!.child;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.kill('SIGTERM');
    expect(await exited).toEqual({ code: 0, signal: null });
  });
});
