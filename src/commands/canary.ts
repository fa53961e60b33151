/**
 * `cfgmig canary`: one service (`--service`) or a fleet in waves (`--all`, `--phase`). Progress
 * goes to stderr: listr2 on a terminal, a line per event elsewhere; the result to stdout
 * (`--json`: the whole run). On a terminal each step is confirmed first unless --yes; in CI
 * nothing is ever asked. Exit codes: 0 completed, 1 a gate failed and the service was rolled
 * back, 4 paused for a human, 3 another runner holds the run's lease.
 */
import { resolve } from 'node:path';
import { runCanary, type CanaryEvent, type CanaryRequest, type CanaryResult } from '../api/canary.js';
import { runFleet, type FleetEntry } from '../api/canary-fleet.js';
import { chooseEnvironment } from '../api/plan.js';
import { openStore } from '../adapters/store/open.js';
import { loadProject } from '../config/load.js';
import { PHASES, type Phase } from '../core/canary/waves.js';
import { parseDuration } from '../core/plan/duration.js';
import { badInput, ExitCode } from '../errors.js';
import { eventLine, fleetSummary, LiveStatus, summary } from '../output/canary-view.js';
import type { Io } from '../output/terminal.js';

export interface CanaryOptions {
  project: string;
  service?: string;
  env?: string;
  all?: boolean;
  phase?: string;
  steps?: string;
  bake?: string;
  interval?: string;
  resume?: boolean;
  abort?: boolean;
  dryRun?: boolean;
  yes?: boolean;
  json?: boolean;
  concurrency?: string;
  maxFailures?: string;
  lease?: string;
}

const inCi = (env: Io['env']): boolean => env.CI !== undefined && env.CI !== '' && env.CI !== 'false';

function count(text: string | undefined, flag: string, fallback: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < 1)
    throw badInput(`${flag} must be a whole number of at least 1, got "${text}"`);
  return Number(text);
}

/**
 * Canaries at once. Each keeps its gates' probes, its lease renewals and its flag moves going
 * against the same store and the same services; a wave wider than this is rarely what a
 * rollout wants and is not what the tests exercise.
 */
const MAX_CONCURRENCY = 4;
function concurrency(text: string | undefined): number {
  const n = count(text, '--concurrency', 1);
  if (n > MAX_CONCURRENCY) throw badInput(`--concurrency is at most ${MAX_CONCURRENCY}, got ${n}`);
  return n;
}

