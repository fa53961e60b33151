import { describe, expect, it } from 'vitest';
import { flattenConfigFile } from '../../src/core/extract/config-file.js';

const flat = (file: string, text: string) =>
  flattenConfigFile(file, text).entries.map((e) => [e.name, e.source.line, e.value]);

describe('config files flattened to dotted paths', () => {
  it('keep the type the file gave a value, so a plan keeps numbers numbers', () => {
    const typed = (file: string, text: string) =>
      flattenConfigFile(file, text).entries.map((e) => [e.name, e.value, e.json]);
    const yaml = 'max: 40\nratio: 2.5\non: true\nname: "40"\nlist: [a, 1, false]\nempty: {}\nnone: null\n';
    const json =
      '{"max": 40, "ratio": 2.5, "on": true, "name": "40", "list": ["a", 1, false], "empty": {}, "none": null}';
    const expected = [
      ['max', '40', 40],
      ['ratio', '2.5', 2.5],
      ['on', 'true', true],
      ['name', '40', undefined],
      ['list', '["a",1,false]', ['a', 1, false]],
      ['empty', '{}', {}],
      ['none', null, undefined],
    ];
    expect(typed('c.yaml', yaml)).toEqual(expected);
    expect(typed('c.json', json)).toEqual(expected);
  });

  it('YAML maps become dotted paths with the line of each key', () => {
    const text = 'database:\n  pool:\n    max: 20\n    min: 5\n  host: db\nlogLevel: info\n';
    expect(flat('c.yaml', text)).toEqual([
      ['database.pool.max', 3, '20'],
      ['database.pool.min', 4, '5'],
      ['database.host', 5, 'db'],
      ['logLevel', 6, 'info'],
    ]);
  });

  it('a list of scalars is one setting; a list of objects is indexed', () => {
    const text =
      'kafka:\n  topics: [orders, fills]\n  brokers:\n    - host: a\n      port: 9092\n    - host: b\n';
    expect(flat('c.yml', text)).toEqual([
      ['kafka.topics', 2, '["orders","fills"]'],
      ['kafka.brokers.0.host', 4, 'a'],
      ['kafka.brokers.0.port', 5, '9092'],
      ['kafka.brokers.1.host', 6, 'b'],
    ]);
  });

  it('YAML anchors and merge keys resolve, keeping the line where the value is written', () => {
    const text = 'base: &b\n  retries: 3\n  timeout: 10\nprod:\n  <<: *b\n  timeout: 30\n';
    expect(flat('c.yaml', text)).toEqual([
      ['base.retries', 2, '3'],
      ['base.timeout', 3, '10'],
      ['prod.timeout', 6, '30'],
      ['prod.retries', 2, '3'],
    ]);
  });

  it('an alias takes the last anchor of its name defined before it', () => {
    expect(flat('c.yaml', 'a: &x one\nb: *x\nc: &x two\nd: *x\n')).toEqual([
      ['a', 1, 'one'],
      ['b', 2, 'one'],
      ['c', 3, 'two'],
      ['d', 4, 'two'],
    ]);
  });

  it('nulls, booleans, empty maps and multi-line strings', () => {
    const text = 'a: null\nb: true\nc: {}\nd: |\n  line1\n  line2\ne: x\n';
    expect(flat('c.yaml', text)).toEqual([
      ['a', 1, null],
      ['b', 2, 'true'],
      ['c', 3, '{}'],
      ['d', 4, 'line1\nline2\n'],
      ['e', 7, 'x'],
    ]);
  });

  it('JSON with the line of each property', () => {
    const text =
      '{\n  "service": {\n    "port": 8080,\n    "tls": false\n  },\n  "hosts": ["a", "b"],\n  "x": null\n}\n';
    expect(flat('c.json', text)).toEqual([
      ['service.port', 3, '8080'],
      ['service.tls', 4, 'false'],
      ['hosts', 6, '["a","b"]'],
      ['x', 7, null],
    ]);
  });

  it('a YAML syntax error is a problem with its line and no file content', () => {
    const r = flattenConfigFile('c.yaml', 'a: 1\nb: c: SECRET_MARKER_1\nd: 2\n');
    expect(r.entries).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ file: 'c.yaml', line: 2, severity: 'error' });
    expect(r.problems[0]!.message).not.toContain('SECRET_MARKER_1');
  });

  it('invalid JSON (trailing comma, comments) is a problem with its line', () => {
    const r = flattenConfigFile('c.json', '{\n  "a": 1,\n  "b": "SECRET_MARKER_2",\n}\n');
    expect(r.problems[0]).toMatchObject({ line: 4, severity: 'error' });
    expect(r.problems[0]!.message).toMatch(/invalid JSON/);
    expect(r.problems[0]!.message).not.toContain('SECRET_MARKER_2');
    expect(flattenConfigFile('c.json', '{ // c\n "a": 1 }').problems[0]!.line).toBe(1);
  });

  it('an alias cycle or a billion-laughs document does not hang or crash', () => {
    const laughs =
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n';
    const r = flattenConfigFile('c.yaml', laughs);
    expect(r.entries.length + r.problems.length).toBeGreaterThan(0);
  });
});
