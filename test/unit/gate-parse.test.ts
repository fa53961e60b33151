/**
 * core/canary/gate-parse.ts: `services.<id>.canary.gates` → GateSpec[]; defaults, every field,
 * and every error naming its exact field path.
 */
import { describe, expect, it } from 'vitest';
import { parseGates } from '../../src/core/canary/gate-parse.js';
import { CfgmigError } from '../../src/errors.js';

const WHERE = 'services.api.canary.gates';
const DEFAULTS = { intervalMs: 30_000 };
const parse = (raw: unknown) => parseGates(raw, DEFAULTS, WHERE);
const one = (gate: Record<string, unknown>) => parse([gate])[0]!;

const HTTP = { type: 'http', url: 'http://127.0.0.1:8080/health' };
const METRICS = {
  type: 'metrics',
  url: 'http://127.0.0.1:8080/metrics',
  ratio: { numerator: 'reqs{status=~"5.."}', denominator: 'reqs', max: 0.01 },
};
const PROM = { type: 'prometheus', url: 'http://127.0.0.1:9090', query: 'sum(up)', min: 1 };
const COMMAND = { type: 'command', run: 'true' };
const READS = { type: 'config-reads', url: 'http://127.0.0.1:8080/metrics' };

describe('parseGates: defaults', () => {
  it('absent gates are none; an empty list is none', () => {
    expect(parse(undefined)).toEqual([]);
    expect(parse([])).toEqual([]);
  });

  it('http', () => {
    expect(one(HTTP)).toEqual({
      name: 'http',
      type: 'http',
      intervalMs: 30_000,
      failureLimit: 3,
      consecutiveFailureLimit: 2,
      minSamples: 1,
      noData: 'fail',
      urls: ['http://127.0.0.1:8080/health'],
      status: ['2xx'],
      timeoutMs: 5000,
    });
  });

  it('metrics', () => {
    const g = one({ ...METRICS, latency: { histogram: 'dur_seconds{route="/"}' } });
    expect(g).toMatchObject({
      type: 'metrics',
      urls: ['http://127.0.0.1:8080/metrics'],
      ratio: {
        numerator: { name: 'reqs', matchers: [{ label: 'status', op: '=~', value: '5..' }] },
        denominator: { name: 'reqs', matchers: [] },
        max: 0.01,
      },
      latency: {
        histogram: { name: 'dur_seconds', matchers: [{ label: 'route', op: '=', value: '/' }] },
        quantile: 0.99,
        maxIncreasePct: 20,
        minRequests: 20,
      },
      timeoutMs: 5000,
    });
  });

  it('prometheus, command, config-reads', () => {
    expect(one(PROM)).toMatchObject({
      type: 'prometheus',
      url: PROM.url,
      query: 'sum(up)',
      bound: { min: 1 },
    });
    expect(one(COMMAND)).toMatchObject({ type: 'command', run: 'true', timeoutMs: 5000 });
    expect(one(READS)).toMatchObject({
      type: 'config-reads',
      urls: [READS.url],
      maxStoreErrors: 0,
      maxMismatches: 0,
      minStoreReads: 1,
    });
  });

  it('names: the type, or <type>-<n> when a type repeats; explicit names kept', () => {
    const gates = parse([HTTP, COMMAND, { ...HTTP, url: 'http://x/' }, { ...HTTP, name: 'mine' }]);
    expect(gates.map((g) => g.name)).toEqual(['http-1', 'command', 'http-2', 'mine']);
  });
});

