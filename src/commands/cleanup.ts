/** `cfgmig cleanup`: after finalize, the compose files without the migrated variables, as a diff (`--write` writes). */
import { resolve } from 'node:path';
import { cleanupPlan } from '../api/cleanup.js';
import { chooseEnvironment } from '../api/plan.js';
import { openStore } from '../adapters/store/open.js';
import { loadProject } from '../config/load.js';
import { ExitCode } from '../errors.js';
import { cleanupText } from '../output/cleanup-view.js';
import type { Io } from '../output/terminal.js';

export interface CleanupOptions {
  project: string;
  service?: string[];
  all?: boolean;
  env?: string;
  write?: boolean;
  json?: boolean;
}

export async function run(opts: CleanupOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  const environment = chooseEnvironment(await loadProject(root, io.env), opts.env);
  const db = await openStore(root, io.env);
  try {
    const result = await cleanupPlan(db, {
      project: root,
      ...(opts.service ? { services: opts.service } : {}),
      ...(opts.all ? { all: true } : {}),
      environment,
      env: io.env,
      write: Boolean(opts.write),
    });
    io.stdout.write(
      opts.json ? `${JSON.stringify({ formatVersion: 1, ...result }, null, 2)}\n` : cleanupText(result),
    );
    return result.services.some((s) => s.finalized) ? ExitCode.ok : ExitCode.failed;
  } finally {
    await db.close();
  }
}
