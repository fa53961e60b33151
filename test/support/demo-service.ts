/**
 * fixtures/services/demo-service for tests: a temp copy of the project (with `cfgmig` and
 * prom-client resolvable from it, as an install would provide them), instances of its
 * server.mjs started with the compose environment as their legacy configuration, and HTTP
 * helpers. Needs `npm run build` (the server imports dist/ through `cfgmig/client`).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parse } from 'yaml';
import { cleanEnv, REPO } from './cli.js';

export const DEMO_FIXTURE = join(REPO, 'fixtures/services/demo-service');
export const DEMO_SERVICE = 'demo-service';

export async function copyDemoService(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (!existsSync(join(REPO, 'dist/client/index.js')))
    throw new Error('dist/ is missing: run `npm run build` before this test');
  const dir = await mkdtemp(join(tmpdir(), 'cfgmig-demo-service-'));
  await cp(DEMO_FIXTURE, dir, { recursive: true });
  await mkdir(join(dir, 'node_modules'));
  await symlink(REPO, join(dir, 'node_modules', 'cfgmig'), 'dir');
  await symlink(join(REPO, 'node_modules', 'prom-client'), join(dir, 'node_modules', 'prom-client'), 'dir');
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The service's environment in the project's compose file: what it read before the migration. */
export async function composeEnv(dir: string): Promise<Record<string, string>> {
  const doc = parse(await readFile(join(dir, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, { environment: Record<string, string> }>;
  };
  return doc.services[DEMO_SERVICE]!.environment;
}

/** Sets one variable of the service's compose environment (a new legacy value to plan). */
export async function setComposeValue(dir: string, name: string, value: string): Promise<void> {
  const file = join(dir, 'docker-compose.yml');
  const text = await readFile(file, 'utf8');
  const line = new RegExp(`^(\\s+${name}: ).*$`, 'm');
  if (!line.test(text)) throw new Error(`${name} is not in ${file}`);
  await writeFile(file, text.replace(line, `$1${value}`));
}

export interface HttpAnswer {
  status: number;
  text: string;
  json(): Record<string, unknown>;
}

export interface DemoInstance {
  child: ChildProcess;
  port: number;
  url: string;
  get(path: string): Promise<HttpAnswer>;
  stop(): Promise<void>;
}

/** Starts server.mjs with the legacy environment plus `extra` (CFGMIG_* settings); resolves once it listens. */
export async function startDemo(
  dir: string,
  legacy: Record<string, string>,
  extra: Record<string, string>,
): Promise<DemoInstance> {
  const child = spawn(process.execPath, [join(dir, 'server.mjs')], {
    cwd: dir,
    env: cleanEnv({ ...legacy, PORT: '0', HOST: '127.0.0.1', ...extra }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = await new Promise<{ port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen; stderr: ${stderr}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited ${String(code)}; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(JSON.parse(line) as { port: number });
    });
  });
  const url = `http://127.0.0.1:${listening.port}`;
  return {
    child,
    port: listening.port,
    url,
    async get(path) {
      const res = await fetch(`${url}${path}`);
      const text = await res.text();
      return { status: res.status, text, json: () => JSON.parse(text) as Record<string, unknown> };
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Polls `fn` until it returns something truthy; fails with the last value after `ms`. */
export async function until<T>(what: string, fn: () => Promise<T>, ms = 20_000, everyMs = 50): Promise<T> {
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
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
