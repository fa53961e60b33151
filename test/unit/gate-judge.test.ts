/**
 * core/canary/judge.ts: raw inputs → Measurement, per gate type. The no-data vs fail rules are
 * the ones documented at the top of judge.ts.
 */
import { describe, expect, it } from 'vitest';
import type {
  CommandGate,
  ConfigReadsGate,
  HttpGate,
  MetricsGate,
  PrometheusGate,
} from '../../src/core/canary/gate-model.js';
import { parseGates } from '../../src/core/canary/gate-parse.js';
import {
  checkJsonBody,
  judgeCommand,
  judgeConfigReads,
  judgeHttp,
  judgeMetrics,
  judgePrometheus,
  latencyBaseline,
  redactUrl,
  statusAccepted,
  type CommandResult,
  type HttpResult,
  type ScrapePair,
} from '../../src/core/canary/judge.js';
import { parsePromText } from '../../src/core/canary/prom-text.js';

const AT = '2026-01-01T00:00:00.000Z';
const gate = <T>(raw: Record<string, unknown>): T => parseGates([raw], { intervalMs: 1000 }, 'gates')[0] as T;

describe('http', () => {
  const spec = gate<HttpGate>({
    type: 'http',
    urls: ['http://a/health', 'http://b/health'],
    maxLatency: '100ms',
  });
  const ok = (url: string, extra: Partial<HttpResult> = {}): HttpResult => ({
    url,
    status: 200,
    latencyMs: 10,
    ...extra,
  });

  it.each<[string, HttpResult[], string, string]>([
    [
      'all 200',
      [ok('http://a/health'), ok('http://b/health', { latencyMs: 42.4 })],
      'pass',
      '2/2 URLs answered as expected, slowest 42ms',
    ],
    [
      'one 404',
      [ok('http://a/health'), ok('http://b/health', { status: 404 })],
      'fail',
      '1/2 URLs failed: http://b/health: status 404 not 2xx',
    ],
    [
      'refused is a failure',
      [ok('http://a/health'), { url: 'http://b/health', error: 'refused' }],
      'fail',
      '1/2 URLs failed: http://b/health: refused',
    ],
    [
      'timeout is a failure',
      [
        { url: 'http://a/health', error: 'timeout' },
        { url: 'http://b/health', error: 'timeout' },
      ],
      'fail',
      '2/2 URLs failed: http://a/health: timeout (+1 more)',
    ],
    [
      'too slow',
      [ok('http://a/health', { latencyMs: 150 }), ok('http://b/health')],
      'fail',
      '1/2 URLs failed: http://a/health: latency 150ms > max 100ms',
    ],
    ['nothing requested', [], 'no-data', 'no URL was requested'],
  ])('%s', (_what, results, verdict, reason) => {
    const m = judgeHttp(spec, results, AT);
    expect(m).toMatchObject({ gate: 'http', type: 'http', verdict, reason, at: AT });
  });

  it('records statuses, latencies and errors in inputs, never a body', () => {
    const m = judgeHttp(
      spec,
      [
        ok('http://a/health', { latencyMs: 12.6 }),
        { url: 'http://b/health', error: 'refused', latencyMs: 1 },
      ],
      AT,
    );
    expect(m.inputs).toEqual({
      results: [
        { url: 'http://a/health', status: 200, latencyMs: 13 },
        { url: 'http://b/health', latencyMs: 1, error: 'refused' },
      ],
    });
    expect(m.value).toBe(13);
  });

  it('status lists and classes', () => {
    expect(statusAccepted(204, ['2xx'])).toBe(true);
    expect(statusAccepted(301, ['2xx'])).toBe(false);
    expect(statusAccepted(301, ['2xx', '301'])).toBe(true);
    expect(statusAccepted(404, ['404'])).toBe(true);
    expect(statusAccepted(503, ['5xx'])).toBe(true);
  });

  const jsonSpec = gate<HttpGate>({
    type: 'http',
    url: 'http://a/health',
    json: { path: 'config.status', equals: 'ok' },
  });
  it.each([
    ['{"config":{"status":"ok"}}', true, 'string'],
    ['{"config":{"status":"degraded"}}', false, 'a different string'],
    ['{"config":{}}', false, 'missing'],
    ['{"config":{"status":1}}', false, 'a different number'],
    ['not json', false, 'not-json'],
    ['[1]', false, 'missing'],
  ])('json condition on %s', (body, matched, found) => {
    const json = checkJsonBody(body, jsonSpec.json!);
    expect(json).toEqual({ matched, found });
    const m = judgeHttp(jsonSpec, [{ url: 'http://a/health', status: 200, latencyMs: 1, json }], AT);
    expect(m.verdict).toBe(matched ? 'pass' : 'fail');
    expect(m.reason).not.toContain('degraded');
  });

  it('json: arrays by index, objects compared deeply', () => {
    expect(checkJsonBody('{"a":[{"b":{"x":[1,2]}}]}', { path: 'a.0.b', equals: { x: [1, 2] } }).matched).toBe(
      true,
    );
    expect(checkJsonBody('{"a":[{"b":{"x":[1,2]}}]}', { path: 'a.0.b', equals: { x: [2, 1] } }).matched).toBe(
      false,
    );
    expect(checkJsonBody('{"a":null}', { path: 'a', equals: null }).matched).toBe(true);
  });

  it('redactUrl drops credentials and query strings', () => {
    expect(redactUrl('http://user:secret@host:8080/p?token=abc#f')).toBe('http://host:8080/p?…');
    expect(redactUrl('nope')).toBe('<invalid url>');
    const m = judgeHttp(spec, [{ url: 'http://u:pw@a/health?key=s3cr3t', error: 'refused' }], AT);
    expect(m.reason).not.toMatch(/pw|s3cr3t/);
    expect(JSON.stringify(m.inputs)).not.toMatch(/pw|s3cr3t/);
  });
});

