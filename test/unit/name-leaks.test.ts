/**
 * Leaks through text that is not a value: YAML syntax error messages, compose `environment:` list
 * items that are not NAME=value, and names that are themselves secrets. Each test plants unique
 * markers and asserts that none reaches what would be printed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseProjectFile } from '../../src/config/load.js';
import { allProblems, extractCompose } from '../../src/core/extract/compose.js';
import { flattenConfigFile } from '../../src/core/extract/config-file.js';
import { buildInventory, secretsInName, toInventoryEntry } from '../../src/core/extract/inventory.js';
import { parseText } from '../../src/core/extract/parse-text.js';
import type { RawEntry } from '../../src/core/extract/types.js';
import { firstYamlError, yamlErrorMessage } from '../../src/core/yaml/errors.js';
import { REPO } from '../support/cli.js';
import { mulberry32 } from '../support/prng.js';

// Markers built at run time: unique, and nothing here a secret scanner would flag.
let serial = 0;
const marker = (): string => `kT9mZq${(serial++).toString(36)}Leak${'x7Qw'.repeat(2)}`;
const fp = (): string => 'hmac-sha256:test';
const lookup = (env: Record<string, string>) => (name: string) => env[name];

function yamlMessage(text: string): string | null {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  return firstYamlError(doc, lc)?.message ?? null;
}

/** Every message the YAML paths of cfgmig can produce for a text: compose, config file, cfgmig.yaml. */
function yamlMessages(text: string): string[] {
  const out = [yamlMessage(text) ?? ''];
  out.push(...allProblems(extractCompose('docker-compose.yml', text, lookup({}))).map((p) => p.message));
  out.push(...flattenConfigFile('config/app.yaml', text).problems.map((p) => p.message));
  try {
    parseProjectFile('/tmp/project', text);
  } catch (e) {
    out.push(String((e as Error).message));
  }
  return out;
}

