/**
 * No input, however broken, may crash extract. Feeds random text and mutated copies of every
 * file of the sample platform to the parser behind each file kind (compose, both dotenv
 * dialects, YAML/JSON config, TS/JS and Python source) and checks the contract: a ParseResult
 * with lines inside the file, never an exception.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { globSync } from 'tinyglobby';
import { describe, expect, it } from 'vitest';
import { parseText } from '../../src/core/extract/parse-text.js';
import { extractCompose } from '../../src/core/extract/compose.js';
import type { ParseResult } from '../../src/core/extract/types.js';
import { REPO } from '../support/cli.js';
import { mulberry32, mutate, randomText } from '../support/prng.js';

const root = join(REPO, 'fixtures/platform');
const corpus = globSync(['**/*', '**/.env*'], {
  cwd: root,
  dot: true,
  ignore: ['expected-inventory.json', '**/*.md', '**/Dockerfile'],
}).map((f) => ({
  file: f,
  text: readFileSync(join(root, f), 'utf8'),
}));
const lookup = (name: string) => (name.length % 2 ? `v-${name}` : undefined);

type Kind = Parameters<typeof parseText>[2];
const KINDS: [string, Kind, string][] = [
  ['node dotenv', { kind: 'dotenv', dialect: 'node' }, 'a/.env'],
  ['compose dotenv', { kind: 'dotenv', dialect: 'compose' }, 'a/x.env'],
  ['YAML config', { kind: 'config' }, 'a/config/x.yaml'],
  ['JSON config', { kind: 'config' }, 'a/config/x.json'],
  ['TypeScript', { kind: 'source' }, 'a/src/x.ts'],
  ['Python', { kind: 'source' }, 'a/src/x.py'],
];

function checkResult(r: ParseResult, text: string): void {
  const lines = text.split('\n').length;
  for (const e of r.entries) {
    expect(e.source.line).toBeGreaterThanOrEqual(1);
    expect(e.source.line).toBeLessThanOrEqual(lines);
    expect(typeof e.name).toBe('string');
  }
  for (const p of r.problems) {
    expect(p.line).toBeGreaterThanOrEqual(1);
    expect(p.line).toBeLessThanOrEqual(lines);
  }
}

describe('every parser survives random and mutated files', () => {
  it.each(KINDS)('%s', (_label, kind, file) => {
    const rand = mulberry32(0xc0ffee ^ file.length);
    const inputs = [...Array.from({ length: 300 }, () => randomText(rand, 2000))];
    for (const sample of corpus) for (let i = 0; i < 3; i++) inputs.push(mutate(rand, sample.text));
    expect(inputs.length).toBeGreaterThan(600);
    for (const text of inputs) {
      let result: ParseResult | undefined;
      expect(
        () => (result = parseText(file, text, kind, lookup)),
        JSON.stringify(text.slice(0, 200)),
      ).not.toThrow();
      checkResult(result!, text);
    }
  });

  it('compose files', () => {
    const rand = mulberry32(42);
    const compose = corpus.find((c) => c.file === 'docker-compose.yml')!.text;
    for (let i = 0; i < 1500; i++) {
      const text = i % 5 === 0 ? randomText(rand, 3000) : mutate(rand, compose);
      expect(
        () => extractCompose('docker-compose.yml', text, lookup),
        JSON.stringify(text.slice(0, 200)),
      ).not.toThrow();
    }
  });
});
