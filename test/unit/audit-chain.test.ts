import { describe, expect, it } from 'vitest';
import { GENESIS_HASH, rowHash, verifyChain, type AuditRow } from '../../src/core/store/audit-chain.js';

function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const content = {
      at: `2026-01-01T00:00:0${i}.000Z`,
      actor: 'a',
      action: 'x',
      subject: 's',
      details: { i },
    };
    const hash = rowHash(prev, content);
    rows.push({ id: i * 2, ...content, prevHash: prev, hash });
    prev = hash;
  }
  return rows;
}

describe('audit hash chain', () => {
  it('hashes canonical content: key order of details does not matter, every field does', () => {
    const base = { at: 't', actor: 'a', action: 'x', subject: 's', details: { a: 1, b: 2 } };
    expect(rowHash('p', base)).toBe(rowHash('p', { ...base, details: { b: 2, a: 1 } }));
    expect(rowHash('p', base)).toMatch(/^[0-9a-f]{64}$/);
    for (const change of [{ actor: 'b' }, { action: 'y' }, { subject: 't' }, { at: 'u' }, { details: {} }]) {
      expect(rowHash('p', { ...base, ...change })).not.toBe(rowHash('p', base));
    }
    expect(rowHash('q', base)).not.toBe(rowHash('p', base));
  });

  it('accepts an intact chain, including an empty one and gaps in ids', () => {
    expect(verifyChain([])).toBeNull();
    expect(verifyChain(chain(5))).toBeNull();
  });

  it('names the first edited row', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2]!, details: { i: 99 } };
    expect(verifyChain(rows)).toBe(6);
  });

  it('names the row after a deleted one, and a re-hashed edit breaks the next link', () => {
    const rows = chain(5);
    expect(verifyChain([...rows.slice(0, 1), ...rows.slice(2)])).toBe(6);
    const edited = { ...rows[1]!, actor: 'mallory' };
    edited.hash = rowHash(edited.prevHash, edited);
    expect(verifyChain([rows[0]!, edited, ...rows.slice(2)])).toBe(6);
  });

  it('continues from a given previous hash (batched verification)', () => {
    const rows = chain(4);
    expect(verifyChain(rows.slice(2), rows[1]!.hash)).toBeNull();
    expect(verifyChain(rows.slice(2))).toBe(rows[2]!.id);
  });
});
