/**
 * Health gates as the canary sees them (DESIGN.md "Canary and rollback"): what each gate
 * measures, how often, and how its measurements decide a step. Parsed from `canary.gates` in
 * cfgmig.yaml (core/canary/gate-parse.ts), measured by adapters/canary/ and judged by
 * core/canary/judge.ts and policy.ts. Durations are in milliseconds.
 */
import type { Json } from '../store/canonical.js';

/** What a measurement without data counts as: a failure, a pause for a human, a pass, or nothing (the bake waits for data). */
export const NO_DATA_POLICIES = ['fail', 'pause', 'pass', 'extend'] as const;
export type NoDataPolicy = (typeof NO_DATA_POLICIES)[number];

export interface GatePolicy {
  /** Unique within the service's gates (default: `<type>` or `<type>-<n>`). */
  name: string;
  /** How often the gate is measured (default: the schedule's check interval). */
  intervalMs: number;
  /** Failed measurements in a step that fail the step (default 3). */
  failureLimit: number;
  /** Failed measurements in a row that fail the step (default 2). */
  consecutiveFailureLimit: number;
  /** Measurements with data a step needs before it may pass (default 1). */
  minSamples: number;
  noData: NoDataPolicy;
}

/** `2xx`, `200`, or a list of those. */
export type StatusSpec = string[];

/** A condition on a number: any of the bounds given must hold. */
export interface Bound {
  max?: number;
  min?: number;
}

export interface HttpGate extends GatePolicy {
  type: 'http';
  urls: string[];
  /** Accepted statuses (default `2xx`). */
  status: StatusSpec;
  /** A JSON field of the body (dotted path) and the value it must equal. */
  json?: { path: string; equals: Json };
  /** Each request must answer within this (default none). */
  maxLatencyMs?: number;
  timeoutMs: number;
}

/** A sample selector over Prometheus text: a metric name and label matchers. */
export interface Selector {
  name: string;
  /** `label="v"`, `label!="v"`, `label=~"re"`, `label!~"re"`. */
  matchers: { label: string; op: '=' | '!=' | '=~' | '!~'; value: string }[];
  /** The selector as written, for messages. */
  text: string;
}

export interface MetricsGate extends GatePolicy {
  type: 'metrics';
  /** Prometheus text endpoints; counters are summed across them. */
  urls: string[];
  /** Share of the numerator counter's increase in the denominator's over the window (e.g. 5xx share). */
  ratio?: { numerator: Selector; denominator: Selector; max: number };
  /** A histogram's quantile over the window against the baseline measured before the first step. */
  latency?: { histogram: Selector; quantile: number; maxIncreasePct: number; minRequests: number };
  timeoutMs: number;
}

export interface PrometheusGate extends GatePolicy {
  type: 'prometheus';
  /** The server's base URL (http://host:9090). */
  url: string;
  query: string;
  bound: Bound;
  timeoutMs: number;
}

export interface CommandGate extends GatePolicy {
  type: 'command';
  /** Run through the shell, in the project root. */
  run: string;
  timeoutMs: number;
}

export interface ConfigReadsGate extends GatePolicy {
  type: 'config-reads';
  /** The service's /metrics endpoints (cfgmig_config_reads_total of cfgmig/client). */
  urls: string[];
  /** Over the window: at most this many store read errors (new/error), mismatches (new/mismatch). */
  maxStoreErrors: number;
  maxMismatches: number;
  /** At least this many reads served by the store (new/ok), else no data. */
  minStoreReads: number;
  timeoutMs: number;
}

export type GateSpec = HttpGate | MetricsGate | PrometheusGate | CommandGate | ConfigReadsGate;
export type GateType = GateSpec['type'];

export type Verdict = 'pass' | 'fail' | 'no-data';

/** One measurement of one gate: its verdict, the figure judged, why, and the raw inputs. */
export interface Measurement {
  gate: string;
  type: GateType;
  verdict: Verdict;
  /** The figure judged (a ratio, a latency in ms, an exit code …), when there is one. */
  value: number | null;
  /** One line: what was measured against what, e.g. `5xx share 0.042 > max 0.01`. Never a secret. */
  reason: string;
  /** What the judgement was made from (counter deltas, status codes, query result …). */
  inputs: Json;
  at: string;
}

/** What a step's canary needs to know of the run to measure (and what command gates get in their env). */
export interface GateContext {
  service: string;
  environment: string;
  /** 1-based step number, 0 while measuring the baseline. */
  step: number;
  percentBp: number;
  projectRoot: string;
}
