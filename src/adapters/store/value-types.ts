/**
 * Both backends must hand back the same JavaScript values, or code above db.ts would work on
 * one and break on the other. Out of the box they differ in two places, fixed here:
 * - int8 (bigserial ids, count(*)): pg gives strings, PGlite numbers → numbers on both,
 *   refusing values beyond 2^53 rather than rounding them silently;
 * - bytea: pg gives Buffers, PGlite plain Uint8Arrays → Buffers on both (the vault's crypto
 *   wants Buffers).
 * The contract test "returns the same JavaScript types" pins this down.
 */
export const INT8_OID = 20;
export const BYTEA_OID = 17;

export function parseInt8(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new Error(`int8 value ${text} does not fit a JavaScript number`);
  return n;
}

/** PostgreSQL's text form of bytea is `\x` followed by hex (bytea_output = hex, the default). */
export function parseBytea(text: string): Buffer {
  return Buffer.from(text.startsWith('\\x') ? text.slice(2) : text, 'hex');
}
