/**
 * core/canary/prom-text.ts: the exposition parser (table + seeded fuzz), selectors, counter
 * increases with resets, bucket increases and histogram_quantile as PromQL computes it.
 */
import { describe, expect, it } from 'vitest';
import { CfgmigError } from '../../src/errors.js';
import {
  bucketIncreases,
  bucketTotals,
  histogramQuantile,
  increaseOf,
  labelsMatch,
  parseFloatText,
  parsePromText,
  parseSelector,
  select,
  sumOf,
  type Sample,
} from '../../src/core/canary/prom-text.js';
import { mulberry32 } from '../support/prng.js';

const EXPOSITION = `# HELP demo_http_requests_total HTTP requests by route and status
# TYPE demo_http_requests_total counter
demo_http_requests_total{route="/",status="200"} 12
demo_http_requests_total{route="/",status="500"} 3
demo_http_requests_total{route="other",status="404"} 1 1700000000000
# TYPE demo_http_request_duration_seconds histogram
demo_http_request_duration_seconds_bucket{le="0.005",route="/"} 10
demo_http_request_duration_seconds_bucket{le="0.01",route="/"} 14
demo_http_request_duration_seconds_bucket{le="+Inf",route="/"} 15
demo_http_request_duration_seconds_sum{route="/"} 0.07
demo_http_request_duration_seconds_count{route="/"} 15
up 1
`;

describe('parsePromText', () => {
  it('reads samples, labels, timestamps and TYPE lines', () => {
    const r = parsePromText(EXPOSITION);
    expect(r.errors).toEqual([]);
    expect(r.samples).toHaveLength(9);
    expect(r.samples[0]).toEqual({
      name: 'demo_http_requests_total',
      labels: { route: '/', status: '200' },
      value: 12,
    });
    expect(r.samples[2]).toMatchObject({ value: 1, timestampMs: 1700000000000 });
    expect(r.samples[8]).toEqual({ name: 'up', labels: {}, value: 1 });
    expect(r.types).toEqual({
      demo_http_requests_total: 'counter',
      demo_http_request_duration_seconds: 'histogram',
    });
  });

  it.each([
    ['a 1', 1],
    ['a +Inf', Infinity],
    ['a -Inf', -Infinity],
    ['a NaN', NaN],
    ['a 1e3', 1000],
    ['a -1.5E-2', -0.015],
    ['a .5', 0.5],
    ['a 0x10', null],
    ['a 1_000', null],
    ['a', null],
    ['a{} 2', 2],
    ['a{b="1",} 3', 3],
    ['a { b = "1" } 4', 4],
    ['  a 5  ', 5],
    ['a:b_c 6', 6],
    ['a 7 -12', 7],
  ])('value of %j', (line, expected) => {
    const r = parsePromText(line);
    if (expected === null) {
      expect(r.samples).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.line).toBe(1);
    } else {
      expect(r.errors).toEqual([]);
      expect(r.samples[0]!.value).toBe(expected);
    }
  });

  it.each([
    [String.raw`a{l="x\\y"} 1`, 'x\\y'],
    [String.raw`a{l="say \"hi\""} 1`, 'say "hi"'],
    [String.raw`a{l="two\nlines"} 1`, 'two\nlines'],
    ['a{l="{},= #"} 1', '{},= #'],
    ['a{l=""} 1', ''],
    ['a{l="ünïcødé"} 1', 'ünïcødé'],
  ])('label value of %j', (line, expected) => {
    const r = parsePromText(line);
    expect(r.errors).toEqual([]);
    expect(r.samples[0]!.labels.l).toBe(expected);
  });

  it.each([
    ['a{l="x} 1', 'unterminated string'],
    [String.raw`a{l="\q"} 1`, 'invalid escape sequence'],
    ['a{l=x} 1', 'expected a quoted value'],
    ['a{l="1",l="2"} 1', 'given twice'],
    ['a{1l="x"} 1', 'expected a label name'],
    ['a{l="x" m="y"} 1', 'expected , or }'],
    ['a{l="x"}1', 'expected a space'],
    ['a 1 2 3', 'expected a value and an optional timestamp'],
    ['a 1 1.5', 'invalid timestamp'],
    ['1a 1', 'expected a metric name'],
    ['# TYPE a bogus', 'unknown type'],
    ['# HELP 9a x', 'invalid metric name'],
  ])('reports %j with its line number', (line, message) => {
    const r = parsePromText(`ok 1\n\n${line}\nok 2\r\n`);
    expect(r.samples.map((s) => s.value)).toEqual([1, 2]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.line).toBe(3);
    expect(r.errors[0]!.message).toContain(message);
  });

  it('ignores other comments and blank lines, accepts CRLF', () => {
    const r = parsePromText('# just a comment\r\n#\r\n\r\n   \r\na 1\r\n# EOF');
    expect(r).toEqual({ samples: [{ name: 'a', labels: {}, value: 1 }], types: {}, errors: [] });
  });

  it('parseFloatText', () => {
    expect(parseFloatText('+Inf')).toBe(Infinity);
    expect(parseFloatText('Inf')).toBe(Infinity);
    expect(parseFloatText('-inf')).toBe(-Infinity);
    expect(parseFloatText('nan')).toBeNaN();
    expect(parseFloatText('')).toBeNull();
    expect(parseFloatText('1.')).toBe(1);
  });
});

