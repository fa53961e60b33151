/**
 * Small YAML files built to expand enormously or to make naive walks quadratic: each must come
 * back promptly (well inside the test timeout), without throwing, with what could be read and a
 * problem that says why the rest was not. Without the limits in src/core/yaml/walk.ts each of
 * these hangs, exhausts the heap, takes many seconds, or silently loses values.
 */
import { describe, expect, it } from 'vitest';
import { extractCompose } from '../../src/core/extract/compose.js';
import { flattenConfigFile } from '../../src/core/extract/config-file.js';
import {
  mapPairs,
  parseYaml,
  resolveNode,
  WALK_BUDGET,
  walkBudgetExceeded,
  walkProblems,
} from '../../src/core/yaml/walk.js';

const MARKER = 'SECRET_MARKER_9f3';
const noEnv = () => undefined;
const lineCount = (text: string) => text.split('\n').length;

/** `l0` is a list of 10 scalars; each further level lists the previous one 10 times (10^levels leaves). */
function aliasBomb(levels: number, shape: 'seq' | 'map'): string {
  let text = `first: kept\nl0: &l0 [${Array(10).fill(MARKER).join(', ')}]\n`;
  for (let i = 1; i <= levels; i++) {
    const refs = Array.from({ length: 10 }, (_, k) => (shape === 'seq' ? `*l${i - 1}` : `k${k}: *l${i - 1}`));
    text += shape === 'seq' ? `l${i}: &l${i} [${refs.join(', ')}]\n` : `l${i}: &l${i} {${refs.join(', ')}}\n`;
  }
  return text;
}

/** Each level merges the previous one ten times over: naive merging does 10^levels merges. */
function mergeBomb(levels: number): string {
  let text = `x-a: &b0 {A: "1", B: ${MARKER}}\n`;
  for (let i = 1; i <= levels; i++)
    text += `x-b${i}: &b${i} {<<: [${Array(10)
      .fill(`*b${i - 1}`)
      .join(', ')}]}\n`;
  return text;
}

function expectBudgetProblem(problems: { line: number; message: string; severity: string }[], text: string) {
  const budget = problems.filter((p) => /expands to more than 1,000,000 values/.test(p.message));
  expect(budget).toHaveLength(1);
  expect(budget[0]!.severity).toBe('warning');
  expect(budget[0]!.line).toBeGreaterThanOrEqual(1);
  expect(budget[0]!.line).toBeLessThanOrEqual(lineCount(text));
  expect(JSON.stringify(problems)).not.toContain(MARKER);
}

