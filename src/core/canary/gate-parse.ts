/**
 * `services.<id>.canary.gates` of cfgmig.yaml → GateSpec[] (gate-model.ts). YAML-friendly keys
 * (`interval: 30s`, `maxIncrease: 20%`, `status: 2xx`), defaults filled in, and every mistake
 * a badInput naming the exact field, e.g. `services.api.canary.gates[1].ratio.max must be a
 * number between 0 and 1`. Pure: no I/O.
 */
import { badInput } from '../../errors.js';
import type { Json } from '../store/canonical.js';
import { durationMs } from '../plan/duration.js';
import {
  NO_DATA_POLICIES,
  type Bound,
  type GatePolicy,
  type GateSpec,
  type GateType,
  type NoDataPolicy,
  type Selector,
} from './gate-model.js';
import { parseSelector } from './prom-text.js';

export const GATE_TYPES = ['http', 'metrics', 'prometheus', 'command', 'config-reads'] as const;

export const GATE_DEFAULTS = {
  failureLimit: 3,
  consecutiveFailures: 2,
  minSamples: 1,
  noData: 'fail' as NoDataPolicy,
  timeoutMs: 5_000,
  status: ['2xx'],
  quantile: 0.99,
  maxIncreasePct: 20,
  minRequests: 20,
  maxStoreErrors: 0,
  maxMismatches: 0,
  minStoreReads: 1,
};

const COMMON_KEYS = [
  'name',
  'type',
  'interval',
  'failureLimit',
  'consecutiveFailures',
  'minSamples',
  'noData',
  'timeout',
];
const TYPE_KEYS: Record<GateType, string[]> = {
  http: ['url', 'urls', 'status', 'json', 'maxLatency'],
  metrics: ['url', 'urls', 'ratio', 'latency'],
  prometheus: ['url', 'query', 'max', 'min'],
  command: ['run'],
  'config-reads': ['url', 'urls', 'maxStoreErrors', 'maxMismatches', 'minStoreReads'],
};

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function refuse(path: string, what: string, hint?: string): never {
  throw badInput(`${path} ${what}`, hint ? { hint } : undefined);
}

function checkKeys(o: Obj, allowed: string[], path: string): void {
  for (const k of Object.keys(o))
    if (!allowed.includes(k))
      refuse(`${path}.${k}`, 'is not a known field', `Known fields here: ${allowed.join(', ')}.`);
}

function duration(v: unknown, path: string, positive = true): number {
  let ms: number | null = null;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ms = Math.round(v);
  else if (typeof v === 'string') ms = durationMs(v);
  if (ms === null) refuse(path, 'must be a duration', 'Write it like 500ms, 30s or 5m.');
  if (positive && ms <= 0) refuse(path, 'must be a duration above 0');
  return ms;
}

function integer(v: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) refuse(path, `must be an integer ≥ ${min}`);
  return v;
}

function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) refuse(path, 'must be a number');
  return v;
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v.trim() === '') refuse(path, 'must be a non-empty string');
  return v;
}

function httpUrl(v: unknown, path: string): string {
  const text = str(v, path).trim();
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    refuse(path, 'must be an http(s) URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') refuse(path, 'must be an http(s) URL');
  return text;
}

/** `url: x` or `urls: [x, y]`, exactly one of them. */
function urls(o: Obj, path: string): string[] {
  const has = (k: string) => o[k] !== undefined;
  if (has('url') && has('urls')) refuse(`${path}.urls`, 'cannot be given together with url');
  if (has('url')) return [httpUrl(o.url, `${path}.url`)];
  if (!has('urls')) refuse(`${path}.url`, 'is required (or urls, a list)');
  if (!Array.isArray(o.urls) || o.urls.length === 0)
    refuse(`${path}.urls`, 'must be a non-empty list of URLs');
  return o.urls.map((u, i) => httpUrl(u, `${path}.urls[${i}]`));
}

function selector(v: unknown, path: string): Selector {
  if (typeof v !== 'string')
    refuse(path, 'must be a selector string, like http_requests_total{status=~"5.."}');
  return parseSelector(v, path);
}

function status(v: unknown, path: string): string[] {
  const one = (x: unknown, p: string): string => {
    const t = typeof x === 'number' ? String(x) : x;
    if (typeof t !== 'string' || !/^[1-5](?:xx|\d\d)$/.test(t))
      refuse(p, 'must be a status like 200 or a class like 2xx');
    return t;
  };
  if (Array.isArray(v)) {
    if (v.length === 0) refuse(path, 'must not be an empty list');
    return v.map((x, i) => one(x, `${path}[${i}]`));
  }
  return [one(v, path)];
}

