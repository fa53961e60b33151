/**
 * A credential with a unique marker value, through every path of the rule engine — mapping,
 * declassification refused, conversion errors, splitting (valid, invalid, secret options),
 * conflicts, config-file defaults, ignoring, warnings — never shows up in a mapped value, a
 * problem or an ignored entry; nor does the password part of a marker URL, encoded or not.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { MappingResult } from '../../src/core/plan/model.js';
import { applyRules } from '../../src/core/plan/rules.js';
import { cred, fp, input, rule } from '../support/rules.js';

const MARKER = `MRK${randomBytes(8).toString('hex')}`;
const PASSWORD = `pw-${MARKER}-p@ss/word`;
const URL = `postgres://admin:${encodeURIComponent(PASSWORD)}@db:5432/app?sslmode=require&password=${MARKER}q`;
const FORMS = [MARKER, PASSWORD, encodeURIComponent(PASSWORD), URL];

const RULES = [
  rule(
    "name: everything\nappliesTo: '*'\nmap:\n" +
      '  - from: PLAIN\n    to: plain.secret\n' +
      "  - match: '^DECLASSIFY_(?<k>\\w+)$'\n    to: 'd.{k}'\n    as: setting\n" +
      '  - from: CONVERT\n    to: c.value\n    as: setting\n    type: integer\n' +
      '  - from: CONVERT_JSON\n    to: c.json\n    as: setting\n    type: json\n' +
      '  - from: CONVERT_URL\n    to: c.url\n    as: setting\n    type: url\n' +
      '  - from: CONVERT_DURATION\n    to: c.duration\n    as: setting\n    type: duration\n' +
      "  - match: '^(?<kind>DB|BROKEN)_URL$'\n    to: 'url.{kind|lower}.whole'\n    split: url\n" +
      "    parts: {host: 'url.{kind|lower}.host', user: 'url.{kind|lower}.user', password: 'url.{kind|lower}.password', options: 'url.{kind|lower}.options'}\n" +
      "  - match: '^OPT(?<x>_X)?$'\n    to: 'o.{x}'\n" +
      '  - from: CONFLICT_A\n    to: clash\n' +
      '  - from: CONFLICT_B\n    to: clash\n' +
      '  - from: PARENT\n    to: parent\n' +
      '  - from: CHILD\n    to: parent.child\n' +
      'ignore: [IGNORED, TWICE]\n',
    'rules/everything.yaml',
  ),
  rule(
    "name: again\nappliesTo: '*'\nmap:\n  - from: TWICE\n    to: twice.a\n  - from: PLAIN\n    to: plain.copy\n  - from: SETTING\n    to: s\n",
  ),
];

function run(): MappingResult {
  const inputs = [
    cred('PLAIN', MARKER),
    cred('DECLASSIFY_X', MARKER),
    cred('CONVERT', MARKER),
    cred('CONVERT_JSON', `{${MARKER}`),
    cred('CONVERT_URL', `not a url ${MARKER}`),
    cred('CONVERT_DURATION', `${MARKER}ms`),
    cred('DB_URL', URL),
    cred('BROKEN_URL', `postgres://admin:${MARKER}@bad host/x`),
    cred('OPT', MARKER),
    cred('CONFLICT_A', MARKER),
    cred('CONFLICT_B', `${MARKER}-other`),
    cred('PARENT', MARKER),
    cred('CHILD', MARKER),
    cred('IGNORED', MARKER),
    cred('TWICE', MARKER),
    cred('db.password', MARKER, { kind: 'config-file' }),
    cred('UNMAPPED_ONE', MARKER),
    input('SETTING', 'visible'),
  ];
  return applyRules(RULES, 'svc', inputs, fp);
}

describe('a marker credential through every path', () => {
  const r = run();
  const shown = JSON.stringify({ mapped: r.mapped, ignored: r.ignored, problems: r.problems });

  it('exercises the paths it claims to (errors, warnings, split parts, ignores)', () => {
    const messages = r.problems.map((p) => p.message).join('\n');
    expect(messages).toMatch(/DECLASSIFY_X .*a `match` mapping cannot make it a setting/);
    expect(messages).toMatch(/CONVERT .*not an integer/);
    expect(messages).toMatch(/CONVERT_JSON .*not valid JSON/);
    expect(messages).toMatch(/CONVERT_URL .*not a URL/);
    expect(messages).toMatch(/CONVERT_DURATION .*not a duration/);
    expect(messages).toMatch(/BROKEN_URL .*its host is not a host name/);
    expect(messages).toMatch(/DB_URL .*1 query parameter that looks secret/);
    expect(messages).toMatch(/OPT .*cannot build the target/);
    expect(messages).toMatch(/target clash gets different values/);
    expect(messages).toMatch(/target parent is a value/);
    expect(messages).toMatch(/TWICE .*is ignored here but mapped by rule again/);
    expect(messages).toMatch(/PLAIN .*is mapped by several rules/);
    expect(r.mapped.find((v) => v.target === 'url.db.password')).toMatchObject({
      as: 'credential',
      fingerprint: fp(PASSWORD),
    });
    expect(r.mapped.find((v) => v.target === 'url.db.host')).toMatchObject({ value: 'db' });
    expect(r.mapped.find((v) => v.target === 'url.db.options')).toMatchObject({
      value: { sslmode: 'require' },
    });
    expect(r.mapped.find((v) => v.target === 'db.password')).toMatchObject({ rule: 'config-file' });
    expect(r.ignored).toEqual([{ input: 'IGNORED', rule: 'everything' }]);
    expect(r.unmapped.map((i) => i.name)).toEqual(['UNMAPPED_ONE']);
    expect(shown).toContain('visible'); // settings do show: the check below would catch a leak
  });

  it.each(FORMS.map((f, i) => [i, f]))('form %i of the marker appears nowhere', (_i, form) => {
    expect(shown.includes(form)).toBe(false);
  });

  it('credentials carry fingerprints, never values', () => {
    for (const v of r.mapped.filter((m) => m.as === 'credential')) {
      expect(v).not.toHaveProperty('value');
      expect(v.fingerprint).toMatch(/^fp\(/);
    }
  });
});
