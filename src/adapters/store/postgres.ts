/**
 * PostgreSQL backend: a pg Pool on a postgres:// URL. Connection problems are turned into a
 * CfgmigError that names host:port/database and what to check, and never the password.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { describeTarget, maskUrl, scrub } from '../../core/store/url.js';
import { CfgmigError } from '../../errors.js';
import type { Db, Queryable } from './db.js';
import { INT8_OID, parseInt8 } from './value-types.js';

/** The password as written in the URL (scrub() also removes its decoded form). */
function passwordOf(url: string): string {
  try {
    return new URL(url).password;
  } catch {
    return '';
  }
}

function connectionError(url: string, err: unknown): CfgmigError {
  const target = describeTarget(url);
  const e = err as NodeJS.ErrnoException;
  // Some network errors (AggregateError for a host with several addresses) have no message.
  const message = e.message || 'connection failed';
  const detail = scrub(
    e.code && !message.includes(e.code) ? `${e.code}: ${message}` : message,
    passwordOf(url),
  );
  // No `cause`: pg errors can carry the connection parameters, and --debug prints causes.
  return new CfgmigError('failed', `cannot connect to PostgreSQL at ${target}: ${detail}`, {
    hint:
      'Check that the server is running and reachable at that host and port, that the user, password and ' +
      'database in the store URL are right (cfgmig.yaml `store:` or CFGMIG_STORE_URL), and that the database exists.',
  });
}

/**
 * Names for the store's statements, so each connection parses and plans a statement once and
 * then only binds and runs it: for the small statements of a write, planning costs several
 * times what running them does. pg prepares a named statement on first use per connection and
 * the server forgets it with the connection. Only statements with parameters are named (those
 * are the fixed texts of the store API; a parameterless text may be built on the fly, as
 * `store info`'s counts are), and only so many, so a caller building texts on the fly cannot
 * fill the server's memory. Statements name their columns, so a later migration adding
 * columns or tables does not invalidate a prepared one.
 */
const MAX_NAMED = 500;
const statementNames = new Map<string, string>();

function statementName(sql: string): string | undefined {
  let name = statementNames.get(sql);
  if (name === undefined && statementNames.size < MAX_NAMED) {
    name = `cfgmig_${createHash('sha256').update(sql).digest('hex').slice(0, 24)}`;
    statementNames.set(sql, name);
  }
  return name;
}

function queryable(q: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      const name = params.length > 0 ? statementName(sql) : undefined;
      return (await q.query(name ? { name, text: sql, values: params } : { text: sql, values: params }))
        .rows as T[];
    },
    async exec(sql: string) {
      await q.query(sql); // no parameters: simple protocol, several statements allowed
    },
  };
}

/**
 * A transaction's connection that sends its BEGIN with the first statement instead of on its
 * own: a first statement without parameters (typically taking a lock) travels in the same
 * simple-protocol message, `BEGIN; <statement>`, which saves a round trip per transaction;
 * one with parameters cannot share a message and is preceded by a plain BEGIN. Either way
 * every statement of the transaction runs inside it, as if BEGIN had been sent first.
 */
function lazilyBegun(client: pg.PoolClient): Queryable & { begun(): Promise<void> } {
  const base = queryable(client);
  let begun: Promise<void> | undefined;
  const begin = (first?: string): Promise<void> =>
    (begun ??= client.query(first === undefined ? 'BEGIN' : `BEGIN; ${first}`).then(() => undefined));
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      await begin();
      return base.query<T>(sql, params);
    },
    async exec(sql: string) {
      if (begun === undefined) return begin(sql);
      await begun;
      await base.exec(sql);
    },
    begun: () => begin(),
  };
}

/** One transaction on a connection the caller holds: committed when fn resolves, else rolled back. */
async function transactionOn<T>(client: pg.PoolClient, fn: (tx: Queryable) => Promise<T>): Promise<T> {
  try {
    const tx = lazilyBegun(client);
    const result = await fn(tx);
    await tx.begun();
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

export async function openPostgres(url: string): Promise<Db> {
  try {
    new URL(url);
  } catch {
    // Not the server's fault, so not "check the server": the URL itself is wrong (exit 2).
    throw new CfgmigError('badInput', 'the PostgreSQL store URL is not a valid URL', {
      hint:
        'Expected postgres://user:password@host:5432/database (in cfgmig.yaml `store:` or CFGMIG_STORE_URL); ' +
        'percent-encode special characters in the password (@ as %40, : as %3A, / as %2F) and check the port.',
    });
  }
  let pool: pg.Pool;
  try {
    pool = new pg.Pool({
      connectionString: url,
      max: 10,
      connectionTimeoutMillis: 10_000,
      // Per pool, not pg.types globally: only this store's queries change (see value-types.ts).
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8_OID && format !== 'binary'
            ? parseInt8
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
  } catch (err) {
    throw connectionError(url, err);
  }
  // An idle client losing its connection must not crash the process; the next query reports it.
  pool.on('error', () => undefined);
  try {
    await pool.query('SELECT 1');
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw connectionError(url, err);
  }
  return {
    kind: 'postgres',
    location: maskUrl(url),
    ...queryable(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        return await transactionOn(client, fn);
      } finally {
        client.release();
      }
    },
    async session(fn) {
      const client = await pool.connect();
      let failed = false;
      try {
        return await fn({ ...queryable(client), transaction: (tfn) => transactionOn(client, tfn) });
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        // After a failure the connection may still hold session state (an advisory lock whose
        // release failed); destroying it makes the server drop that state, where returning it
        // to the pool would keep it alive.
        client.release(failed);
      }
    },
    close: () => pool.end(),
  };
}
