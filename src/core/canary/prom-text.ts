/**
 * Prometheus text exposition format 0.0.4 (what `/metrics` endpoints answer), PromQL-style
 * series selectors, and the arithmetic the metrics gates need: counter increases between two
 * scrapes (resets handled as Prometheus does) and histogram_quantile over bucket increases.
 * Pure: no I/O.
 *
 * The parser is lenient the way a gate must be: a malformed line is skipped and reported with
 * its 1-based line number (`errors`), the rest of the scrape is still used. It never throws.
 */
import { badInput } from '../../errors.js';
import type { Selector } from './gate-model.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  /** Any float, including NaN and ±Infinity. */
  value: number;
  /** Milliseconds since the epoch, when the line has one. */
  timestampMs?: number;
}

export interface PromTextIssue {
  /** 1-based. */
  line: number;
  message: string;
}

export interface PromText {
  samples: Sample[];
  /** `# TYPE` declarations, by metric family name. */
  types: Record<string, string>;
  /** One per malformed line; the line's samples are left out. */
  errors: PromTextIssue[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

/** A float as Go's strconv.ParseFloat reads it in the text format (`+Inf`, `-Inf`, `NaN`), or null. */
export function parseFloatText(text: string): number | null {
  if (!FLOAT.test(text)) return null;
  const lower = text.toLowerCase();
  if (lower.endsWith('nan')) return NaN;
  if (lower.endsWith('inf') || lower.endsWith('infinity'))
    return lower.startsWith('-') ? -Infinity : Infinity;
  return Number(text);
}

class LineError extends Error {}

/** Parses a whole exposition. Never throws. */
export function parsePromText(text: string): PromText {
  const out: PromText = { samples: [], types: {}, errors: [] };
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    try {
      if (line.trimStart().startsWith('#')) {
        parseComment(line.trimStart(), out);
        continue;
      }
      out.samples.push(parseSampleLine(line));
    } catch (err) {
      if (!(err instanceof LineError)) throw err;
      out.errors.push({ line: i + 1, message: err.message });
    }
  }
  return out;
}

function parseComment(line: string, out: PromText): void {
  const m = /^#\s+(HELP|TYPE)\s+(\S+)(?:\s+(.*))?$/.exec(line);
  if (!m) return; // any other comment
  const name = m[2]!;
  if (!METRIC_NAME.test(name) || METRIC_NAME.exec(name)![0] !== name)
    throw new LineError(`# ${m[1]}: invalid metric name`);
  if (m[1] === 'TYPE') {
    const type = (m[3] ?? '').trim();
    if (!TYPES.has(type)) throw new LineError(`# TYPE ${name}: unknown type`);
    out.types[name] = type;
  }
}

function parseSampleLine(line: string): Sample {
  let rest = line.trimStart();
  const nameMatch = METRIC_NAME.exec(rest);
  if (!nameMatch) throw new LineError('expected a metric name');
  const name = nameMatch[0];
  rest = rest.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.trimStart().startsWith('{')) rest = parseLabels(rest.trimStart().slice(1), labels);
  if (!/^[ \t]/.test(rest)) throw new LineError('expected a space before the value');
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length < 1 || fields[0] === '' || fields.length > 2)
    throw new LineError('expected a value and an optional timestamp');
  const value = parseFloatText(fields[0]!);
  if (value === null) throw new LineError('invalid sample value');
  const sample: Sample = { name, labels, value };
  if (fields.length === 2) {
    if (!/^-?\d+$/.test(fields[1]!)) throw new LineError('invalid timestamp');
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** Parses `a="x",b="y"}` (after the `{`) into `labels`; returns what follows the `}`. */
function parseLabels(text: string, labels: Record<string, string>): string {
  let rest = text;
  for (;;) {
    rest = rest.trimStart();
    if (rest.startsWith('}')) return rest.slice(1);
    const nameMatch = LABEL_NAME.exec(rest);
    if (!nameMatch) throw new LineError('expected a label name');
    const label = nameMatch[0];
    rest = rest.slice(label.length).trimStart();
    if (!rest.startsWith('=')) throw new LineError(`label ${label}: expected =`);
    rest = rest.slice(1).trimStart();
    if (!rest.startsWith('"')) throw new LineError(`label ${label}: expected a quoted value`);
    const [value, after] = readQuoted(rest, '"', false);
    if (Object.hasOwn(labels, label)) throw new LineError(`label ${label} given twice`);
    labels[label] = value;
    rest = after.trimStart();
    if (rest.startsWith(',')) {
      rest = rest.slice(1);
      continue;
    }
    if (rest.startsWith('}')) return rest.slice(1);
    throw new LineError('expected , or } after a label');
  }
}

/**
 * Reads a quoted string starting at `text[0]` (the quote); returns its value and what follows.
 * The exposition format knows `\\`, `\"` and `\n`; PromQL (`promql` true) also `\'`, `\t`, `\r`.
 */
function readQuoted(text: string, quote: string, promql: boolean): [string, string] {
  let value = '';
  for (let i = 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === quote) return [value, text.slice(i + 1)];
    if (c === '\n') break;
    if (c !== '\\') {
      value += c;
      continue;
    }
    const e = text[++i];
    if (e === '\\' || e === '"') value += e;
    else if (e === 'n') value += '\n';
    else if (promql && e === "'") value += e;
    else if (promql && e === 't') value += '\t';
    else if (promql && e === 'r') value += '\r';
    else throw new LineError(e === undefined ? 'unterminated string' : 'invalid escape sequence');
  }
  throw new LineError('unterminated string');
}

