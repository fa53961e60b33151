/**
 * Snapshot publication (DESIGN.md "Flags, publication and the client library"): after every
 * change the store's state of a service and environment is written to
 * `.cfgmig/published/<environment>/<service>.json`, atomically (write, then rename), for
 * clients on the same machine to watch and as the last-known-good copy when the store is
 * unreachable. It holds settings, credential references and flags: never a credential value.
 */
import { join, resolve } from 'node:path';
import { readVersion } from './store/configs.js';
import type { Queryable } from './store/db.js';
import { listFlags } from './store/flags.js';
import { readTextFile, writeFileAtomic } from './files.js';

export const PUBLISHED_DIR = '.cfgmig/published';

/** `.cfgmig/published/<environment>/<service>.json`: one folder per environment for a client to watch. */
export function publishedFile(service: string, environment: string): string {
  return join(PUBLISHED_DIR, environment, `${service}.json`);
}

/**
 * Writes the snapshot when the file does not already say exactly this (an unchanged file is
 * not rewritten, so watchers are not woken for nothing). Returns its path relative to the
 * project root and whether it was written.
 */
export async function publishSnapshot(
  db: Queryable,
  root: string,
  service: string,
  environment: string,
): Promise<{ path: string; written: boolean }> {
  const current = await readVersion(db, service, environment);
  const flags = await listFlags(db, { service, environment });
  const doc = {
    formatVersion: 1,
    service,
    environment,
    version: current?.version ?? 0,
    checksum: current?.checksum ?? null,
    config: current?.data ?? {},
    flags: flags.map((f) => ({
      key: f.key,
      mode: f.mode,
      percentBp: f.percentBp,
      migrationId: f.migrationId,
    })),
  };
  const rel = publishedFile(service, environment);
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const now = await readTextFile(resolve(root, rel));
  if (now.ok && now.text === text) return { path: rel, written: false };
  await writeFileAtomic(resolve(root, rel), text);
  return { path: rel, written: true };
}
