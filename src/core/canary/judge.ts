/**
 * Raw gate inputs → a Measurement (gate-model.ts). Pure: the adapters (adapters/canary/probes.ts)
 * do the requests, scrapes, queries and commands and hand the figures here.
 *
 * Verdict rules (what is a failure and what is "no data"):
 *
 * - http: every URL is requested; the gate fails when any URL fails. An answer fails on a status
 *   not accepted, a JSON field not equal (or missing, or a body that is not JSON) and a latency
 *   above maxLatency. A request that got no answer (connection refused, reset, DNS, timeout)
 *   is a FAILED request, not missing data: an http gate exists to notice that the service stopped
 *   answering, and treating that as no-data would let `noData: extend` stall the canary instead
 *   of rolling it back. No-data only when there was nothing to request.
 * - metrics: counter increases per URL between the previous scrape and this one (Prometheus's
 *   reset rule: a lower value is a reset and the new value is the increase; a series absent from
 *   the previous scrape started at 0). A URL whose previous or current scrape is missing
 *   contributes nothing; no URL with both → no-data. ratio: no-data when the denominator did
 *   not increase, fail when numerator/denominator > max. latency: the quantile of the window's
 *   bucket increases against the baseline; no-data under minRequests observations in the window,
 *   without a baseline, or when the quantile is undefined; fail when value > baseline × (1 +
 *   maxIncrease). A gate with both parts fails when either fails, is no-data when either has no
 *   data (a gate passes only when everything it is asked to check was checked), else passes.
 * - config-reads: increases of cfgmig_config_reads_total{source="new"} with outcome error,
 *   mismatch and ok, summed over URLs; fail when errors > maxStoreErrors or mismatches >
 *   maxMismatches; else no-data when ok reads < minStoreReads; else pass.
 * - prometheus: the query's vector/scalar (a matrix: each series' last value). An empty result
 *   (or only NaN) is no-data; several series: the largest is judged against `max`, the smallest
 *   against `min`. An API `status: error` fails (the query is wrong; it will not get better);
 *   an unreachable server or an answer that is not the API's is no-data (the service's health
 *   is unknown, the gate's noData policy decides).
 * - command: exit code 0 passes; non-zero, a signal, a timeout or a command that could not start
 *   fail. Only the exit code, signal and duration are recorded, never the output.
 *
 * `reason` is one line and never holds a response body, a query result's labels or an env
 * value; URLs appear without credentials or query string.
 */
import type { Json } from '../store/canonical.js';
import type {
  CommandGate,
  ConfigReadsGate,
  GateSpec,
  HttpGate,
  Measurement,
  MetricsGate,
  PrometheusGate,
  Selector,
  Verdict,
} from './gate-model.js';
import { bucketIncreases, histogramQuantile, increaseOf, type Bucket, type Sample } from './prom-text.js';

/** A URL fit for a reason line: no user:password, no query string or fragment. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    const q = u.search ? '?…' : '';
    u.search = '';
    u.hash = '';
    return `${u.toString()}${q}`;
  } catch {
    return '<invalid url>';
  }
}

/** A number for a reason line: short, stable. */
export function fmt(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(4)));
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ').slice(0, 300);
}

function measurement(
  spec: GateSpec,
  verdict: Verdict,
  value: number | null,
  reason: string,
  inputs: Json,
  at: string,
): Measurement {
  return {
    gate: spec.name,
    type: spec.type,
    verdict,
    value: value === null || Number.isFinite(value) ? value : null,
    reason: oneLine(reason),
    inputs,
    at,
  };
}

// ---------------------------------------------------------------------------------------------
// http

export type RequestError = 'timeout' | 'refused' | 'reset' | 'dns' | 'network';

export interface HttpResult {
  url: string;
  /** The answer's status, or absent when there was no answer. */
  status?: number;
  /** Time to the whole body, ms. */
  latencyMs?: number;
  /** Why there was no answer. */
  error?: RequestError;
  /** With a `json` condition: whether the field equalled, and what was found (`missing`, `not-json`, or the value's JSON type). */
  json?: { matched: boolean; found: string };
}

