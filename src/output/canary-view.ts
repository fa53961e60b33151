/**
 * How a canary run reads: one line per event for logs and CI (stderr), a one-line status for
 * a terminal's progress (listr2), and the summary at the end (stdout). Measurements show
 * their reason, never a response body or a value.
 */
import type { CanaryEvent, CanaryResult } from '../api/canary.js';
import type { FleetEntry } from '../api/canary-fleet.js';
import type { Measurement } from '../core/canary/gate-model.js';
import { percent } from './percent.js';

export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
}

const clock = (t: number): string => new Date(t).toISOString().slice(11, 19);
const mark = (m: Measurement): string => (m.verdict === 'pass' ? '✓' : m.verdict === 'fail' ? '✗' : '?');

/** A plain line for an event, or null for events a log need not show. */
export function eventLine(service: string, e: CanaryEvent, steps: number): string | null {
  const at = `[${service}]`;
  switch (e.type) {
    case 'run':
      return e.runId === null
        ? `${at} dry run: judging ${e.plan.gates.length} gate${e.plan.gates.length === 1 ? '' : 's'} live, no flag moves`
        : `${at} canary run ${e.runId}${e.resumedAt === null ? '' : `, resumed at step ${e.resumedAt + 1}`}: ${e.plan.steps.map((s) => percent(s.percentBp)).join(' → ')} (${e.plan.basis}), ${e.plan.gates.length} gate${e.plan.gates.length === 1 ? '' : 's'}`;
    case 'baseline':
      return `${at} baseline ${e.gate}: ${e.baseline === null ? 'none needed' : JSON.stringify(e.baseline)}`;
    case 'step':
      return `${at} step ${e.index + 1}/${steps}: ${percent(e.percentBp)} of reads on the store, baking ${duration(e.bakeMs)} (until ${clock(e.startedAt + e.bakeMs)} UTC at the earliest)`;
    case 'measurement':
      return `${at}   ${mark(e.measurement)} ${e.measurement.gate}: ${e.measurement.reason} (${e.tally.samples} samples, ${e.tally.failures} failed)`;
    case 'step-passed':
      return `${at} step ${e.index + 1}/${steps} passed`;
    case 'decision':
      return `${at} ${e.kind === 'fail' ? 'gate failed' : 'paused'}: ${e.why}`;
    case 'rollback':
      return `${at} rolled back: ${e.outcome.steps.map((s) => `${s.action} ${s.ok ? (s.skipped ? 'skipped' : 'ok') : 'FAILED'}`).join(', ')}`;
  }
}

/** The status a terminal shows for a running service: step, share, time left, each gate's last verdict. */
export class LiveStatus {
  private step = '';
  private endsAt = 0;
  private readonly last = new Map<string, Measurement>();

  update(e: CanaryEvent, steps: number): void {
    if (e.type === 'step') {
      this.step = `step ${e.index + 1}/${steps} · ${percent(e.percentBp)}`;
      this.endsAt = e.startedAt + e.bakeMs;
      this.last.clear();
    } else if (e.type === 'measurement') {
      this.last.set(e.measurement.gate, e.measurement);
    }
  }

  text(): string {
    const left = Math.max(0, this.endsAt - Date.now());
    const gates = [...this.last.values()].map((m) => `${m.gate} ${mark(m)}`).join('  ');
    return [this.step, this.step ? `${duration(left)} left` : 'starting', gates].filter(Boolean).join(' · ');
  }
}

const OUTCOME: Record<CanaryResult['outcome'], string> = {
  completed: 'completed: 100% of reads on the store',
  rolled_back: 'ROLLED BACK: a gate failed; the service is on its legacy configuration again',
  paused: 'PAUSED: needs a human decision (resume with --resume, or roll back with --abort)',
  aborted: 'aborted and rolled back',
  'dry-run-passed': 'dry run: every gate passed',
  'dry-run-failed': 'dry run: a gate failed',
};

export function summary(r: CanaryResult): string {
  const lines = [
    `${r.service}/${r.environment}: ${OUTCOME[r.outcome]}${r.runId === null ? '' : ` (run ${r.runId}, migration ${r.migrationId})`}`,
  ];
  for (const s of r.steps) lines.push(`  step ${s.index + 1} ${percent(s.percentBp)}: ${s.result}`);
  if (r.decidedBy) {
    lines.push(`  decided at step ${r.decidedBy.step + 1}: ${r.decidedBy.why}`);
    if (r.decidedBy.measurement)
      lines.push(`  measurement: ${JSON.stringify(r.decidedBy.measurement.inputs)}`);
  }
  if (r.rollback) {
    for (const s of r.rollback.steps)
      lines.push(
        `  rollback ${s.action}: ${s.ok ? (s.skipped ? 'skipped' : 'ok') : 'FAILED'} (${s.detail}, ${duration(s.ms)})`,
      );
  }
  if (r.legacyPublishedAfterMs !== undefined)
    lines.push(`  legacy flag published ${duration(r.legacyPublishedAfterMs)} after the failing measurement`);
  return `${lines.join('\n')}\n`;
}

export function fleetSummary(entries: FleetEntry[]): string {
  return entries
    .map((e) =>
      e.status === 'ran'
        ? summary(e.result)
        : e.status === 'skipped'
          ? `${e.service}: skipped: ${e.why}\n`
          : `${e.service}: error: ${e.error.message}\n`,
    )
    .join('');
}
