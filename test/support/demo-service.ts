/**
 * fixtures/services/demo-service for tests (src/adapters/demo-service.ts does the work, for
 * `cfgmig demo` too): a temp copy of the project and instances of its server.mjs. Needs
 * `npm run build` (the server imports dist/ through `cfgmig/client`).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyDemoProject, startDemoInstance, type DemoInstance } from '../../src/adapters/demo-service.js';
import { cleanEnv, REPO } from './cli.js';

export {
  composeEnv,
  DEMO_SERVICE,
  setComposeValue,
  startTraffic,
  type DemoInstance,
  type HttpAnswer,
  writeDemoGates,
} from '../../src/adapters/demo-service.js';

export async function copyDemoService(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  if (!existsSync(join(REPO, 'dist/client/index.js')))
    throw new Error('dist/ is missing: run `npm run build` before this test');
  const dir = await mkdtemp(join(tmpdir(), 'cfgmig-demo-service-'));
  await copyDemoProject(dir);
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Starts server.mjs with the legacy environment plus `extra` (CFGMIG_* settings); resolves once it listens. */
export function startDemo(
  dir: string,
  legacy: Record<string, string>,
  extra: Record<string, string>,
): Promise<DemoInstance> {
  return startDemoInstance(dir, legacy, extra, cleanEnv());
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