describe('parseGates: every field', () => {
  it.each([
    [{ interval: '2s' }, { intervalMs: 2000 }],
    [{ interval: '500ms' }, { intervalMs: 500 }],
    [{ interval: 250 }, { intervalMs: 250 }],
    [{ failureLimit: 1 }, { failureLimit: 1 }],
    [{ consecutiveFailures: 5 }, { consecutiveFailureLimit: 5 }],
    [{ minSamples: 0 }, { minSamples: 0 }],
    [{ minSamples: 4 }, { minSamples: 4 }],
    [{ noData: 'pause' }, { noData: 'pause' }],
    [{ noData: 'pass' }, { noData: 'pass' }],
    [{ noData: 'extend' }, { noData: 'extend' }],
    [{ timeout: '1m' }, { timeoutMs: 60_000 }],
    [{ name: 'health.v2_a-b' }, { name: 'health.v2_a-b' }],
    [
      { url: undefined, urls: ['http://a/', 'https://b:8443/x?y=1'] },
      { urls: ['http://a/', 'https://b:8443/x?y=1'] },
    ],
    [{ status: 200 }, { status: ['200'] }],
    [{ status: '204' }, { status: ['204'] }],
    [{ status: ['2xx', 301, '404'] }, { status: ['2xx', '301', '404'] }],
    [{ json: { path: 'status', equals: 'ok' } }, { json: { path: 'status', equals: 'ok' } }],
    [
      { json: { path: 'a.0.b', equals: { x: [1, null] } } },
      { json: { path: 'a.0.b', equals: { x: [1, null] } } },
    ],
    [{ json: { path: 'a', equals: null } }, { json: { path: 'a', equals: null } }],
    [{ maxLatency: '250ms' }, { maxLatencyMs: 250 }],
  ])('http %j', (extra, expected) => {
    expect(one({ ...HTTP, ...extra })).toMatchObject(expected);
  });

  it.each([
    [{ ratio: { ...METRICS.ratio, max: 0 } }, { ratio: { max: 0 } }],
    [{ ratio: { ...METRICS.ratio, max: 1 } }, { ratio: { max: 1 } }],
    [{ ratio: undefined, latency: { histogram: 'h' } }, { latency: { histogram: { name: 'h' } } }],
    [{ latency: { histogram: 'h', quantile: 0.5 } }, { latency: { quantile: 0.5 } }],
    [{ latency: { histogram: 'h', quantile: 1 } }, { latency: { quantile: 1 } }],
    [{ latency: { histogram: 'h', maxIncrease: '20%' } }, { latency: { maxIncreasePct: 20 } }],
    [{ latency: { histogram: 'h', maxIncrease: '12.5 %' } }, { latency: { maxIncreasePct: 12.5 } }],
    [{ latency: { histogram: 'h', minRequests: 0 } }, { latency: { minRequests: 0 } }],
    [{ latency: { histogram: 'h', minRequests: 100 } }, { latency: { minRequests: 100 } }],
    [
      { url: undefined, urls: ['http://a/metrics', 'http://b/metrics'] },
      { urls: ['http://a/metrics', 'http://b/metrics'] },
    ],
  ])('metrics %j', (extra, expected) => {
    expect(one({ ...METRICS, ...extra })).toMatchObject(expected);
  });

  it.each([
    [{ min: undefined, max: 0.5 }, { bound: { max: 0.5 } }],
    [{ min: 1, max: 10 }, { bound: { min: 1, max: 10 } }],
    [{ min: -3 }, { bound: { min: -3 } }],
    [{ url: 'https://prom.example:9090/prefix/' }, { url: 'https://prom.example:9090/prefix/' }],
  ])('prometheus %j', (extra, expected) => {
    expect(one({ ...PROM, ...extra })).toMatchObject(expected);
  });

  it.each([
    [{ run: './check.sh --fast' }, { run: './check.sh --fast' }],
    [{ timeout: '200ms' }, { timeoutMs: 200 }],
  ])('command %j', (extra, expected) => {
    expect(one({ ...COMMAND, ...extra })).toMatchObject(expected);
  });

  it.each([
    [{ maxStoreErrors: 5 }, { maxStoreErrors: 5 }],
    [{ maxMismatches: 2 }, { maxMismatches: 2 }],
    [{ minStoreReads: 0 }, { minStoreReads: 0 }],
    [{ minStoreReads: 50 }, { minStoreReads: 50 }],
    [{ url: undefined, urls: ['http://a/metrics'] }, { urls: ['http://a/metrics'] }],
  ])('config-reads %j', (extra, expected) => {
    expect(one({ ...READS, ...extra })).toMatchObject(expected);
  });
});

