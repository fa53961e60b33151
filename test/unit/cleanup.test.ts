/** The pieces of `cfgmig cleanup`: the unified diff, the compose edit and its rendering, masking, env reads. */
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { editComposeService, type ComposeEditRequest } from '../../src/core/cleanup/compose-edit.js';
import { align, splitLines, unifiedDiff } from '../../src/core/cleanup/diff.js';
import { scanEnvReads } from '../../src/core/cleanup/env-reads.js';
import { maskCredentials } from '../../src/core/cleanup/mask.js';
import { preserveFormatting, renderYaml } from '../../src/core/cleanup/render.js';

/** Applies a unified diff to `before` (a tiny `patch`), to check the diff against its inputs. */
function applyDiff(before: string, diff: string): string {
  const a = splitLines(before);
  const out: string[] = [];
  let at = 0;
  const lines = diff.split('\n').slice(2);
  for (const line of lines) {
    const hunk = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@$/.exec(line);
    if (hunk) {
      const start = Number(hunk[1]) - (hunk[2] === '0' ? 0 : 1);
      while (at < start) out.push(a[at++]!);
    } else if (line.startsWith(' ')) {
      expect(a[at]).toBe(line.slice(1));
      out.push(a[at++]!);
    } else if (line.startsWith('-')) {
      expect(a[at]).toBe(line.slice(1));
      at++;
    } else if (line.startsWith('+')) out.push(line.slice(1));
  }
  while (at < a.length) out.push(a[at++]!);
  return out.length ? `${out.join('\n')}\n` : '';
}

describe('unifiedDiff', () => {
  it('is empty for equal texts and prints diff -u hunks otherwise', () => {
    expect(unifiedDiff('a\nb\n', 'a\nb\n', { fromFile: 'a/x', toFile: 'b/x' })).toBe('');
    expect(unifiedDiff('a\nb\nc\n', 'a\nB\nc\n', { fromFile: 'a/x', toFile: 'b/x' })).toBe(
      '--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n',
    );
    expect(unifiedDiff('', 'new\n', { fromFile: 'a/x', toFile: 'b/x' })).toBe(
      '--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+new\n',
    );
  });

  it('splits distant changes into hunks with 3 lines of context', () => {
    const before = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    const after = before.replace('line 2\n', 'line two\n').replace('line 25\n', '');
    const diff = unifiedDiff(before, after, { fromFile: 'a', toFile: 'b' });
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain('@@ -1,5 +1,5 @@');
    expect(diff).toContain('@@ -22,7 +22,6 @@');
    expect(applyDiff(before, diff)).toBe(after);
  });

  it('round-trips on random edits', () => {
    let seed = 7;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    for (let t = 0; t < 200; t++) {
      const a = Array.from({ length: rnd(25) }, () => `l${rnd(6)}`);
      const b = a.flatMap((l) => (rnd(4) === 0 ? [] : rnd(5) === 0 ? [l, `n${rnd(6)}`] : [l]));
      const before = a.length ? `${a.join('\n')}\n` : '';
      const after = b.length ? `${b.join('\n')}\n` : '';
      const ops = align(a, b);
      expect(ops.filter((o) => o.kind !== 'add')).toHaveLength(a.length);
      expect(ops.filter((o) => o.kind !== 'del')).toHaveLength(b.length);
      expect(applyDiff(before, unifiedDiff(before, after, { fromFile: 'a', toFile: 'b' }))).toBe(after);
    }
  });
});

const edit = (text: string, req: Partial<ComposeEditRequest> & { remove?: Set<string> }) => {
  const doc = parseDocument(text);
  const result = editComposeService(doc, {
    service: 'api',
    remove: new Set(),
    dropEnvFile: () => false,
    add: [['SERVICE_ID', 'api']],
    dependsOn: 'config-store',
    ...req,
  });
  return { result, text: preserveFormatting(text, renderYaml(parseDocument(text)), renderYaml(doc)) };
};