describe('parsePromText fuzz (seeded)', () => {
  const ALPHABET = [
    ...'abz_:019',
    '{',
    '}',
    '"',
    '\\',
    '=',
    ',',
    ' ',
    '\t',
    '\n',
    '#',
    '+',
    '-',
    '.',
    'e',
    'I',
    'n',
    'f',
    'N',
  ];
  const LINES = EXPOSITION.split('\n');

  for (const seed of [1, 2, 3, 42, 1234]) {
    it(`never throws and reports only existing lines (seed ${seed})`, () => {
      const rnd = mulberry32(seed);
      for (let round = 0; round < 400; round++) {
        let text: string;
        if (round % 2 === 0) {
          // garbled exposition: lines mutated character by character
          text = LINES.map((l) => {
            const chars = [...l];
            const edits = Math.floor(rnd() * 4);
            for (let e = 0; e < edits; e++) {
              const at = Math.floor(rnd() * (chars.length + 1));
              const c = ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
              if (rnd() < 0.5) chars.splice(at, 1);
              else chars.splice(at, 0, c);
            }
            return chars.join('');
          }).join('\n');
        } else {
          text = Array.from(
            { length: Math.floor(rnd() * 200) },
            () => ALPHABET[Math.floor(rnd() * ALPHABET.length)],
          ).join('');
        }
        const lineCount = text.split('\n').length;
        const r = parsePromText(text);
        for (const e of r.errors) {
          expect(e.line).toBeGreaterThanOrEqual(1);
          expect(e.line).toBeLessThanOrEqual(lineCount);
          expect(e.message.length).toBeGreaterThan(0);
        }
        for (const s of r.samples) {
          expect(typeof s.value).toBe('number');
          expect(s.name).toMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/);
        }
        // one report per bad line at most
        expect(new Set(r.errors.map((e) => e.line)).size).toBe(r.errors.length);
      }
    });
  }

  it('random selectors either parse or throw a CfgmigError', () => {
    const rnd = mulberry32(7);
    const pieces = [
      'a',
      'b_c',
      '{',
      '}',
      '"',
      "'",
      '=',
      '!=',
      '=~',
      '!~',
      ',',
      ' ',
      '\\',
      '(',
      '[',
      '*',
      '5..',
      'x',
    ];
    for (let i = 0; i < 2000; i++) {
      const text = Array.from(
        { length: 1 + Math.floor(rnd() * 10) },
        () => pieces[Math.floor(rnd() * pieces.length)],
      ).join('');
      try {
        const sel = parseSelector(text);
        expect(sel.name.length).toBeGreaterThan(0);
      } catch (err) {
        expect(err).toBeInstanceOf(CfgmigError);
      }
    }
  });
});