export async function run(opts: CanaryOptions, io: Io): Promise<number> {
  const fleet = Boolean(opts.all || opts.phase);
  if (fleet === Boolean(opts.service))
    throw badInput('name one service with --service, or a fleet with --all or --phase');
  if (opts.phase !== undefined && !(PHASES as readonly string[]).includes(opts.phase))
    throw badInput(`--phase must be one of ${PHASES.join(', ')}, got "${opts.phase}"`);
  if (fleet && (opts.resume || opts.abort)) throw badInput('--resume and --abort work on one --service');
  const root = resolve(opts.project);
  const project = await loadProject(root, io.env);
  const environment = chooseEnvironment(project, opts.env);
  const terminal = Boolean(io.stderr.isTTY) && !inCi(io.env) && !opts.json;
  const interactive = terminal && !opts.yes && Boolean(process.stdin.isTTY) && !opts.dryRun && !opts.abort;
  const controller = new AbortController();
  const onSigint = (): void => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  const base: Omit<CanaryRequest, 'service'> = {
    project: root,
    environment,
    env: io.env,
    overrides: {
      ...(opts.steps ? { steps: opts.steps } : {}),
      ...(opts.bake ? { bake: opts.bake } : {}),
      ...(opts.interval ? { interval: opts.interval } : {}),
    },
    ...(opts.resume ? { resume: true } : {}),
    ...(opts.abort ? { abort: true } : {}),
    ...(opts.dryRun ? { dryRun: true } : {}),
    ...(interactive ? { confirm: askStep } : {}),
    signal: controller.signal,
    ...(opts.lease ? { leaseMs: parseDuration(opts.lease, '--lease') } : {}),
  };
  const db = await openStore(root, io.env);
  try {
    if (!fleet) {
      const service = project.services.find((s) => s.id === opts.service);
      if (!service)
        throw badInput(`unknown service ${opts.service}`, {
          hint: `Services: ${project.services.map((s) => s.id).join(', ')}`,
        });
      const result =
        terminal && !interactive
          ? await withListr([service.id], (_id, onEvent) => runCanary(db, { ...base, service, onEvent }))
          : await runCanary(db, { ...base, service, onEvent: logger(io, service.id) });
      io.stdout.write(
        opts.json ? `${JSON.stringify({ formatVersion: 1, ...result }, null, 2)}\n` : summary(result),
      );
      return exitCode([result]);
    }
    const { waves, entries } = await runFleet(db, {
      ...base,
      services: project.services,
      ...(opts.phase ? { phase: opts.phase as Phase } : {}),
      concurrency: concurrency(opts.concurrency),
      maxFailures: count(opts.maxFailures, '--max-failures', 1),
      perService: (id, go) => go({ onEvent: logger(io, id) }),
    });
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, waves, runs: entries.map(jsonEntry) }, null, 2)}\n`
        : fleetSummary(entries),
    );
    return exitCode(
      entries.flatMap((e) => (e.status === 'ran' ? [e.result] : [])),
      entries.some((e) => e.status === 'error'),
    );
  } catch (err) {
    if (controller.signal.aborted) return ExitCode.interrupted;
    throw err;
  } finally {
    process.off('SIGINT', onSigint);
    await db.close();
  }
}

function exitCode(results: CanaryResult[], errors = false): number {
  if (results.some((r) => r.outcome === 'rolled_back' || r.outcome === 'dry-run-failed') || errors)
    return ExitCode.failed;
  if (results.some((r) => r.outcome === 'paused')) return ExitCode.paused;
  return ExitCode.ok;
}

function jsonEntry(e: FleetEntry): unknown {
  return e.status === 'error' ? { service: e.service, status: 'error', error: e.error.message } : e;
}

/** Progress as lines on stderr, one per event. */
function logger(io: Io, service: string): (e: CanaryEvent) => void {
  let steps = 0;
  return (e) => {
    if (e.type === 'run') steps = e.plan.steps.length;
    const line = eventLine(service, e, steps);
    if (line !== null) io.stderr.write(`${line}\n`);
  };
}

async function askStep(next: { index: number; percentBp: number; of: number }): Promise<boolean> {
  const { confirm } = await import('@inquirer/prompts');
  return confirm({
    message: `Move to step ${next.index + 1}/${next.of}: ${next.percentBp / 100}% of reads on the store?`,
    default: true,
  });
}

/** listr2 progress for a terminal: one task per service, its title the live status. */
async function withListr<T>(
  ids: string[],
  fn: (id: string, onEvent: (e: CanaryEvent) => void) => Promise<T>,
): Promise<T> {
  const { Listr } = await import('listr2');
  let out: T | undefined;
  const list = new Listr(
    ids.map((id) => ({
      title: id,
      task: async (_ctx: unknown, task: { title: string; output: string }) => {
        const status = new LiveStatus();
        let steps = 0;
        const timer = setInterval(() => (task.title = `${id}: ${status.text()}`), 1000);
        try {
          out = await fn(id, (e) => {
            if (e.type === 'run') steps = e.plan.steps.length;
            status.update(e, steps);
            task.title = `${id}: ${status.text()}`;
            const line = eventLine(id, e, steps);
            if (line && e.type !== 'measurement') task.output = line;
          });
        } finally {
          clearInterval(timer);
        }
      },
    })),
    { rendererOptions: { collapseSubtasks: false } },
  );
  await list.run();
  return out as T;
}
