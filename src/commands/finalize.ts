/** `cfgmig finalize`: a completed canary's service from 100% new_with_fallback to new_only. */
import { resolve } from 'node:path';
import { DEFAULT_GUARD_MS, finalize } from '../api/finalize.js';
import { chooseEnvironment } from '../api/plan.js';
import { openStore } from '../adapters/store/open.js';
import { loadProject } from '../config/load.js';
import { parseDuration } from '../core/plan/duration.js';
import { ExitCode } from '../errors.js';
import { duration } from '../output/canary-view.js';
import { redisWarning } from '../output/published-view.js';
import type { Io } from '../output/terminal.js';

export interface FinalizeOptions {
  project: string;
  service: string;
  env?: string;
  guard?: string;
  json?: boolean;
}

export async function run(opts: FinalizeOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  const environment = chooseEnvironment(await loadProject(root, io.env), opts.env);
  const guardMs = opts.guard === undefined ? DEFAULT_GUARD_MS : parseDuration(opts.guard, '--guard');
  const db = await openStore(root, io.env);
  try {
    const r = await finalize(db, { project: root, service: opts.service, environment, env: io.env, guardMs });
    const warning = r.published ? redisWarning(r.service, r.environment, r.published.redis) : null;
    if (warning) io.stderr.write(warning);
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, ...r }, null, 2)}\n`
        : r.status === 'finalized'
          ? `${r.service}/${r.environment}: new_only after 100% held for ${duration(r.heldMs)}; legacy sources are no longer read (published ${r.published!.path})\n`
          : `${r.service}/${r.environment}: already new_only\n`,
    );
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
