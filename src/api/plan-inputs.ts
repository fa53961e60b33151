/**
 * What `plan` starts from: per service, the inputs the running service would see in one
 * environment (core/plan/precedence.ts), over a fresh extraction of the project.
 *
 * The result holds plaintext in PlanInput.value (rules need it to convert settings and to split
 * connection strings) and nowhere else: warnings, shadowed lists and problems carry sources and
 * fingerprints only. Never print a PlanInput as a whole.
 */
import { extractProject } from '../adapters/extract-project.js';
import type { Env } from '../adapters/compose-project.js';
import type { ProjectConfig } from '../config/project.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import { scrubQuotedNames } from '../core/extract/inventory.js';
import type { Problem } from '../core/extract/types.js';
import type { PlanInput } from '../core/plan/model.js';
import { resolvePrecedence, type PrecedenceWarning } from '../core/plan/precedence.js';
import { badInput } from '../errors.js';

export interface ServicePlanInputs {
  service: string;
  inputs: PlanInput[];
  warnings: PrecedenceWarning[];
  /** Files extracted for the service that do not apply to this environment, with why. */
  skipped: { file: string; reason: string }[];
}

export interface PlanInputsResult {
  environment: string;
  services: ServicePlanInputs[];
  /** Extraction problems (unparseable files …), as the inventory reports them. */
  problems: Problem[];
}

/**
 * @param services service ids; all when empty
 * @param env the process environment compose interpolation reads (as for `extract`)
 */
export async function planInputs(
  project: ProjectConfig,
  services: string[],
  environment: string,
  env: Env,
  masterKey: Uint8Array,
): Promise<PlanInputsResult> {
  const declared = Object.keys(project.environments);
  if (!declared.includes(environment)) {
    throw badInput(`unknown environment ${environment}`, {
      hint: `Environments of this project: ${declared.join(', ') || '(none)'}.`,
    });
  }
  const extraction = await extractProject(project, { services, env });
  const fingerprint = fingerprinter(masterKey);
  const out = extraction.services.map((svc): ServicePlanInputs => {
    const result = resolvePrecedence(
      { entries: svc.entries, composeEnvFiles: extraction.composeEnvFiles[svc.service] ?? [] },
      { environment, environments: declared, fingerprint },
    );
    return { service: svc.service, ...result };
  });
  return { environment, services: out, problems: uniqueProblems(extraction.problems) };
}

/** As buildInventory reports them: quoted names that hold a secret redacted, duplicates dropped. */
function uniqueProblems(problems: Problem[]): Problem[] {
  const seen = new Set<string>();
  return problems
    .map((p) => ({ ...p, message: scrubQuotedNames(p.message) }))
    .filter((p) => {
      const key = `${p.file}:${p.line}:${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
