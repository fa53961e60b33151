/** Rule files: schema and semantic errors name file, line and field; exit code 2. */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRules, parseRuleFile } from '../../src/config/rules.js';
import { CfgmigError } from '../../src/errors.js';
import { rejection } from '../support/errors.js';

function parseError(text: string): CfgmigError {
  try {
    parseRuleFile('rules/bad.yaml', text);
  } catch (err) {
    expect(err).toBeInstanceOf(CfgmigError);
    return err as CfgmigError;
  }
  throw new Error('expected an error');
}

const HEAD = "name: r\nappliesTo: '*'\n";

describe('parseRuleFile', () => {
  it('returns typed rules with the file and each mapping’s line', () => {
    const r = parseRuleFile(
      'rules/db.yaml',
      `${HEAD}description: d\nmap:\n  - from: A\n    to: a\n\n  - match: '^(?<x>B)$'\n    to: 'b.{x|lower}'\nignore: [C, {match: '^D'}]\n`,
    );
    expect(r).toEqual({
      name: 'r',
      description: 'd',
      appliesTo: ['*'],
      file: 'rules/db.yaml',
      map: [
        { from: 'A', to: 'a', line: 5 },
        { match: '^(?<x>B)$', to: 'b.{x|lower}', line: 8 },
      ],
      ignore: [
        { name: 'C', line: 10 },
        { match: '^D', line: 10 },
      ],
    });
  });

  it.each([
    ['bad YAML', `${HEAD}map:\n  - from: "A\n`, 5, 'rules/bad.yaml:5: invalid YAML: Missing closing "quote'],
    ['a tab as indentation', `${HEAD}map:\n\t- from: A\n`, 4, 'rules/bad.yaml:4: invalid YAML'],
    ['not a map', '- a\n- b\n', 1, 'rules/bad.yaml:1: (top level): must be object'],
    [
      'no name',
      "appliesTo: '*'\nmap: []\n",
      1,
      "rules/bad.yaml:1: (top level): must have required property 'name'",
    ],
    [
      'an unknown top-level field',
      `${HEAD}mapping: []\n`,
      3,
      'rules/bad.yaml:3: (top level): must NOT have additional properties "mapping"',
    ],
    [
      'an unknown mapping field',
      `${HEAD}map:\n  - from: A\n    to: a\n    target: b\n`,
      6,
      'rules/bad.yaml:6: map.0: must NOT have additional properties "target"',
    ],
    [
      'a wrong type',
      `${HEAD}map:\n  - from: A\n    to: [a]\n`,
      5,
      'rules/bad.yaml:5: map.0.to: must be string',
    ],
    [
      'an unknown value type',
      `${HEAD}map:\n  - from: A\n    to: a\n    type: int\n`,
      6,
      'rules/bad.yaml:6: map.0.type: must be equal to one of the allowed values ("string", "integer", "number", "boolean", "json", "list", "duration", "url")',
    ],
    [
      'appliesTo a bare word',
      'name: r\nappliesTo: all\nmap: []\n',
      2,
      'rules/bad.yaml:2: appliesTo: must match pattern "^\\*$"',
    ],
    ['an invalid name', "name: My Rule\nappliesTo: '*'\n", 1, 'rules/bad.yaml:1: name: must match pattern'],
    [
      'an invalid regex in match',
      `${HEAD}map:\n  - match: '^(?<a>x'\n    to: a\n`,
      4,
      'rules/bad.yaml:4: map.0.match: is not a valid regular expression',
    ],
    [
      'an invalid regex in ignore',
      `${HEAD}ignore:\n  - A\n  - match: '(['\n`,
      5,
      'rules/bad.yaml:5: ignore.1.match: is not a valid regular expression',
    ],
    [
      'a group used in `to` that the regex lacks',
      `${HEAD}map:\n  - match: '^(?<provider>\\w+)_KEY$'\n    to: 'ai.{vendor}.key'\n`,
      5,
      'rules/bad.yaml:5: map.0.to: {vendor} is not a named group: there are the groups of `match` (provider), {name} and {file}',
    ],
    [
      'a group in a `from` mapping',
      `${HEAD}map:\n  - from: A\n    to: 'a.{x}'\n`,
      5,
      'rules/bad.yaml:5: map.0.to: {x} is not a named group: there are no groups, {name} and {file}',
    ],
    [
      'an unknown transform',
      `${HEAD}map:\n  - match: '^(?<a>x)$'\n    to: 'a.{a|title}'\n`,
      5,
      'rules/bad.yaml:5: map.0.to: unknown transform |title (lower, upper, kebab, camel, snake)',
    ],
    [
      'a stray brace',
      `${HEAD}map:\n  - from: A\n    to: 'a.{b'\n`,
      5,
      'rules/bad.yaml:5: map.0.to: has a `{` or `}` that is not a {placeholder}',
    ],
    [
      'both from and match',
      `${HEAD}map:\n  - from: A\n    match: B\n    to: a\n`,
      4,
      'rules/bad.yaml:4: map.0: a mapping needs exactly one of `from` (a name) and `match` (a regex)',
    ],
    [
      'neither from nor match',
      `${HEAD}map:\n  - to: a\n`,
      4,
      'rules/bad.yaml:4: map.0: a mapping needs exactly one of',
    ],
    [
      'no target',
      `${HEAD}map:\n  - from: A\n`,
      4,
      'rules/bad.yaml:4: map.0: a mapping needs `to` (or `split: url` with `parts`)',
    ],
    [
      'split without parts',
      `${HEAD}map:\n  - from: A\n    split: url\n`,
      4,
      'rules/bad.yaml:4: map.0: `split: url` and `parts` go together',
    ],
    [
      'an unknown part',
      `${HEAD}map:\n  - from: A\n    split: url\n    parts: {hostname: a}\n`,
      6,
      'rules/bad.yaml:6: map.0.parts: must NOT have additional properties "hostname"',
    ],
    [
      'a default of the wrong type',
      `${HEAD}map:\n  - from: A\n    to: a\n    type: integer\n    default: [1]\n`,
      7,
      "rules/bad.yaml:7: map.0.default: must be a integer (the mapping's type)",
    ],
    [
      'a default text that does not convert',
      `${HEAD}map:\n  - from: A\n    to: a\n    type: duration\n    default: soon\n`,
      7,
      'rules/bad.yaml:7: map.0.default: not a duration (250ms, 30s, 5m, 1h30m, 1d, or milliseconds): "soon"',
    ],
    [
      'a credential default',
      `${HEAD}map:\n  - from: A\n    to: a\n    as: credential\n    default: hunter2\n`,
      7,
      'rules/bad.yaml:7: map.0.default: a credential cannot have a default (rule files are not secret)',
    ],
    ['an empty rule', HEAD, 1, 'rules/bad.yaml:1: (top level): a rule needs at least one mapping'],
  ])('%s', (_what, text, line, message) => {
    const err = parseError(text);
    expect(err.message.startsWith(message), err.message).toBe(true);
    expect(err).toMatchObject({ code: 'badInput', file: 'rules/bad.yaml', line });
    expect(err.exitCode).toBe(2);
    expect(err.hint).toMatch(/rules\.schema\.json/);
  });

  it('never quotes the file in a YAML error', () => {
    const err = parseError(`${HEAD}map:\n  - from: A\n    to: "sk-live-SECRET\n`);
    expect(err.message).not.toMatch(/SECRET/);
  });
});

