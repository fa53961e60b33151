import { describe, expect, it } from 'vitest';
import {
  extractVariables,
  InterpolationError,
  substitute,
  type Lookup,
} from '../../src/core/extract/interpolate.js';

const env =
  (vars: Record<string, string>): Lookup =>
  (name) =>
    Object.hasOwn(vars, name) ? vars[name] : undefined;

const ENV = {
  FOO: 'first',
  EMPTY: '',
  JSON: '{"json":2}',
  lower: 'low',
  _x1: 'under',
  NAME: 'wörld',
  JP: '日本',
};

function errorOf(template: string, vars: Record<string, string> = ENV): InterpolationError {
  try {
    substitute(template, env(vars));
  } catch (err) {
    if (err instanceof InterpolationError) return err;
    throw err;
  }
  throw new Error(`no error for ${template}`);
}

describe('substitute', () => {
  // [template, expected] against ENV
  const cases: [string, string][] = [
    // literals and escapes
    ['plain text', 'plain text'],
    ['$$', '$'],
    ['$${FOO}', '${FOO}'],
    ['$$FOO', '$FOO'],
    ['price: $$5 and $$$$', 'price: $5 and $$'],
    ['$', '$'],
    ['trailing $', 'trailing $'],
    ['$}', '$}'],
    ['$1abc', '$1abc'],
    ['$-x', '$-x'],
    ['^REGEX$', '^REGEX$'],
    // plain references
    ['$FOO', 'first'],
    ['$FOO-bar', 'first-bar'],
    ['$FOO:/target', 'first:/target'],
    ['${FOO}_BAR', 'first_BAR'],
    ['$FOO_BAR', ''],
    ['pre-${FOO}-post', 'pre-first-post'],
    ['${UNSET}', ''],
    ['x${UNSET}y$UNSET', 'xy'],
    // names are case-sensitive, [_a-zA-Z][_a-zA-Z0-9]*
    ['${foo}', ''],
    ['${lower}', 'low'],
    ['${_x1}', 'under'],
    // :- and -
    ['${UNSET:-def}', 'def'],
    ['${EMPTY:-def}', 'def'],
    ['${FOO:-def}', 'first'],
    ['${UNSET-def}', 'def'],
    ['${EMPTY-def}', ''],
    ['${FOO-def}', 'first'],
    ['${UNSET-}', ''],
    ['${UNSET:-:-}', ':-'],
    ['${EMPTY:-/non:-alphanumeric}', '/non:-alphanumeric'],
    // :+ and +
    ['${UNSET:+alt}', ''],
    ['${EMPTY:+alt}', ''],
    ['${FOO:+alt}', 'alt'],
    ['${UNSET+alt}', ''],
    ['${EMPTY+alt}', 'alt'],
    ['${FOO+alt}', 'alt'],
    // :? and ? when satisfied
    ['${FOO:?err}', 'first'],
    ['${FOO?err}', 'first'],
    ['${EMPTY?err}', ''],
    // operator choice: the first operator after the name, the rest is its argument
    ['${UNSET-va:-lu:?e}', 'va:-lu:?e'],
    ['${UNSET-myerror?msg}', 'myerror?msg'],
    ['${FOO:+va:?lu:-e}', 'va:?lu:-e'],
    // nesting
    ['${UNSET:-${EMPTY:-x}}', 'x'],
    ['${UNSET:-${FOO:-x}}', 'first'],
    ['${UNSET:-${UNSET2:-${UNSET3:-deep}}}', 'deep'],
    ['${UNSET:-${FOO} ${FOO}}', 'first first'],
    ['${UNSET:-$FOO}', 'first'],
    ['${EMPTY+$FOO ${FOO:+second}}', 'first second'],
    ['${UNSET:-${EMPTY:-x}_test_${EMPTY:-y}}', 'x_test_y'],
    // braces in defaults and after the expression
    ['ok ${UNSET:-{"json":1}}', 'ok {"json":1}'],
    ['ok ${JSON:-{"json":1}}', 'ok {"json":2}'],
    ['${UNSET:-x}}', 'x}'],
    ['{{{ ${UNSET:-foo} ${UNSET:-bar} }}}', '{{{ foo bar }}}'],
    ['${UNSET:-a}${UNSET2:-b}', 'ab'],
    ['${UNSET:-$$HOME}', '$HOME'],
    // lazy: unused defaults, presence values and messages are not evaluated
    ['${FOO:-${NOPE:?boom}}', 'first'],
    ['${UNSET:+${NOPE:?boom}}', ''],
    ['${FOO?${NOPE:?boom}}', 'first'],
    ['${FOO:-${}}', 'first'],
    // several lines
    ['a=${UNSET:-1}\nb=${UNSET:-2}', 'a=1\nb=2'],
    // unicode around and in values
    ['héllo ${NAME} 🎉', 'héllo wörld 🎉'],
    ['$JP$JP', '日本日本'],
    ['$NAMEé', 'wörldé'],
    ['$NAMEX', ''],
    ['${NAME}é', 'wörldé'],
  ];

  it.each(cases)('%j → %j', (template, expected) => {
    expect(substitute(template, env(ENV))).toBe(expected);
  });

  it('passes names to the lookup as written, with Go’s case folding of k and s', () => {
    const seen: string[] = [];
    const lookup: Lookup = (n) => {
      seen.push(n);
      return n.toUpperCase();
    };
    expect(substitute('$\u212Aelvin ${\u017Fx} $_a', lookup)).toBe('\u212AELVIN SX _A');
    expect(seen).toEqual(['\u212Aelvin', '\u017Fx', '_a']);
  });

  it('escaping every $ gives the text back', () => {
    for (const t of ['${A:-x}', '$$${', 'a$b${c}$', '${A:?oops']) {
      expect(
        substitute(
          t.replaceAll('$', () => '$$'),
          env({}),
        ),
      ).toBe(t);
    }
  });
});