describe('parseSelector and select', () => {
  it.each([
    ['up', { name: 'up', matchers: [] }],
    ['up{}', { name: 'up', matchers: [] }],
    [
      'demo_http_requests_total{status=~"5..", route!="/health"}',
      {
        name: 'demo_http_requests_total',
        matchers: [
          { label: 'status', op: '=~', value: '5..' },
          { label: 'route', op: '!=', value: '/health' },
        ],
      },
    ],
    [
      "x{a='q\\'s',b!~\"x|y\",}",
      {
        name: 'x',
        matchers: [
          { label: 'a', op: '=', value: "q's" },
          { label: 'b', op: '!~', value: 'x|y' },
        ],
      },
    ],
  ])('%s', (text, expected) => {
    expect(parseSelector(text)).toMatchObject({ ...expected, text });
  });

  it.each([
    ['', 'expected a metric name'],
    ['{a="b"}', 'expected a metric name'],
    ['a{b}', 'expected =, !=, =~ or !~'],
    ['a{b=c}', 'expected a quoted value'],
    ['a{b=~"("}', 'invalid regular expression'],
    ['a{b="c"', 'expected , or }'],
    ['a{b="c}', 'unterminated'],
    ['a{b="c"} extra', 'unexpected text'],
    ['sum(a)', 'unexpected text'],
  ])('refuses %j naming the field', (text, why) => {
    expect(() => parseSelector(text, 'gates[0].ratio.numerator')).toThrow(
      expect.objectContaining({ code: 'badInput', message: expect.stringContaining(why) }),
    );
    expect(() => parseSelector(text, 'gates[0].ratio.numerator')).toThrow(/^gates\[0\]\.ratio\.numerator/);
  });

  const samples = parsePromText(EXPOSITION).samples;
  it.each([
    ['demo_http_requests_total', 16],
    ['demo_http_requests_total{status=~"5.."}', 3],
    ['demo_http_requests_total{status=~"5"}', 0], // anchored
    ['demo_http_requests_total{status!~"2..|5.."}', 1],
    ['demo_http_requests_total{status!="200"}', 4],
    ['demo_http_requests_total{route="/"}', 15],
    ['demo_http_requests_total{missing=""}', 16], // an absent label is ""
    ['demo_http_requests_total{missing!=""}', 0],
    ['demo_http_requests_total{missing=~".*"}', 16],
    ['nothing', 0],
  ])('sumOf %s', (text, sum) => {
    expect(sumOf(samples, parseSelector(text))).toBe(sum);
  });

  it('select returns the matching samples; labelsMatch on a label set', () => {
    expect(select(samples, parseSelector('demo_http_requests_total{route="other"}'))).toHaveLength(1);
    expect(labelsMatch({ a: 'x' }, parseSelector('m{a=~"x|y"}'))).toBe(true);
    expect(labelsMatch({ a: 'xy' }, parseSelector('m{a=~"x|y"}'))).toBe(false);
  });
});

const s = (value: number, labels: Record<string, string> = {}, name = 'c'): Sample => ({
  name,
  labels,
  value,
});

describe('increaseOf', () => {
  const all = parseSelector('c');
  it.each([
    ['growth', [s(10)], [s(15)], { increase: 5, series: 1, resets: 0 }],
    ['no change', [s(10)], [s(10)], { increase: 0, series: 1, resets: 0 }],
    ['reset: the new value is the increase', [s(10)], [s(3)], { increase: 3, series: 1, resets: 1 }],
    [
      'a new series started at 0',
      [s(10, { a: '1' })],
      [s(10, { a: '1' }), s(4, { a: '2' })],
      { increase: 4, series: 2, resets: 0 },
    ],
    [
      'a vanished series counts nothing',
      [s(10, { a: '1' }), s(5, { a: '2' })],
      [s(12, { a: '1' })],
      { increase: 2, series: 1, resets: 0 },
    ],
    [
      'label order does not matter',
      [{ name: 'c', labels: { a: '1', b: '2' }, value: 1 }],
      [{ name: 'c', labels: { b: '2', a: '1' }, value: 3 }],
      { increase: 2, series: 1, resets: 0 },
    ],
    ['NaN is left out', [s(1)], [s(NaN)], { increase: 0, series: 0, resets: 0 }],
    ['nothing before', [], [s(7)], { increase: 7, series: 1, resets: 0 }],
  ])('%s', (_what, prev, cur, expected) => {
    expect(increaseOf(prev, cur, all)).toEqual(expected);
  });
});

