/**
 * The client's Prometheus metrics (prom-client), in a registry of its own so two clients in
 * one process do not collide and a service can merge it into its registry:
 *
 * - `cfgmig_config_reads_total{service, source, outcome}`: reads served (new/ok, legacy/ok,
 *   legacy/fallback, legacy/error) and events beside them (new/error: a store read failed;
 *   new/mismatch: legacy_with_validation found the store value different);
 * - `cfgmig_config_read_duration_seconds{service}`: read latency, from one read in 64;
 * - `cfgmig_config_flags_version`, `cfgmig_config_version`: the publication in use;
 * - `cfgmig_config_degraded`: 1 while serving last known values because a source is down.
 *
 * Reads bump plain numbers; prom-client's counters are brought up to date when scraped, so
 * a read costs an array increment rather than a label lookup.
 */
import { Counter as PromCounter, Gauge, Histogram, Registry } from 'prom-client';

export const Counter = {
  newOk: 0,
  legacyOk: 1,
  legacyFallback: 2,
  legacyError: 3,
  newError: 4,
  newMismatch: 5,
} as const;
export type Counter = (typeof Counter)[keyof typeof Counter];

const LABELS: Record<Counter, { source: 'new' | 'legacy'; outcome: string }> = {
  0: { source: 'new', outcome: 'ok' },
  1: { source: 'legacy', outcome: 'ok' },
  2: { source: 'legacy', outcome: 'fallback' },
  3: { source: 'legacy', outcome: 'error' },
  4: { source: 'new', outcome: 'error' },
  5: { source: 'new', outcome: 'mismatch' },
};

/** One read in SAMPLE_EVERY is timed: the clock costs as much as the read it measures. */
export const SAMPLE_EVERY = 64;

export interface MetricsState {
  flagsVersion(): number;
  version(): number;
  degraded(): boolean;
}

export class ClientMetrics {
  readonly registry = new Registry();
  readonly counts = new Float64Array(6);
  private readonly reported = new Float64Array(6);
  readonly duration: Histogram<'service'>;

  constructor(service: string, state: MetricsState) {
    const counts = this.counts;
    const reported = this.reported;
    new PromCounter({
      name: 'cfgmig_config_reads_total',
      help: 'Configuration reads by source (new: the store, legacy: the environment) and outcome',
      labelNames: ['service', 'source', 'outcome'] as const,
      registers: [this.registry],
      collect() {
        for (let i = 0; i < counts.length; i++) {
          const labels = { service, ...LABELS[i as Counter] };
          const delta = counts[i]! - reported[i]!;
          // inc(0) still creates the series: every outcome shows, at 0, from the first scrape.
          this.inc(labels, delta);
          reported[i] = counts[i]!;
        }
      },
    });
    this.duration = new Histogram({
      name: 'cfgmig_config_read_duration_seconds',
      help: `Configuration read latency (one read in ${SAMPLE_EVERY} is timed)`,
      labelNames: ['service'] as const,
      buckets: [1e-7, 1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 0.1],
      registers: [this.registry],
    });
    this.duration.zero({ service }); // the series exists from the first scrape, before a timed read
    const gauge = (name: string, help: string, value: () => number): void => {
      new Gauge({
        name,
        help,
        labelNames: ['service'] as const,
        registers: [this.registry],
        collect() {
          this.set({ service }, value());
        },
      });
    };
    gauge('cfgmig_config_flags_version', 'Flag version of the publication in use', state.flagsVersion);
    gauge('cfgmig_config_version', 'Configuration version of the publication in use', state.version);
    gauge('cfgmig_config_degraded', '1 while serving last known values because a source is down', () =>
      state.degraded() ? 1 : 0,
    );
  }

  /** Reads so far, by `source/outcome`. */
  totals(): Record<string, number> {
    const out: Record<string, number> = {};
    this.counts.forEach((n, i) => {
      const l = LABELS[i as Counter];
      out[`${l.source}/${l.outcome}`] = n;
    });
    return out;
  }
}