function isJson(v: unknown): v is Json {
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every(isJson);
  if (isObj(v)) return Object.values(v).every(isJson);
  return false;
}

function percent(v: unknown, path: string): number {
  const m = typeof v === 'string' ? /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(v) : null;
  if (!m) refuse(path, "must be a percentage like '20%'");
  return Number(m[1]);
}

function policy(o: Obj, name: string, defaults: { intervalMs: number }, path: string): GatePolicy {
  const noData = o.noData ?? GATE_DEFAULTS.noData;
  if (!NO_DATA_POLICIES.includes(noData as NoDataPolicy))
    refuse(`${path}.noData`, `must be one of ${NO_DATA_POLICIES.join(', ')}`);
  return {
    name,
    intervalMs: o.interval === undefined ? defaults.intervalMs : duration(o.interval, `${path}.interval`),
    failureLimit:
      o.failureLimit === undefined
        ? GATE_DEFAULTS.failureLimit
        : integer(o.failureLimit, `${path}.failureLimit`, 1),
    consecutiveFailureLimit:
      o.consecutiveFailures === undefined
        ? GATE_DEFAULTS.consecutiveFailures
        : integer(o.consecutiveFailures, `${path}.consecutiveFailures`, 1),
    minSamples:
      o.minSamples === undefined ? GATE_DEFAULTS.minSamples : integer(o.minSamples, `${path}.minSamples`, 0),
    noData: noData as NoDataPolicy,
  };
}

function parseOne(o: Obj, name: string, defaults: { intervalMs: number }, path: string): GateSpec {
  const type = o.type as GateType;
  const base = policy(o, name, defaults, path);
  const timeoutMs =
    o.timeout === undefined ? GATE_DEFAULTS.timeoutMs : duration(o.timeout, `${path}.timeout`);
  switch (type) {
    case 'http': {
      let json: { path: string; equals: Json } | undefined;
      if (o.json !== undefined) {
        if (!isObj(o.json)) refuse(`${path}.json`, 'must be a mapping with path and equals');
        checkKeys(o.json, ['path', 'equals'], `${path}.json`);
        const p = str(o.json.path, `${path}.json.path`);
        if (!Object.hasOwn(o.json, 'equals')) refuse(`${path}.json.equals`, 'is required');
        if (!isJson(o.json.equals)) refuse(`${path}.json.equals`, 'must be a JSON value');
        json = { path: p, equals: o.json.equals };
      }
      return {
        ...base,
        type,
        urls: urls(o, path),
        status: o.status === undefined ? [...GATE_DEFAULTS.status] : status(o.status, `${path}.status`),
        ...(json ? { json } : {}),
        ...(o.maxLatency === undefined ? {} : { maxLatencyMs: duration(o.maxLatency, `${path}.maxLatency`) }),
        timeoutMs,
      };
    }
    case 'metrics': {
      const gateUrls = urls(o, path);
      if (o.ratio === undefined && o.latency === undefined)
        refuse(`${path}.ratio`, 'or latency is required for a metrics gate');
      let ratio: { numerator: Selector; denominator: Selector; max: number } | undefined;
      if (o.ratio !== undefined) {
        const rp = `${path}.ratio`;
        if (!isObj(o.ratio)) refuse(rp, 'must be a mapping with numerator, denominator and max');
        checkKeys(o.ratio, ['numerator', 'denominator', 'max'], rp);
        if (o.ratio.numerator === undefined) refuse(`${rp}.numerator`, 'is required');
        if (o.ratio.denominator === undefined) refuse(`${rp}.denominator`, 'is required');
        if (o.ratio.max === undefined) refuse(`${rp}.max`, 'is required');
        const max = o.ratio.max;
        if (typeof max !== 'number' || !(max >= 0 && max <= 1))
          refuse(`${rp}.max`, 'must be a number between 0 and 1', 'A share: 0.01 is 1%.');
        ratio = {
          numerator: selector(o.ratio.numerator, `${rp}.numerator`),
          denominator: selector(o.ratio.denominator, `${rp}.denominator`),
          max,
        };
      }
      let latency: MetricsLatency | undefined;
      if (o.latency !== undefined) latency = parseLatency(o.latency, `${path}.latency`);
      return {
        ...base,
        type,
        urls: gateUrls,
        ...(ratio ? { ratio } : {}),
        ...(latency ? { latency } : {}),
        timeoutMs,
      };
    }
    case 'prometheus': {
      const url = httpUrl(o.url, `${path}.url`);
      const query = str(o.query, `${path}.query`);
      const bound: Bound = {};
      if (o.max !== undefined) bound.max = num(o.max, `${path}.max`);
      if (o.min !== undefined) bound.min = num(o.min, `${path}.min`);
      if (bound.max === undefined && bound.min === undefined) refuse(`${path}.max`, 'or min is required');
      if (bound.max !== undefined && bound.min !== undefined && bound.min > bound.max)
        refuse(`${path}.min`, 'must not be above max');
      return { ...base, type, url, query, bound, timeoutMs };
    }
    case 'command':
      return { ...base, type, run: str(o.run, `${path}.run`), timeoutMs };
    case 'config-reads':
      return {
        ...base,
        type,
        urls: urls(o, path),
        maxStoreErrors:
          o.maxStoreErrors === undefined
            ? GATE_DEFAULTS.maxStoreErrors
            : integer(o.maxStoreErrors, `${path}.maxStoreErrors`, 0),
        maxMismatches:
          o.maxMismatches === undefined
            ? GATE_DEFAULTS.maxMismatches
            : integer(o.maxMismatches, `${path}.maxMismatches`, 0),
        minStoreReads:
          o.minStoreReads === undefined
            ? GATE_DEFAULTS.minStoreReads
            : integer(o.minStoreReads, `${path}.minStoreReads`, 0),
        timeoutMs,
      };
  }
}