// ---------------------------------------------------------------------------------------------
// Selectors

/**
 * Parses `name`, `name{label="v",label=~"re",label!="v",label!~"re"}` (values in double or
 * single quotes). Regexes are anchored at both ends, as PromQL does. Throws badInput naming
 * `where` (the field the selector came from).
 */
export function parseSelector(text: string, where = 'selector'): Selector {
  const fail = (why: string) =>
    badInput(`${where} is not a valid selector (${why}): ${JSON.stringify(text)}`, {
      hint: 'Write it like http_requests_total{status=~"5..",job!="batch"}.',
    });
  if (typeof text !== 'string') throw fail('not a string');
  let rest = text.trim();
  const nameMatch = METRIC_NAME.exec(rest);
  if (!nameMatch) throw fail('expected a metric name');
  const name = nameMatch[0];
  rest = rest.slice(name.length).trimStart();
  const matchers: Selector['matchers'] = [];
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    try {
      for (;;) {
        rest = rest.trimStart();
        if (rest.startsWith('}')) {
          rest = rest.slice(1);
          break;
        }
        const labelMatch = LABEL_NAME.exec(rest);
        if (!labelMatch) throw new LineError('expected a label name');
        const label = labelMatch[0];
        rest = rest.slice(label.length).trimStart();
        const opMatch = /^(=~|!~|!=|=)/.exec(rest);
        if (!opMatch) throw new LineError(`label ${label}: expected =, !=, =~ or !~`);
        const op = opMatch[1] as Selector['matchers'][number]['op'];
        rest = rest.slice(op.length).trimStart();
        const quote = rest[0];
        if (quote !== '"' && quote !== "'") throw new LineError(`label ${label}: expected a quoted value`);
        const [value, after] = readQuoted(rest, quote, true);
        if (op === '=~' || op === '!~') {
          try {
            new RegExp(`^(?:${value})$`);
          } catch {
            throw new LineError(`label ${label}: invalid regular expression`);
          }
        }
        matchers.push({ label, op, value });
        rest = after.trimStart();
        if (rest.startsWith(',')) {
          rest = rest.slice(1);
          continue;
        }
        if (rest.startsWith('}')) {
          rest = rest.slice(1);
          break;
        }
        throw new LineError('expected , or } after a matcher');
      }
    } catch (err) {
      if (err instanceof LineError) throw fail(err.message);
      throw err;
    }
  }
  if (rest.trim() !== '') throw fail('unexpected text after the selector');
  return { name, matchers, text: text.trim() };
}

const REGEX_CACHE = new Map<string, RegExp>();
function anchored(re: string): RegExp {
  let r = REGEX_CACHE.get(re);
  if (!r) {
    r = new RegExp(`^(?:${re})$`);
    if (REGEX_CACHE.size > 1000) REGEX_CACHE.clear();
    REGEX_CACHE.set(re, r);
  }
  return r;
}

/** Whether `labels` satisfy the selector's matchers (a missing label is the empty string, as in PromQL). */
export function labelsMatch(labels: Record<string, string>, selector: Selector): boolean {
  for (const m of selector.matchers) {
    const v = Object.hasOwn(labels, m.label) ? labels[m.label]! : '';
    switch (m.op) {
      case '=':
        if (v !== m.value) return false;
        break;
      case '!=':
        if (v === m.value) return false;
        break;
      case '=~':
        if (!anchored(m.value).test(v)) return false;
        break;
      case '!~':
        if (anchored(m.value).test(v)) return false;
        break;
    }
  }
  return true;
}

/** The samples of the selector's metric whose labels match. */
export function select(samples: readonly Sample[], selector: Selector, name = selector.name): Sample[] {
  return samples.filter((s) => s.name === name && labelsMatch(s.labels, selector));
}

/** The sum of the matching samples' values (0 when none match; NaN values are left out). */
export function sumOf(samples: readonly Sample[], selector: Selector): number {
  let sum = 0;
  for (const s of select(samples, selector)) if (!Number.isNaN(s.value)) sum += s.value;
  return sum;
}

