import { describe, expect, it } from 'vitest';
import {
  composeDotenvToMap,
  parseComposeDotenv,
  type DotenvVar,
} from '../../src/core/extract/dotenv-compose.js';
import { nodeDotenvToMap, parseNodeDotenv } from '../../src/core/extract/dotenv-node.js';
import type { Lookup } from '../../src/core/extract/interpolate.js';

const env =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

/** [key, value, line] triples, the shape most assertions need. */
const triples = (vars: DotenvVar[]) => vars.map((v) => [v.key, v.value, v.line]);
const compose = (src: string, lookup?: Record<string, string>) =>
  parseComposeDotenv(src, lookup ? { lookup: env(lookup) } : {});
const composeMap = (src: string, lookup?: Record<string, string>) => {
  const r = compose(src, lookup);
  expect(r.error).toBeUndefined();
  return composeDotenvToMap(r.vars);
};

describe('compose dotenv: values', () => {
  // [input, expected map]
  const cases: [string, Record<string, string>][] = [
    ['FOO=bar', { FOO: 'bar' }],
    ['  FOO = bar  ', { FOO: 'bar' }],
    ['FOO=', { FOO: '' }],
    ['FOO=""\nBAR=\'\'', { FOO: '', BAR: '' }],
    ['OPTION_A: Foo=bar', { OPTION_A: 'Foo=bar' }],
    ['OPTION_A=1:B', { OPTION_A: '1:B' }],
    ['export FOO=1\nexport\tBAR=2\n  export BAZ=3', { FOO: '1', BAR: '2', BAZ: '3' }],
    ['exportFOO=1\nexport_X=2\nexport.Y=3', { exportFOO: '1', export_X: '2', 'export.Y': '3' }],
    ['FOO=bar # comment\nBAZ=a#b\nQ=x #', { FOO: 'bar', BAZ: 'a#b', Q: 'x' }],
    ['FOO="bar # not a comment" # comment\nB=\'x#y\'#c', { FOO: 'bar # not a comment', B: 'x#y' }],
    ["S='no $EXPANSION \\n here'", { S: 'no $EXPANSION \\n here' }],
    ["S='it\\'s'", { S: "it's" }],
    ['D="a\\nb\\tc\\\\d\\"e\\$f"', { D: 'a\nb\tc\\d"e$f' }],
    ['D="\\0101\\0102 \\a\\v"', { D: 'AB \x07\v' }],
    ['D="\\x41 \\u00e9 \\q"', { D: '\\x41 \\u00e9 \\q' }],
    ['U=a\\tb', { U: 'a\\tb' }],
    [
      'VAR.WITH.DOTS=1\nVAR-WITH-DASH=2\na[1]=3\nárvíz_TÜKÖR=4',
      { 'VAR.WITH.DOTS': '1', 'VAR-WITH-DASH': '2', 'a[1]': '3', árvíz_TÜKÖR: '4' },
    ],
    ['=value', { '': 'value' }],
    ['\uFEFFA=1\nB=2', { A: '1', B: '2' }],
    ['A=1\r\nB="two"\r\nC=3\r\n', { A: '1', B: 'two', C: '3' }],
  ];

  it.each(cases)('%j', (input, expected) => {
    expect(composeMap(input)).toEqual(expected);
  });
});

describe('compose dotenv: interpolation', () => {
  it('uses earlier keys, with the lookup consulted first', () => {
    const src = 'A=1\nB=${A}\nC=$B-x\nD="${A}_${B}"\nE=${NOPE}\nF=\'${A}\'';
    expect(composeMap(src)).toEqual({ A: '1', B: '1', C: '1-x', D: '1_1', E: '', F: '${A}' });
    // the lookup wins during interpolation, but A keeps the file's own value
    expect(composeMap(src, { A: '5' })).toEqual({ A: '1', B: '5', C: '5-x', D: '5_5', E: '', F: '${A}' });
  });

  it('supports defaults and escaped dollars', () => {
    expect(composeMap('A=${A:-1}\nB="\\${A} $${A} ${A}"', { A: '5' })).toEqual({ A: '5', B: '${A} ${A} 5' });
    expect(composeMap('A=${A:-1}')).toEqual({ A: '1' });
  });

  it('consults the fallback after the file’s own keys', () => {
    const r = parseComposeDotenv('H=dev\nURL="http://${H}/${P}"', { fallback: env({ H: 'old', P: '8080' }) });
    expect(composeDotenvToMap(r.vars)).toEqual({ H: 'dev', URL: 'http://dev/8080' });
  });

  it('reports an interpolation error at its line and keeps what came before', () => {
    const r = compose('A=1\nB=${MISSING:?set B first}\nC=3');
    expect(triples(r.vars)).toEqual([['A', '1', 1]]);
    expect(r.error).toEqual({
      line: 2,
      message:
        'line 2: cannot interpolate the value of "B": required variable MISSING is missing a value: set B first',
    });
  });
});