describe('buckets and histogramQuantile', () => {
  const b = (le: string, value: number, route = '/'): Sample => s(value, { le, route }, 'h_bucket');
  const h = parseSelector('h');

  it('bucketTotals sums series by le', () => {
    const samples = [
      b('0.1', 1),
      b('+Inf', 2),
      b('0.1', 3, 'x'),
      b('+Inf', 5, 'x'),
      s(9, { le: '0.1' }, 'other_bucket'),
    ];
    expect(bucketTotals(samples, h)).toEqual([
      { le: 0.1, count: 4 },
      { le: Infinity, count: 7 },
    ]);
    expect(bucketTotals(samples, parseSelector('h{route="x"}'))).toEqual([
      { le: 0.1, count: 3 },
      { le: Infinity, count: 5 },
    ]);
  });

  it('bucketIncreases: deltas per series (resets, new series) summed by le', () => {
    const prev = [b('0.1', 10), b('+Inf', 12)];
    const cur = [b('0.1', 15), b('+Inf', 20), b('0.1', 1, 'new'), b('+Inf', 1, 'new')];
    expect(bucketIncreases(prev, cur, h)).toEqual([
      { le: 0.1, count: 6 },
      { le: Infinity, count: 9 },
    ]);
    expect(bucketIncreases([b('0.1', 10), b('+Inf', 12)], [b('0.1', 2), b('+Inf', 3)], h)).toEqual([
      { le: 0.1, count: 2 },
      { le: Infinity, count: 3 },
    ]);
  });

  const buckets = [
    { le: 0.1, count: 50 },
    { le: 0.2, count: 90 },
    { le: 0.5, count: 100 },
    { le: Infinity, count: 100 },
  ];
  it.each([
    [0.5, buckets, 0.1], // rank 50: exactly the top of the first bucket
    [0.25, buckets, 0.05], // rank 25 in [0, 0.1]: halfway
    [0.7, buckets, 0.15], // rank 70 in (0.1, 0.2]: 20 of 40
    [0.95, buckets, 0.35], // rank 95 in (0.2, 0.5]: 5 of 10
    [1, buckets, 0.5],
    [0.99, [...buckets.slice(0, 3), { le: Infinity, count: 200 }], 0.5], // in +Inf: highest finite bound
    [0, buckets, 0],
    [-0.1, buckets, -Infinity],
    [1.1, buckets, Infinity],
    [NaN, buckets, NaN],
    [0.5, [{ le: 0.1, count: 1 }], NaN], // fewer than 2 buckets
    [0.5, buckets.slice(0, 3), NaN], // no +Inf
    [
      0.5,
      [
        { le: 0.1, count: 0 },
        { le: Infinity, count: 0 },
      ],
      NaN,
    ], // no observations
    [
      0.5,
      [
        { le: -1, count: 10 },
        { le: Infinity, count: 10 },
      ],
      -1,
    ], // first bucket ≤ 0
    // non-monotonic counts are evened out: 0.2 counts as 50
    [
      0.5,
      [
        { le: 0.1, count: 50 },
        { le: 0.2, count: 40 },
        { le: Infinity, count: 100 },
      ],
      0.1,
    ],
    // unsorted input
    [0.7, [buckets[3]!, buckets[1]!, buckets[0]!, buckets[2]!], 0.15],
  ])('q=%s', (q, list, expected) => {
    const v = histogramQuantile(q, list);
    if (Number.isNaN(expected)) expect(v).toBeNaN();
    else expect(v).toBeCloseTo(expected, 10);
  });
});
