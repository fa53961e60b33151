/**
 * Human view of `cfgmig validate`: per service, each check's verdict and one line per problem
 * with its file and line; then the project-wide checks, notes and a summary. Never a value.
 */
import { CHECKS, type ValidateProblem, type ValidateReport } from '../core/validate/model.js';
import type { ChalkInstance } from 'chalk';

const at = (p: ValidateProblem): string => (p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : '');

export function validateView(r: ValidateReport, c: ChalkInstance): string {
  const lines: string[] = [
    c.bold(`cfgmig validate: ${r.environment || '(no environment)'}, ${r.services.length} services`),
  ];
  const mark = { pass: c.green('✓'), fail: c.red('✗'), pending: c.yellow('~'), skipped: c.dim('–') };
  const sev = { error: c.red('error'), pending: c.yellow('pending'), warning: c.yellow('warning') };
  for (const service of [null, ...r.services]) {
    const checks = r.checks.filter((x) => x.service === service);
    const problems = r.problems.filter((p) => (p.service ?? null) === service);
    if (checks.length === 0 && problems.length === 0) continue;
    lines.push('', c.bold(service ?? 'project'));
    for (const x of checks) {
      lines.push(`  ${mark[x.status]} ${x.check}: ${CHECKS[x.check]}${x.note ? c.dim(` (${x.note})`) : ''}`);
      for (const p of problems.filter((q) => q.check === x.check))
        lines.push(`      ${sev[p.severity]} ${at(p)}${p.message}`);
    }
    const listed = new Set(checks.map((x) => x.check));
    for (const p of problems.filter((q) => !listed.has(q.check)))
      lines.push(`  ${sev[p.severity]} ${at(p)}${p.message}`);
  }
  for (const n of r.notes) lines.push(c.dim(`note: ${n}`));
  const s = r.summary;
  const verdict =
    r.outcome === 'valid'
      ? c.green('valid')
      : r.outcome === 'pending'
        ? c.yellow('plans pending')
        : c.red('problems found');
  lines.push(
    '',
    `${verdict}: ${s.errors} problems, ${s.pending} pending, ${s.warnings} warnings (${s.checks} checks, ${s.failed} failed)`,
  );
  return `${lines.join('\n')}\n`;
}
