/**
 * Writer locks per service and environment: a second writer fails fast with exit 3 "locked by
 * <holder> since <time>" instead of waiting without end.
 *
 * The lock itself is a session advisory lock on a dedicated connection: the server drops it
 * when that connection ends, so a crashed holder never leaves it stuck. Advisory locks carry
 * no label, so the writer_locks row records who holds it and since when, for the message; a
 * row left by a crashed holder is simply overwritten by the next one to get the lock.
 *
 * Keys are the two-int4 form (hashtext(service), hashtext(environment)), a key space apart
 * from the single-bigint audit lock. Two different pairs can hash alike; the cost is a
 * spurious "locked" for a rare pair, never two writers at once.
 *
 * On the embedded store PGlite has one connection and session advisory locks are re-entrant
 * within it, so this lock is always granted: there, the pid lock (pid-lock.ts) already keeps
 * every other process out, and this process serialises its own writers.
 */
import { CfgmigError } from '../../errors.js';
import type { Db, Queryable, Session } from './db.js';

const KEY = 'hashtext($1), hashtext($2)';

async function lockedError(conn: Queryable, service: string, env: string): Promise<CfgmigError> {
  const [row] = await conn.query<{ holder: string; since: Date }>(
    'SELECT holder, since FROM writer_locks WHERE service = $1 AND environment = $2',
    [service, env],
  );
  // No row: the holder has the lock but has not recorded itself yet (a moment's window).
  const by = row ? `${row.holder} since ${row.since.toISOString()}` : 'another writer';
  return new CfgmigError('conflict', `${service}/${env} is locked by ${by}`, {
    hint: 'Another cfgmig is changing this service and environment; wait for it to finish and retry.',
  });
}

export async function withWriterLock<T>(
  db: Db,
  service: string,
  environment: string,
  holder: string,
  /**
   * Runs with the lock held; `conn.transaction` runs on the lock's own connection, so a writer
   * takes one connection from the pool, not two, and many writers at once cannot starve the
   * pool of the connections their transactions wait for.
   */
  fn: (conn: Session) => Promise<T>,
): Promise<T> {
  return db.session(async (conn) => {
    const [got] = await conn.query<{ ok: boolean }>(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, [
      service,
      environment,
    ]);
    if (!got?.ok) throw await lockedError(conn, service, environment);
    const release = async () => {
      try {
        await conn.query('DELETE FROM writer_locks WHERE service = $1 AND environment = $2', [
          service,
          environment,
        ]);
      } finally {
        await conn.query(`SELECT pg_advisory_unlock(${KEY})`, [service, environment]);
      }
    };
    let result: T;
    try {
      await conn.query(
        `INSERT INTO writer_locks (service, environment, holder, since) VALUES ($1, $2, $3, now())
         ON CONFLICT (service, environment) DO UPDATE SET holder = EXCLUDED.holder, since = EXCLUDED.since`,
        [service, environment, holder],
      );
      result = await fn(conn);
    } catch (err) {
      // fn's error is the one worth reporting. A release that fails as well is harmless:
      // session() drops a connection whose work threw, and the server frees the lock with it.
      await release().catch(() => undefined);
      throw err;
    }
    // If release fails here, its error propagates and session() drops the connection likewise.
    await release();
    return result;
  });
}