const scrape = (text: string) => parsePromText(text).samples;
const reqs = (ok: number, err: number) =>
  scrape(`reqs{route="/",status="200"} ${ok}\n${err >= 0 ? `reqs{route="/",status="500"} ${err}\n` : ''}`);

describe('metrics: ratio', () => {
  const spec = gate<MetricsGate>({
    type: 'metrics',
    urls: ['http://a/metrics', 'http://b/metrics'],
    ratio: { numerator: 'reqs{status=~"5.."}', denominator: 'reqs', max: 0.1 },
  });
  const pair = (
    url: string,
    previous: ReturnType<typeof scrape> | null,
    current: ReturnType<typeof scrape> | null,
  ): ScrapePair => ({
    url,
    previous,
    current,
    ...(current === null ? { error: 'refused' } : {}),
  });

  it.each<[string, ScrapePair[], string, number | null, string]>([
    [
      'only 200s',
      [pair('http://a/metrics', reqs(10, -1), reqs(30, -1))],
      'pass',
      0,
      'ratio 0 (0/20) ≤ max 0.1',
    ],
    [
      '5xx appeared (new series counts from 0)',
      [pair('http://a/metrics', reqs(10, -1), reqs(20, 5))],
      'fail',
      5 / 15,
      'ratio 0.3333 (5/15) > max 0.1',
    ],
    [
      'summed over URLs',
      [pair('http://a/metrics', reqs(0, 0), reqs(90, 0)), pair('http://b/metrics', reqs(0, 0), reqs(0, 10))],
      'pass',
      0.1,
      'ratio 0.1 (10/100) ≤ max 0.1',
    ],
    [
      'counter reset: new value is the increase',
      [pair('http://a/metrics', reqs(1000, 0), reqs(8, 2))],
      'fail',
      0.2,
      'ratio 0.2 (2/10) > max 0.1',
    ],
    [
      'no traffic: denominator did not increase',
      [pair('http://a/metrics', reqs(10, 1), reqs(10, 1))],
      'no-data',
      null,
      'reqs did not increase',
    ],
    [
      'a URL without its current scrape contributes nothing',
      [pair('http://a/metrics', reqs(0, 0), reqs(10, 0)), pair('http://b/metrics', reqs(0, 0), null)],
      'pass',
      0,
      'ratio 0 (0/10) ≤ max 0.1',
    ],
    [
      'all scrapes missing',
      [pair('http://a/metrics', reqs(0, 0), null), pair('http://b/metrics', reqs(0, 0), null)],
      'no-data',
      null,
      'no scrape pair from 2 URLs (the window needs a start and an end)',
    ],
    [
      'no window start',
      [pair('http://a/metrics', null, reqs(10, 0))],
      'no-data',
      null,
      'no scrape pair from 1 URL (the window needs a start and an end)',
    ],
  ])('%s', (_what, pairs, verdict, value, reason) => {
    const m = judgeMetrics(spec, pairs, null, AT);
    expect(m.verdict).toBe(verdict);
    if (value === null) expect(m.value).toBeNull();
    else expect(m.value).toBeCloseTo(value, 10);
    expect(m.reason).toBe(reason);
  });

  it('inputs hold the deltas and which scrapes there were', () => {
    const m = judgeMetrics(
      spec,
      [pair('http://a/metrics', reqs(10, 0), reqs(20, 1)), pair('http://b/metrics', reqs(0, 0), null)],
      null,
      AT,
    );
    expect(m.inputs).toMatchObject({
      scrapes: [
        { url: 'http://a/metrics', previous: true, current: true },
        { url: 'http://b/metrics', previous: true, current: false, error: 'refused' },
      ],
      urlsUsed: 1,
      ratio: { numeratorIncrease: 1, denominatorIncrease: 11, resets: 0, max: 0.1 },
    });
  });
});

