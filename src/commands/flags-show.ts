/** `cfgmig flags show`: the migration flags, per service, environment and key. */
import { resolve } from 'node:path';
import { listFlags } from '../adapters/store/flags.js';
import { openStore } from '../adapters/store/open.js';
import { ExitCode } from '../errors.js';
import { percent } from '../output/percent.js';
import { table } from '../output/table.js';
import type { Io } from '../output/terminal.js';

export interface FlagsShowOptions {
  project: string;
  service?: string;
  env?: string;
  json?: boolean;
}

export async function run(opts: FlagsShowOptions, io: Io): Promise<number> {
  const db = await openStore(resolve(opts.project), io.env);
  try {
    const flags = await listFlags(db, {
      ...(opts.service ? { service: opts.service } : {}),
      ...(opts.env ? { environment: opts.env } : {}),
    });
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ formatVersion: 1, flags }, null, 2)}\n`);
    } else if (flags.length === 0) {
      io.stdout.write('no migration flags (apply a plan to create them)\n');
    } else {
      const rows = flags.map((f) => [
        f.service,
        f.environment,
        f.key,
        f.mode,
        percent(f.percentBp),
        f.migrationId ?? '-',
        f.updatedAt.toISOString(),
      ]);
      io.stdout.write(table(['SERVICE', 'ENV', 'KEY', 'MODE', 'STORE', 'MIGRATION', 'UPDATED'], rows));
    }
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
