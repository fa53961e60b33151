/**
 * fixtures/services/demo-service, as `cfgmig demo` and the tests use it: a copy of its
 * one-service project with `cfgmig` and prom-client resolvable from it (as an install would
 * provide them), and instances of its server.mjs started with the compose environment as
 * their legacy configuration.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cp, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parse, parseDocument } from 'yaml';

/** The package's own folder (dist/adapters/ → two up), where fixtures/ ships. */
export const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DEMO_FIXTURE = join(PACKAGE_ROOT, 'fixtures/services/demo-service');
export const DEMO_SERVICE = 'demo-service';

/** Copies the demo-service project to `dir` (created) and links its dependencies. */
export async function copyDemoProject(dir: string): Promise<void> {
  await cp(DEMO_FIXTURE, dir, { recursive: true, filter: (src) => !src.includes(`${DEMO_SERVICE}/.cfgmig`) });
  await mkdir(join(dir, 'node_modules'), { recursive: true });
  await symlink(PACKAGE_ROOT, join(dir, 'node_modules', 'cfgmig'), 'dir');
  const promClient = dirname(createRequire(import.meta.url).resolve('prom-client/package.json'));
  await symlink(promClient, join(dir, 'node_modules', 'prom-client'), 'dir');
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

/**
 * Starts server.mjs with the legacy environment plus `extra` (CFGMIG_* settings) and `base`
 * (PATH and the like); resolves once it listens.
 */
export async function startDemoInstance(
  dir: string,
  legacy: Record<string, string>,
  extra: Record<string, string>,
  base: Record<string, string>,
): Promise<DemoInstance> {
  const child = spawn(process.execPath, [join(dir, 'server.mjs')], {
    cwd: dir,
    env: { ...base, ...legacy, PORT: '0', HOST: '127.0.0.1', ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const listening = await new Promise<{ port: number }>((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`demo-service did not listen; stderr: ${stderr}`)), 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`demo-service exited ${String(code)}; stderr: ${stderr}`));
    });
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      done(JSON.parse(line) as { port: number });
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
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Requests to `/` on every instance, all the time, as users would send them. */
export function startTraffic(instances: DemoInstance[]): { stop(): Promise<void> } {
  let on = true;
  const loops = instances.map(async (i) => {
    while (on) {
      await i.get('/').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 5));
    }
  });
  return {
    stop: async () => {
      on = false;
      await Promise.all(loops);
    },
  };
}

/** The gates: 5xx share of `/` across the instances, the client's own store-read counters, /health. */
export async function writeDemoGates(dir: string, instances: DemoInstance[]): Promise<void> {
  const file = join(dir, 'cfgmig.yaml');
  const doc = parseDocument(await readFile(file, 'utf8'));
  const metrics = instances.map((i) => `${i.url}/metrics`);
  doc.setIn(['services', DEMO_SERVICE, 'canary'], {
    gates: [
      {
        name: 'errors',
        type: 'metrics',
        urls: metrics,
        ratio: {
          numerator: 'demo_http_requests_total{route="/",status=~"5.."}',
          denominator: 'demo_http_requests_total{route="/"}',
          max: 0.02,
        },
        noData: 'extend',
      },
      { name: 'store-reads', type: 'config-reads', urls: metrics, noData: 'extend' },
      { name: 'health', type: 'http', urls: instances.map((i) => `${i.url}/health`) },
    ],
  });
  await writeFile(file, doc.toString());
}