describe('metrics: latency against the baseline', () => {
  const spec = gate<MetricsGate>({
    type: 'metrics',
    url: 'http://a/metrics',
    latency: { histogram: 'dur_seconds', quantile: 0.5, maxIncrease: '20%', minRequests: 10 },
  });
  const hist = (b1: number, b2: number, inf: number) =>
    scrape(
      `dur_seconds_bucket{le="0.1"} ${b1}\ndur_seconds_bucket{le="0.2"} ${b2}\ndur_seconds_bucket{le="+Inf"} ${inf}\n`,
    );
  const baseline = { value: 0.1, quantile: 0.5, requests: 100 };
  const window = (prev: ReturnType<typeof hist>, cur: ReturnType<typeof hist>): ScrapePair[] => [
    { url: 'http://a/metrics', previous: prev, current: cur },
  ];

  it('the baseline is the quantile of the cumulative buckets, null under minRequests', () => {
    const lat = spec.latency!;
    expect(
      latencyBaseline(lat, [
        { le: 0.1, count: 50 },
        { le: 0.2, count: 100 },
        { le: Infinity, count: 100 },
      ]),
    ).toEqual({
      value: 0.1,
      quantile: 0.5,
      requests: 100,
    });
    expect(
      latencyBaseline(lat, [
        { le: 0.1, count: 5 },
        { le: Infinity, count: 5 },
      ]),
    ).toBeNull();
    expect(latencyBaseline(lat, [])).toBeNull();
  });

  it.each<[string, ScrapePair[], typeof baseline | null, string, number | null, string]>([
    // window: 20 requests, 10 ≤ 0.1 → p50 = 0.1 exactly
    [
      'same as the baseline',
      window(hist(0, 0, 0), hist(10, 20, 20)),
      baseline,
      'pass',
      100,
      'p50 100ms vs baseline 100ms: within +20%',
    ],
    // window: 20 requests, 0 ≤ 0.1, 20 ≤ 0.2 → p50 = 0.15 > 0.12
    [
      '50% slower',
      window(hist(0, 0, 0), hist(0, 20, 20)),
      baseline,
      'fail',
      150,
      'p50 150ms vs baseline 100ms: up more than 20%',
    ],
    // 6 of 20 ≤ 0.1 → rank 10 in (0.1,0.2]: 4 of 14 → 0.1286 > 0.12
    [
      'just over',
      window(hist(0, 0, 0), hist(6, 20, 20)),
      baseline,
      'fail',
      128.6,
      'p50 128.6ms vs baseline 100ms: up more than 20%',
    ],
    // 8 of 20 → rank 10: 2 of 12 → 0.1167 ≤ 0.12
    [
      'just within',
      window(hist(0, 0, 0), hist(8, 20, 20)),
      baseline,
      'pass',
      116.7,
      'p50 116.7ms vs baseline 100ms: within +20%',
    ],
    [
      'under minRequests',
      window(hist(0, 0, 0), hist(5, 5, 5)),
      baseline,
      'no-data',
      null,
      '5 requests in the window < minRequests 10',
    ],
    [
      'no baseline',
      window(hist(0, 0, 0), hist(10, 20, 20)),
      null,
      'no-data',
      100,
      'p50 100ms, no baseline to judge against',
    ],
    [
      'counter reset',
      window(hist(500, 900, 1000), hist(0, 20, 20)),
      baseline,
      'fail',
      150,
      'p50 150ms vs baseline 100ms: up more than 20%',
    ],
  ])('%s', (_what, pairs, base, verdict, value, reason) => {
    const m = judgeMetrics(spec, pairs, base, AT);
    expect(m.verdict).toBe(verdict);
    if (value === null) expect(m.value).toBeNull();
    else expect(m.value).toBeCloseTo(value, 0);
    expect(m.reason).toBe(reason);
  });

  it('no +Inf bucket: the quantile is undefined, no-data', () => {
    const noInf = (n: number) => scrape(`dur_seconds_bucket{le="0.1"} ${n}\n`);
    const m = judgeMetrics(
      spec,
      [{ url: 'http://a/metrics', previous: noInf(0), current: noInf(50) }],
      baseline,
      AT,
    );
    expect(m.verdict).toBe('no-data');
  });

  it('ratio and latency together: fail beats no-data beats pass', () => {
    const both = gate<MetricsGate>({
      type: 'metrics',
      url: 'http://a/metrics',
      ratio: { numerator: 'reqs{status="500"}', denominator: 'reqs', max: 0.5 },
      latency: { histogram: 'dur_seconds', quantile: 0.5, minRequests: 10 },
    });
    const text = (ok: number, err: number, b1: number, b2: number, inf: number) =>
      scrape(
        `reqs{status="200"} ${ok}\nreqs{status="500"} ${err}\ndur_seconds_bucket{le="0.1"} ${b1}\ndur_seconds_bucket{le="0.2"} ${b2}\ndur_seconds_bucket{le="+Inf"} ${inf}\n`,
      );
    const zero = text(0, 0, 0, 0, 0);
    const run = (cur: ReturnType<typeof scrape>) =>
      judgeMetrics(both, [{ url: 'http://a/metrics', previous: zero, current: cur }], baseline, AT);
    expect(run(text(20, 0, 10, 20, 20)).verdict).toBe('pass');
    expect(run(text(20, 0, 0, 20, 20))).toMatchObject({
      verdict: 'fail',
      reason: expect.stringMatching(/^p50 150ms/),
    });
    expect(run(text(0, 20, 10, 20, 20))).toMatchObject({
      verdict: 'fail',
      reason: expect.stringMatching(/^ratio 1 /),
    });
    expect(run(text(5, 0, 5, 5, 5))).toMatchObject({
      verdict: 'no-data',
      reason: expect.stringMatching(/^5 requests/),
    });
    expect(run(text(20, 0, 10, 20, 20)).value).toBe(0); // the ratio leads
  });
});