describe('compose dotenv: lines and keys', () => {
  it('numbers keys after comments, blank lines and multi-line values', () => {
    const src = [
      '# header',
      '',
      'A=1',
      'CERT="-----BEGIN-----',
      'abc',
      '-----END-----"',
      'B=2',
      "MULTI='x",
      '',
      "y'",
      '   # indented comment',
      'export C=3',
    ].join('\n');
    expect(triples(compose(src).vars)).toEqual([
      ['A', '1', 3],
      ['CERT', '-----BEGIN-----\nabc\n-----END-----', 4],
      ['B', '2', 7],
      ['MULTI', 'x\n\ny', 8],
      ['C', '3', 12],
    ]);
  });

  it('keeps CRLF line numbers', () => {
    expect(triples(compose('A=1\r\n\r\nB="x\r\ny"\r\nC=3').vars)).toEqual([
      ['A', '1', 1],
      ['B', 'x\r\ny', 3],
      ['C', '3', 5],
    ]);
  });

  it('keeps duplicate keys in order; the map keeps the last', () => {
    const r = compose('A=1\nB=2\nA=3');
    expect(triples(r.vars)).toEqual([
      ['A', '1', 1],
      ['B', '2', 2],
      ['A', '3', 3],
    ]);
    expect(composeDotenvToMap(r.vars)).toEqual({ A: '3', B: '2' });
  });

  it('inherits bare keys from the lookup and lists the unresolved ones', () => {
    const r = compose('foo=bar\nFROM_ENV\nNOT_SET\nbar=baz\nLAST', { FROM_ENV: 'v', LAST: 'l' });
    expect(r.error).toBeUndefined();
    expect(r.vars).toEqual([
      { key: 'foo', value: 'bar', line: 1 },
      { key: 'FROM_ENV', value: 'v', line: 2, inherited: true },
      { key: 'bar', value: 'baz', line: 4 },
      { key: 'LAST', value: 'l', line: 5, inherited: true },
    ]);
    expect(r.unresolved).toEqual([{ key: 'NOT_SET', line: 3 }]);
  });

  it('does not take the value of a key from the lookup when the file assigns it', () => {
    expect(composeMap('A=file', { A: 'env' })).toEqual({ A: 'file' });
  });
});

describe('compose dotenv: errors', () => {
  it('stops at an unterminated quote, at the key’s line, without echoing the value', () => {
    const r = compose('A=1\nB=2\nTOKEN="ghp_secretvalue123\nC=3\nD=4');
    expect(triples(r.vars)).toEqual([
      ['A', '1', 1],
      ['B', '2', 2],
    ]);
    expect(r.error).toEqual({ line: 3, message: 'line 3: unterminated quoted value for key "TOKEN"' });
  });

  it.each([
    ['KEY="', 1],
    ["KEY='value", 1],
    ['KEY="value\\"', 1],
    ["KEY='value\\'", 1],
    ['A=1\n\nKEY="value\'', 3],
  ])('%j is unterminated (line %i)', (src, line) => {
    const r = compose(src);
    expect(r.error?.line).toBe(line);
    expect(r.error?.message).toContain('unterminated quoted value');
  });

  it('rejects unexpected characters in a key with the line, not the line’s text', () => {
    const r = compose('A=1\n%!(EXTRA string)=s3cr3t');
    expect(r.error).toEqual({ line: 2, message: 'line 2: unexpected character "%" in variable name' });
    expect(compose('lol$wut').error?.message).toBe('line 1: unexpected character "$" in variable name');
  });

  it('rejects a key with a space at its line', () => {
    const src = '# some comments\nfoo="\n  a\n  multine\n  value\n"\nINVALID LINE\nzot=qix';
    const r = compose(src);
    expect(r.error).toEqual({ line: 7, message: 'line 7: key cannot contain a space' });
    expect(triples(r.vars)).toEqual([['foo', '\n  a\n  multine\n  value\n', 2]]);
  });
});