type MetricsLatency = NonNullable<Extract<GateSpec, { type: 'metrics' }>['latency']>;

function parseLatency(v: unknown, path: string): MetricsLatency {
  if (!isObj(v)) refuse(path, 'must be a mapping with histogram, quantile, maxIncrease and minRequests');
  checkKeys(v, ['histogram', 'quantile', 'maxIncrease', 'minRequests'], path);
  if (v.histogram === undefined) refuse(`${path}.histogram`, 'is required');
  const histogram = selector(v.histogram, `${path}.histogram`);
  if (histogram.name.endsWith('_bucket'))
    refuse(
      `${path}.histogram`,
      'must name the histogram without _bucket',
      `Write ${histogram.name.slice(0, -7)}.`,
    );
  let quantile = GATE_DEFAULTS.quantile;
  if (v.quantile !== undefined) {
    if (typeof v.quantile !== 'number' || !(v.quantile > 0 && v.quantile <= 1))
      refuse(`${path}.quantile`, 'must be a number above 0 and at most 1', 'p99 is 0.99.');
    quantile = v.quantile;
  }
  return {
    histogram,
    quantile,
    maxIncreasePct:
      v.maxIncrease === undefined
        ? GATE_DEFAULTS.maxIncreasePct
        : percent(v.maxIncrease, `${path}.maxIncrease`),
    minRequests:
      v.minRequests === undefined
        ? GATE_DEFAULTS.minRequests
        : integer(v.minRequests, `${path}.minRequests`, 0),
  };
}

/**
 * Parses a service's `canary.gates`. `where` is the list's path (`services.api.canary.gates`);
 * `defaults.intervalMs` is the schedule's check interval. Absent (undefined) is no gates.
 * Names default to the type, or `<type>-<n>` (n counting that type's gates from 1) when a
 * service has several of one type; duplicate names are refused.
 */
export function parseGates(raw: unknown, defaults: { intervalMs: number }, where: string): GateSpec[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) refuse(where, 'must be a list of gates');
  const typeCount = new Map<string, number>();
  for (const g of raw)
    if (isObj(g) && typeof g.type === 'string') typeCount.set(g.type, (typeCount.get(g.type) ?? 0) + 1);
  const seenType = new Map<string, number>();
  const names = new Map<string, number>();
  return raw.map((g, i) => {
    const path = `${where}[${i}]`;
    if (!isObj(g)) refuse(path, 'must be a mapping (a gate with a type)');
    if (g.type === undefined) refuse(`${path}.type`, `is required: one of ${GATE_TYPES.join(', ')}`);
    if (typeof g.type !== 'string' || !(GATE_TYPES as readonly string[]).includes(g.type))
      refuse(`${path}.type`, `must be one of ${GATE_TYPES.join(', ')}`);
    const type = g.type as GateType;
    checkKeys(g, [...COMMON_KEYS, ...TYPE_KEYS[type]], path);
    const nth = (seenType.get(type) ?? 0) + 1;
    seenType.set(type, nth);
    let name: string;
    if (g.name === undefined) name = typeCount.get(type)! > 1 ? `${type}-${nth}` : type;
    else {
      if (typeof g.name !== 'string' || !NAME.test(g.name))
        refuse(`${path}.name`, 'must be a name of letters, digits, _ . - (at most 64)');
      name = g.name;
    }
    const first = names.get(name);
    if (first !== undefined)
      refuse(
        `${path}.name`,
        `"${name}" is also the name of ${where}[${first}]`,
        'Give each gate a unique name.',
      );
    names.set(name, i);
    return parseOne(g, name, defaults, path);
  });
}