describe('config-reads', () => {
  const spec = gate<ConfigReadsGate>({
    type: 'config-reads',
    urls: ['http://a/metrics', 'http://b/metrics'],
    maxStoreErrors: 1,
    minStoreReads: 10,
  });
  const reads = (ok: number, err: number, mismatch: number, legacy = 0) =>
    scrape(
      [
        `cfgmig_config_reads_total{service="s",source="new",outcome="ok"} ${ok}`,
        `cfgmig_config_reads_total{service="s",source="new",outcome="error"} ${err}`,
        `cfgmig_config_reads_total{service="s",source="new",outcome="mismatch"} ${mismatch}`,
        `cfgmig_config_reads_total{service="s",source="legacy",outcome="error"} ${legacy}`,
      ].join('\n'),
    );
  const p = (
    url: string,
    a: ReturnType<typeof reads> | null,
    b: ReturnType<typeof reads> | null,
  ): ScrapePair => ({ url, previous: a, current: b });

  it.each<[string, ScrapePair[], string, string]>([
    [
      'store reads, no errors',
      [
        p('http://a/metrics', reads(0, 0, 0), reads(6, 0, 0)),
        p('http://b/metrics', reads(0, 0, 0), reads(6, 0, 0)),
      ],
      'pass',
      '12 store reads (0 errors, 0 mismatches)',
    ],
    [
      'one error is allowed',
      [p('http://a/metrics', reads(0, 0, 0), reads(20, 1, 0))],
      'pass',
      '20 store reads (1 errors, 0 mismatches)',
    ],
    [
      'errors summed over URLs',
      [
        p('http://a/metrics', reads(0, 0, 0), reads(20, 1, 0)),
        p('http://b/metrics', reads(0, 0, 0), reads(20, 1, 0)),
      ],
      'fail',
      '2 store read errors > max 1',
    ],
    [
      'a mismatch',
      [p('http://a/metrics', reads(0, 0, 0), reads(20, 0, 1))],
      'fail',
      '1 value mismatches > max 0',
    ],
    [
      'legacy errors do not count',
      [p('http://a/metrics', reads(0, 0, 0), reads(20, 0, 0, 50))],
      'pass',
      '20 store reads (0 errors, 0 mismatches)',
    ],
    [
      'too few store reads',
      [p('http://a/metrics', reads(0, 0, 0), reads(9, 0, 0))],
      'no-data',
      '9 store reads < minStoreReads 10 (0 errors, 0 mismatches)',
    ],
    [
      'deltas, not totals',
      [p('http://a/metrics', reads(100, 5, 5), reads(105, 5, 5))],
      'no-data',
      '5 store reads < minStoreReads 10 (0 errors, 0 mismatches)',
    ],
    [
      'reset',
      [p('http://a/metrics', reads(100, 5, 0), reads(12, 0, 0))],
      'pass',
      '12 store reads (0 errors, 0 mismatches)',
    ],
    [
      'nothing scraped',
      [p('http://a/metrics', reads(0, 0, 0), null)],
      'no-data',
      'no scrape pair from 1 URL (the window needs a start and an end)',
    ],
  ])('%s', (_what, pairs, verdict, reason) => {
    const m = judgeConfigReads(spec, pairs, AT);
    expect(m).toMatchObject({ verdict, reason, type: 'config-reads' });
  });

  it('minStoreReads 0: pass without reads? no: zero reads is still no data', () => {
    const zero = gate<ConfigReadsGate>({ type: 'config-reads', url: 'http://a/metrics', minStoreReads: 0 });
    expect(judgeConfigReads(zero, [p('http://a/metrics', reads(0, 0, 0), reads(0, 0, 0))], AT).verdict).toBe(
      'no-data',
    );
    expect(judgeConfigReads(zero, [p('http://a/metrics', reads(0, 0, 0), reads(1, 0, 0))], AT).verdict).toBe(
      'pass',
    );
  });

  it('inputs', () => {
    const m = judgeConfigReads(spec, [p('http://a/metrics', reads(0, 0, 0), reads(20, 1, 0))], AT);
    expect(m.inputs).toMatchObject({ storeErrors: 1, mismatches: 0, storeReads: 20, urlsUsed: 1, resets: 0 });
  });
});

