/** `cfgmig status`: per service and environment, the store version, the flags and the newest migration. */
import { resolve } from 'node:path';
import { openStore } from '../adapters/store/open.js';
import { serviceStatus, type CanaryStatus } from '../adapters/store/status.js';
import { ExitCode } from '../errors.js';
import { table } from '../output/table.js';
import type { Io } from '../output/terminal.js';
import { percent } from '../output/percent.js';

/** The last canary of a service: state, step, what decided it, and its step's last verdict per gate. */
function canaryLines(at: string, c: CanaryStatus): string {
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
  return `${lines.join('\n')}\n`;
}

export interface StatusOptions {
  project: string;
  service?: string;
  env?: string;
  json?: boolean;
}

export async function run(opts: StatusOptions, io: Io): Promise<number> {
  const db = await openStore(resolve(opts.project), io.env);
  try {
    const rows = await serviceStatus(db, {
      ...(opts.service ? { service: opts.service } : {}),
      ...(opts.env ? { environment: opts.env } : {}),
    });
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ formatVersion: 1, services: rows }, null, 2)}\n`);
    } else if (rows.length === 0) {
      io.stdout.write('nothing migrated yet: plan and apply a service first\n');
    } else {
      const cells = rows.map((r) => [
        r.service,
        r.environment,
        r.version === 0 ? '-' : `v${r.version}`,
        r.flag ? `${r.flag.mode} ${percent(r.flag.percentBp)}` : '-',
        r.keyFlags.length === 0 ? '' : `+${r.keyFlags.length} key flag${r.keyFlags.length === 1 ? '' : 's'}`,
        r.migration ? `${r.migration.status} ${r.migration.id}` : '-',
      ]);
      io.stdout.write(table(['SERVICE', 'ENV', 'VERSION', 'FLAG', 'KEYS', 'MIGRATION'], cells));
      for (const r of rows)
        if (r.canary) io.stdout.write(canaryLines(`${r.service}/${r.environment}`, r.canary));
    }
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
