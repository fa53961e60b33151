/**
 * `cfgmig validate` as a function (DESIGN.md "Validate (CI)"). Without a store: the project file,
 * the rules and the plan files against their schemas; each plan fresh against its sources
 * (planned again, as `apply` does, and compared key by key: values and fingerprints); every
 * inventory entry mapped or ignored; the planned configuration valid against the service's
 * schema; no plaintext credential in the files that are committed. With the project's store
 * (validate-store.ts): legacy and store values key by key, and reversibility on a scratch store.
 *
 * Planning here runs against an empty in-memory stand-in for the store (as the committed-plans
 * test plans "against an empty store"), so these checks need no store and never create one.
 */
import { resolve } from 'node:path';
import { loadKeyring } from '../adapters/master-key.js';
import type { Db } from '../adapters/store/db.js';
import { loadProject } from '../config/load.js';
import type { ProjectConfig } from '../config/project.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import {
  CHECKS,
  finishReport,
  sourceStaleReasons,
  VALIDATE_FORMAT_VERSION,
  type CheckResult,
  type ValidateProblem,
  type ValidateReport,
} from '../core/validate/model.js';
import { CfgmigError } from '../errors.js';
import { chooseEnvironment, makePlans, type PlanSet } from './plan.js';
import { plaintextProblems } from './validate-files.js';
import { planFiles, problemOf, ruleProblems } from './validate-schemas.js';
import { storeChecks } from './validate-store.js';

export interface ValidateRequest {
  project: string;
  /** Service ids; every service when empty. */
  services: string[];
  environment?: string;
  env: Record<string, string | undefined>;
  /** false: skip the checks that need the store (--no-store). */
  store: boolean;
}

/** A store that holds nothing: planning against it is planning "against an empty store". */
const EMPTY_STORE: Db = {
  kind: 'embedded',
  location: '(none)',
  query: () => Promise.resolve([]),
  exec: () => Promise.resolve(),
  transaction: (fn) => fn(EMPTY_STORE),
  session: (fn) => fn(EMPTY_STORE),
  close: () => Promise.resolve(),
};