describe('hostile YAML config files', () => {
  it.each(['seq', 'map'] as const)(
    'a billion-laughs alias bomb (%s) stops at the budget with one problem',
    (shape) => {
      const text = aliasBomb(9, shape);
      const r = flattenConfigFile('c.yaml', text);
      expectBudgetProblem(r.problems, text);
      // What was read before the budget ran out is kept; memory stays bounded by the budget.
      expect(r.entries[0]).toMatchObject({ name: 'first', value: 'kept' });
      expect(r.entries.length).toBeGreaterThan(1000);
      expect(r.entries.length).toBeLessThanOrEqual(WALK_BUDGET);
      expect(r.entries.reduce((max, e) => Math.max(max, e.source.line), 0)).toBeLessThanOrEqual(
        lineCount(text),
      );
    },
  );

  it('a merge bomb merges each map once', () => {
    const text = `${mergeBomb(9)}app:\n  <<: *b9\n  C: "3"\n`;
    const r = flattenConfigFile('c.yaml', text);
    expect(r.problems).toEqual([]);
    expect(r.entries.filter((e) => e.name.startsWith('app.')).map((e) => [e.name, e.source.line])).toEqual([
      ['app.C', 13],
      ['app.A', 1],
      ['app.B', 1],
    ]);
  });

  it('a chain of merges each adding a key is quadratic, so it meets the budget', () => {
    let text = 'm0: &m0 {k0: v}\n';
    for (let i = 1; i <= 3000; i++) text += `m${i}: &m${i} {<<: *m${i - 1}, k${i}: v}\n`;
    const r = flattenConfigFile('c.yaml', text);
    expectBudgetProblem(r.problems, text);
    expect(r.entries[0]).toMatchObject({ name: 'm0.k0', value: 'v' });
  });

  it('20,000 anchors and aliases resolve in linear time, each to the last anchor before it', () => {
    const n = 20_000;
    let text = '';
    for (let i = 0; i < n; i++) text += `a${i}: &x${i % 100} v${i}\nb${i}: *x${i % 100}\n`;
    const r = flattenConfigFile('c.yaml', text);
    expect(r.problems).toEqual([]);
    expect(r.entries).toHaveLength(2 * n);
    expect(r.entries[2 * n - 1]).toMatchObject({
      name: `b${n - 1}`,
      value: `v${n - 1}`,
      source: { line: 2 * n },
    });
    expect(r.entries[1001]).toMatchObject({ name: 'b500', value: 'v500' });
  });

  it('a 50,000-key map parses in linear time and still reports a duplicate key at its line', () => {
    const keys = Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}`);
    expect(flattenConfigFile('c.yaml', `${keys.join('\n')}\n`).entries).toHaveLength(50_000);
    const dup = flattenConfigFile('c.yaml', `${keys.join('\n')}\nk17: ${MARKER}\n`);
    expect(dup.entries).toEqual([]);
    expect(dup.problems).toEqual([
      { file: 'c.yaml', line: 50_001, message: 'invalid YAML: Map keys must be unique', severity: 'error' },
    ]);
  });

  it('duplicate keys in flow and nested maps are errors; repeated merge keys are not', () => {
    expect(flattenConfigFile('c.yaml', 'a: {x: 1, x: 2}\n').problems[0]).toMatchObject({
      line: 1,
      severity: 'error',
    });
    expect(flattenConfigFile('c.yaml', 'a:\n  x: 1\n  y: 2\n  x: 3\n').problems[0]).toMatchObject({
      line: 4,
      message: 'invalid YAML: Map keys must be unique',
    });
    // The first error in the file wins, whether it is the library's or a duplicate key.
    expect(flattenConfigFile('c.yaml', 'a: 1\na: 2\nb: c: d\n').problems[0]).toMatchObject({ line: 2 });
    const merges = flattenConfigFile('c.yaml', 'p: &p {a: 1}\nq: &q {b: 2}\nr:\n  <<: *p\n  <<: *q\n');
    expect(merges.problems).toEqual([]);
    expect(merges.entries.map((e) => e.name)).toEqual(['p.a', 'q.b', 'r.a', 'r.b']);
  });

  it('nesting 200 levels deep is read down to 64 levels and reported at the line where it stops', () => {
    const lines = Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k${i}:`);
    const text = `top: 1\n${lines.join('\n')} ${MARKER}\nlast: 2\n`;
    const r = flattenConfigFile('c.yaml', text);
    expect(r.entries.map((e) => e.name)).toEqual(['top', 'last']);
    expect(r.problems).toEqual([
      {
        file: 'c.yaml',
        line: 66,
        message: 'nested deeper than 64 levels; the deeper values are not read',
        severity: 'warning',
      },
    ]);
    const flow = flattenConfigFile('c.yaml', `a: ${'['.repeat(200)}x${']'.repeat(200)}\n`);
    expect(flow.problems).toEqual([expect.objectContaining({ line: 1, severity: 'warning' })]);
  });

  it('nesting far too deep for the parser is a problem, not a crash', () => {
    const r = flattenConfigFile('c.yaml', `a: ${'['.repeat(20_000)}${']'.repeat(20_000)}\n`);
    expect(r.problems).toHaveLength(1);
  });

  it('self-referential aliases and merges are followed once, with a warning', () => {
    const seq = flattenConfigFile('c.yaml', `a: &a [*a, *a, *a, ${MARKER}]\n`);
    expect(seq.problems).toEqual([
      expect.objectContaining({ line: 1, severity: 'warning', message: expect.stringContaining('alias') }),
    ]);
    const map = flattenConfigFile('c.yaml', `a: &a\n  x: *a\n  y: *a\n  z: ${MARKER}\n`);
    expect(map.entries.map((e) => e.name)).toEqual(['a.z']);
    expect(map.problems).toHaveLength(1);

    const merge = flattenConfigFile('c.yaml', `a: &a\n  <<: *a\n  k: ${MARKER}\n`);
    expect(merge.entries.map((e) => [e.name, e.source.line])).toEqual([['a.k', 3]]);
    expect(merge.problems).toEqual([expect.objectContaining({ line: 2, severity: 'warning' })]);
    expect(merge.problems[0]!.message).toMatch(/"<<" merge key refers to a map that contains it/);

    // b merges a while a is being merged; neither hangs and each key appears once.
    const mutual = flattenConfigFile('c.yaml', 'a: &a\n  x: &b\n    <<: *a\n    y: 1\n  <<: *b\n');
    expect(mutual.entries.map((e) => e.name)).toEqual(['a.x.y', 'a.y']);
    expect(mutual.problems).toHaveLength(1);
    for (const r of [seq, map, merge, mutual]) expect(JSON.stringify(r.problems)).not.toContain(MARKER);
  });
});

