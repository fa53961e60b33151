/**
 * `cfgmig apply`: writes reviewed plans to the store (plan files given as arguments), or plans
 * and applies in one go (`--service`/`--all`, after showing the plan). A protected environment
 * needs a yes: asked on a terminal, `--yes` otherwise; in CI without `--yes` it is refused.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { applyPlans, type ApplyOutcome } from '../api/apply.js';
import { makePlans, type PlanSet } from '../api/plan.js';
import { planFileName, readPlanFile, writePlanFile } from '../adapters/plan-file.js';
import { openStore } from '../adapters/store/open.js';
import { loadProject } from '../config/load.js';
import type { PlanDoc } from '../core/plan/plan-doc.js';
import { badInput, CfgmigError, ExitCode } from '../errors.js';
import { planView } from '../output/plan-view.js';
import { redisWarning, redisWord } from '../output/published-view.js';
import { painter, type Io } from '../output/terminal.js';
import { selection } from './plan.js';

export interface ApplyOptions {
  project: string;
  service?: string[];
  all?: boolean;
  env?: string;
  yes?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

const inCi = (env: Io['env']) => env.CI !== undefined && env.CI !== '' && env.CI !== 'false';

async function confirmProtected(
  environments: Set<string>,
  opts: ApplyOptions,
  io: Io,
  protectedEnvs: Set<string>,
) {
  const hit = [...environments].filter((e) => protectedEnvs.has(e));
  if (hit.length === 0 || opts.yes || opts.dryRun) return;
  const names = hit.join(', ');
  if (inCi(io.env) || !process.stdin.isTTY || !(io.stderr as { isTTY?: boolean }).isTTY) {
    throw badInput(`${names} is protected: applying to it needs confirmation`, {
      hint: 'Review the plan, then run again with --yes (no terminal to ask on here).',
    });
  }
  const rl = createInterface({ input: process.stdin, output: io.stderr });
  try {
    const answer = await rl.question(`Apply to protected environment ${names}? Type "yes" to continue: `);
    if (answer.trim() !== 'yes') throw new CfgmigError('interrupted', 'not applied: not confirmed');
  } finally {
    rl.close();
  }
}

function human(outcomes: ApplyOutcome[]): string {
  return (
    outcomes
      .map((o) => {
        const at = `${o.service}/${o.environment}`;
        if (o.status === 'applied')
          return `${at}: applied as version ${o.version} (migration ${o.migrationId}); flags ${o.flag === 'new_only' ? 'new_only (finalized: kept)' : 'legacy_only'}; published ${o.snapshot}${o.redis === 'off' ? '' : `; Redis ${redisWord(o.redis)}`}`;
        if (o.status === 'unchanged')
          return `${at}: already up to date at version ${o.version}, nothing written${o.republished ? '; its publication was behind the store and was published again' : ''}`;
        return `${at}: would write version ${o.plan.base.version + 1} (dry run, nothing written)`;
      })
      .join('\n') + '\n'
  );
}

export async function run(opts: ApplyOptions & { args?: string[] }, io: Io): Promise<number> {
  const files = opts.args ?? [];
  if (files.length > 0 && (opts.service?.length || opts.all)) {
    throw badInput('give plan files, or --service/--all to plan and apply in one go, not both');
  }
  const root = resolve(opts.project);
  const project = await loadProject(root, io.env);
  const db = await openStore(root, io.env);
  try {
    let plans: { doc: PlanDoc; file: string }[];
    let planned: PlanSet | undefined;
    if (files.length > 0) {
      plans = [];
      for (const f of files) plans.push({ doc: await readPlanFile(resolve(f), f), file: f });
    } else {
      planned = await makePlans(
        { project: root, services: selection(opts), environment: opts.env, env: io.env },
        db,
      );
      plans = [];
      for (const { doc } of planned.plans) {
        const file = opts.dryRun
          ? planFileName(doc.service, doc.environment)
          : await writePlanFile(root, project.plans, doc);
        plans.push({ doc, file });
      }
      if (!opts.json) io.stdout.write(planView(plans, painter(io.stdout, io.env)));
    }
    const protectedEnvs = new Set(
      Object.entries(project.environments)
        .filter(([, e]) => e.protected)
        .map(([name]) => name),
    );
    await confirmProtected(new Set(plans.map((p) => p.doc.environment)), opts, io, protectedEnvs);
    const outcomes = await applyPlans(
      { project: root, plans, ...(planned ? { planned } : {}), env: io.env, dryRun: opts.dryRun },
      db,
    );
    for (const o of outcomes) {
      const warning =
        o.status === 'would-apply' || !o.redis ? null : redisWarning(o.service, o.environment, o.redis);
      if (warning) io.stderr.write(warning);
    }
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, outcomes: outcomes.map(({ ...o }) => ('plan' in o ? { ...o, plan: o.plan.checksum } : o)) }, null, 2)}\n`
        : human(outcomes),
    );
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
