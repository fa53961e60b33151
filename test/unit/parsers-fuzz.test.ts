/**
 * Property test for the three text parsers: random and mutated inputs, from a seeded PRNG so a
 * failure reproduces. substitute either returns a string or throws InterpolationError; the
 * dotenv parsers never throw and only report lines that exist.
 */
import { describe, expect, it } from 'vitest';
import { parseComposeDotenv } from '../../src/core/extract/dotenv-compose.js';
import { parseNodeDotenv } from '../../src/core/extract/dotenv-node.js';
import {
  extractVariables,
  InterpolationError,
  substitute,
  type Lookup,
} from '../../src/core/extract/interpolate.js';
import { mulberry32 } from '../support/prng.js';

const SAMPLES = [
  'A=1\nB=${A}\nC="x\\ny"\n',
  "export KEY='single $X'\n# comment\nY: yaml\n",
  'PEM="-----BEGIN-----\nabc\n-----END-----"\nNEXT=${NEXT:-default}\n',
  'URL=postgres://${USER:?need user}:${PASS-}@${HOST:-db}:5432/app # inline\n',
  'JSON={"a": "${B:+yes}"}\nBACK=`tick`\r\nCR=1\rLAST',
  '\uFEFFBOM=1\n  SPACED = value  \nINHERITED\n',
  'ESC="\\0101 \\$HOME \\\\ \\" \\t"\nNESTED=${A:-${B:-${C:-deep}}}\n',
];

const ALPHABET = [
  ...'abcXYZ_019',
  '$',
  '$',
  '$',
  '{',
  '{',
  '}',
  '}',
  ':',
  '-',
  '+',
  '?',
  '=',
  '=',
  '#',
  ' ',
  ' ',
  '\t',
  "'",
  '"',
  '`',
  '\\',
  '\n',
  '\n',
  '\r',
  '\0',
  'é',
  '日',
  '🎉',
  '\uFEFF',
  '\u00a0',
  '\u2028',
  '\ud800',
  '\udfff',
  'export ',
  '${',
  '$$',
  ':-',
  '\\n',
];

function randomInput(rand: () => number): string {
  const len = Math.floor(rand() * 60);
  let s = '';
  for (let i = 0; i < len; i++) {
    s +=
      rand() < 0.1
        ? String.fromCharCode(Math.floor(rand() * 0x10000))
        : ALPHABET[Math.floor(rand() * ALPHABET.length)];
  }
  return s;
}

function mutate(rand: () => number, src: string): string {
  let s = src;
  const rounds = 1 + Math.floor(rand() * 4);
  for (let r = 0; r < rounds; r++) {
    const at = Math.floor(rand() * (s.length + 1));
    switch (Math.floor(rand() * 6)) {
      case 0: // truncation
        s = s.slice(0, at);
        break;
      case 1: // flip a code unit
        s = s.slice(0, at) + String.fromCharCode(Math.floor(rand() * 0x10000)) + s.slice(at + 1);
        break;
      case 2: // insert a quote
        s = s.slice(0, at) + (['"', "'", '`'][Math.floor(rand() * 3)] ?? '"') + s.slice(at);
        break;
      case 3: // insert an interpolation opener
        s = s.slice(0, at) + '${' + s.slice(at);
        break;
      case 4: // insert a NUL or a lone surrogate
        s = s.slice(0, at) + (['\0', '\ud83d', '\ude00'][Math.floor(rand() * 3)] ?? '\0') + s.slice(at);
        break;
      default: // delete a span
        s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rand() * 5));
    }
  }
  return s;
}

function inputs(): string[] {
  const rand = mulberry32(0xc0ff33);
  const out: string[] = [...SAMPLES];
  for (let i = 0; i < 1200; i++) out.push(randomInput(rand));
  for (let i = 0; i < 1200; i++) out.push(mutate(rand, SAMPLES[i % SAMPLES.length]!));
  return out;
}

const lookup: Lookup = (name) => (name.length % 3 === 0 ? undefined : `v_${name}`);
const countLines = (s: string) => s.split('\n').length;

