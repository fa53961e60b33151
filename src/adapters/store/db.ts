/**
 * The one small interface both backends implement, so everything above it (migrations,
 * the typed store API, commands) is written once and contract-tested against both.
 */

export interface Queryable {
  /** One statement with $1… parameters. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migration files). */
  exec(sql: string): Promise<void>;
}

/** A connection held by `Db.session`; its transactions run on that same connection. */
export interface Session extends Queryable {
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
}

export interface Db extends Queryable {
  readonly kind: 'embedded' | 'postgres';
  /** Where the data lives, safe to print: a path, or the URL with its password masked. */
  readonly location: string;
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Runs fn on one connection held for its whole duration, outside a transaction: for
   * session-scoped state such as advisory locks, which belong to a connection, not a pool.
   */
  session<T>(fn: (conn: Session) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
