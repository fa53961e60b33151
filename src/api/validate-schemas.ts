/**
 * The schema checks of `cfgmig validate`: cfgmig.yaml (by loading it), every rule file on its own
 * (so one bad rule does not hide the next), and every plan file (readable, its checksum verifies).
 * Each failure becomes a problem with the file and line its error names.
 */
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { readTextFile } from '../adapters/files.js';
import { readPlanFile } from '../adapters/plan-file.js';
import type { ProjectConfig } from '../config/project.js';
import { parseRuleFile } from '../config/rules.js';
import type { PlanDoc } from '../core/plan/plan-doc.js';
import type { CheckId, ValidateProblem } from '../core/validate/model.js';
import { CfgmigError } from '../errors.js';

export function problemOf(check: CheckId, err: unknown, service?: string): ValidateProblem {
  const e = err instanceof CfgmigError ? err : null;
  const text = err instanceof Error ? err.message : String(err);
  // Messages of CfgmigError often start with their own `file:line:`; the problem carries those.
  const message = e?.file && text.startsWith(`${e.file}:`) ? text.replace(/^[^:]+(?::\d+)?:\s*/, '') : text;
  return {
    check,
    ...(service ? { service } : {}),
    severity: 'error',
    rule: `invalid-${check}`,
    message,
    ...(e?.file ? { file: e.file } : {}),
    ...(e?.line ? { line: e.line } : {}),
  };
}

export async function ruleProblems(project: ProjectConfig): Promise<ValidateProblem[]> {
  const files = (await glob(project.rules, { cwd: project.root, onlyFiles: true, expandDirectories: false }))
    .map((f) => f.replaceAll('\\', '/'))
    .sort();
  const out: ValidateProblem[] = [];
  const names = new Map<string, string>();
  for (const file of files) {
    const read = await readTextFile(resolve(project.root, file));
    try {
      if (!read.ok) throw new CfgmigError('badInput', `${file}: ${read.message}`, { file });
      const rule = parseRuleFile(file, read.text);
      const other = names.get(rule.name);
      if (other)
        throw new CfgmigError('badInput', `${file}:1: rule ${rule.name} is also defined in ${other}`, {
          file,
          line: 1,
        });
      names.set(rule.name, file);
    } catch (err) {
      out.push(problemOf('rules', err));
    }
  }
  return out;
}

export async function planFiles(
  project: ProjectConfig,
): Promise<{ plans: { file: string; doc: PlanDoc }[]; problems: ValidateProblem[] }> {
  const files = (await glob(`${project.plans}/*.plan.yaml`, { cwd: project.root, onlyFiles: true })).sort();
  const plans: { file: string; doc: PlanDoc }[] = [];
  const problems: ValidateProblem[] = [];
  for (const file of files) {
    try {
      plans.push({ file, doc: await readPlanFile(resolve(project.root, file), file) });
    } catch (err) {
      problems.push(problemOf('plans', err));
    }
  }
  return { plans, problems };
}