export function statusAccepted(status: number, accepted: readonly string[]): boolean {
  return accepted.some((s) =>
    /^\dxx$/.test(s) ? Math.floor(status / 100) === Number(s[0]) : Number(s) === status,
  );
}

export function judgeHttp(spec: HttpGate, results: readonly HttpResult[], at: string): Measurement {
  const inputs = results.map((r) => {
    const o: Record<string, Json> = { url: redactUrl(r.url) };
    if (r.status !== undefined) o.status = r.status;
    if (r.latencyMs !== undefined) o.latencyMs = Math.round(r.latencyMs);
    if (r.error !== undefined) o.error = r.error;
    if (r.json !== undefined) o.json = { matched: r.json.matched, found: r.json.found };
    return o;
  });
  if (results.length === 0)
    return measurement(spec, 'no-data', null, 'no URL was requested', { results: [] }, at);
  const failures: string[] = [];
  let worst = 0;
  for (const r of results) {
    const where = redactUrl(r.url);
    if (r.latencyMs !== undefined) worst = Math.max(worst, r.latencyMs);
    if (r.status === undefined) {
      failures.push(`${where}: ${r.error ?? 'network'}`);
      continue;
    }
    if (!statusAccepted(r.status, spec.status)) {
      failures.push(`${where}: status ${r.status} not ${spec.status.join('/')}`);
      continue;
    }
    if (spec.json && !r.json?.matched) {
      failures.push(
        `${where}: ${spec.json.path} ${r.json ? `is ${r.json.found}, not` : 'not'} the expected value`,
      );
      continue;
    }
    if (spec.maxLatencyMs !== undefined && r.latencyMs !== undefined && r.latencyMs > spec.maxLatencyMs) {
      failures.push(`${where}: latency ${Math.round(r.latencyMs)}ms > max ${spec.maxLatencyMs}ms`);
    }
  }
  const value = Math.round(worst);
  if (failures.length > 0) {
    const more = failures.length > 1 ? ` (+${failures.length - 1} more)` : '';
    return measurement(
      spec,
      'fail',
      value,
      `${failures.length}/${results.length} URLs failed: ${failures[0]}${more}`,
      { results: inputs },
      at,
    );
  }
  return measurement(
    spec,
    'pass',
    value,
    `${results.length}/${results.length} URLs answered as expected, slowest ${value}ms`,
    { results: inputs },
    at,
  );
}

/** The value at a dotted path (`a.b.0.c`) of a parsed JSON body, or undefined. */
export function jsonAt(body: unknown, path: string): unknown {
  let cur: unknown = body;
  for (const part of path.split('.')) {
    if (cur === null || typeof cur !== 'object') return undefined;
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(part)) return undefined;
      cur = cur[Number(part)];
    } else {
      if (!Object.hasOwn(cur, part)) return undefined;
      cur = (cur as Record<string, unknown>)[part];
    }
  }
  return cur;
}

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  const ak = Object.keys(ao);
  return (
    ak.length === Object.keys(bo).length && ak.every((k) => Object.hasOwn(bo, k) && jsonEqual(ao[k], bo[k]))
  );
}

/** The `json` part of an HttpResult for a body (text): never keeps the value itself. */
export function checkJsonBody(
  body: string,
  cond: { path: string; equals: Json },
): { matched: boolean; found: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { matched: false, found: 'not-json' };
  }
  const v = jsonAt(parsed, cond.path);
  if (v === undefined) return { matched: false, found: 'missing' };
  const found = v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
  return {
    matched: jsonEqual(v, cond.equals),
    found: jsonEqual(v, cond.equals) ? found : `a different ${found}`,
  };
}

// ---------------------------------------------------------------------------------------------
// metrics and config-reads

/** One endpoint's scrapes: the window's start and end; null where that scrape failed. */
export interface ScrapePair {
  url: string;
  previous: readonly Sample[] | null;
  current: readonly Sample[] | null;
  /** Why the current scrape is missing (`timeout`, `HTTP 503`, `refused` …), for inputs. */
  error?: string;
}

