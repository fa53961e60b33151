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
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { cleanEnv, REPO, runCli } from '../support/cli.js';

const FIXTURE = join(REPO, 'fixtures/services/demo-service');
const SERVICE = 'demo-service';
const MASTER_KEY = randomBytes(32).toString('base64');
const BAD_URL = 'ftp://bad'; // type url accepts it (`not a url` is a plan error); not http(s)

interface Response {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

/** Polls `fn` until it returns something truthy; fails with the last value after `ms`. */
async function until<T>(what: string, fn: () => Promise<T>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      last = await fn();
      if (last) return last as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms; last: ${String(last)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('fixtures/services/demo-service', () => {
  let dir = '';
  let env: Record<string, string> = {};
  let legacy: Record<string, string> = {};
  let server: ChildProcess | null = null;
  let port = 0;
  let stderr = '';
  /** Every HTTP response body, to look for the token in. */
  const bodies: string[] = [];

  const cli = (...args: string[]) => runCli([...args, '--project', dir], { env });
  const get = async (path: string): Promise<Response> => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`);
    const text = await res.text();
    bodies.push(text);
    return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
  };
  const setFlag = async (mode: string, percent?: string): Promise<void> => {
    const set = await cli(
      'flags',
      'set',
      '-s',
      SERVICE,
      '-e',
      'production',
      '--mode',
      mode,
      ...(percent ? ['--percent', percent] : []),
      '--reason',
      'e2e',
    );
    expect(set.stderr).toBe('');
    expect(set.code).toBe(0);
  };
  const composeEnv = async (): Promise<Record<string, string>> => {
    const doc = parse(await readFile(join(dir, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { environment: Record<string, string> }>;
    };
    return doc.services[SERVICE]!.environment;
  };

  beforeAll(async () => {
    if (!existsSync(join(REPO, 'dist/client/index.js')))
      throw new Error('dist/ is missing: run `npm run build` before this test');
    dir = await mkdtemp(join(tmpdir(), 'cfgmig-demo-service-'));
    await cp(FIXTURE, dir, { recursive: true });
    // Its dependencies (package.json) as an install would provide them: this repository as
    // `cfgmig`, and the prom-client cfgmig itself uses.
    await mkdir(join(dir, 'node_modules'));
    await symlink(REPO, join(dir, 'node_modules', 'cfgmig'), 'dir');
    await symlink(join(REPO, 'node_modules', 'prom-client'), join(dir, 'node_modules', 'prom-client'), 'dir');
    env = cleanEnv({ CFGMIG_MASTER_KEY: MASTER_KEY });
    legacy = await composeEnv();

    const applied = await cli('apply', '--all', '--yes');
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);

    const child = spawn(process.execPath, [join(dir, 'server.mjs')], {
      cwd: dir,
      env: cleanEnv({
        ...legacy,
        PORT: '0',
        HOST: '127.0.0.1',
        CFGMIG_PROJECT_DIR: dir,
        CFGMIG_RECONCILE_MS: '200',
        CFGMIG_MASTER_KEY: MASTER_KEY,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server = child;
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const listening = await new Promise<{ event: string; port: number; pid: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not listen; stderr: ${stderr}`)), 20_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited ${String(code)}; stderr: ${stderr}`));
      });
      createInterface({ input: child.stdout! }).once('line', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(line) as { event: string; port: number; pid: number });
      });
    });
    expect(listening).toMatchObject({ event: 'listening', pid: child.pid });
    port = listening.port;
  });

  afterAll(async () => {
    if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
    if (dir) await rm(dir, { recursive: true, force: true });
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
    const compose = join(dir, 'docker-compose.yml');
    const text = await readFile(compose, 'utf8');
    await writeFile(
      compose,
      text.replace(`UPSTREAM_URL: ${legacy.UPSTREAM_URL}`, `UPSTREAM_URL: ${BAD_URL}`),
    );
    expect((await composeEnv()).UPSTREAM_URL).toBe(BAD_URL);

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
    const child = server!;
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    child.kill('SIGTERM');
    expect(await exited, stderr).toEqual({ code: 0, signal: null });
  });
});
