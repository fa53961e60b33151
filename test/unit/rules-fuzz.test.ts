/**
 * Fuzzing the rule engine's edges: type conversion, URL splitting, whole runs and rule files.
 * Random text never throws anything but a reported problem (or, for rule files, a badInput
 * CfgmigError). Seeded: a failure reproduces from the seed in its name.
 */
import { describe, expect, it } from 'vitest';
import { parseRuleFile } from '../../src/config/rules.js';
import { splitConnectionUrl } from '../../src/core/plan/connection-string.js';
import { convertValue } from '../../src/core/plan/convert.js';
import { VALUE_TYPES } from '../../src/core/plan/rule-model.js';
import { applyRules } from '../../src/core/plan/rules.js';
import { CfgmigError } from '../../src/errors.js';
import { mulberry32, mutate, randomText } from '../support/prng.js';
import { fp, input, rule } from '../support/rules.js';

const SEEDS = [1, 2, 3, 42, 1337];
const RUNS = 400;

const VALUE_SAMPLES = [
  '42',
  '-7',
  '2.5e3',
  'true',
  'off',
  '{"a":[1,{"b":null}]}',
  'a, b,c',
  '["x","y"]',
  '1h30m',
  '250ms',
  '30s',
  '1d',
  'https://example.com:8443/p?q=1#f',
  '',
];
const URL_SAMPLES = [
  'postgres://user:pa%40ss@db.example.com:5432/app?sslmode=require',
  'mongodb+srv://svc:pw@cluster0.example.net/analytics?retryWrites=true&w=majority',
  'redis://:pw@redis:6379/0',
  'amqp://guest:guest@rabbit:5672/vhost',
  'mongodb://a:1,b:2,[::1]:3/db?replicaSet=rs0',
];

const CONVERT_REASONS = [
  'not an integer',
  'an integer too large to hold exactly',
  'not a number',
  'a number out of range',
  'not a boolean (true/false, yes/no, on/off, 1/0)',
  'not valid JSON',
  'not a duration (250ms, 30s, 5m, 1h30m, 1d, or milliseconds)',
  'a duration out of range',
  'not a URL (scheme://host…)',
];
const SPLIT_REASONS = [
  'not a connection URL (scheme://…)',
  'the user or password has an invalid percent-encoding',
  'its host is not a host name or address (with an optional port)',
  'its port is not between 1 and 65535',
  'its path has an invalid percent-encoding',
  'its query has an invalid percent-encoding',
];

function sample(rand: () => number, samples: string[]): string {
  const r = rand();
  if (r < 0.4) return randomText(rand, 80);
  return mutate(rand, samples[Math.floor(rand() * samples.length)]!);
}

describe.each(SEEDS)('seed %i', (seed) => {
  it('convertValue returns a value of its type or a reason, never throws', () => {
    const rand = mulberry32(seed);
    for (let i = 0; i < RUNS; i++) {
      const text = sample(rand, VALUE_SAMPLES);
      for (const type of VALUE_TYPES) {
        const r = convertValue(type, text);
        if (!r.ok) {
          expect(typeof r.reason).toBe('string');
          // Reasons are fixed texts: the value is never in them.
          expect(CONVERT_REASONS).toContain(r.reason);
          continue;
        }
        expect(JSON.parse(JSON.stringify(r.value))).toEqual(r.value);
        if (type === 'integer' || type === 'duration') expect(Number.isSafeInteger(r.value)).toBe(true);
        if (type === 'number') expect(Number.isFinite(r.value)).toBe(true);
        if (type === 'boolean') expect(typeof r.value).toBe('boolean');
        if (type === 'list') expect(Array.isArray(r.value)).toBe(true);
        if (type === 'url' || type === 'string') expect(typeof r.value).toBe('string');
      }
    }
  });

  it('splitConnectionUrl returns parts or a reason, never throws', () => {
    const rand = mulberry32(seed);
    for (let i = 0; i < RUNS; i++) {
      const text = sample(rand, URL_SAMPLES);
      const r = splitConnectionUrl(text);
      if (!r.ok) {
        expect(SPLIT_REASONS).toContain(r.reason);
        continue;
      }
      if (r.parts.port !== undefined) expect(r.parts.port >= 1 && r.parts.port <= 65535).toBe(true);
      expect(r.parts.scheme).toMatch(/^[a-z][a-z0-9+.-]*$/);
      for (const name of Object.keys(r.parts.options ?? {}))
        expect(name).not.toMatch(/pass|secret|token|key/i);
    }
  });

  it('applyRules over random inputs reports problems and leaks no credential', () => {
    const rand = mulberry32(seed);
    const rules = [
      rule(
        "name: typed\nappliesTo: '*'\nmap:\n" +
          VALUE_TYPES.map(
            (t) =>
              `  - match: '^${t.toUpperCase()}_(?<k>\\w*)$'\n    to: 'v.${t}.{k|camel}'\n    type: ${t}\n`,
          ).join('') +
          "  - match: '^URL_(?<k>\\w*)$'\n    split: url\n    parts: {host: 'u.{k|kebab}.host', password: 'u.{k|kebab}.pw', options: 'u.{k|kebab}.o'}\n",
      ),
    ];
    for (let i = 0; i < RUNS / 4; i++) {
      const secrets: string[] = [];
      const inputs = Array.from({ length: 12 }, (_, j) => {
        const prefix = [...VALUE_TYPES, 'url'][Math.floor(rand() * 9)]!.toUpperCase();
        const isCred = rand() < 0.5;
        const value = isCred
          ? `postgres://u:SECRET${seed}x${i}x${j}Q@h:5432/db?password=SECRET${seed}x${i}x${j}Q`
          : sample(rand, [...VALUE_SAMPLES, ...URL_SAMPLES]);
        if (isCred) secrets.push(`SECRET${seed}x${i}x${j}Q`);
        return input(`${prefix}_${j % 3 === 0 ? '' : 'K'}${j}`, rand() < 0.05 ? null : value, {
          classification: isCred ? 'credential' : 'setting',
        });
      });
      const r = applyRules(rules, 'svc', inputs, fp);
      for (const p of r.problems) expect(typeof p.message).toBe('string');
      const shown = JSON.stringify({ mapped: r.mapped, ignored: r.ignored, problems: r.problems });
      for (const s of secrets) expect(shown.includes(s)).toBe(false);
    }
  });

  it('parseRuleFile on damaged rule files returns a rule or throws badInput', () => {
    const rand = mulberry32(seed);
    const valid =
      "name: r\nappliesTo: [a, 'b-*']\nmap:\n  - match: '^(?<p>OPENAI|DEEPSEEK)_API_KEY$'\n    to: 'ai.{p|lower}.key'\n" +
      '    as: credential\n  - from: POOL\n    to: db.pool.max\n    type: integer\n    default: 20\n' +
      '  - from: U\n    split: url\n    parts: {host: db.host, password: db.pw}\nignore: [NODE_ENV, {match: "^npm_"}]\n';
    expect(parseRuleFile('rules/r.yaml', valid).map).toHaveLength(3);
    for (let i = 0; i < RUNS; i++) {
      const text = rand() < 0.2 ? randomText(rand) : mutate(rand, valid);
      try {
        const r = parseRuleFile('rules/r.yaml', text);
        expect(typeof r.name).toBe('string');
      } catch (err) {
        expect(err).toBeInstanceOf(CfgmigError);
        expect((err as CfgmigError).code).toBe('badInput');
        expect((err as CfgmigError).line).toBeGreaterThanOrEqual(1);
      }
    }
  });
});
