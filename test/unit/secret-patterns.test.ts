/**
 * Each value pattern declares literals every match must contain (`needs`), so whole files can be
 * ruled out with a fast `includes`. If a declaration were wrong, secrets would silently go
 * unreported; this checks it on the peer suite's
 * samples (thousands of real-format secrets); the labelled cases in classify.test.ts cover the rest.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { needlesIn, VALUE_PATTERNS } from '../../src/core/extract/secret-patterns.js';
import { mulberry32 } from '../support/prng.js';
import { REPO } from '../support/cli.js';

const suite = resolve(
  process.env.CFGMIG_PEER_SUITES ?? resolve(REPO, '../shared/peer-suites'),
  'secret-samples.json',
);

function violations(texts: string[]): string[] {
  const bad: string[] = [];
  for (const p of VALUE_PATTERNS) {
    const re = new RegExp(p.re.source, p.re.flags.replace('g', ''));
    for (const text of texts) {
      const m = re.exec(text);
      if (!m) continue;
      const hay = p.re.ignoreCase ? m[0].toLowerCase() : m[0];
      if (!p.needs.some((n) => hay.includes(n)))
        bad.push(`${p.reason}: ${JSON.stringify(m[0].slice(0, 12))}…`);
    }
  }
  return bad;
}

describe('value patterns: every match contains one of its declared literals', () => {
  it.runIf(existsSync(suite))('on the peer suite secret samples', () => {
    const samples = (JSON.parse(readFileSync(suite, 'utf8')) as { text: string }[]).map((s) => s.text);
    expect(samples.length).toBeGreaterThan(1000);
    expect(violations(samples)).toEqual([]);
  });
});

describe('the one-pass literal scan used on whole files', () => {
  it('finds exactly the literals a separate includes() per literal finds, overlaps and prefixes included', () => {
    const rand = mulberry32(11);
    const needles = [...new Set(VALUE_PATTERNS.filter((p) => !p.re.ignoreCase).flatMap((p) => p.needs))];
    for (let i = 0; i < 2000; i++) {
      let text = '';
      while (text.length < 600) {
        // Literals glued to each other and cut in half, so overlaps and shared prefixes occur.
        const n = needles[Math.floor(rand() * needles.length)]!;
        text += rand() < 0.3 ? n.slice(0, Math.max(1, Math.floor(rand() * n.length))) : n;
        if (rand() < 0.3) text += 'x- .'[Math.floor(rand() * 4)];
      }
      expect([...needlesIn(text)].sort()).toEqual(needles.filter((n) => text.includes(n)).sort());
    }
  });
});
