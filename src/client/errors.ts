/** Errors cfgmig/client throws to its caller. Messages name keys, never values. */

/** A credential read from the store by a client that was not given the master key. */
export class MissingKeyError extends Error {
  readonly code = 'CFGMIG_NO_MASTER_KEY';
}