const E = (i: number, rest: string) => `${WHERE}[${i}]${rest}`;

describe('parseGates: errors name the exact field', () => {
  it.each([
    ['not a list', { type: 'http' }, `${WHERE} must be a list of gates`],
    ['a string entry', ['http'], `${E(0, '')} must be a mapping`],
    ['no type', [{ url: 'http://a/' }], `${E(0, '.type')} is required`],
    [
      'unknown type',
      [{ type: 'grpc' }],
      `${E(0, '.type')} must be one of http, metrics, prometheus, command, config-reads`,
    ],
    ['unknown field', [{ ...HTTP, retries: 3 }], `${E(0, '.retries')} is not a known field`],
    ['a field of another type', [{ ...COMMAND, url: 'http://a/' }], `${E(0, '.url')} is not a known field`],
    ['bad name', [{ ...HTTP, name: 'has space' }], `${E(0, '.name')} must be a name`],
    ['empty name', [{ ...HTTP, name: '' }], `${E(0, '.name')} must be a name`],
    [
      'duplicate name',
      [HTTP, { ...COMMAND, name: 'x' }, { ...HTTP, name: 'x' }],
      `${E(2, '.name')} "x" is also the name of ${E(1, '')}`,
    ],
    [
      'explicit name clashing with a default',
      [{ ...COMMAND, name: 'http' }, HTTP],
      `${E(1, '.name')} "http" is also the name of ${E(0, '')}`,
    ],
    ['interval', [{ ...HTTP, interval: 'soon' }], `${E(0, '.interval')} must be a duration`],
    ['interval 0', [{ ...HTTP, interval: '0s' }], `${E(0, '.interval')} must be a duration above 0`],
    ['interval negative', [{ ...HTTP, interval: -5 }], `${E(0, '.interval')} must be a duration`],
    ['timeout', [{ ...HTTP, timeout: true }], `${E(0, '.timeout')} must be a duration`],
    ['failureLimit 0', [{ ...HTTP, failureLimit: 0 }], `${E(0, '.failureLimit')} must be an integer ≥ 1`],
    ['failureLimit 1.5', [{ ...HTTP, failureLimit: 1.5 }], `${E(0, '.failureLimit')} must be an integer ≥ 1`],
    [
      'consecutiveFailures',
      [{ ...HTTP, consecutiveFailures: '2' }],
      `${E(0, '.consecutiveFailures')} must be an integer ≥ 1`,
    ],
    ['minSamples', [{ ...HTTP, minSamples: -1 }], `${E(0, '.minSamples')} must be an integer ≥ 0`],
    [
      'noData',
      [{ ...HTTP, noData: 'ignore' }],
      `${E(0, '.noData')} must be one of fail, pause, pass, extend`,
    ],
    // http
    ['http without url', [{ type: 'http' }], `${E(0, '.url')} is required`],
    [
      'url and urls',
      [{ ...HTTP, urls: ['http://b/'] }],
      `${E(0, '.urls')} cannot be given together with url`,
    ],
    ['url not http', [{ ...HTTP, url: 'ftp://a/' }], `${E(0, '.url')} must be an http(s) URL`],
    ['url not a url', [{ ...HTTP, url: 'localhost:80' }], `${E(0, '.url')} must be an http(s) URL`],
    ['url empty', [{ ...HTTP, url: '' }], `${E(0, '.url')} must be a non-empty string`],
    ['urls empty', [{ type: 'http', urls: [] }], `${E(0, '.urls')} must be a non-empty list of URLs`],
    [
      'urls not a list',
      [{ type: 'http', urls: 'http://a/' }],
      `${E(0, '.urls')} must be a non-empty list of URLs`,
    ],
    [
      'urls[1]',
      [{ type: 'http', urls: ['http://a/', 'nope'] }],
      `${E(0, '.urls[1]')} must be an http(s) URL`,
    ],
    [
      'status',
      [{ ...HTTP, status: '2XX' }],
      `${E(0, '.status')} must be a status like 200 or a class like 2xx`,
    ],
    ['status 600', [{ ...HTTP, status: 600 }], `${E(0, '.status')} must be a status`],
    ['status list item', [{ ...HTTP, status: ['200', 'ok'] }], `${E(0, '.status[1]')} must be a status`],
    ['status empty list', [{ ...HTTP, status: [] }], `${E(0, '.status')} must not be an empty list`],
    ['json not a mapping', [{ ...HTTP, json: 'status' }], `${E(0, '.json')} must be a mapping`],
    ['json.path', [{ ...HTTP, json: { equals: 1 } }], `${E(0, '.json.path')} must be a non-empty string`],
    ['json.equals', [{ ...HTTP, json: { path: 'a' } }], `${E(0, '.json.equals')} is required`],
    [
      'json extra',
      [{ ...HTTP, json: { path: 'a', equals: 1, op: 'gt' } }],
      `${E(0, '.json.op')} is not a known field`,
    ],
    ['maxLatency', [{ ...HTTP, maxLatency: 'fast' }], `${E(0, '.maxLatency')} must be a duration`],
    // metrics
    [
      'metrics with neither',
      [{ type: 'metrics', url: 'http://a/' }],
      `${E(0, '.ratio')} or latency is required`,
    ],
    ['ratio not a mapping', [{ ...METRICS, ratio: 0.01 }], `${E(0, '.ratio')} must be a mapping`],
    [
      'ratio.numerator missing',
      [{ ...METRICS, ratio: { denominator: 'a', max: 0.1 } }],
      `${E(0, '.ratio.numerator')} is required`,
    ],
    [
      'ratio.denominator missing',
      [{ ...METRICS, ratio: { numerator: 'a', max: 0.1 } }],
      `${E(0, '.ratio.denominator')} is required`,
    ],
    [
      'ratio.max missing',
      [{ ...METRICS, ratio: { numerator: 'a', denominator: 'b' } }],
      `${E(0, '.ratio.max')} is required`,
    ],
    [
      'ratio.max 1.5',
      [{ ...METRICS, ratio: { ...METRICS.ratio, max: 1.5 } }],
      `${E(0, '.ratio.max')} must be a number between 0 and 1`,
    ],
    [
      'ratio.max "1%"',
      [{ ...METRICS, ratio: { ...METRICS.ratio, max: '1%' } }],
      `${E(0, '.ratio.max')} must be a number between 0 and 1`,
    ],
    [
      'ratio.max negative',
      [{ ...METRICS, ratio: { ...METRICS.ratio, max: -0.1 } }],
      `${E(0, '.ratio.max')} must be a number between 0 and 1`,
    ],
    [
      'ratio.numerator bad',
      [{ ...METRICS, ratio: { ...METRICS.ratio, numerator: 'reqs{status=5}' } }],
      `${E(0, '.ratio.numerator')} is not a valid selector`,
    ],
    [
      'ratio.denominator not a string',
      [{ ...METRICS, ratio: { ...METRICS.ratio, denominator: 5 } }],
      `${E(0, '.ratio.denominator')} must be a selector string`,
    ],
    [
      'ratio extra',
      [{ ...METRICS, ratio: { ...METRICS.ratio, min: 0 } }],
      `${E(0, '.ratio.min')} is not a known field`,
    ],
    ['latency not a mapping', [{ ...METRICS, latency: 'h' }], `${E(0, '.latency')} must be a mapping`],
    ['latency.histogram missing', [{ ...METRICS, latency: {} }], `${E(0, '.latency.histogram')} is required`],
    [
      'latency.histogram _bucket',
      [{ ...METRICS, latency: { histogram: 'h_bucket' } }],
      `${E(0, '.latency.histogram')} must name the histogram without _bucket`,
    ],
    [
      'latency.histogram bad',
      [{ ...METRICS, latency: { histogram: 'h{' } }],
      `${E(0, '.latency.histogram')} is not a valid selector`,
    ],
    [
      'latency.quantile 0',
      [{ ...METRICS, latency: { histogram: 'h', quantile: 0 } }],
      `${E(0, '.latency.quantile')} must be a number above 0 and at most 1`,
    ],
    [
      'latency.quantile 99',
      [{ ...METRICS, latency: { histogram: 'h', quantile: 99 } }],
      `${E(0, '.latency.quantile')} must be a number above 0`,
    ],
    [
      'latency.maxIncrease number',
      [{ ...METRICS, latency: { histogram: 'h', maxIncrease: 0.2 } }],
      `${E(0, '.latency.maxIncrease')} must be a percentage like '20%'`,
    ],
    [
      'latency.maxIncrease text',
      [{ ...METRICS, latency: { histogram: 'h', maxIncrease: 'twenty%' } }],
      `${E(0, '.latency.maxIncrease')} must be a percentage`,
    ],
    [
      'latency.minRequests',
      [{ ...METRICS, latency: { histogram: 'h', minRequests: 2.5 } }],
      `${E(0, '.latency.minRequests')} must be an integer ≥ 0`,
    ],
    [
      'latency extra',
      [{ ...METRICS, latency: { histogram: 'h', p: 99 } }],
      `${E(0, '.latency.p')} is not a known field`,
    ],
    // prometheus
    ['prometheus url', [{ ...PROM, url: undefined }], `${E(0, '.url')} must be a non-empty string`],
    ['prometheus url scheme', [{ ...PROM, url: 'prom:9090' }], `${E(0, '.url')} must be an http(s) URL`],
    ['prometheus urls', [{ ...PROM, urls: ['http://a/'] }], `${E(0, '.urls')} is not a known field`],
    ['prometheus query', [{ ...PROM, query: '' }], `${E(0, '.query')} must be a non-empty string`],
    ['prometheus no bound', [{ ...PROM, min: undefined }], `${E(0, '.max')} or min is required`],
    ['prometheus max', [{ ...PROM, max: '5' }], `${E(0, '.max')} must be a number`],
    ['prometheus min', [{ ...PROM, min: null }], `${E(0, '.min')} must be a number`],
    ['prometheus min > max', [{ ...PROM, min: 5, max: 1 }], `${E(0, '.min')} must not be above max`],
    // command
    ['command run', [{ type: 'command' }], `${E(0, '.run')} must be a non-empty string`],
    ['command run list', [{ type: 'command', run: ['ls'] }], `${E(0, '.run')} must be a non-empty string`],
    ['command timeout', [{ ...COMMAND, timeout: '5 minutes' }], `${E(0, '.timeout')} must be a duration`],
    // config-reads
    ['config-reads url', [{ type: 'config-reads' }], `${E(0, '.url')} is required`],
    [
      'maxStoreErrors',
      [{ ...READS, maxStoreErrors: -1 }],
      `${E(0, '.maxStoreErrors')} must be an integer ≥ 0`,
    ],
    [
      'maxMismatches',
      [{ ...READS, maxMismatches: 'none' }],
      `${E(0, '.maxMismatches')} must be an integer ≥ 0`,
    ],
    ['minStoreReads', [{ ...READS, minStoreReads: 0.5 }], `${E(0, '.minStoreReads')} must be an integer ≥ 0`],
    [
      'the second gate',
      [HTTP, { ...METRICS, ratio: { ...METRICS.ratio, max: 2 } }],
      `${E(1, '.ratio.max')} must be a number between 0 and 1`,
    ],
  ])('%s', (_what, raw, message) => {
    let caught: unknown;
    try {
      parse(raw);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CfgmigError);
    expect((caught as CfgmigError).code).toBe('badInput');
    expect((caught as CfgmigError).message.startsWith(message), (caught as CfgmigError).message).toBe(true);
  });

  it("the brief's example message, exactly", () => {
    expect(() => parse([HTTP, { ...METRICS, ratio: { ...METRICS.ratio, max: 2 } }])).toThrow(
      'services.api.canary.gates[1].ratio.max must be a number between 0 and 1',
    );
  });
});
