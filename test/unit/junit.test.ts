/** JUnit XML of `cfgmig validate` (output/junit.ts). */
import { describe, expect, it } from 'vitest';
import { finishReport } from '../../src/core/validate/model.js';
import { junitXml, xmlEscape } from '../../src/output/junit.js';

const r = finishReport({
  formatVersion: 1,
  project: '/p',
  environment: 'production',
  services: ['api', 'db'],
  checks: [
    { check: 'project', service: null, status: 'pass' },
    { check: 'mapped', service: 'api', status: 'pass' },
    { check: 'schema', service: 'api', status: 'skipped', note: 'no JSON Schema' },
    { check: 'mapped', service: 'db', status: 'pass' },
  ],
  problems: [
    {
      check: 'mapped',
      service: 'db',
      severity: 'error',
      rule: 'unmapped-entry',
      message: 'X_<"&>\u0001 is not mapped',
      file: 'db/.env',
      line: 3,
    },
    { check: 'mapped', service: 'api', severity: 'warning', rule: 'rule-warning', message: 'only a warning' },
  ],
  values: [],
  notes: [],
});

describe('junitXml', () => {
  const xml = junitXml(r);

  it('has one suite per service and the project, one test case per check', () => {
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
    expect(xml.match(/<testcase /g)).toHaveLength(4);
    expect(xml).toMatch(/<testsuites name="cfgmig validate" tests="4" failures="1" errors="0" skipped="1"/);
  });

  it('fails a check with its problems as file:line: message, escaped; warnings do not fail', () => {
    expect(xml).toContain(
      '<failure type="unmapped-entry" message="1 problem; first: db/.env:3: X_&lt;&quot;&amp;&gt;? is not mapped">',
    );
    expect(xml).toContain('error: db/.env:3: X_&lt;&quot;&amp;&gt;? is not mapped</failure>');
    expect(xml).not.toContain('only a warning');
    expect(xml).toContain('<skipped message="no JSON Schema"/>');
  });

  it('escapes the five XML characters and drops control characters', () => {
    expect(xmlEscape(`a<b>&"c'\u0002`)).toBe('a&lt;b&gt;&amp;&quot;c&apos;?');
  });
});
