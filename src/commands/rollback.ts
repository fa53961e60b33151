/**
 * `cfgmig rollback`: executes the rollback plan `apply` recorded for a migration (api/rollback.ts)
 * and reports each step, the verification of the store and of what was published, and a
 * summary. Exit 0 rolled back (or already was), 1 a critical step or the verification failed,
 * 2 bad input, 3 a canary's lease or the writer lock is held by someone else.
 */
import { resolve } from 'node:path';
import { chooseEnvironment } from '../api/plan.js';
import { rollbackMigration, type RollbackOutcome, type RollbackStepResult } from '../api/rollback.js';
import { openStore } from '../adapters/store/open.js';
import { loadProject } from '../config/load.js';
import { parseDuration } from '../core/plan/duration.js';
import { badInput, ExitCode } from '../errors.js';
import { redisWarning } from '../output/published-view.js';
import { painter, type Io } from '../output/terminal.js';

export interface RollbackOptions {
  project: string;
  service: string;
  env?: string;
  migration?: string;
  reason?: string;
  restartTimeout?: string;
  json?: boolean;
}

const DEFAULT_REASON = 'manual rollback';

function restartTimeoutMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text, '--restart-timeout');
  if (!Number.isInteger(ms) || ms <= 0) throw badInput(`--restart-timeout must be positive, got "${text}"`);
  return ms;
}

function human(o: RollbackOutcome, reason: string, io: Io): string {
  const c = painter(io.stdout, io.env);
  const mark = (s: RollbackStepResult) => (s.skipped ? c.dim('–') : s.ok ? c.green('✓') : c.red('✗'));
  const width = Math.max(...o.steps.map((s) => s.action.length), 1);
  const lines = [c.bold(`rollback of ${o.migrationId} (${o.service}/${o.environment}): ${reason}`)];
  for (const s of o.steps) {
    const note = !s.ok && !s.skipped && !s.critical ? ' (not critical: the rest went on)' : '';
    lines.push(
      `  ${mark(s)} ${s.action.padEnd(width)}  ${s.skipped ? 'skipped: ' : ''}${s.detail}${note}  ${c.dim(`${s.ms} ms`)}`,
    );
  }
  lines.push(c.bold('verification'));
  for (const v of o.verification.checks)
    lines.push(`  ${v.ok ? c.green('✓') : c.red('✗')} ${v.name}: ${v.detail}`);
  const failedSteps = o.steps.filter((s) => !s.ok && !s.skipped);
  const what = `${o.service}/${o.environment}`;
  let summary: string;
  if (o.status === 'already_rolled_back') {
    summary = `${what}: migration ${o.migrationId} was already rolled back; published again and verified`;
  } else if (o.status === 'failed') {
    const failed = failedSteps.find((s) => s.critical);
    summary = `${what}: rollback FAILED at ${failed?.action ?? 'a critical step'}; migration ${o.migrationId} is marked failed — fix the cause and run \`cfgmig rollback --service ${o.service} --env ${o.environment}\` again`;
  } else {
    const nonCritical = failedSteps.length;
    summary = `${what}: rolled back migration ${o.migrationId} in ${o.ms} ms${nonCritical > 0 ? `; ${nonCritical} non-critical step${nonCritical === 1 ? '' : 's'} failed` : ''}`;
  }
  if (o.status !== 'failed' && !o.verification.ok) summary += '; VERIFICATION FAILED (see above)';
  lines.push(o.status === 'failed' || !o.verification.ok ? c.red(summary) : summary);
  return `${lines.join('\n')}\n`;
}

export async function run(opts: RollbackOptions, io: Io): Promise<number> {
  const reason = opts.reason ?? DEFAULT_REASON;
  if (reason.trim() === '') throw badInput('--reason must say why (it goes to the audit log)');
  const timeout = restartTimeoutMs(opts.restartTimeout);
  const root = resolve(opts.project);
  const project = await loadProject(root, io.env);
  const environment = chooseEnvironment(project, opts.env);
  const db = await openStore(root, io.env);
  try {
    const outcome = await rollbackMigration(db, {
      project: root,
      service: opts.service,
      environment,
      ...(opts.migration !== undefined ? { migrationId: opts.migration } : {}),
      env: io.env,
      reason,
      ...(timeout !== undefined ? { restartTimeoutMs: timeout } : {}),
    });
    const warning = outcome.published
      ? redisWarning(outcome.service, outcome.environment, outcome.published.redis)
      : null;
    if (warning) io.stderr.write(warning);
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, reason, ...outcome }, null, 2)}\n`
        : human(outcome, reason, io),
    );
    return outcome.status === 'failed' || !outcome.verification.ok ? ExitCode.failed : ExitCode.ok;
  } finally {
    await db.close();
  }
}