/** What a metrics gate's latency is judged against, as persisted by the probe's baseline(). */
export interface LatencyBaseline {
  /** The quantile, in seconds (the histogram's unit). */
  value: number;
  quantile: number;
  /** Observations it was computed from. */
  requests: number;
}

interface Part {
  verdict: Verdict;
  value: number | null;
  reason: string;
  inputs: Record<string, Json>;
}

function pairsInputs(pairs: readonly ScrapePair[]): Json {
  return pairs.map((p) => {
    const o: Record<string, Json> = {
      url: redactUrl(p.url),
      previous: p.previous !== null,
      current: p.current !== null,
    };
    if (p.error) o.error = oneLine(p.error).slice(0, 80);
    return o;
  });
}

function usable(pairs: readonly ScrapePair[]): { previous: readonly Sample[]; current: readonly Sample[] }[] {
  return pairs.flatMap((p) =>
    p.previous && p.current ? [{ previous: p.previous, current: p.current }] : [],
  );
}

/** The no-data measurement of a scraping gate whose window has no usable start and end scrape. */
function noScrapePair(spec: GateSpec, pairs: readonly ScrapePair[], scrapes: Json, at: string): Measurement {
  const missing =
    pairs.length === 0 ? 'no URLs' : `no scrape pair from ${pairs.length} URL${pairs.length > 1 ? 's' : ''}`;
  return measurement(
    spec,
    'no-data',
    null,
    `${missing} (the window needs a start and an end)`,
    { scrapes },
    at,
  );
}

function sumIncrease(
  pairs: readonly { previous: readonly Sample[]; current: readonly Sample[] }[],
  sel: Selector,
): { increase: number; resets: number; series: number } {
  const out = { increase: 0, resets: 0, series: 0 };
  for (const p of pairs) {
    const inc = increaseOf(p.previous, p.current, sel);
    out.increase += inc.increase;
    out.resets += inc.resets;
    out.series += inc.series;
  }
  return out;
}

