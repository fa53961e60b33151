/**
 * Which reads go to the new store (DESIGN.md "Flags"): murmur3 (32-bit, x86, seed 0) of
 * `service:key:stickyId` as UTF-8, mapped to a bucket 0..9999; a read is on the store when its
 * bucket is below the flag's percentage in basis points. Deterministic (every process and
 * every language that follows docs/protocol.md agrees), and monotonic: a read on the store at
 * 5% stays on it at 10%, because raising the percentage only adds buckets.
 */

/** MurmurHash3 x86_32 of `data`, as an unsigned 32-bit integer. */
export function murmur3(data: Uint8Array, seed = 0): number {
  const c1 = 0xcc9e2d51;
  const c2 = 0x1b873593;
  let h = seed >>> 0;
  const blocks = data.length >>> 2;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = data[o]! | (data[o + 1]! << 8) | (data[o + 2]! << 16) | (data[o + 3]! << 24);
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = data.length & 3;
  if (rest > 0) {
    let k = 0;
    if (rest === 3) k ^= data[tail + 2]! << 16;
    if (rest >= 2) k ^= data[tail + 1]! << 8;
    k ^= data[tail]!;
    k = Math.imul(k, c1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, c2);
    h ^= k;
  }
  h ^= data.length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

export const BUCKETS = 10_000;

const utf8 = new TextEncoder();

/** The read's bucket, 0..9999. */
export function bucketOf(service: string, key: string, stickyId: string): number {
  return murmur3(utf8.encode(`${service}:${key}:${stickyId}`)) % BUCKETS;
}

/** Whether a read in `bucket` goes to the store at `percentBp` basis points (0..10000). */
export function onStore(bucket: number, percentBp: number): boolean {
  return bucket < percentBp;
}
