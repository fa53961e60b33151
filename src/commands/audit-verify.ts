/** `cfgmig audit verify`: recompute the audit log's hash chain and name the first broken row. */
import { resolve } from 'node:path';
import { verifyAudit } from '../adapters/store/audit.js';
import { openStore } from '../adapters/store/open.js';
import { ExitCode } from '../errors.js';
import type { Io } from '../output/terminal.js';

export interface AuditVerifyOptions {
  project: string;
  json?: boolean;
}

export async function run(opts: AuditVerifyOptions, io: Io): Promise<number> {
  const db = await openStore(resolve(opts.project), io.env);
  try {
    const { rows, brokenId } = await verifyAudit(db);
    const intact = brokenId === null;
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ formatVersion: 1, intact, rows, brokenId }, null, 2)}\n`);
    } else if (intact) {
      io.stdout.write(`audit chain intact (${rows} rows)\n`);
    } else {
      io.stdout.write(
        `audit chain broken at row ${brokenId}: it was edited, or a row before it was deleted\n` +
          'Compare that row with a backup of the store; rows after it cannot be trusted either.\n',
      );
    }
    return intact ? ExitCode.ok : ExitCode.failed;
  } finally {
    await db.close();
  }
}