describe('prometheus', () => {
  const max = gate<PrometheusGate>({ type: 'prometheus', url: 'http://p:9090', query: 'q', max: 0.01 });
  const min = gate<PrometheusGate>({ type: 'prometheus', url: 'http://p:9090', query: 'q', min: 1 });
  const both = gate<PrometheusGate>({
    type: 'prometheus',
    url: 'http://p:9090',
    query: 'q',
    min: 1,
    max: 10,
  });
  const vector = (...values: string[]) => ({
    kind: 'response' as const,
    httpStatus: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: values.map((v, i) => ({ metric: { i: String(i), secret: 'label-value' }, value: [1, v] })),
      },
    },
  });
  const scalar = (v: string) => ({
    kind: 'response' as const,
    httpStatus: 200,
    body: { status: 'success', data: { resultType: 'scalar', result: [1, v] } },
  });

  it.each<[string, PrometheusGate, Parameters<typeof judgePrometheus>[1], string, number | null, string]>([
    ['vector under max', max, vector('0.001'), 'pass', 0.001, 'value 0.001 ≤ max 0.01'],
    ['vector over max', max, vector('0.5'), 'fail', 0.5, 'value 0.5 > max 0.01'],
    [
      'several series: the largest against max',
      max,
      vector('0.001', '0.02', '0'),
      'fail',
      0.02,
      'largest value 0.02 > max 0.01 over 3 series',
    ],
    [
      'several series: the smallest against min',
      min,
      vector('5', '0', '7'),
      'fail',
      0,
      'smallest value 0 < min 1 over 3 series',
    ],
    [
      'several series pass',
      both,
      vector('5', '2', '7'),
      'pass',
      7,
      'value 7 ≥ min 1 and ≤ max 10 over 3 series',
    ],
    ['scalar', min, scalar('3'), 'pass', 3, 'value 3 ≥ min 1'],
    ['scalar +Inf over max', max, scalar('+Inf'), 'fail', null, 'value Infinity > max 0.01'],
    ['empty vector', max, vector(), 'no-data', null, 'the query returned no data'],
    ['only NaN', max, vector('NaN'), 'no-data', null, 'the query returned no data'],
    [
      "matrix: each series' last value",
      max,
      {
        kind: 'response',
        httpStatus: 200,
        body: {
          status: 'success',
          data: {
            resultType: 'matrix',
            result: [
              {
                metric: {},
                values: [
                  [1, '5'],
                  [2, '0.001'],
                ],
              },
            ],
          },
        },
      },
      'pass',
      0.001,
      'value 0.001 ≤ max 0.01',
    ],
    [
      'string result',
      max,
      {
        kind: 'response',
        httpStatus: 200,
        body: { status: 'success', data: { resultType: 'string', result: [1, 'x'] } },
      },
      'fail',
      null,
      'the query returned a string, not a number',
    ],
    [
      'API error: fail with its type',
      max,
      {
        kind: 'response',
        httpStatus: 400,
        body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 5: secret stuff' },
      },
      'fail',
      null,
      'Prometheus query error: bad_data',
    ],
    [
      'not the API',
      max,
      { kind: 'response', httpStatus: 200, body: { hello: 'world' } },
      'no-data',
      null,
      'not a Prometheus API answer (HTTP 200)',
    ],
    [
      'unreachable',
      max,
      { kind: 'unavailable', why: 'refused' },
      'no-data',
      null,
      'Prometheus query not answered: refused',
    ],
  ])('%s', (_what, spec, outcome, verdict, value, reason) => {
    const m = judgePrometheus(spec, outcome, AT);
    expect(m).toMatchObject({ verdict, value, reason });
    expect(JSON.stringify(m)).not.toMatch(/secret/);
  });
});

