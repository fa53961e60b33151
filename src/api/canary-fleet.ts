/**
 * Canaries for several services (`--all`, `--phase`): in waves by dependency (a service after
 * the services it depends on), at most `concurrency` at once, and no new canary once
 * `maxFailures` services have been rolled back. A service whose dependency did not complete is
 * skipped: it would roll out on top of a dependency that is back on legacy.
 */
import type { Db } from '../adapters/store/db.js';
import { dependsOn, phaseOf, waves, type Phase } from '../core/canary/waves.js';
import { badInput } from '../errors.js';
import { runCanary, type CanaryRequest, type CanaryResult } from './canary.js';

export interface FleetService {
  id: string;
  profile?: Record<string, unknown>;
  canary?: Record<string, unknown>;
  restart?: string;
}

export interface FleetRequest extends Omit<CanaryRequest, 'service'> {
  services: FleetService[];
  phase?: Phase;
  concurrency: number;
  maxFailures: number;
  /** Called for each service as it starts, to give it its own progress (e.g. a listr2 task). */
  perService?: (
    id: string,
    run: (hooks: Pick<CanaryRequest, 'onEvent'>) => Promise<CanaryResult>,
  ) => Promise<CanaryResult>;
}

export type FleetEntry =
  | { service: string; status: 'ran'; result: CanaryResult }
  | { service: string; status: 'skipped'; why: string }
  | { service: string; status: 'error'; error: Error };

export async function runFleet(
  db: Db,
  req: FleetRequest,
): Promise<{ waves: string[][]; entries: FleetEntry[] }> {
  const chosen = req.services.filter((s) => !req.phase || phaseOf(s.profile) === req.phase);
  if (chosen.length === 0) throw badInput(`no service is in phase ${req.phase}`);
  const plan = waves(chosen.map((s) => ({ id: s.id, dependsOn: dependsOn(s.profile) })));
  const byId = new Map(chosen.map((s) => [s.id, s]));
  const entries: FleetEntry[] = [];
  const notCompleted = new Set<string>();
  let failures = 0;
  for (const wave of plan) {
    const queue = [...wave];
    const worker = async (): Promise<void> => {
      for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
        const service = byId.get(id)!;
        const blocked = dependsOn(service.profile).filter((d) => notCompleted.has(d));
        if (blocked.length > 0 || failures >= req.maxFailures) {
          notCompleted.add(id);
          entries.push({
            service: id,
            status: 'skipped',
            why:
              blocked.length > 0
                ? `its dependencies did not complete: ${blocked.join(', ')}`
                : `the fleet stopped after ${failures} rollback${failures === 1 ? '' : 's'} (--max-failures ${req.maxFailures})`,
          });
          continue;
        }
        const run = (hooks: Pick<CanaryRequest, 'onEvent'>) => runCanary(db, { ...req, ...hooks, service });
        try {
          const result = await (req.perService ? req.perService(id, run) : run({}));
          if (result.outcome !== 'completed') notCompleted.add(id);
          if (result.outcome === 'rolled_back') failures++;
          entries.push({ service: id, status: 'ran', result });
        } catch (err) {
          notCompleted.add(id);
          entries.push({
            service: id,
            status: 'error',
            error: err instanceof Error ? err : new Error(String(err)),
          });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, req.concurrency) }, worker));
  }
  return { waves: plan, entries };
}