describe('YAML syntax errors never quote the file', () => {
  it('a block scalar header with extra characters (any unquoted value starting with | or >)', () => {
    for (const lead of ['>', '|', '>-', '|+', '>2']) {
      const m = marker();
      const text = `services:\n  a:\n    environment:\n      DB_PASSWORD: ${lead}${m}\n`;
      const msgs = yamlMessages(text);
      expect(msgs[0]).toMatch(/^invalid YAML/);
      for (const msg of msgs) expect(msg).not.toContain(m);
    }
  });

  it('unknown codes and odd errors get a generic message, never the library text', () => {
    const m = marker();
    expect(yamlErrorMessage({ code: 'SOMETHING_NEW', message: `Bad thing: ${m}` })).toBe(
      'invalid YAML (SOMETHING_NEW)',
    );
    expect(yamlErrorMessage({ code: `X${m}`, message: m })).toBe('invalid YAML (UNKNOWN)');
    expect(yamlErrorMessage({ code: 42, message: m })).toBe('invalid YAML (UNKNOWN)');
    expect(yamlErrorMessage({ code: 'UNEXPECTED_TOKEN', message: `Not a YAML token: ${m}` })).not.toContain(
      m,
    );
    expect(
      yamlErrorMessage({ code: 'BAD_DQ_ESCAPE', message: `Invalid escape sequence \\${m}` }),
    ).not.toContain(m);
    expect(yamlErrorMessage({ code: 'MISSING_CHAR', message: 'Missing closing "quote' })).toBe(
      'invalid YAML: Missing closing "quote',
    );
  });

  // Broken constructs; `@` is where a marker goes, tried at every position of each template.
  const templates = [
    'key: >@',
    'key: |@',
    'key: >-@\n  x',
    '- |+@',
    'a:\n  b: >@ c',
    'key: "@',
    "key: '@",
    'key: "a\\q@"',
    'key: "\\x@"',
    'key: !@ value',
    'key: !!@ value',
    '%@ directive\n---\nx: 1',
    'key: @@',
    'key: `@',
    '[@, b',
    '{@: b',
    '{a: @',
    'key: &@ &b x',
    'key: !a !b@ x',
    'a:\n\t@: x',
    '@\n  - x',
    'a: b: @',
    '? @\n? @',
    'a: 1\na: @',
    '- @\nkey: x',
    'a: [b, ]@',
    'a: *@',
    '"@": [\n',
    'key: @ #c\n  - x',
    '--- @\n--- b',
    '@: |\n x\n  y: z',
    'a:\n  - b\n   - @',
    'a: {b: c}@',
    'a: "b"@c',
    'x: \u0001@',
  ];

  it('fuzz: a marker at every position of broken constructs never reaches a message', () => {
    let broken = 0;
    for (const t of templates) {
      for (let at = 0; at <= t.length; at++) {
        const m = marker();
        const text = (t.slice(0, at) + m + t.slice(at)).split('@').join(m);
        const msg = yamlMessage(text);
        if (msg === null) continue;
        broken++;
        expect(msg, JSON.stringify(text)).not.toContain(m);
        expect(msg).toMatch(/^invalid YAML(?:: [^\n]+| \([A-Z_]+\))$/);
      }
    }
    expect(broken).toBeGreaterThan(150);
  });

  it('fuzz: seeded mutations of YAML holding markers never quote them, through every YAML reader', () => {
    const rand = mulberry32(20240611);
    const pieces = [
      '>',
      '|',
      '"',
      "'",
      '\\',
      '!',
      '%',
      '@',
      '`',
      '&',
      '*',
      '[',
      '{',
      ']',
      '}',
      ',',
      ':',
      '\t',
      '\n',
      '? ',
      '- ',
      '#',
    ];
    let broken = 0;
    for (let i = 0; i < 600; i++) {
      const m = marker();
      let t = `services:\n  a:\n    environment:\n      K: ${m}\n      L: "${m}"\n  ${m}: {x: ${m}}\n`;
      for (let e = 0; e < 1 + Math.floor(rand() * 4); e++) {
        // Insert indicators next to (never inside) a marker, or anywhere.
        const spots = [...t.matchAll(new RegExp(m, 'g'))].flatMap((x) => [x.index, x.index + m.length]);
        const at = rand() < 0.7 ? spots[Math.floor(rand() * spots.length)]! : Math.floor(rand() * t.length);
        if (t.indexOf(m) < at && at < t.indexOf(m) + m.length) continue;
        t = t.slice(0, at) + pieces[Math.floor(rand() * pieces.length)]! + t.slice(at);
      }
      if (yamlMessage(t) !== null) broken++;
      for (const msg of yamlMessages(t)) expect(msg, JSON.stringify(t)).not.toContain(m);
    }
    expect(broken).toBeGreaterThan(100);
  });
});