describe('hostile compose files', () => {
  it('a merge bomb in environment: returns promptly with the merged keys', () => {
    const text = `${mergeBomb(9)}services:\n  api:\n    environment:\n      <<: *b9\n      C: "3"\n`;
    const r = extractCompose('docker-compose.yml', text, noEnv);
    expect(r.services[0]!.entries.map((e) => [e.name, e.source.line, e.value])).toEqual([
      ['C', 15, '3'],
      ['A', 1, '1'],
      ['B', 1, MARKER],
    ]);
  });

  it('a self-merging environment reads its own keys once', () => {
    const text = 'services:\n  api:\n    environment: &e\n      <<: *e\n      A: "1"\n';
    const r = extractCompose('docker-compose.yml', text, noEnv);
    expect(r.services[0]!.entries.map((e) => e.name)).toEqual(['A']);
  });

  it('thousands of services aliasing one huge environment stop at the budget', () => {
    const env = Array.from({ length: 5000 }, (_, i) => `  K${i}: v`).join('\n');
    const services = Array.from({ length: 400 }, (_, i) => `  s${i}:\n    environment: *env`).join('\n');
    const text = `x-env: &env\n${env}\nservices:\n${services}\n`;
    const r = extractCompose('docker-compose.yml', text, noEnv);
    const total = r.services.reduce((n, s) => n + s.entries.length, 0);
    expect(total).toBeGreaterThan(0);
    expect(total).toBeLessThanOrEqual(WALK_BUDGET);
  });

  it('20,000 anchors in a compose file resolve in linear time', () => {
    const n = 2000;
    let text = 'x-defs:\n';
    for (let i = 0; i < n * 10; i++) text += `  - &v${i} "${i}"\n`;
    text += 'services:\n';
    for (let s = 0; s < n; s++) {
      text += `  s${s}:\n    environment:\n`;
      for (let k = 0; k < 10; k++) text += `      E${k}: *v${s * 10 + k}\n`;
    }
    const r = extractCompose('docker-compose.yml', text, noEnv);
    expect(r.problems).toEqual([]);
    expect(r.services).toHaveLength(n);
    expect(r.services[n - 1]!.entries[9]).toMatchObject({ name: 'E9', value: `${n * 10 - 1}` });
  });
});

describe('the walk budget', () => {
  it('is shared by every walk of a document and reported once', () => {
    const env = Array.from({ length: 1000 }, (_, i) => `  K${i}: v`).join('\n');
    const text = `big: &big\n${env}\nuse: *big\n`;
    const { doc, lc } = parseYaml(text);
    const top = mapPairs(doc, resolveNode(doc, doc.contents));
    const big = top.find((p) => p.key === 'use')!.value;
    let calls = 0;
    while (mapPairs(doc, big).length > 0) calls++;
    expect(calls).toBeGreaterThan(900);
    expect(calls).toBeLessThan(WALK_BUDGET / 1000);
    expect(walkBudgetExceeded(doc)).toBe(true);
    const problems = walkProblems(doc, lc);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toBe(
      'YAML expands to more than 1,000,000 values through aliases or merge keys; not read further',
    );
    expect(problems[0]!.line).toBe(2);
  });

  it('an untouched document has no walk problems', () => {
    const { doc, lc } = parseYaml('a: 1\n');
    expect(walkBudgetExceeded(doc)).toBe(false);
    expect(walkProblems(doc, lc)).toEqual([]);
  });
});
