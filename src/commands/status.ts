/**
 * `cfgmig status`: per service and environment, the store version, the flags, the newest
 * migration and its last canary, locks and leases held, and plans waiting to be applied.
 *
 * `--watch [interval]` (default 2s) takes a new snapshot every interval until Ctrl-C, which
 * ends it normally (exit 0). On a terminal the screen is cleared and redrawn; otherwise each
 * snapshot follows the last after a blank line (with --json: one compact JSON object per
 * line). The store is opened for each snapshot and closed again, so the embedded store is not
 * held between them (a canary running meanwhile needs it); a snapshot taken while another
 * process holds it says so and the watch carries on.
 */
import { resolve } from 'node:path';
import { openStore } from '../adapters/store/open.js';
import { serviceStatus, type PlanLocation, type ServiceStatus } from '../adapters/store/status.js';
import { loadProject } from '../config/load.js';
import { phaseOf, type Phase } from '../core/canary/waves.js';
import { parseDuration } from '../core/plan/duration.js';
import { badInput, CfgmigError, ExitCode } from '../errors.js';
import { statusText } from '../output/status-view.js';
import type { Io } from '../output/terminal.js';

export interface StatusOptions {
  project: string;
  service?: string;
  env?: string;
  json?: boolean;
  watch?: boolean | string;
}

export const DEFAULT_WATCH_MS = 2000;

async function snapshot(root: string, opts: StatusOptions, io: Io): Promise<ServiceStatus[]> {
  // Plans live where cfgmig.yaml says; a folder that is no project still has a store to show.
  let plans: PlanLocation = { root, dir: 'plans' };
  const phases = new Map<string, Phase>();
  try {
    const project = await loadProject(root, io.env);
    plans = { root, dir: project.plans };
    for (const s of project.services) phases.set(s.id, phaseOf(s.profile));
  } catch {
    /* no project here: look in plans/ */
  }
  const db = await openStore(root, io.env);
  try {
    const rows = await serviceStatus(
      db,
      {
        ...(opts.service ? { service: opts.service } : {}),
        ...(opts.env ? { environment: opts.env } : {}),
      },
      plans,
    );
    // The rollout phase `canary --phase` puts each service in (from its profile).
    return rows.map((r) => (phases.has(r.service) ? { ...r, phase: phases.get(r.service)! } : r));
  } finally {
    await db.close();
  }
}

const render = (rows: ServiceStatus[], json: boolean | undefined, pretty: boolean): string =>
  json
    ? `${JSON.stringify({ formatVersion: 1, services: rows }, null, pretty ? 2 : undefined)}\n`
    : statusText(rows);

export async function run(opts: StatusOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  if (opts.watch === undefined || opts.watch === false) {
    io.stdout.write(render(await snapshot(root, opts, io), opts.json, true));
    return ExitCode.ok;
  }
  const everyMs = opts.watch === true ? DEFAULT_WATCH_MS : parseDuration(opts.watch, '--watch');
  if (everyMs < 100) throw badInput(`--watch: the interval must be at least 100ms, got ${everyMs}ms`);
  return watch(root, opts, io, everyMs);
}

async function watch(root: string, opts: StatusOptions, io: Io, everyMs: number): Promise<number> {
  const terminal = Boolean(io.stdout.isTTY);
  let stopped = false;
  let wake = (): void => undefined;
  const stop = (): void => {
    stopped = true;
    wake();
  };
  // Ctrl-C is how a watch ends, not a failure: while it runs, it replaces the program's
  // "interrupted, exit 130" handler, which is put back afterwards.
  const previous = process.listeners('SIGINT');
  process.removeAllListeners('SIGINT');
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    let first = true;
    while (!stopped) {
      let text: string;
      try {
        // Off a terminal, --json snapshots are one compact object per line.
        text = render(await snapshot(root, opts, io), opts.json, terminal);
      } catch (err) {
        // The embedded store is busy (a canary or apply holds it): say so and try again next time.
        if (!(err instanceof CfgmigError) || err.code !== 'conflict') throw err;
        text = `store busy: ${err.message}\n`;
      }
      if (stopped) break;
      if (terminal) {
        io.stdout.write(
          `\x1b[H\x1b[2J${`cfgmig status, every ${everyMs / 1000}s, ${new Date().toISOString()} (Ctrl-C to stop)`}\n\n${text}`,
        );
      } else {
        io.stdout.write(`${first || opts.json ? '' : '\n'}${text}`);
      }
      first = false;
      await new Promise<void>((done) => {
        const timer = setTimeout(done, everyMs);
        wake = () => {
          clearTimeout(timer);
          done();
        };
      });
    }
    return ExitCode.ok;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    for (const l of previous) process.on('SIGINT', l as () => void);
  }
}
