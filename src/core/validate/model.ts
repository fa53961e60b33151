/**
 * What `cfgmig validate` reports (DESIGN.md "Validate (CI)"): a list of checks, each for the
 * project or for one service, and the problems they found, each with file and line where there
 * is one. Pure. Nothing here ever holds a credential's value: messages name keys, files, lines
 * and fingerprints' verdicts only.
 */
import { canonicalJson } from '../store/canonical.js';
import type { PlanChange, PlanDoc } from '../plan/plan-doc.js';

export const VALIDATE_FORMAT_VERSION = 1 as const;

/** The checks, in the order they run and are shown. */
export const CHECKS = {
  project: 'cfgmig.yaml valid against schema/cfgmig.schema.json',
  rules: 'rule files valid against schema/rules.schema.json',
  plans: 'plan files readable, checksums verify',
  fresh: 'plan fresh against its sources',
  mapped: 'every inventory entry mapped or ignored',
  schema: "planned configuration valid against the service's JSON Schema",
  plaintext: 'no plaintext credential in compose, config, committed .env or plan files',
  values: 'legacy and store values equal, key by key',
  reversible: 'apply → rollback → apply ends where apply did (scratch store)',
} as const;
export type CheckId = keyof typeof CHECKS;

/**
 * error: a problem (exit 1). pending: a plan is behind its sources (exit 10 with
 * --detailed-exitcode). warning: reported, never fails the run.
 */
export type Severity = 'error' | 'pending' | 'warning';

export interface ValidateProblem {
  check: CheckId;
  /** The service concerned; absent for the project as a whole. */
  service?: string;
  severity: Severity;
  /** Stable id of the kind of problem (SARIF ruleId): `plaintext-credential`, `value-mismatch` … */
  rule: string;
  message: string;
  file?: string;
  line?: number;
  /** The configuration key or variable concerned. */
  key?: string;
}

export type CheckStatus = 'pass' | 'fail' | 'pending' | 'skipped';

export interface CheckResult {
  check: CheckId;
  /** null: the project as a whole. */
  service: string | null;
  status: CheckStatus;
  /** Why skipped, or a count ("57 keys compared"). */
  note?: string;
}

export type KeyStatus = 'MATCH' | 'MISMATCH' | 'ERROR';

/** One key of one service, as the specification's validateMigration reports it (never a value). */
export interface KeyComparison {
  key: string;
  status: KeyStatus;
  kind: 'setting' | 'credential';
  /** Why it differs or could not be compared; for credentials only "fingerprints differ". */
  detail?: string;
  /** MISMATCH explained by a pending change of the sources (a plan not applied yet). */
  pending?: boolean;
}

export interface ServiceValues {
  service: string;
  environment: string;
  totalKeys: number;
  matches: number;
  mismatches: number;
  errors: number;
  details: KeyComparison[];
}

export interface ValidateReport {
  formatVersion: typeof VALIDATE_FORMAT_VERSION;
  project: string;
  environment: string;
  services: string[];
  checks: CheckResult[];
  problems: ValidateProblem[];
  values: ServiceValues[];
  notes: string[];
  summary: { errors: number; pending: number; warnings: number; checks: number; failed: number };
  /** What the exit code says: clean, problems, or only pending plans. */
  outcome: 'valid' | 'problems' | 'pending';
}

/** Fills in each check's status from its problems and the summary. */
export function finishReport(
  r: Omit<ValidateReport, 'summary' | 'outcome' | 'checks'> & { checks: CheckResult[] },
): ValidateReport {
  const checks = r.checks.map((c): CheckResult => {
    if (c.status === 'skipped') return c;
    const mine = r.problems.filter(
      (p) => p.check === c.check && (p.service ?? null) === c.service && p.severity !== 'warning',
    );
    const status: CheckStatus = mine.some((p) => p.severity === 'error')
      ? 'fail'
      : mine.length > 0
        ? 'pending'
        : 'pass';
    return { ...c, status };
  });
  const count = (s: Severity) => r.problems.filter((p) => p.severity === s).length;
  const summary = {
    errors: count('error'),
    pending: count('pending'),
    warnings: count('warning'),
    checks: checks.length,
    failed: checks.filter((c) => c.status === 'fail').length,
  };
  const outcome = summary.errors > 0 ? 'problems' : summary.pending > 0 ? 'pending' : 'valid';
  return { ...r, checks, summary, outcome };
}

/** Exit code: 0 valid, 1 problems (they win), 10 pending with --detailed-exitcode (else 0). */
export function exitCodeOf(report: ValidateReport, detailed: boolean): number {
  if (report.outcome === 'problems') return 1;
  if (report.outcome === 'pending' && detailed) return 10;
  return 0;
}

const where = (c: PlanChange): string => (c.source ? ` (${c.source.file}:${c.source.line})` : '');

/**
 * How a committed plan differs from planning its sources now, whatever the store holds: keys,
 * values (settings) and fingerprints (credentials), the inputs' fingerprint and the rule files.
 * Unlike apply's staleReasons it ignores the base version and the ops (`set` / `unchanged`), so
 * a plan that has been applied is still fresh. Never a credential's value.
 */
export function sourceStaleReasons(
  planned: PlanDoc,
  now: PlanDoc,
): { message: string; change?: PlanChange }[] {
  const out: { message: string; change?: PlanChange }[] = [];
  const keep = (c: PlanChange) => c.op !== 'remove';
  const before = new Map(planned.changes.filter(keep).map((c) => [c.key, c]));
  const after = new Map(now.changes.filter(keep).map((c) => [c.key, c]));
  for (const [key, a] of before) {
    const b = after.get(key);
    if (!b) out.push({ message: `${key}: planned, but nothing sets it any more`, change: a });
    else if (a.kind !== b.kind)
      out.push({ message: `${key}: now a ${b.kind}, planned as a ${a.kind}`, change: b });
    else if (a.kind === 'credential') {
      if (a.fingerprint !== b.fingerprint)
        out.push({ message: `${key}: the credential changed since the plan${where(b)}`, change: b });
    } else if (canonicalJson(a.value ?? null) !== canonicalJson(b.value ?? null)) {
      out.push({
        message: `${key}: planned ${canonicalJson(a.value ?? null)}, now ${canonicalJson(b.value ?? null)}${where(b)}`,
        change: b,
      });
    }
  }
  for (const [key, b] of after)
    if (!before.has(key)) out.push({ message: `${key}: new since the plan${where(b)}`, change: b });
  for (const [file, hash] of Object.entries(now.inputs.rules)) {
    if (planned.inputs.rules[file] !== hash)
      out.push({ message: `rule file ${file} changed since the plan` });
  }
  for (const file of Object.keys(planned.inputs.rules)) {
    if (!(file in now.inputs.rules)) out.push({ message: `rule file ${file} no longer applies` });
  }
  if (out.length === 0 && planned.inputs.inventory !== now.inputs.inventory) {
    out.push({ message: 'its sources changed since the plan (inventory fingerprint differs)' });
  }
  return out;
}
