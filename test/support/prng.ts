/** A seeded PRNG (mulberry32) and mutation helpers, so every fuzz failure reproduces from its seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY = [
  '\0',
  '\uD800',
  '\uDFFF',
  '"',
  "'",
  '`',
  '${',
  '}',
  ':',
  '-',
  '\n',
  '\r',
  '\t',
  '#',
  '&a',
  '*a',
  '<<',
  '[',
  '{',
  '\\',
  '=',
  '\u2028',
];

/** Random text mixing printable characters, control bytes, lone surrogates and syntax fragments. */
export function randomText(rand: () => number, maxLen = 400): string {
  let s = '';
  const len = Math.floor(rand() * maxLen);
  while (s.length < len) {
    const r = rand();
    if (r < 0.3) s += NASTY[Math.floor(rand() * NASTY.length)];
    else if (r < 0.4) s += String.fromCharCode(Math.floor(rand() * 0x10000));
    else s += String.fromCharCode(32 + Math.floor(rand() * 95));
  }
  return s;
}

/** A valid sample damaged the way real files get damaged: truncated, spliced, bytes flipped. */
export function mutate(rand: () => number, sample: string): string {
  let s = sample;
  const edits = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * (s.length + 1));
    const r = rand();
    if (r < 0.2) s = s.slice(0, at);
    else if (r < 0.5) s = s.slice(0, at) + NASTY[Math.floor(rand() * NASTY.length)] + s.slice(at);
    else if (r < 0.7) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 20));
    else if (r < 0.85)
      s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x10000)) + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(Math.floor(rand() * s.length)); // splice in a later part
  }
  return s;
}
