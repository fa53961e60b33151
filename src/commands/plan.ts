/**
 * `cfgmig plan`: writes `plans/<service>.<env>.plan.yaml` for each selected service and shows
 * what applying them would change. Nothing is written when a source cannot be read or a rule
 * fails (exit 2): a plan is whole or absent.
 */
import { resolve } from 'node:path';
import { makePlans } from '../api/plan.js';
import { writePlanFile } from '../adapters/plan-file.js';
import { openStore } from '../adapters/store/open.js';
import { hasChanges } from '../core/plan/plan-doc.js';
import type { RuleProblem } from '../core/plan/model.js';
import { badInput, ExitCode } from '../errors.js';
import { planView } from '../output/plan-view.js';
import { painter, type Io } from '../output/terminal.js';

export interface PlanOptions {
  project: string;
  service?: string[];
  all?: boolean;
  env?: string;
  json?: boolean;
  detailedExitcode?: boolean;
}

export function selection(opts: { service?: string[]; all?: boolean }): string[] {
  const services = opts.service ?? [];
  if (services.length === 0 && !opts.all) {
    throw badInput('choose what to plan: --service <id> (repeatable) or --all');
  }
  if (services.length > 0 && opts.all) throw badInput('--service and --all exclude each other');
  return services;
}

export async function run(opts: PlanOptions, io: Io): Promise<number> {
  const services = selection(opts);
  const root = resolve(opts.project);
  const db = await openStore(root, io.env);
  let set;
  try {
    set = await makePlans({ project: root, services, environment: opts.env, env: io.env }, db);
  } finally {
    await db.close();
  }
  // Rule problems already start with their file and line; others get them in front.
  const located = (p: RuleProblem): string =>
    p.file && !p.message.startsWith(`${p.file}:`)
      ? `${p.file}${p.line ? `:${p.line}` : ''}: ${p.message}`
      : p.message;
  const errors = [
    ...set.problems.filter((p) => p.severity === 'error').map(located),
    ...set.plans.flatMap(({ doc }) =>
      doc.problems.filter((p) => p.severity === 'error').map((p) => `${doc.service}: ${located(p)}`),
    ),
  ];
  if (errors.length > 0) {
    throw badInput(
      `no plan written: ${errors.length} problem${errors.length === 1 ? '' : 's'}\n  ${errors.join('\n  ')}`,
      {
        hint: 'Fix the sources or rules named above and plan again.',
      },
    );
  }
  const written = [];
  for (const { doc } of set.plans) {
    written.push({ doc, file: await writePlanFile(set.project.root, set.project.plans, doc) });
  }
  if (opts.json) {
    const out = {
      formatVersion: 1,
      environment: set.environment,
      plans: written.map(({ doc, file }) => ({ file, ...doc })),
    };
    io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else {
    io.stdout.write(planView(written, painter(io.stdout, io.env)));
  }
  if (written.some(({ doc }) => !doc.validation.valid)) return ExitCode.failed;
  if (opts.detailedExitcode && written.some(({ doc }) => hasChanges(doc))) return ExitCode.changesPending;
  return ExitCode.ok;
}
