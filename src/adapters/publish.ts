/**
 * Publication (DESIGN.md "Flags, publication and the client library"; docs/protocol.md):
 * after every change the store's state of a service and environment is published, so running
 * services follow it:
 *
 * - to `.cfgmig/published/<environment>/<service>.json`, atomically (write, then rename), for
 *   clients on the same machine to watch and as the last-known-good copy when the store is
 *   unreachable;
 * - to Redis when one is configured (CFGMIG_REDIS_URL, else cfgmig.yaml `redis`): a hash per
 *   service and environment and a message on one channel.
 *
 * Both hold settings, flags and credentials in their encrypted form only. The store is the
 * truth: a publication that fails (Redis down) is reported, not fatal, and `cfgmig publish`
 * or the clients' periodic reconciliation catch up.
 */
import { join, resolve } from 'node:path';
import type { Publication } from '../core/publish/publication.js';
import { publicationTargets, readPublication } from './store/publication.js';
import type { Queryable } from './store/db.js';
import { readTextFile, writeFileAtomic } from './files.js';
import { openRedisPublisher, redisTarget, type RedisPublisher } from './redis/publisher.js';

export const PUBLISHED_DIR = '.cfgmig/published';

/** `.cfgmig/published/<environment>/<service>.json`: one folder per environment for a client to watch. */
export function publishedFile(service: string, environment: string): string {
  return join(PUBLISHED_DIR, environment, `${service}.json`);
}

export function snapshotText(p: Publication): string {
  return `${JSON.stringify(p, null, 2)}\n`;
}

/**
 * Writes the snapshot when the file does not already say exactly this (an unchanged file is
 * not rewritten, so watchers are not woken for nothing). Returns its path relative to the
 * project root and whether it was written.
 */
export async function writeSnapshot(
  root: string,
  p: Publication,
): Promise<{ path: string; written: boolean }> {
  const rel = publishedFile(p.service, p.environment);
  const text = snapshotText(p);
  const now = await readTextFile(resolve(root, rel));
  if (now.ok && now.text === text) return { path: rel, written: false };
  await writeFileAtomic(resolve(root, rel), text);
  return { path: rel, written: true };
}

/** The snapshot a reader finds, or null when there is none (or it cannot be read). */
export async function readSnapshot(
  root: string,
  service: string,
  environment: string,
): Promise<Publication | null> {
  const read = await readTextFile(resolve(root, publishedFile(service, environment)));
  if (!read.ok) return null;
  try {
    return JSON.parse(read.text) as Publication;
  } catch {
    return null;
  }
}

export interface Published {
  service: string;
  environment: string;
  /** The snapshot file, relative to the project root. */
  path: string;
  /** Whether the snapshot file changed. */
  written: boolean;
  /** Redis: not configured, published, already up to date, or what went wrong (never a value). */
  redis: 'off' | 'published' | 'unchanged' | { error: string };
}

export interface Publisher {
  publish(db: Queryable, service: string, environment: string): Promise<Published>;
  close(): Promise<void>;
}

/**
 * A publisher for a project: snapshots always, Redis when configured. The Redis connection is
 * opened on first use and kept for the publisher's life (a fleet republish sends many).
 */
export async function openPublisher(
  root: string,
  env: Record<string, string | undefined>,
): Promise<Publisher> {
  const target = await redisTarget(root, env);
  let redis: RedisPublisher | null = null;
  // A Redis that could not be reached is not tried again for every publication of the run
  // (each attempt may take the connect timeout): the rest report the same error.
  let unreachable: string | null = null;
  return {
    async publish(db, service, environment) {
      const p = await readPublication(db, service, environment);
      const snap = await writeSnapshot(root, p);
      let outcome: Published['redis'] = 'off';
      if (target && unreachable !== null) {
        outcome = { error: unreachable };
      } else if (target) {
        try {
          redis ??= await openRedisPublisher(target);
          outcome = (await redis.publish(p)) ? 'published' : 'unchanged';
        } catch (err) {
          const error = err instanceof Error ? err.message : String(err);
          if (redis === null) unreachable = error;
          outcome = { error };
        }
      }
      return { service, environment, path: snap.path, written: snap.written, redis: outcome };
    },
    async close() {
      await redis?.close();
    },
  };
}

/** One publication with a publisher of its own: for commands that change one service. */
export async function publishOne(
  db: Queryable,
  root: string,
  env: Record<string, string | undefined>,
  service: string,
  environment: string,
): Promise<Published> {
  const publisher = await openPublisher(root, env);
  try {
    return await publisher.publish(db, service, environment);
  } finally {
    await publisher.close();
  }
}

/** Publishes every service and environment the store knows (or those selected) again. */
export async function publishAll(
  db: Queryable,
  root: string,
  env: Record<string, string | undefined>,
  filter: { service?: string; environment?: string } = {},
): Promise<Published[]> {
  const targets = await publicationTargets(db, filter);
  if (targets.length === 0) return [];
  const publisher = await openPublisher(root, env);
  try {
    const out: Published[] = [];
    for (const t of targets) out.push(await publisher.publish(db, t.service, t.environment));
    return out;
  } finally {
    await publisher.close();
  }
}