function sumBuckets(buckets: readonly Bucket[][]): Bucket[] {
  const byLe = new Map<number, number>();
  for (const list of buckets) for (const b of list) byLe.set(b.le, (byLe.get(b.le) ?? 0) + b.count);
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

function bucketsJson(buckets: readonly Bucket[]): Json {
  return buckets.map((b) => [b.le === Infinity ? '+Inf' : b.le, b.count]);
}

function ratioPart(spec: NonNullable<MetricsGate['ratio']>, pairs: ReturnType<typeof usable>): Part {
  const num = sumIncrease(pairs, spec.numerator);
  const den = sumIncrease(pairs, spec.denominator);
  const inputs: Record<string, Json> = {
    numerator: spec.numerator.text,
    denominator: spec.denominator.text,
    numeratorIncrease: num.increase,
    denominatorIncrease: den.increase,
    resets: num.resets + den.resets,
    max: spec.max,
  };
  if (!(den.increase > 0))
    return { verdict: 'no-data', value: null, reason: `${spec.denominator.name} did not increase`, inputs };
  const ratio = num.increase / den.increase;
  inputs.ratio = ratio;
  const text = `ratio ${fmt(ratio)} (${fmt(num.increase)}/${fmt(den.increase)})`;
  return ratio > spec.max
    ? { verdict: 'fail', value: ratio, reason: `${text} > max ${fmt(spec.max)}`, inputs }
    : { verdict: 'pass', value: ratio, reason: `${text} ≤ max ${fmt(spec.max)}`, inputs };
}

function latencyPart(
  spec: NonNullable<MetricsGate['latency']>,
  pairs: ReturnType<typeof usable>,
  baseline: LatencyBaseline | null,
): Part {
  const buckets = sumBuckets(pairs.map((p) => bucketIncreases(p.previous, p.current, spec.histogram)));
  const requests = buckets.length ? buckets[buckets.length - 1]!.count : 0;
  const q = `p${fmt(spec.quantile * 100)}`;
  const inputs: Record<string, Json> = {
    histogram: spec.histogram.text,
    quantile: spec.quantile,
    requests,
    buckets: bucketsJson(buckets),
    baseline: baseline === null ? null : { ...baseline },
    maxIncreasePct: spec.maxIncreasePct,
  };
  if (requests < spec.minRequests || requests === 0)
    return {
      verdict: 'no-data',
      value: null,
      reason: `${requests} requests in the window < minRequests ${spec.minRequests}`,
      inputs,
    };
  const value = histogramQuantile(spec.quantile, buckets);
  if (!Number.isFinite(value))
    return {
      verdict: 'no-data',
      value: null,
      reason: `${q} of ${spec.histogram.name} undefined (no +Inf bucket?)`,
      inputs,
    };
  inputs.value = value;
  if (baseline === null)
    return {
      verdict: 'no-data',
      value: value * 1000,
      reason: `${q} ${fmt(value * 1000)}ms, no baseline to judge against`,
      inputs,
    };
  const limit = baseline.value * (1 + spec.maxIncreasePct / 100);
  inputs.limit = limit;
  const text = `${q} ${fmt(value * 1000)}ms vs baseline ${fmt(baseline.value * 1000)}ms`;
  return value > limit
    ? {
        verdict: 'fail',
        value: value * 1000,
        reason: `${text}: up more than ${fmt(spec.maxIncreasePct)}%`,
        inputs,
      }
    : {
        verdict: 'pass',
        value: value * 1000,
        reason: `${text}: within +${fmt(spec.maxIncreasePct)}%`,
        inputs,
      };
}

/** The baseline from cumulative buckets (all observations so far), or null under minRequests / undefined quantile. */
export function latencyBaseline(
  spec: NonNullable<MetricsGate['latency']>,
  buckets: readonly Bucket[],
): LatencyBaseline | null {
  const requests = buckets.length ? buckets[buckets.length - 1]!.count : 0;
  if (requests === 0 || requests < spec.minRequests) return null;
  const value = histogramQuantile(spec.quantile, buckets);
  return Number.isFinite(value) ? { value, quantile: spec.quantile, requests } : null;
}

/**
 * A metrics gate over one window. The measurement's value is the ratio when the gate has one,
 * else the latency quantile in ms.
 */
export function judgeMetrics(
  spec: MetricsGate,
  pairs: readonly ScrapePair[],
  baseline: LatencyBaseline | null,
  at: string,
): Measurement {
  const scrapes = pairsInputs(pairs);
  const ok = usable(pairs);
  if (ok.length === 0) return noScrapePair(spec, pairs, scrapes, at);
  const parts: [string, Part][] = [];
  if (spec.ratio) parts.push(['ratio', ratioPart(spec.ratio, ok)]);
  if (spec.latency) parts.push(['latency', latencyPart(spec.latency, ok, baseline)]);
  const inputs: Record<string, Json> = { scrapes, urlsUsed: ok.length };
  for (const [k, p] of parts) inputs[k] = p.inputs;
  const verdict: Verdict = parts.some(([, p]) => p.verdict === 'fail')
    ? 'fail'
    : parts.some(([, p]) => p.verdict === 'no-data')
      ? 'no-data'
      : 'pass';
  // The reason leads with the part that decided.
  const deciding = parts.find(([, p]) => p.verdict === verdict) ?? parts[0]!;
  const others = parts.filter((p) => p !== deciding).map(([, p]) => p.reason);
  const reason = [deciding[1].reason, ...others].join('; ');
  return measurement(spec, verdict, parts[0]![1].value, reason, inputs, at);
}

const READS = 'cfgmig_config_reads_total';
const readSelector = (outcome: string): Selector => ({
  name: READS,
  matchers: [
    { label: 'source', op: '=', value: 'new' },
    { label: 'outcome', op: '=', value: outcome },
  ],
  text: `${READS}{source="new",outcome="${outcome}"}`,
});

export function judgeConfigReads(
  spec: ConfigReadsGate,
  pairs: readonly ScrapePair[],
  at: string,
): Measurement {
  const scrapes = pairsInputs(pairs);
  const ok = usable(pairs);
  if (ok.length === 0) return noScrapePair(spec, pairs, scrapes, at);
  const errors = sumIncrease(ok, readSelector('error'));
  const mismatches = sumIncrease(ok, readSelector('mismatch'));
  const reads = sumIncrease(ok, readSelector('ok'));
  const inputs: Json = {
    scrapes,
    urlsUsed: ok.length,
    storeErrors: errors.increase,
    mismatches: mismatches.increase,
    storeReads: reads.increase,
    series: errors.series + mismatches.series + reads.series,
    resets: errors.resets + mismatches.resets + reads.resets,
    maxStoreErrors: spec.maxStoreErrors,
    maxMismatches: spec.maxMismatches,
    minStoreReads: spec.minStoreReads,
  };
  if (errors.increase > spec.maxStoreErrors)
    return measurement(
      spec,
      'fail',
      errors.increase,
      `${fmt(errors.increase)} store read errors > max ${spec.maxStoreErrors}`,
      inputs,
      at,
    );
  if (mismatches.increase > spec.maxMismatches)
    return measurement(
      spec,
      'fail',
      mismatches.increase,
      `${fmt(mismatches.increase)} value mismatches > max ${spec.maxMismatches}`,
      inputs,
      at,
    );
  const tail = `(${fmt(errors.increase)} errors, ${fmt(mismatches.increase)} mismatches)`;
  if (reads.increase < spec.minStoreReads || reads.increase === 0)
    return measurement(
      spec,
      'no-data',
      reads.increase,
      `${fmt(reads.increase)} store reads < minStoreReads ${spec.minStoreReads} ${tail}`,
      inputs,
      at,
    );
  return measurement(spec, 'pass', reads.increase, `${fmt(reads.increase)} store reads ${tail}`, inputs, at);
}

// ---------------------------------------------------------------------------------------------
// prometheus

/** What the probe got from `GET <url>/api/v1/query`. */
export type PromQueryOutcome =
  /** The parsed JSON body (`{status, data, errorType, error}`), whatever the HTTP status. */
  | { kind: 'response'; httpStatus: number; body: unknown }
  /** No usable answer: unreachable, timeout, or a body that is not JSON. */
  | { kind: 'unavailable'; why: string; httpStatus?: number };

function sampleValue(pair: unknown): number | null {
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[1] !== 'string') return null;
  const v = pair[1] === '+Inf' ? Infinity : pair[1] === '-Inf' ? -Infinity : Number(pair[1]);
  return Number.isNaN(v) ? null : v;
}

