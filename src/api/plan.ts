/**
 * `plan` as a function: for each selected service, what the running service sees in the
 * environment (precedence), mapped by the rules, compared with the store's current version,
 * checked against the service's schema → one plan document per service. `apply` calls the
 * same function to re-plan from the sources at the moment it writes, and compares.
 *
 * The result also carries the inputs with their plaintext values, for `apply` only: nothing
 * that prints or writes a file may take them.
 */
import { actor } from '../adapters/identity.js';
import { loadKeyring } from '../adapters/master-key.js';
import { validateServiceConfig } from '../adapters/service-schema.js';
import { readVersion } from '../adapters/store/configs.js';
import type { Db } from '../adapters/store/db.js';
import { referencedFingerprints } from '../adapters/store/referenced-secrets.js';
import { loadProject } from '../config/load.js';
import type { ProjectConfig } from '../config/project.js';
import { loadRules } from '../config/rules.js';
import type { Keyring } from '../core/crypto/keyring.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import type { Problem } from '../core/extract/types.js';
import { canarySchedule } from '../core/plan/canary-schedule.js';
import type { MappedValue, PlanInput, RuleProblem } from '../core/plan/model.js';
import { buildPlan, plannedConfig, type PlanDoc } from '../core/plan/plan-doc.js';
import { applyRules, appliesTo } from '../core/plan/rules.js';
import { badInput } from '../errors.js';
import { planInputs } from './plan-inputs.js';

export interface PlanRequest {
  project: string;
  /** Service ids; every service when empty. */
  services: string[];
  environment?: string;
  env: Record<string, string | undefined>;
}

export interface ServicePlan {
  doc: PlanDoc;
  /** For apply only: the mapped values, and the inputs holding plaintext. Never print these. */
  mapped: MappedValue[];
  inputs: PlanInput[];
}

export interface PlanSet {
  project: ProjectConfig;
  environment: string;
  keys: Keyring;
  plans: ServicePlan[];
  /** Extraction problems of the selected services' files. */
  problems: Problem[];
}

/** The environment a command works on: --env, else `production` when the project has it. */
export function chooseEnvironment(project: ProjectConfig, requested: string | undefined): string {
  const declared = Object.keys(project.environments);
  const environment = requested ?? (declared.includes('production') ? 'production' : undefined);
  if (environment === undefined) {
    throw badInput('choose an environment with --env', {
      hint: `Environments of this project: ${declared.join(', ')}.`,
    });
  }
  if (!declared.includes(environment)) {
    throw badInput(`unknown environment ${environment}`, {
      hint: `Environments of this project: ${declared.join(', ')}.`,
    });
  }
  return environment;
}

/** Plans every selected service against the open store `db`. */
export async function makePlans(req: PlanRequest, db: Db): Promise<PlanSet> {
  const project = await loadProject(req.project, req.env);
  const environment = chooseEnvironment(project, req.environment);
  const keys = await loadKeyring(project.root, req.env, project.masterKey);
  const fingerprint = fingerprinter(keys.primary);
  const rules = await loadRules(project);
  const found = await planInputs(project, req.services, environment, req.env, keys.primary);
  const who = actor(req.env);
  const plans: ServicePlan[] = [];
  for (const s of found.services) {
    const svc = project.services.find((x) => x.id === s.service)!;
    const current = await readVersion(db, s.service, environment);
    const base = {
      version: current?.version ?? 0,
      checksum: current?.checksum ?? null,
      data: current?.data ?? {},
    };
    const storedCredentials = await referencedFingerprints(db, keys, s.service, base.data, fingerprint, who);
    const mapping = applyRules(rules, s.service, s.inputs, fingerprint);
    const validation = await validateServiceConfig(project.root, svc, plannedConfig(mapping.mapped));
    const warnings: RuleProblem[] = s.warnings.map((w) => ({
      severity: 'warning',
      message: w.message,
      input: w.name,
      file: w.source.file,
      line: w.source.line,
    }));
    const doc = buildPlan({
      service: s.service,
      environment,
      inputs: s.inputs,
      // Only the rule files that apply to this service: editing another service's rules
      // does not make this plan stale.
      rules: Object.fromEntries(
        rules.filter((r) => appliesTo(r, s.service)).map((r): [string, string] => [r.file, r.hash ?? '']),
      ),
      mapping,
      base,
      storedCredentials,
      validation,
      canary: canarySchedule(svc),
      ...(svc.restart ? { restart: svc.restart } : {}),
      problems: warnings,
    });
    plans.push({ doc, mapped: mapping.mapped, inputs: s.inputs });
  }
  return { project, environment, keys, plans, problems: found.problems };
}