describe('compose environment list items that are not NAME=value', () => {
  const compose = (items: string[]) =>
    `services:\n  a:\n    environment:\n${items.map((i) => `      - ${i}`).join('\n')}\n`;

  it('"NAME:${NAME}" never puts the interpolated secret into the name, and is a warning', () => {
    const m = marker();
    const r = extractCompose(
      'docker-compose.yml',
      compose(['"DB_PASSWORD:${DB_PASSWORD}"', 'OK=1', 'PASSTHRU']),
      lookup({ DB_PASSWORD: m }),
    );
    const inv = r.services[0]!.entries.map((e) => toInventoryEntry(e, fp));
    expect(JSON.stringify(inv) + JSON.stringify(allProblems(r))).not.toContain(m);
    expect(allProblems(r)).toEqual([
      {
        file: 'docker-compose.yml',
        line: 4,
        message: 'environment list item is not NAME=value or NAME; did you mean NAME=value?',
        severity: 'warning',
      },
    ]);
    expect(inv.map((e) => [e.name, e.classification])).toEqual([
      ['<redacted:DB_P…(26 chars)>', 'credential'],
      ['OK', 'setting'],
      ['PASSTHRU', 'setting'],
    ]);
  });

  it('a literal secret in a malformed item is redacted in the name and its value is a credential', () => {
    const m = marker();
    const r = extractCompose(
      'docker-compose.yml',
      compose([`"DB_PASSWORD:${m}"`, `"PASSWORD =${m}"`, `"API KEY=${m}"`, '"${NAME}"']),
      lookup({ NAME: m }),
    );
    const inv = r.services[0]!.entries.map((e) => toInventoryEntry(e, fp));
    const printed = JSON.stringify(inv) + JSON.stringify(allProblems(r));
    expect(printed).not.toContain(m);
    expect(printed).not.toContain(m.slice(0, 6));
    expect(inv.slice(0, 3).map((e) => e.classification)).toEqual(['credential', 'credential', 'credential']);
    expect(allProblems(r)).toHaveLength(4);
    for (const e of inv) expect(e.name).toMatch(/^<redacted:/);
  });

  it('valid names are unchanged, with dots and dashes too', () => {
    const r = extractCompose(
      'docker-compose.yml',
      compose(['A=1', 'spring.profiles.active=prod', 'x-y_z', '_UNDER=2', 'WITH_EQ=a=b']),
      lookup({}),
    );
    expect(allProblems(r)).toEqual([]);
    expect(r.services[0]!.entries.map((e) => [e.name, e.value])).toEqual([
      ['A', '1'],
      ['spring.profiles.active', 'prod'],
      ['x-y_z', null],
      ['_UNDER', '2'],
      ['WITH_EQ', 'a=b'],
    ]);
  });
});

// Fake credentials, assembled at run time so this file holds nothing a secret scanner would flag.
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const spread = (n: number, step: number, from: number): string =>
  Array.from({ length: n }, (_, i) => ALNUM[(from + i * step + ((i * i) % 7)) % ALNUM.length]).join('');
const OPENAI = 'sk-' + 'proj-' + spread(49, 17, 3);
const AWS = 'AK' + 'IA' + 'IOSFODNN7EXAMPLF';
const PEM_LINES = [spread(64, 23, 1), spread(64, 29, 5)];