/** The numbers of a query result (NaN left out); null when the shape is not the API's. */
export function queryValues(data: unknown): { resultType: string; values: number[] } | null {
  if (typeof data !== 'object' || data === null) return null;
  const { resultType, result } = data as { resultType?: unknown; result?: unknown };
  if (typeof resultType !== 'string') return null;
  const values: number[] = [];
  const push = (v: number | null) => {
    if (v !== null) values.push(v);
  };
  switch (resultType) {
    case 'scalar':
      push(sampleValue(result));
      return { resultType, values };
    case 'vector':
      if (!Array.isArray(result)) return null;
      for (const s of result) push(sampleValue((s as { value?: unknown } | null)?.value));
      return { resultType, values };
    case 'matrix':
      if (!Array.isArray(result)) return null;
      for (const s of result) {
        const vs = (s as { values?: unknown } | null)?.values;
        if (Array.isArray(vs) && vs.length) push(sampleValue(vs[vs.length - 1]));
      }
      return { resultType, values };
    default:
      return { resultType, values };
  }
}

export function judgePrometheus(spec: PrometheusGate, outcome: PromQueryOutcome, at: string): Measurement {
  const base: Record<string, Json> = { query: spec.query, bound: { ...spec.bound } };
  if (outcome.kind === 'unavailable') {
    if (outcome.httpStatus !== undefined) base.httpStatus = outcome.httpStatus;
    return measurement(
      spec,
      'no-data',
      null,
      `Prometheus query not answered: ${outcome.why}`,
      { ...base, error: oneLine(outcome.why).slice(0, 80) },
      at,
    );
  }
  base.httpStatus = outcome.httpStatus;
  const body = outcome.body as { status?: unknown; data?: unknown; errorType?: unknown } | null;
  if (body && body.status === 'error') {
    const type = typeof body.errorType === 'string' ? body.errorType.slice(0, 40) : 'unknown';
    return measurement(
      spec,
      'fail',
      null,
      `Prometheus query error: ${type}`,
      { ...base, errorType: type },
      at,
    );
  }
  const parsed = body && body.status === 'success' ? queryValues(body.data) : null;
  if (!parsed)
    return measurement(
      spec,
      'no-data',
      null,
      `not a Prometheus API answer (HTTP ${outcome.httpStatus})`,
      base,
      at,
    );
  const { resultType, values } = parsed;
  const inputs: Record<string, Json> = { ...base, resultType, series: values.length };
  if (resultType === 'string')
    return measurement(spec, 'fail', null, 'the query returned a string, not a number', inputs, at);
  if (values.length === 0)
    return measurement(spec, 'no-data', null, 'the query returned no data', inputs, at);
  const max = Math.max(...values);
  const min = Math.min(...values);
  inputs.max = Number.isFinite(max) ? max : String(max);
  inputs.min = Number.isFinite(min) ? min : String(min);
  const n = values.length > 1 ? ` over ${values.length} series` : '';
  if (spec.bound.max !== undefined && max > spec.bound.max)
    return measurement(
      spec,
      'fail',
      max,
      `${values.length > 1 ? 'largest ' : ''}value ${fmt(max)} > max ${fmt(spec.bound.max)}${n}`,
      inputs,
      at,
    );
  if (spec.bound.min !== undefined && min < spec.bound.min)
    return measurement(
      spec,
      'fail',
      min,
      `${values.length > 1 ? 'smallest ' : ''}value ${fmt(min)} < min ${fmt(spec.bound.min)}${n}`,
      inputs,
      at,
    );
  const judged = spec.bound.max !== undefined ? max : min;
  const bounds = [
    spec.bound.min !== undefined ? `≥ min ${fmt(spec.bound.min)}` : '',
    spec.bound.max !== undefined ? `≤ max ${fmt(spec.bound.max)}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return measurement(spec, 'pass', judged, `value ${fmt(judged)} ${bounds}${n}`, inputs, at);
}

// ---------------------------------------------------------------------------------------------
// command

export interface CommandResult {
  /** null when killed by a signal or never started. */
  exitCode: number | null;
  signal?: string | null;
  timedOut: boolean;
  /** The command could not be started at all (e.g. no shell, cwd missing). */
  failedToStart?: boolean;
  durationMs: number;
}

export function judgeCommand(spec: CommandGate, r: CommandResult, at: string): Measurement {
  const durationMs = Math.round(r.durationMs);
  const inputs: Json = {
    exitCode: r.exitCode,
    signal: r.signal ?? null,
    timedOut: r.timedOut,
    durationMs,
    ...(r.failedToStart ? { failedToStart: true } : {}),
  };
  if (r.timedOut)
    return measurement(spec, 'fail', r.exitCode, `timed out after ${spec.timeoutMs}ms`, inputs, at);
  if (r.failedToStart) return measurement(spec, 'fail', null, 'the command could not be started', inputs, at);
  if (r.exitCode === 0) return measurement(spec, 'pass', 0, `exit code 0 in ${durationMs}ms`, inputs, at);
  if (r.exitCode === null)
    return measurement(
      spec,
      'fail',
      null,
      `killed by ${r.signal ?? 'a signal'} after ${durationMs}ms`,
      inputs,
      at,
    );
  return measurement(spec, 'fail', r.exitCode, `exit code ${r.exitCode} in ${durationMs}ms`, inputs, at);
}
