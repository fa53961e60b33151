/**
 * `cfgmig publish`: publishes the store's state of every service and environment again (or
 * those selected), to the snapshot files and to Redis when configured. Commands publish after
 * every change on their own; this is for catching up when that failed (Redis was down) or when
 * Redis lost its keys. Nothing in the store changes.
 */
import { resolve } from 'node:path';
import { publishAll, type Published } from '../adapters/publish.js';
import { openStore } from '../adapters/store/open.js';
import { ExitCode } from '../errors.js';
import { redisWord } from '../output/published-view.js';
import type { Io } from '../output/terminal.js';

export interface PublishOptions {
  project: string;
  service?: string;
  env?: string;
  json?: boolean;
}

function line(p: Published): string {
  const snapshot = p.written ? `snapshot written ${p.path}` : 'snapshot unchanged';
  const redis = typeof p.redis === 'string' ? `Redis ${p.redis}` : `Redis failed: ${p.redis.error}`;
  return `${p.service}/${p.environment}: ${snapshot}; ${redis}\n`;
}

function summary(all: Published[]): string {
  const written = all.filter((p) => p.written).length;
  const counts = new Map<string, number>();
  for (const p of all) counts.set(redisWord(p.redis), (counts.get(redisWord(p.redis)) ?? 0) + 1);
  const redis =
    counts.get('off') === all.length
      ? 'Redis not configured (CFGMIG_REDIS_URL or `redis:` in cfgmig.yaml)'
      : `Redis: ${['published', 'unchanged', 'failed']
          .filter((w) => counts.has(w))
          .map((w) => `${counts.get(w)} ${w}`)
          .join(', ')}`;
  return `Published ${all.length} service environment${all.length === 1 ? '' : 's'}: ${written} snapshot${written === 1 ? '' : 's'} written, ${all.length - written} unchanged; ${redis}.\n`;
}

export async function run(opts: PublishOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  const db = await openStore(root, io.env);
  try {
    const published = await publishAll(db, root, io.env, {
      ...(opts.service ? { service: opts.service } : {}),
      ...(opts.env ? { environment: opts.env } : {}),
    });
    const failed = published.filter((p) => typeof p.redis !== 'string');
    if (opts.json) {
      io.stdout.write(`${JSON.stringify({ formatVersion: 1, published }, null, 2)}\n`);
    } else if (published.length === 0) {
      io.stdout.write(
        `nothing to publish: the store has no configuration or flag${opts.service || opts.env ? ' for this selection' : ''} (apply a plan first)\n`,
      );
    } else {
      io.stdout.write(published.map(line).join('') + summary(published));
    }
    if (failed.length > 0) {
      io.stderr.write(
        `error: Redis publication failed for ${failed.length} of ${published.length}; the snapshots are up to date — run \`cfgmig publish\` again once Redis is reachable\n`,
      );
    }
    return failed.length > 0 ? ExitCode.failed : ExitCode.ok;
  } finally {
    await db.close();
  }
}
