/**
 * Envelope encryption: a value comes back only with the right master key and only at the
 * address it was sealed for; every other case is a clear error that never holds the value.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keyIdOf, rewrap, seal, unseal, type Sealed } from '../../src/core/crypto/envelope.js';
import { keyFor, keyring } from '../../src/core/crypto/keyring.js';
import { CfgmigError } from '../../src/errors.js';

const MARKER = `marker-${randomBytes(8).toString('hex')}`;
const at = { service: 'trading-engine', environment: 'production', key: 'DB_PASSWORD', version: 3 };

function thrown(fn: () => unknown): CfgmigError {
  let err: unknown;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(CfgmigError);
  const e = err as CfgmigError;
  expect(e.code).toBe('failed');
  expect(`${e.message} ${e.hint}`).not.toContain(MARKER);
  return e;
}

const flip = (b: Buffer, i = 0): Buffer => {
  const c = Buffer.from(b);
  c[i % c.length]! ^= 0x01;
  return c;
};

describe('envelope encryption', () => {
  const master = randomBytes(32);

  it('round-trips any UTF-8 value, with a fresh data key and iv each time', () => {
    for (const value of ['', MARKER, 'pässwörd 🔑 \n\t"\\', 'x'.repeat(100_000)]) {
      const a = seal(master, at, value);
      const b = seal(master, at, value);
      expect(unseal(master, at, a)).toBe(value);
      expect(a.iv.equals(b.iv)).toBe(false);
      expect(a.wrappedKey.equals(b.wrappedKey)).toBe(false);
      expect(a.keyId).toBe(keyIdOf(master));
      if (value.length > 0) expect(a.ciphertext.includes(Buffer.from(value))).toBe(false);
    }
  });

  it('names the key ids when the master key is not the one that wrapped the row', () => {
    const s = seal(master, at, MARKER);
    const other = randomBytes(32);
    const e = thrown(() => unseal(other, at, s));
    expect(e.message).toContain(keyIdOf(master));
    expect(e.message).toContain(keyIdOf(other));
    expect(e.message).toContain('trading-engine/production/DB_PASSWORD version 3');
  });

  it('refuses a forged key id: the wrap itself is authenticated under the real key', () => {
    const s = seal(master, at, MARKER);
    const other = randomBytes(32);
    expect(thrown(() => unseal(other, at, { ...s, keyId: keyIdOf(other) })).message).toMatch(
      /altered or moved/,
    );
  });

  const parts: (keyof Omit<Sealed, 'keyId'>)[] = ['ciphertext', 'iv', 'tag', 'wrappedKey'];
  for (const part of parts) {
    it(`refuses a row whose ${part} was altered (every byte position tried)`, () => {
      const s = seal(master, at, 'secret value 123');
      for (let i = 0; i < s[part].length; i++) {
        expect(thrown(() => unseal(master, at, { ...s, [part]: flip(s[part], i) })).message).toMatch(
          /altered or moved/,
        );
      }
      // Truncated and extended too.
      thrown(() => unseal(master, at, { ...s, [part]: s[part].subarray(0, s[part].length - 1) }));
      thrown(() => unseal(master, at, { ...s, [part]: Buffer.concat([s[part], Buffer.from([0])]) }));
    });
  }

  const moves = [
    { service: 'api-gateway' },
    { environment: 'staging' },
    { key: 'DB_PASSWORD_2' },
    { version: 2 },
    { version: 4 },
  ];
  for (const move of moves) {
    it(`refuses a row moved to ${JSON.stringify(move)}`, () => {
      const s = seal(master, at, MARKER);
      expect(thrown(() => unseal(master, { ...at, ...move }, s)).message).toMatch(/altered or moved/);
    });
  }

  it('does not let names run together: ("a/b", "c") is not ("a", "b/c")', () => {
    const a = { service: 'a/b', environment: 'c', key: 'k', version: 1 };
    const b = { service: 'a', environment: 'b/c', key: 'k', version: 1 };
    thrown(() => unseal(master, b, seal(master, a, MARKER)));
  });

  it('rewraps under a new key without changing the ciphertext; the old key no longer opens it', () => {
    const s = seal(master, at, MARKER);
    const next = randomBytes(32);
    const w = rewrap(master, next, at, s);
    const moved = { ...s, ...w };
    expect(moved.keyId).toBe(keyIdOf(next));
    expect(unseal(next, at, moved)).toBe(MARKER);
    thrown(() => unseal(master, at, moved));
    // Rewrapping needs the key that wrapped it.
    thrown(() => rewrap(randomBytes(32), next, at, s));
  });

  it('keyring picks the key a row names, falling back to the primary', () => {
    const next = randomBytes(32);
    const ring = keyring(master, [next]);
    expect(ring.primaryId).toBe(keyIdOf(master));
    expect(keyFor(ring, keyIdOf(next))).toBe(next);
    expect(keyFor(ring, 'mk-unknown')).toBe(master);
    expect(keyIdOf(master)).toMatch(/^mk-[0-9a-f]{16}$/);
    expect(keyIdOf(master)).not.toBe(keyIdOf(next));
  });
});
