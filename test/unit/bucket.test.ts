/**
 * Bucketing for `new_with_fallback`: the published murmur3 test vectors (so services in other
 * languages agree), determinism, monotonicity as the percentage grows, and a chi-square test
 * that 100,000 sticky ids spread evenly over the buckets.
 */
import { describe, expect, it } from 'vitest';
import { bucketOf, BUCKETS, murmur3, onStore } from '../../src/core/flags/bucket.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur3 x86_32', () => {
  it('matches the reference vectors', () => {
    const vectors: [string, number, number][] = [
      ['', 0, 0x00000000],
      ['', 1, 0x514e28b7],
      ['', 0xffffffff, 0x81f16f39],
      ['a', 0, 0x3c2569b2],
      ['abc', 0, 0xb3dd93fa],
      ['abcd', 0, 0x43ed676a],
      ['hello', 0, 0x248bfa47],
      ['Hello, world!', 0x9747b28c, 0x24884cba],
      ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
      ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
    ];
    for (const [text, seed, want] of vectors)
      expect(murmur3(bytes(text), seed), `${text}/${seed}`).toBe(want);
    // Multi-byte UTF-8 is hashed as bytes: "ü" is two of them.
    expect(murmur3(bytes('ü'))).toBe(murmur3(Uint8Array.from([0xc3, 0xbc])));
  });
});

describe('buckets', () => {
  it('are deterministic and in range', () => {
    for (let i = 0; i < 1000; i++) {
      const b = bucketOf('trading-engine', 'risk.maxPositionSize', `instance-${i}`);
      expect(b).toBe(bucketOf('trading-engine', 'risk.maxPositionSize', `instance-${i}`));
      expect(b).toBeGreaterThanOrEqual(0);
      expect(b).toBeLessThan(BUCKETS);
    }
    // Service, key and id all matter.
    const base = bucketOf('a', 'k', 'id');
    expect([bucketOf('b', 'k', 'id'), bucketOf('a', 'j', 'id'), bucketOf('a', 'k', 'ie')]).not.toEqual([
      base,
      base,
      base,
    ]);
  });

  it('are monotonic: a read on the store at p stays on it at every higher percentage', () => {
    const steps = [0, 1, 100, 500, 1000, 2500, 5000, 7500, 9999, 10000];
    for (let i = 0; i < 2000; i++) {
      const b = bucketOf('api', 'db.url', `id-${i}`);
      const on = steps.map((p) => onStore(b, p));
      expect(on.indexOf(true) === -1 || on.slice(on.indexOf(true)).every(Boolean)).toBe(true);
      expect(on[0]).toBe(false);
      expect(on.at(-1)).toBe(true);
    }
  });

  it('spread 100,000 ids evenly (chi-square over 100 bins) and hit the percentage', () => {
    const n = 100_000;
    const bins = new Array<number>(100).fill(0);
    let atFivePercent = 0;
    for (let i = 0; i < n; i++) {
      const b = bucketOf('trading-engine', '*', `pod-${i}`);
      bins[Math.floor(b / 100)]!++;
      if (onStore(b, 500)) atFivePercent++;
    }
    const expected = n / bins.length;
    const chi2 = bins.reduce((sum, o) => sum + (o - expected) ** 2 / expected, 0);
    // 99 degrees of freedom: the 0.999 quantile is 148.2; a uniform hash stays below it.
    expect(chi2).toBeLessThan(148.2);
    expect(Math.abs(atFivePercent / n - 0.05)).toBeLessThan(0.005);
  });
});