describe('parsers under random and mutated input', () => {
  const all = inputs();

  it('has enough inputs', () => {
    expect(all.length).toBeGreaterThanOrEqual(2000);
  });

  it('substitute returns a string or throws InterpolationError', () => {
    let errors = 0;
    for (const input of all) {
      try {
        expect(typeof substitute(input, lookup)).toBe('string');
      } catch (err) {
        if (!(err instanceof InterpolationError))
          throw new Error(`non-interpolation error for ${JSON.stringify(input)}: ${err}`);
        expect(['invalid-template', 'missing-required']).toContain(err.kind);
        errors++;
      }
      expect(() => extractVariables([input])).not.toThrow();
    }
    // the corpus exercises both outcomes
    expect(errors).toBeGreaterThan(100);
    expect(errors).toBeLessThan(all.length);
  });

  it('parseComposeDotenv never throws and reports only existing lines', () => {
    for (const input of all) {
      const r = parseComposeDotenv(input, { lookup });
      const lines = countLines(input);
      const reported = [...r.vars.map((v) => v.line), ...r.unresolved.map((u) => u.line)];
      if (r.error) reported.push(r.error.line);
      for (const line of reported) {
        expect(
          Number.isInteger(line) && line >= 1 && line <= lines,
          `line ${line} of ${JSON.stringify(input)}`,
        ).toBe(true);
      }
      const varLines = r.vars.map((v) => v.line);
      expect(varLines).toEqual([...varLines].sort((a, b) => a - b));
    }
  });

  it('parseNodeDotenv never throws and reports only existing lines', () => {
    for (const input of all) {
      const r = parseNodeDotenv(input);
      const lines = countLines(input.replace(/\r\n?/g, '\n'));
      for (const line of [...r.vars.map((v) => v.line), ...r.ignoredLines]) {
        expect(
          Number.isInteger(line) && line >= 1 && line <= lines,
          `line ${line} of ${JSON.stringify(input)}`,
        ).toBe(true);
      }
      expect(new Set(r.ignoredLines).size).toBe(r.ignoredLines.length);
      expect(r.ignoredLines).toEqual([...r.ignoredLines].sort((a, b) => a - b));
    }
  });
});

describe('secrets stay out of error messages', () => {
  const rand = mulberry32(42);
  const markers = Array.from({ length: 60 }, (_, i) => `MARK3R${i}x${Math.floor(rand() * 1e9).toString(36)}`);

  it('an unterminated quoted value is never echoed', () => {
    for (const [i, marker] of markers.entries()) {
      const quote = i % 2 === 0 ? '"' : "'";
      const prefix = SAMPLES[i % SAMPLES.length]!.replace(/\n?$/, '\n');
      const src = `${prefix}SECRET_${i}=${quote}${marker}${i % 3 === 0 ? '\nmore text' : ''}`;
      const r = parseComposeDotenv(src, { lookup });
      expect(r.error, src).toBeDefined();
      expect(r.error!.message).not.toContain(marker);
      expect(r.error!.message).toContain('unterminated quoted value');
    }
  });

  it('a bad key line is never echoed', () => {
    for (const marker of markers) {
      const r = parseComposeDotenv(`OK=1\nbad key!=${marker}`);
      expect(r.error?.message).toBeDefined();
      expect(r.error!.message).not.toContain(marker);
    }
  });

  it('values interpolated into a required-variable message are never echoed', () => {
    for (const marker of markers) {
      const r = parseComposeDotenv(`TOKEN=${marker}\nURL=\${HOST:?token is \${TOKEN}}`);
      expect(r.error?.message).toContain('required variable HOST is missing a value');
      expect(r.error!.message).not.toContain(marker);
      for (const template of ['${A:?${S}}', 'x ${A:?${S} $S} y', '${A?${S:+$S}}']) {
        let message = '';
        try {
          substitute(template, (n) => (n === 'S' ? marker : undefined));
        } catch (err) {
          expect(err).toBeInstanceOf(InterpolationError);
          message = (err as Error).message;
        }
        expect(message).toContain('required variable A is missing a value');
        expect(message).not.toContain(marker);
      }
    }
  });
});
