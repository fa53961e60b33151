/**
 * `cfgmig demo`: the whole story on copies of the sample projects, on embedded stores, with
 * short bakes, in well under two minutes. Each step checks that it behaved as it should; the
 * demo succeeds only if every step did, and leaves nothing running.
 *
 *   the sample platform (fixtures/platform): extract → plan → apply, eleven services;
 *   demo-service (fixtures/services/demo-service), two instances taking traffic:
 *     a healthy canary to 100% → a plan with a bad upstream URL whose canary fails its 5xx
 *     gate and rolls back by itself → status with the evidence;
 *   back on the platform: a canary, finalize and the compose cleanup diff for one service.
 */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  composeEnv,
  copyDemoProject,
  DEMO_SERVICE,
  PACKAGE_ROOT,
  setComposeValue,
  startDemoInstance,
  startTraffic,
  type DemoInstance,
  writeDemoGates,
} from '../adapters/demo-service.js';
import { writePlanFile } from '../adapters/plan-file.js';
import type { Db } from '../adapters/store/db.js';
import { openStore } from '../adapters/store/open.js';
import { serviceStatus } from '../adapters/store/status.js';
import { loadProject } from '../config/load.js';
import { applyPlans } from './apply.js';
import { runCanary, type CanaryResult } from './canary.js';
import { extract } from './extract.js';
import { finalize } from './finalize.js';
import { makePlans } from './plan.js';

export interface DemoStep {
  title: string;
  ok: boolean;
  /** What happened, in a few lines. */
  detail: string[];
  ms: number;
}

export interface DemoResult {
  ok: boolean;
  dir: string;
  kept: boolean;
  steps: DemoStep[];
}

export interface DemoRequest {
  keep?: boolean;
  /** Told each step as it ends (narration). */
  onStep?: (step: DemoStep) => void;
  /** The process environment; cfgmig's own store, Redis and key settings are left out. */
  env: Record<string, string | undefined>;
}

/** The platform service the demo finalizes and cleans up: a big-bang one, so its canary is one step. */
const CLEANUP_SERVICE = 'ml-training';