describe('loadRules', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function project(files: Record<string, string>) {
    dir = await mkdtemp(join(tmpdir(), 'cfgmig-rules-'));
    await mkdir(join(dir, 'rules'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    return { root: dir, rules: ['rules/*.yaml'] };
  }

  it('reads every file the globs match, sorted by path', async () => {
    const p = await project({
      'rules/b.yaml': `name: b\nappliesTo: '*'\nignore: [X]\n`,
      'rules/a.yaml': `name: a\nappliesTo: '*'\nignore: [Y]\n`,
      'rules/notes.txt': 'not a rule',
    });
    const rules = await loadRules(p);
    expect(rules.map((r) => [r.name, r.file])).toEqual([
      ['a', 'rules/a.yaml'],
      ['b', 'rules/b.yaml'],
    ]);
  });

  it('refuses two rules with one name, naming both files', async () => {
    const p = await project({
      'rules/a.yaml': `name: same\nappliesTo: '*'\nignore: [X]\n`,
      'rules/b.yaml': `name: same\nappliesTo: '*'\nignore: [Y]\n`,
    });
    const err = await rejection(loadRules(p));
    expect(err.message).toBe('rules/b.yaml:1: name: rule same is also defined in rules/a.yaml');
    expect(err).toMatchObject({ file: 'rules/b.yaml', line: 1, code: 'badInput' });
  });

  it('reports an invalid file with its project-relative path', async () => {
    const p = await project({
      'rules/a.yaml': `name: a\nappliesTo: '*'\nmap:\n  - from: A\n    to: a\n    tpye: integer\n`,
    });
    const err = await rejection(loadRules(p));
    expect(err.message).toBe('rules/a.yaml:6: map.0: must NOT have additional properties "tpye"');
  });

  it('is empty when no file matches', async () => {
    expect(await loadRules(await project({}))).toEqual([]);
  });
});