describe('editComposeService', () => {
  it('map form: removes migrated variables with their comments, keeps the others and every other comment', () => {
    const text = `# top comment
services:
  api:
    image: api:1   # pinned
    environment:
      PORT: "8000"
      # the database
      DB_URL: postgres://db/app
      DB_PASSWORD: hunter2
    networks: [aitrading]
`;
    const { result, text: out } = edit(text, { remove: new Set(['DB_URL', 'DB_PASSWORD']) });
    expect(result.removed).toEqual(['DB_URL', 'DB_PASSWORD']);
    expect(out).toBe(`# top comment
services:
  api:
    image: api:1   # pinned
    environment:
      PORT: "8000"
      SERVICE_ID: api
    depends_on:
      - config-store
    networks: [aitrading]
`);
  });

  it('list form: removes NAME=value and bare NAME items and adds in the same form', () => {
    const text = `services:
  api:
    environment:
      - PORT=8000
      - TZ
      - DB_URL=postgres://db/app # moved
    depends_on: [db]
`;
    const { result, text: out } = edit(text, { remove: new Set(['DB_URL', 'TZ']) });
    expect(result).toMatchObject({ removed: ['TZ', 'DB_URL'], added: ['SERVICE_ID'], dependsOnAdded: true });
    expect(out).toBe(`services:
  api:
    environment:
      - PORT=8000
      - SERVICE_ID=api
    depends_on: [db, config-store]
`);
  });

  it('drops env_file references whose variables all moved: a string, list items, {path} items', () => {
    const single = edit(`services:\n  api:\n    env_file: ./api.env\n    environment:\n      A: "1"\n`, {
      dropEnvFile: (p) => p === './api.env',
      dependsOn: null,
    });
    expect(single.result.droppedEnvFiles).toEqual(['./api.env']);
    expect(single.text).toBe(`services:\n  api:\n    environment:\n      A: "1"\n      SERVICE_ID: api\n`);

    const list = edit(
      `services:
  api:
    env_file:
      - ./a.env # all moved
      - path: ./b.env
        required: false
      - ./c.env
    environment: {}
`,
      { dropEnvFile: (p) => p !== './c.env', dependsOn: null },
    );
    expect(list.result.droppedEnvFiles).toEqual(['./a.env', './b.env']);
    expect(list.text).toBe(`services:
  api:
    env_file:
      - ./c.env
    environment: {SERVICE_ID: api}
`);
  });

  it('leaves variables merged from a shared anchor in place and says so; long-form depends_on', () => {
    const text = `x-common: &common
  LOG_LEVEL: info
services:
  api:
    environment:
      <<: *common
      LOG_LEVEL: warn
    depends_on:
      db:
        condition: service_healthy
`;
    const { result, text: out } = edit(text, { remove: new Set(['LOG_LEVEL']) });
    expect(result.removed).toEqual(['LOG_LEVEL']);
    expect(result.merged).toEqual(['LOG_LEVEL']);
    expect(out).toBe(`x-common: &common
  LOG_LEVEL: info
services:
  api:
    environment:
      <<: *common
      SERVICE_ID: api
    depends_on:
      db:
        condition: service_healthy
      config-store:
        condition: service_started
`);
  });

  it('is idempotent, and a missing service is reported as not found', () => {
    const text = `services:\n  api:\n    environment:\n      SERVICE_ID: api\n    depends_on:\n      - config-store\n`;
    const { result, text: out } = edit(text, {});
    expect(out).toBe(text);
    expect(result).toMatchObject({ found: true, added: [], dependsOnAdded: false });
    expect(edit(text, { service: 'other' }).result.found).toBe(false);
  });

  it('creates environment when the service has none', () => {
    const { text: out } = edit(`services:\n  api:\n    image: api:1\n    restart: always\n`, {
      dependsOn: null,
    });
    expect(out).toBe(
      `services:\n  api:\n    image: api:1\n    environment:\n      SERVICE_ID: api\n    restart: always\n`,
    );
  });
});

describe('preserveFormatting', () => {
  it('keeps lines yaml would re-serialise differently when the edit did not touch them', () => {
    const text = `services:\n  api:\n    command: [ "node",   "x.js" ]\n    environment:\n      A: "1"\n      B: "2"\n`;
    const doc = parseDocument(text);
    editComposeService(doc, {
      service: 'api',
      remove: new Set(['B']),
      dropEnvFile: () => false,
      add: [],
      dependsOn: null,
    });
    const out = preserveFormatting(text, renderYaml(parseDocument(text)), renderYaml(doc));
    expect(out).toBe(
      `services:\n  api:\n    command: [ "node",   "x.js" ]\n    environment:\n      A: "1"\n`,
    );
  });
});

describe('maskCredentials', () => {
  const isCredential = (name: string) => /PASSWORD|TOKEN|SECRET/.test(name);
  it('masks values in map and list form, quoted and block scalars, keeping the line count', () => {
    const text = `services:
  api:
    environment:
      DB_PASSWORD: hunter2 # old
      PORT: "80"
      API_TOKEN: |
        line one
        line two
  worker:
    environment:
      - "JWT_SECRET=abc def"
      - REDIS_PASSWORD=s3cret
      - TZ
`;
    const out = maskCredentials(text, isCredential);
    expect(out).toBe(`services:
  api:
    environment:
      DB_PASSWORD: ******** # old
      PORT: "80"
      API_TOKEN: ********
        ********
        ********
  worker:
    environment:
      - "JWT_SECRET=********"
      - REDIS_PASSWORD=********
      - TZ
`);
    for (const secret of ['hunter2', 'line one', 'abc def', 's3cret']) expect(out).not.toContain(secret);
  });
});

describe('scanEnvReads', () => {
  it('finds JS/TS reads: member, index, destructuring, aliases', () => {
    const src = `const a = process.env.ALPHA;
const b = process.env['BETA'] ?? 'x';
const { GAMMA, DELTA: d, EPS = '1', ...rest } = process.env;
const env = process.env;
if (env.ZETA) console.log(env["ETA"]);
const v = import.meta.env.VITE_URL;
const dyn = process.env[name];
`;
    expect(scanEnvReads('a.ts', src).map((r) => `${r.name}:${r.line}`)).toEqual(
      ['ALPHA:1', 'BETA:2', 'DELTA:3', 'EPS:3', 'GAMMA:3', 'ZETA:5', 'ETA:5', 'VITE_URL:6'].sort(
        (x, y) => Number(x.split(':')[1]) - Number(y.split(':')[1]) || x.localeCompare(y),
      ),
    );
  });

  it('finds Python reads', () => {
    const src = `import os
from os import environ, getenv
a = os.environ["ALPHA"]
b = os.environ.get('BETA', 'x')
c = os.getenv("GAMMA")
d = environ['DELTA']
`;
    expect(scanEnvReads('m.py', src).map((r) => r.name)).toEqual(['ALPHA', 'BETA', 'GAMMA', 'DELTA']);
  });
});