export async function runDemo(req: DemoRequest): Promise<DemoResult> {
  const env = Object.fromEntries(Object.entries(req.env).filter(([k]) => !k.startsWith('CFGMIG_')));
  const dir = await mkdtemp(join(tmpdir(), 'cfgmig-demo-'));
  const steps: DemoStep[] = [];
  const instances: DemoInstance[] = [];
  let traffic: { stop(): Promise<void> } | null = null;
  const stores: Db[] = [];
  const step = async (
    title: string,
    fn: () => Promise<{ ok: boolean; detail: string[] }>,
  ): Promise<boolean> => {
    const t0 = Date.now();
    let r: { ok: boolean; detail: string[] };
    try {
      r = await fn();
    } catch (err) {
      r = { ok: false, detail: [err instanceof Error ? err.message : String(err)] };
    }
    const s = { title, ...r, ms: Date.now() - t0 };
    steps.push(s);
    req.onStep?.(s);
    return s.ok;
  };
  const open = async (root: string): Promise<Db> => {
    const db = await openStore(root, env);
    stores.push(db);
    return db;
  };
  const platform = join(dir, 'platform');
  const demo = join(dir, 'demo-service');
  try {
    const story = async (): Promise<void> => {
      let db!: Db;
      if (!(await step('copy the sample platform', () => copyPlatform(platform)))) return;
      if (!(await step('extract: inventory every service', () => extractStep(platform, env)))) return;
      if (
        !(await step('plan and apply, on the embedded store', async () => {
          db = await open(platform);
          return planAndApply(db, platform, env, 'plans/*.plan.yaml written and applied');
        }))
      )
        return;

      let demoDb!: Db;
      let legacy: Record<string, string> = {};
      if (
        !(await step(
          'demo-service: apply and start two instances on their legacy configuration',
          async () => {
            await copyDemoProject(demo);
            legacy = await composeEnv(demo);
            demoDb = await open(demo);
            const applied = await planAndApply(demoDb, demo, env, 'applied');
            for (let i = 0; i < 2; i++) {
              instances.push(
                await startDemoInstance(
                  demo,
                  legacy,
                  {
                    CFGMIG_PROJECT_DIR: demo,
                    CFGMIG_INSTANCE_ID: `demo-${i}`,
                    CFGMIG_STICKINESS: 'read',
                    CFGMIG_RECONCILE_MS: '250',
                  },
                  env as Record<string, string>,
                ),
              );
            }
            await writeDemoGates(demo, instances);
            traffic = startTraffic(instances);
            const healthy = await Promise.all(
              instances.map(async (i) => (await i.get('/health')).status === 200),
            );
            return {
              ok: applied.ok && healthy.every(Boolean),
              detail: [
                ...applied.detail,
                `instances on ${instances.map((i) => i.url).join(', ')}, taking traffic`,
              ],
            };
          },
        ))
      )
        return;

      await step('canary: a healthy plan to 100%', async () => {
        const r = await canary(demoDb, demo, env);
        const at100 = await waitFor(() => everyInstance(instances, (f) => f.percentBp === 10_000));
        return { ok: r.outcome === 'completed' && at100, detail: canaryDetail(r) };
      });
      await step('canary: a plan with a bad upstream URL rolls back by itself', async () => {
        await setComposeValue(demo, 'UPSTREAM_URL', 'ftp://bad');
        const applied = await planAndApply(demoDb, demo, env, 'the bad value applied as a new migration');
        const r = await canary(demoDb, demo, env);
        const back = await waitFor(() => everyInstance(instances, (f) => f.mode === 'legacy_only'));
        const answers = await Promise.all(instances.map(async (i) => (await i.get('/')).status));
        return {
          ok: applied.ok && r.outcome === 'rolled_back' && back && answers.every((s) => s === 200),
          detail: [...canaryDetail(r), `instances back on legacy values; / answers ${answers.join(', ')}`],
        };
      });
      await step('status: where each service stands, with the evidence', async () => {
        const [row] = await serviceStatus(demoDb, { service: DEMO_SERVICE });
        const c = row?.canary;
        const decided = (c?.outcome as { why?: string } | null)?.why ?? '';
        return {
          ok: c?.state === 'rolled_back' && c.evidence.length > 0,
          detail: [
            `${DEMO_SERVICE}: v${row?.version}, flag ${row?.flag?.mode}, canary run ${c?.runId} ${c?.state} at step ${c?.step}: ${decided}`,
            ...(c?.evidence
              .slice(-3)
              .map(
                (g) => `  ${g.gate}: ${g.verdict} — ${(g.observed as { reason?: string }).reason ?? ''}`,
              ) ?? []),
          ],
        };
      });
      await step(`cleanup: ${CLEANUP_SERVICE} to 100%, finalized, its compose diff`, async () => {
        const project = await loadProject(platform, env);
        const service = project.services.find((s) => s.id === CLEANUP_SERVICE)!;
        const r = await runCanary(db, {
          project: platform,
          service,
          environment: 'production',
          env,
          overrides: { bake: '0ms', interval: '100ms' },
        });
        await finalize(db, {
          project: platform,
          service: CLEANUP_SERVICE,
          environment: 'production',
          env,
          guardMs: 0,
        });
        const { cleanupPlan } = await import('./cleanup.js');
        const plan = await cleanupPlan(db, {
          project: platform,
          services: [CLEANUP_SERVICE],
          environment: 'production',
          env,
          write: false,
        });
        const diff = plan.files.map((f) => f.diff).join('');
        return {
          ok: r.outcome === 'completed' && diff.length > 0 && !plan.written,
          detail: [
            `canary ${r.outcome}, finalized (new_only); the diff \`cfgmig cleanup --write\` would apply:`,
            ...diff.trimEnd().split('\n'),
          ],
        };
      });
    };
    await story();
  } finally {
    await (traffic as { stop(): Promise<void> } | null)?.stop();
    await step('stop everything the demo started', async () => {
      await Promise.all(instances.map((i) => i.stop()));
      for (const db of stores) await db.close();
      return {
        ok: instances.every((i) => i.child.exitCode !== null || i.child.signalCode !== null),
        detail: [`${instances.length} instances stopped, stores closed`],
      };
    });
    if (!req.keep) await rm(dir, { recursive: true, force: true });
  }
  return { ok: steps.every((s) => s.ok), dir, kept: Boolean(req.keep), steps };
}

