/**
 * Where a client gets its publication from. The client asks them in order (Redis, the
 * PostgreSQL store, the snapshot file) and takes the first that has one; push channels
 * (pub/sub, a file watch) only say "look again".
 */
import type { Publication } from '../../core/publish/publication.js';

export type SourceName = 'redis' | 'store' | 'snapshot';

export interface Source {
  readonly name: SourceName;
  /** The publication, null when this source holds none; throws when it cannot be reached. */
  fetch(): Promise<Publication | null>;
  /** Starts telling `hint` when the publication may have changed; resolves once listening (or given up for now). */
  listen(hint: () => void): Promise<void>;
  /** Whether the push channel is up (a source without one: always). */
  live(): boolean;
  close(): Promise<void>;
}

/** Rejects after `ms`: an unreachable host must not stall a read path or `connect`. */
export function withTimeout<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
