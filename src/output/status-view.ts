/** What `cfgmig status` prints: the table, then per service what is going on (canary, locks, leases, plans). */
import type { CanaryStatus, ServiceStatus } from '../adapters/store/status.js';
import { percent } from './percent.js';
import { printable, table } from './table.js';

/** The last canary of a service: state, step, what decided it, and its step's last verdict per gate. */
function canaryLines(at: string, c: CanaryStatus): string[] {
  const outcome = c.outcome as { why?: string } | null;
  const lines = [
    `${at}: canary run ${c.runId} ${c.state} at step ${c.step} (${percent(c.percentBp)})${outcome?.why ? `: ${outcome.why}` : ''}`,
  ];
  const last = new Map(c.evidence.map((g) => [g.gate, g]));
  for (const g of last.values()) {
    const o = g.observed as { reason?: string };
    lines.push(
      `  ${g.gate}: ${g.verdict ?? (g.passed ? 'pass' : 'fail')} at ${g.at.toISOString()}: ${o.reason ?? ''}`,
    );
  }
  return lines;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function detailLines(r: ServiceStatus): string[] {
  const at = `${printable(r.service)}/${printable(r.environment)}`;
  const lines = r.canary ? canaryLines(at, r.canary) : [];
  for (const l of r.locks ?? [])
    lines.push(`${at}: locked by ${printable(l.holder)} since ${l.since.toISOString()}`);
  for (const l of r.leases ?? [])
    lines.push(
      l.expired
        ? `${at}: canary run ${l.runId} lease of ${printable(l.owner)} expired${l.expiresAt ? ` at ${l.expiresAt.toISOString()}` : ''} (its runner stopped: cfgmig canary --resume takes over)`
        : `${at}: canary run ${l.runId} leased by ${printable(l.owner)} until ${l.expiresAt?.toISOString() ?? '?'}`,
    );
  for (const p of r.pendingPlans ?? []) {
    const s = p.summary;
    const changes = [
      s.set + s['set-credential'] > 0 ? plural(s.set + s['set-credential'], 'set') : '',
      s.remove > 0 ? plural(s.remove, 'removal') : '',
    ].filter(Boolean);
    lines.push(
      `${at}: pending plan ${printable(p.file)} (${changes.join(', ')}, against v${p.baseVersion}): cfgmig apply ${printable(p.file)}`,
    );
  }
  return lines;
}

export function statusText(rows: ServiceStatus[]): string {
  if (rows.length === 0) return 'nothing migrated yet: plan and apply a service first\n';
  const cells = rows.map((r) => [
    printable(r.service),
    printable(r.environment),
    r.version === 0 ? '-' : `v${r.version}`,
    r.flag ? `${r.flag.mode} ${percent(r.flag.percentBp)}` : '-',
    r.keyFlags.length === 0 ? '' : `+${r.keyFlags.length} key flag${r.keyFlags.length === 1 ? '' : 's'}`,
    r.migration ? `${r.migration.status} ${r.migration.id}` : '-',
    r.phase ?? '',
  ]);
  const details = rows.flatMap(detailLines);
  return (
    table(['SERVICE', 'ENV', 'VERSION', 'FLAG', 'KEYS', 'MIGRATION', 'PHASE'], cells) +
    (details.length > 0 ? `${details.join('\n')}\n` : '')
  );
}
