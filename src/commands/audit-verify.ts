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
    const { rows, brokenId, tail } = await verifyAudit(db);
    const intact = brokenId === null && tail === null;
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ formatVersion: 1, intact, rows, brokenId, tail }, null, 2)}\n`);
    } else if (intact) {
      io.stdout.write(`audit chain intact (${rows} rows)\n`);
    } else if (tail) {
      io.stdout.write(
        `audit log ends at row ${tail.lastId ?? '(none)'} (${rows} rows), but the last append recorded row ` +
          `${tail.expectedLastId} (${tail.expectedRows} rows): rows were deleted from its end, or its head was altered\n` +
          'Compare the log with a backup of the store.\n',
      );
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