describe('substitute errors', () => {
  const invalid = [
    '${',
    '${}',
    '${ }',
    '${ foo}',
    '${foo }',
    '${foo!}',
    '${1A}',
    '${FOO',
    '${FOO:-x',
    '${FOO:x}',
    'ok ${',
    '${UNSET:-${}}',
    '${UNSET:-x\n}',
  ];

  it.each(invalid)('%j is an invalid template', (template) => {
    const err = errorOf(template);
    expect(err.kind).toBe('invalid-template');
    expect(err.message).toContain('Invalid template');
    expect(err.variable).toBeUndefined();
  });

  const required: [string, Record<string, string>, string, string][] = [
    [
      'not ok ${UNSET:?Mandatory Variable Unset}',
      ENV,
      'UNSET',
      'required variable UNSET is missing a value: Mandatory Variable Unset',
    ],
    [
      '${EMPTY:?must not be empty}',
      ENV,
      'EMPTY',
      'required variable EMPTY is missing a value: must not be empty',
    ],
    ['${UNSET?gone}', ENV, 'UNSET', 'required variable UNSET is missing a value: gone'],
    ['${UNSET:?}', ENV, 'UNSET', 'required variable UNSET is missing a value'],
    ['${UNSET?}', ENV, 'UNSET', 'required variable UNSET is missing a value'],
    ['${V:?val?ue}', {}, 'V', 'required variable V is missing a value: val?ue'],
    ['${V?va-lu+e:?e}', {}, 'V', 'required variable V is missing a value: va-lu+e:?e'],
    ['${A:?cost $$5}', {}, 'A', 'required variable A is missing a value: cost $5'],
    ['${A:?a} ${B:?b}', {}, 'A', 'required variable A is missing a value: a'],
    ['${A:?${B:?inner}}', {}, 'B', 'required variable B is missing a value: inner'],
    ['${SUBDOMAIN:-redis}.${ROOT:?}', {}, 'ROOT', 'required variable ROOT is missing a value'],
  ];

  it.each(required)('%j reports the missing variable', (template, vars, variable, message) => {
    const err = errorOf(template, vars);
    expect(err).toBeInstanceOf(InterpolationError);
    expect(err.kind).toBe('missing-required');
    expect(err.variable).toBe(variable);
    expect(err.message).toBe(message);
  });

  it('never puts a value in a message, even one interpolated into the error text', () => {
    const err = errorOf('${DB_PASSWORD:?set it, current user is ${DB_USER}}', { DB_USER: 'hunter2-user' });
    expect(err.message).toBe(
      'required variable DB_PASSWORD is missing a value: set it, current user is ${DB_USER}',
    );
    expect(err.message).not.toContain('hunter2');
  });

  it('does not quote the template in an invalid-template message', () => {
    const err = errorOf('postgres://admin:s3cr3t-pass@db/${ app');
    expect(err.kind).toBe('invalid-template');
    expect(err.message).not.toContain('s3cr3t');
  });

  it('rejects absurd nesting with an InterpolationError instead of overflowing the stack', () => {
    const deep = '${A:-'.repeat(2000) + 'x' + '}'.repeat(2000);
    expect(errorOf(deep, {}).kind).toBe('invalid-template');
    const ok = '${A:-'.repeat(50) + 'x' + '}'.repeat(50);
    expect(substitute(ok, env({}))).toBe('x');
  });
});

describe('extractVariables', () => {
  const v = (name: string, defaultValue = '', presenceValue = '', required = false) => ({
    name,
    defaultValue,
    presenceValue,
    required,
  });

  it('reads every operator', () => {
    expect(extractVariables(['$A ${B} ${C:-d} ${D-e} ${E:?m} ${F?m} ${G:+p} ${H+p} $$I'])).toEqual({
      A: v('A'),
      B: v('B'),
      C: v('C', 'd'),
      D: v('D', 'e'),
      E: v('E', '', '', true),
      F: v('F', '', '', true),
      G: v('G', '', 'p'),
      H: v('H', '', 'p'),
    });
  });

  it('includes variables nested in defaults, presence values and required messages', () => {
    expect(extractVariables(['${A:-${B:-x}}', '${C:+$D}', '${E:?need ${F}}'])).toEqual({
      A: v('A', '${B:-x}'),
      B: v('B', 'x'),
      C: v('C', '', '$D'),
      D: v('D'),
      E: v('E', '', '', true),
      F: v('F'),
    });
  });

  it('later occurrences overwrite earlier ones', () => {
    expect(extractVariables(['${A:-1}', 'x ${A}'])).toEqual({ A: v('A') });
    expect(extractVariables(['${A}', '${A:?}'])).toEqual({ A: v('A', '', '', true) });
  });

  it('skips escapes and invalid forms, keeps odd names as own keys', () => {
    expect(extractVariables(['$$A', '${', '${ x}', 'no vars'])).toEqual({});
    const found = extractVariables(['${__proto__}']);
    expect(Object.keys(found)).toEqual(['__proto__']);
  });

  it('handles concatenated expressions on one line', () => {
    expect(extractVariables(['${SUBDOMAIN:-redis}.${ROOTDOMAIN:?}', '$docker:${project:-cli}'])).toEqual({
      SUBDOMAIN: v('SUBDOMAIN', 'redis'),
      ROOTDOMAIN: v('ROOTDOMAIN', '', '', true),
      docker: v('docker'),
      project: v('project', 'cli'),
    });
  });
});