export async function validateProject(req: ValidateRequest): Promise<ValidateReport> {
  const root = resolve(req.project);
  const checks: CheckResult[] = [];
  const problems: ValidateProblem[] = [];
  const notes: string[] = [];
  const base: {
    formatVersion: typeof VALIDATE_FORMAT_VERSION;
    project: string;
    values: ValidateReport['values'];
    notes: string[];
  } = { formatVersion: VALIDATE_FORMAT_VERSION, project: root, values: [], notes };
  let project: ProjectConfig;
  try {
    project = await loadProject(root, req.env);
  } catch (err) {
    problems.push(problemOf('project', err));
    return finishReport({
      ...base,
      environment: req.environment ?? '',
      services: [],
      checks: [{ check: 'project', service: null, status: 'fail' }],
      problems,
    });
  }
  checks.push({ check: 'project', service: null, status: 'pass' });
  const environment = chooseEnvironment(project, req.environment);
  const unknown = req.services.filter((s) => !project.services.some((x) => x.id === s));
  if (unknown.length > 0) throw new CfgmigError('badInput', `unknown service ${unknown.join(', ')}`);
  const services = req.services.length > 0 ? req.services : project.services.map((s) => s.id);

  const rules = await ruleProblems(project);
  problems.push(...rules);
  checks.push({ check: 'rules', service: null, status: 'pass' });
  const read = await planFiles(project);
  problems.push(...read.problems);
  checks.push({ check: 'plans', service: null, status: 'pass', note: `${read.plans.length} plan files` });

  let set: PlanSet | null = null;
  if (rules.length === 0) {
    try {
      set = await makePlans({ project: root, services, environment, env: req.env }, EMPTY_STORE);
    } catch (err) {
      problems.push(problemOf('fresh', err));
    }
  }
  const stale = new Map<string, Set<string>>();
  for (const service of services) {
    const now = set?.plans.find((p) => p.doc.service === service);
    if (!now) {
      const why = rules.length > 0 ? 'the rules are invalid' : 'planning failed';
      for (const check of ['fresh', 'mapped', 'schema'] as const)
        checks.push({ check, service, status: 'skipped', note: why });
      continue;
    }
    const committed = read.plans.find((p) => p.doc.service === service && p.doc.environment === environment);
    const keys = new Set<string>();
    stale.set(service, keys);
    if (!committed) {
      problems.push({
        check: 'fresh',
        service,
        severity: 'pending',
        rule: 'plan-missing',
        message: `no plan for ${service}/${environment} in ${project.plans}/: run \`cfgmig plan --service ${service} --env ${environment}\``,
      });
    } else {
      for (const r of sourceStaleReasons(committed.doc, now.doc)) {
        if (r.change) keys.add(r.change.key);
        problems.push({
          check: 'fresh',
          service,
          severity: 'pending',
          rule: 'plan-pending',
          message: `${committed.file} is behind its sources: ${r.message}`,
          ...(r.change?.source
            ? { file: r.change.source.file, line: r.change.source.line }
            : { file: committed.file }),
          ...(r.change ? { key: r.change.key } : {}),
        });
      }
    }
    checks.push({ check: 'fresh', service, status: 'pass' });
    for (const u of now.doc.unmapped) {
      problems.push({
        check: 'mapped',
        service,
        severity: 'error',
        rule: 'unmapped-entry',
        message: `${u.name} (${u.kind}, ${u.classification}) is neither mapped nor ignored by any rule`,
        file: u.source.file,
        line: u.source.line,
        key: u.name,
      });
    }
    for (const p of now.doc.problems) {
      problems.push({
        check: 'mapped',
        service,
        severity: p.severity === 'error' ? 'error' : 'warning',
        rule: p.severity === 'error' ? 'rule-error' : 'rule-warning',
        message: p.message,
        ...(p.file ? { file: p.file } : {}),
        ...(p.line ? { line: p.line } : {}),
        ...(p.input ? { key: p.input } : {}),
      });
    }
    checks.push({
      check: 'mapped',
      service,
      status: 'pass',
      note: `${now.doc.changes.length} keys, ${now.doc.ignored.length} ignored`,
    });
    const v = now.doc.validation;
    for (const e of v.errors) {
      problems.push({
        check: 'schema',
        service,
        severity: 'error',
        rule: 'schema-violation',
        message: `${e.path} ${e.message} (${v.schema})`,
        ...(v.schema ? { file: v.schema } : {}),
        key: e.path,
      });
    }
    checks.push({
      check: 'schema',
      service,
      status: v.schema ? 'pass' : 'skipped',
      ...(v.schema ? {} : { note: 'no JSON Schema for this service' }),
    });
  }
  for (const p of set?.problems ?? []) {
    if (p.severity === 'error')
      problems.push({
        check: 'mapped',
        severity: 'error',
        rule: 'unreadable-source',
        message: p.message,
        file: p.file,
        line: p.line,
      });
  }

  const keys = set?.keys ?? (await loadKeyring(project.root, req.env, project.masterKey));
  const shadowed = new Set(
    (set?.plans ?? []).flatMap((p) =>
      p.doc.problems
        .filter((x) => x.severity === 'warning' && x.file && /shadowed/.test(x.message))
        .map((x) => `${x.file}:${x.line}`),
    ),
  );
  const scan = await plaintextProblems({
    project,
    services,
    plans: read.plans,
    fingerprint: fingerprinter(keys.primary),
    shadowed,
  });
  notes.push(...scan.notes);
  problems.push(...scan.problems);
  checks.push({ check: 'plaintext', service: null, status: 'pass', note: `${scan.scanned} files scanned` });
  for (const service of services) checks.push({ check: 'plaintext', service, status: 'pass' });

  if (!req.store) {
    notes.push('--no-store: legacy/store values and reversibility not checked');
    for (const service of services) {
      checks.push({ check: 'values', service, status: 'skipped', note: '--no-store' });
      checks.push({ check: 'reversible', service, status: 'skipped', note: '--no-store' });
    }
  } else if (!set) {
    for (const service of services) {
      for (const check of ['values', 'reversible'] as const)
        checks.push({ check, service, status: 'skipped', note: 'planning failed' });
    }
  } else {
    const s = await storeChecks({
      root,
      environment,
      set,
      committed: read.plans,
      stale,
      env: req.env,
      services,
    });
    checks.push(...s.checks);
    problems.push(...s.problems);
    notes.push(...s.notes);
    base.values = s.values;
  }
  const order = Object.keys(CHECKS);
  checks.sort(
    (a, b) =>
      order.indexOf(a.check) - order.indexOf(b.check) || (a.service ?? '').localeCompare(b.service ?? ''),
  );
  return finishReport({ ...base, environment, services, checks, problems });
}