describe('names that are secrets are redacted, and make the entry a credential', () => {
  const inventoryOf = (file: string, text: string) =>
    buildInventory(
      [
        {
          service: 's',
          entries: parseText(file, text, kindOf(file), lookup({})).entries,
          configFiles: [],
          files: [file],
        },
      ],
      parseText(file, text, kindOf(file), lookup({})).problems,
      fp,
    );
  const kindOf = (file: string) =>
    file.endsWith('.env')
      ? ({ kind: 'dotenv', dialect: file.includes('compose') ? 'compose' : 'node' } as const)
      : ({ kind: 'config' } as const);

  it('an API key used as a map key (YAML)', () => {
    const inv = inventoryOf('config/app.yaml', `apiKeys:\n  ${OPENAI}: tenant-a\n  other: tenant-b\n`);
    const [e, other] = inv.services[0]!.entries;
    expect(JSON.stringify(inv)).not.toContain(OPENAI.slice(4));
    expect(e).toMatchObject({
      name: 'apiKeys.<redacted:sk-p…(57 chars)>',
      classification: 'credential',
      redacted: '…(8 chars)',
    });
    expect(e!.reasons).toContain('name: contains a secret (OpenAI key (sk-…))');
    expect(other!.name).toBe('apiKeys.other');
  });

  it('a JSON key that is an AWS key, and a user:password key', () => {
    const m = 'Hunter2' + 'Json';
    const inv = inventoryOf('config/app.json', `{"${AWS}": 1, "users": {"admin:${m}": true}}`);
    const printed = JSON.stringify(inv);
    expect(printed).not.toContain(AWS.slice(4));
    expect(printed).not.toContain(m);
    expect(inv.services[0]!.entries.map((e) => [e.name, e.classification])).toEqual([
      ['<redacted:AKIA…(20 chars)>', 'credential'],
      ['users.<redacted:ad…(17 chars)>', 'credential'],
    ]);
  });

  it('key material pasted unquoted into an env file (each line becomes a bare name)', () => {
    const text = `PRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----\n${PEM_LINES.join('\n')}\n-----END RSA PRIVATE KEY-----\nNEXT=1\n`;
    for (const file of ['.env', 'compose.env']) {
      const inv = inventoryOf(file, text);
      const printed = JSON.stringify(inv);
      for (const l of PEM_LINES) expect(printed, file).not.toContain(l.slice(4));
    }
    const inv = inventoryOf('compose.env', text);
    const redacted = inv.services[0]!.entries.filter((e) => e.name.startsWith('<redacted:'));
    expect(redacted.map((e) => e.classification)).toEqual(['credential', 'credential']);
  });

  it('a hint that quotes the name is redacted with it', () => {
    const raw: RawEntry = {
      name: OPENAI,
      kind: 'hardcoded',
      source: { file: 'a.js', line: 1 },
      value: 'x',
      hints: [`fallback for process.env.${OPENAI}`],
    };
    const e = toInventoryEntry(raw, fp);
    expect(JSON.stringify(e)).not.toContain(OPENAI.slice(4));
    expect(e.reasons).toContain('fallback for process.env.<redacted:sk-p…(57 chars)>');
  });

  it('a problem message quoting a name that is a secret is redacted', () => {
    const inv = buildInventory(
      [],
      [{ file: 'a.env', line: 1, message: `unterminated quoted value for key "${AWS}"`, severity: 'error' }],
      fp,
    );
    expect(inv.problems[0]!.message).toBe('unterminated quoted value for key "<redacted:AKIA…(20 chars)>"');
  });

  it('a JWT spanning dotted segments is redacted whole', () => {
    const b = (s: string) => Buffer.from(s).toString('base64url');
    const jwt = `${b('{"alg":"HS256","typ":"JWT"}')}.${b('{"sub":"1234567890"}')}.${'Qm9ndXNTaWc'.repeat(3)}`;
    const leak = secretsInName(`tokens.${jwt}`);
    expect(leak?.name).toMatch(/^<redacted:toke…\(\d+ chars\)>$/);
  });

  const expected = JSON.parse(
    readFileSync(join(REPO, 'fixtures/platform/expected-inventory.json'), 'utf8'),
  ) as { services: { entries: { name: string }[] }[] };
  const fixtureNames = [...new Set(expected.services.flatMap((s) => s.entries.map((e) => e.name)))];
  const ordinary = [
    'database.pool.max',
    'OPENAI_API_KEY',
    'brokers.0.host',
    'camelCaseNameWithManyWords',
    'spring.datasource.hikari.maximumPoolSize',
    'models.0.costPer1kInputUsd',
    'preTrade.fatFingerPct',
    'SERVICE_2_HOST_PORT_8080_ABC',
    'KAFKA_TOPIC_ORDERS_V2_DLQ_RETRY_3',
    'NEXT_PUBLIC_STRIPE_PUBLISHABLE_KEY',
    'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    'features.enableV2CheckoutFlowForEU',
    'com.example.OrderServiceImpl2',
    'tenants.3f2b1c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d.name',
    'builds.da39a3ee5e6b4b0d3255bfef95601890afd80709.url',
    'scripts.test:unit',
    'images.node:18-alpine',
    'policy.aws:SourceIp',
    'hosts.localhost:8080',
    'x-api-key',
    'AWS_S3_BUCKET_NAME_EU_WEST_1',
    'kafka-consumer-group-orders-v2-eu-west-1',
  ];

  it.each([...fixtureNames, ...ordinary])('ordinary name %s is unchanged', (name) => {
    expect(secretsInName(name)).toBeNull();
    const e = toInventoryEntry(
      { name, kind: 'config-file', source: { file: 'a.yaml', line: 1 }, value: '1' },
      fp,
    );
    expect(e.name).toBe(name);
  });

  it('covers the whole platform fixture', () => {
    expect(fixtureNames.length).toBeGreaterThan(200);
  });
});