describe('node dotenv (motdotla)', () => {
  const node = (src: string) => parseNodeDotenv(src);
  const nodeMap = (src: string) => nodeDotenvToMap(parseNodeDotenv(src).vars);

  // [input, expected map]
  const cases: [string, Record<string, string>][] = [
    ['BASIC=basic', { BASIC: 'basic' }],
    ['EMPTY=\nNEXT=1', { EMPTY: '', NEXT: '1' }],
    ['S=\'single\'\nD="double"\nB=`back`', { S: 'single', D: 'double', B: 'back' }],
    ["S='  spaced  '\nU=   trimmed   ", { S: '  spaced  ', U: 'trimmed' }],
    ['D="a\\nb\\rc"\nS=\'a\\nb\'\nU=a\\nb\nB=`a\\nb`', { D: 'a\nb\rc', S: 'a\\nb', U: 'a\\nb', B: 'a\\nb' }],
    ['I=inline # comment\nH=a#b\nQ="a #b" # c', { I: 'inline', H: 'a', Q: 'a #b' }],
    ['export KEY=value\nexport   SPACED  =x\nY: yaml', { KEY: 'value', SPACED: 'x', Y: 'yaml' }],
    ['EQUALS==value\nJSON={"foo": "bar"}', { EQUALS: '=value', JSON: '{"foo": "bar"}' }],
    [
      'ESCAPED="say \\"hi\\""\nWIN="C:\\\\dir\\\\"\nNEXT=ok',
      { ESCAPED: 'say \\"hi\\"', WIN: 'C:\\\\dir\\\\', NEXT: 'ok' },
    ],
    ['KEY="unterminated\nNEXT=ok', { KEY: '"unterminated', NEXT: 'ok' }],
    ['\uFEFFBASIC=basic\n\uFEFFSECOND=two', { BASIC: 'basic', SECOND: 'two' }],
    ['A=1\rB=2\r\nC=3', { A: '1', B: '2', C: '3' }],
    ['DUP=one\nDUP=two', { DUP: 'two' }],
  ];

  it.each(cases)('%j', (input, expected) => {
    expect(nodeMap(input)).toEqual(expected);
  });

  it('numbers keys after multi-line values, comments and blank lines', () => {
    const src = [
      'A=1', // 1
      '', // 2
      '# comment', // 3
      'PEM="-----BEGIN-----', // 4
      'MIIB', // 5
      '-----END-----"', // 6
      'B=`x', // 7
      'y`', // 8
      "    SPACED_KEY = 'v'", // 9
      'C=3', // 10
    ].join('\n');
    expect(triples(node(src).vars)).toEqual([
      ['A', '1', 1],
      ['PEM', '-----BEGIN-----\nMIIB\n-----END-----', 4],
      ['B', 'x\ny', 7],
      ['SPACED_KEY', 'v', 9],
      ['C', '3', 10],
    ]);
    expect(node(src).ignoredLines).toEqual([]);
  });

  it('parses a lone CR as a line break, like dotenv, but reports lines as LF-counting editors do', () => {
    expect(triples(node('A=1\r\nB="x\r\ny"\rC=3').vars)).toEqual([
      ['A', '1', 1],
      ['B', 'x\ny', 2],
      ['C', '3', 3],
    ]);
  });

  it('takes a quoted value from the next line after an empty `KEY=`, like dotenv', () => {
    expect(triples(node("KEY=\n'value'\nNEXT=1").vars)).toEqual([
      ['KEY', 'value', 1],
      ['NEXT', '1', 3],
    ]);
  });

  it('keeps duplicates in order', () => {
    expect(triples(node('DUP=one\nX=1\nDUP=two').vars)).toEqual([
      ['DUP', 'one', 1],
      ['X', '1', 2],
      ['DUP', 'two', 3],
    ]);
  });

  it('reports the lines dotenv ignores', () => {
    const src = ['A=1', 'this is not an assignment', '   ', '# comment', 'lol$wut', 'B=2', 'export', ''].join(
      '\n',
    );
    const r = node(src);
    expect(triples(r.vars)).toEqual([
      ['A', '1', 1],
      ['B', '2', 6],
    ]);
    expect(r.ignoredLines).toEqual([2, 5, 7]);
  });
});