async function copyPlatform(dest: string): Promise<{ ok: boolean; detail: string[] }> {
  for (const part of ['cfgmig.yaml', 'rules', 'schema', 'fixtures/platform'])
    await cp(join(PACKAGE_ROOT, part), join(dest, part), { recursive: true });
  const project = await loadProject(dest, {});
  return {
    ok: project.services.length > 0,
    detail: [`${project.services.length} services of a fake trading platform, in ${dest}`],
  };
}

async function extractStep(root: string, env: Record<string, string | undefined>) {
  const { inventory } = await extract({ project: root, env });
  const entries = inventory.services.reduce((n, s) => n + s.entries.length, 0);
  const credentials = inventory.services.reduce((n, s) => n + s.summary.credentials, 0);
  return {
    ok: inventory.services.length > 0 && entries > 0,
    detail: [
      `${inventory.services.length} services, ${entries} configuration entries, ${credentials} of them credentials (never printed)`,
    ],
  };
}

async function planAndApply(db: Db, root: string, env: Record<string, string | undefined>, what: string) {
  const set = await makePlans({ project: root, services: [], env }, db);
  for (const { doc } of set.plans) await writePlanFile(root, set.project.plans, doc);
  const outcomes = await applyPlans({ project: root, plans: [], planned: set, env }, db);
  const applied = outcomes.filter((o) => o.status === 'applied');
  const keys = set.plans.reduce((n, p) => n + p.doc.changes.length, 0);
  return {
    ok: applied.length > 0 && set.plans.every((p) => p.doc.validation.valid),
    detail: [
      `${set.plans.length} plan${set.plans.length === 1 ? '' : 's'}, ${keys} keys: ${what}; ${applied.length} service${applied.length === 1 ? '' : 's'} at a new version, flags legacy_only`,
    ],
  };
}

async function canary(db: Db, root: string, env: Record<string, string | undefined>): Promise<CanaryResult> {
  const project = await loadProject(root, env);
  const service = project.services.find((s) => s.id === DEMO_SERVICE)!;
  return runCanary(db, {
    project: root,
    service,
    environment: 'production',
    env,
    overrides: { steps: '10,50,100', bake: '1500ms', interval: '250ms' },
  });
}

function canaryDetail(r: CanaryResult): string[] {
  const steps = r.steps.map((s) => `${s.percentBp / 100}% ${s.result}`).join(' → ');
  return [
    `run ${r.runId}: ${steps}; ${r.measurements.length} measurements`,
    ...(r.decidedBy ? [`decided: ${r.decidedBy.why}`] : []),
    ...(r.legacyPublishedAfterMs !== undefined
      ? [`legacy published ${r.legacyPublishedAfterMs} ms after the failing measurement`]
      : []),
  ];
}

type FlagView = { mode: string; percentBp: number };

async function everyInstance(instances: DemoInstance[], test: (f: FlagView) => boolean): Promise<boolean> {
  const flags = await Promise.all(
    instances.map(async (i) => ((await i.get('/config')).json().flags as { default: FlagView }).default),
  );
  return flags.every(test);
}

/** Polls for up to 10 s. */
async function waitFor(cond: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (await cond().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