describe('command', () => {
  const spec = gate<CommandGate>({ type: 'command', run: 'check', timeout: '1s' });
  it.each<[CommandResult, string, number | null, string]>([
    [{ exitCode: 0, timedOut: false, durationMs: 12.3 }, 'pass', 0, 'exit code 0 in 12ms'],
    [{ exitCode: 3, timedOut: false, durationMs: 5 }, 'fail', 3, 'exit code 3 in 5ms'],
    [
      { exitCode: null, signal: 'SIGTERM', timedOut: true, durationMs: 1000 },
      'fail',
      null,
      'timed out after 1000ms',
    ],
    [
      { exitCode: null, signal: 'SIGKILL', timedOut: false, durationMs: 7 },
      'fail',
      null,
      'killed by SIGKILL after 7ms',
    ],
    [
      { exitCode: null, timedOut: false, failedToStart: true, durationMs: 1 },
      'fail',
      null,
      'the command could not be started',
    ],
  ])('%j', (r, verdict, value, reason) => {
    const m = judgeCommand(spec, r, AT);
    expect(m).toMatchObject({ verdict, value, reason });
    expect(Object.keys(m.inputs as object).sort()).toEqual(
      ['durationMs', 'exitCode', 'signal', 'timedOut', ...(r.failedToStart ? ['failedToStart'] : [])].sort(),
    );
  });
});