/** A series' identity: its name and sorted labels. */
export function seriesKey(s: Pick<Sample, 'name' | 'labels'>): string {
  const keys = Object.keys(s.labels).sort();
  return `${s.name}{${keys.map((k) => `${k}=${JSON.stringify(s.labels[k])}`).join(',')}}`;
}

export interface Increase {
  /** Summed over the matching series. */
  increase: number;
  /** Matching series in the current scrape. */
  series: number;
  /** Series whose value went down (a counter reset: the new value is the increase). */
  resets: number;
}

/**
 * How much the matching counters grew from `prev` to `cur`, summed over series. Per series as
 * Prometheus's increase() does: a value lower than before is a reset, so the new value is the
 * increase; a series absent from `prev` started at 0 (client libraries create series on their
 * first increment), so its whole value is the increase. NaN samples are left out.
 */
export function increaseOf(
  prev: readonly Sample[],
  cur: readonly Sample[],
  selector: Selector,
  name = selector.name,
): Increase {
  const before = new Map<string, number>();
  for (const s of select(prev, selector, name)) before.set(seriesKey(s), s.value);
  const out: Increase = { increase: 0, series: 0, resets: 0 };
  for (const s of select(cur, selector, name)) {
    if (Number.isNaN(s.value)) continue;
    out.series++;
    const p = before.get(seriesKey(s));
    if (p === undefined || Number.isNaN(p)) out.increase += s.value;
    else if (s.value < p) {
      out.resets++;
      out.increase += s.value;
    } else out.increase += s.value - p;
  }
  return out;
}

export interface Bucket {
  /** Upper bound (`+Inf` is Infinity). */
  le: number;
  /** Cumulative count of observations ≤ le. */
  count: number;
}

function groupByLe(entries: Iterable<[number, number]>): Bucket[] {
  const byLe = new Map<number, number>();
  for (const [le, n] of entries) byLe.set(le, (byLe.get(le) ?? 0) + n);
  return [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
}

function bucketLe(s: Sample): number | null {
  const le = s.labels.le;
  if (le === undefined) return null;
  const v = parseFloatText(le);
  return v === null || Number.isNaN(v) ? null : v;
}

/** A histogram's buckets (`<name>_bucket` series matching the selector) summed over series, grouped by `le`. */
export function bucketTotals(samples: readonly Sample[], histogram: Selector): Bucket[] {
  const entries: [number, number][] = [];
  for (const s of select(samples, histogram, `${histogram.name}_bucket`)) {
    const le = bucketLe(s);
    if (le !== null && !Number.isNaN(s.value)) entries.push([le, s.value]);
  }
  return groupByLe(entries);
}

/** The buckets' increases from `prev` to `cur` (per series, resets handled), summed over series, grouped by `le`. */
export function bucketIncreases(
  prev: readonly Sample[],
  cur: readonly Sample[],
  histogram: Selector,
): Bucket[] {
  const name = `${histogram.name}_bucket`;
  const before = new Map<string, number>();
  for (const s of select(prev, histogram, name)) before.set(seriesKey(s), s.value);
  const entries: [number, number][] = [];
  for (const s of select(cur, histogram, name)) {
    const le = bucketLe(s);
    if (le === null || Number.isNaN(s.value)) continue;
    const p = before.get(seriesKey(s));
    entries.push([le, p === undefined || Number.isNaN(p) || s.value < p ? s.value : s.value - p]);
  }
  return groupByLe(entries);
}

/**
 * PromQL's histogram_quantile over cumulative buckets: linear interpolation inside the bucket
 * the rank falls in; the highest finite bound when it falls in the +Inf bucket; NaN without a
 * +Inf bucket, with fewer than two buckets or with no observations; -Inf/+Inf for q < 0 / q > 1.
 * Non-monotonic counts (scrapes of different series at different moments) are evened out the
 * way Prometheus does.
 */
export function histogramQuantile(q: number, buckets: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = groupByLe(buckets.map((b) => [b.le, b.count] as [number, number]));
  if (sorted.length < 2 || sorted[sorted.length - 1]!.le !== Infinity) return NaN;
  let max = -Infinity;
  for (const b of sorted) {
    if (Number.isNaN(b.count)) return NaN;
    if (b.count < max) b.count = max;
    else max = b.count;
  }
  const observations = sorted[sorted.length - 1]!.count;
  if (!(observations > 0)) return NaN;
  let rank = q * observations;
  let b = sorted.findIndex((x) => x.count >= rank);
  if (b < 0) b = sorted.length - 1;
  if (b === sorted.length - 1) return sorted[sorted.length - 2]!.le;
  if (b === 0 && sorted[0]!.le <= 0) return sorted[0]!.le;
  let start = 0;
  const end = sorted[b]!.le;
  let count = sorted[b]!.count;
  if (b > 0) {
    start = sorted[b - 1]!.le;
    count -= sorted[b - 1]!.count;
    rank -= sorted[b - 1]!.count;
  }
  return start + (end - start) * (rank / count);
}
