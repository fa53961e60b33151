/**
 * The I/O half of the health gates: requests, scrapes, PromQL queries and commands, handed to
 * core/canary/judge.ts for the verdict. A probe never throws from startWindow() or measure():
 * an unreachable target becomes a failed or no-data measurement (judge.ts says which).
 * Nothing a target answers is printed or kept beyond the figures judged.
 */
import { execa } from 'execa';
import type { GateContext, GateSpec, Measurement, MetricsGate } from '../../core/canary/gate-model.js';
import {
  checkJsonBody,
  judgeCommand,
  judgeConfigReads,
  judgeHttp,
  judgeMetrics,
  judgePrometheus,
  latencyBaseline,
  type CommandResult,
  type HttpResult,
  type LatencyBaseline,
  type PromQueryOutcome,
  type RequestError,
  type ScrapePair,
} from '../../core/canary/judge.js';
import { bucketTotals, parsePromText, type Bucket, type Sample } from '../../core/canary/prom-text.js';
import type { Json } from '../../core/store/canonical.js';

export interface GateProbe {
  readonly spec: GateSpec;
  /** Before the first step: measures what later measurements are judged against (metrics latency), returns it to persist, or null. */
  baseline(ctx: GateContext): Promise<Json | null>;
  /** A resumed run: the baseline persisted earlier. */
  restoreBaseline(b: Json | null): void;
  /** At the start of each step's bake: the window's starting point (a scrape of counters); never throws. */
  startWindow(ctx: GateContext): Promise<void>;
  /** One measurement over the window since the previous one (or startWindow). Never throws: unreachable targets become fail/no-data measurements. */
  measure(ctx: GateContext): Promise<Measurement>;
}

const now = (): string => new Date().toISOString();

/** Why a fetch got no answer, as a short word (never the error's message, which may echo a URL with credentials). */
export function requestError(err: unknown): RequestError {
  const e = err as { name?: string; cause?: { code?: string; name?: string } } | null;
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError' || e?.cause?.name === 'TimeoutError')
    return 'timeout';
  const code = e?.cause?.code ?? '';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'UND_ERR_SOCKET') return 'reset';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT' || code === 'ETIMEDOUT')
    return 'timeout';
  return 'network';
}

/** GET with a deadline covering the whole body. */
async function get(
  url: string,
  timeoutMs: number,
  accept?: string,
): Promise<{ status: number; body: string }> {
  const res = await fetch(url, {
    signal: AbortSignal.timeout(timeoutMs),
    headers: accept ? { accept } : {},
    redirect: 'follow',
  });
  const body = await res.text();
  return { status: res.status, body };
}

async function httpOnce(spec: Extract<GateSpec, { type: 'http' }>, url: string): Promise<HttpResult> {
  const started = performance.now();
  try {
    const { status, body } = await get(url, spec.timeoutMs);
    const r: HttpResult = { url, status, latencyMs: performance.now() - started };
    if (spec.json) r.json = checkJsonBody(body, spec.json);
    return r;
  } catch (err) {
    return { url, error: requestError(err), latencyMs: performance.now() - started };
  }
}

type Scrape = { samples: Sample[] } | { error: string };

/** One scrape of a Prometheus text endpoint; a failure is a short reason. */
export async function scrape(url: string, timeoutMs: number): Promise<Scrape> {
  try {
    const { status, body } = await get(url, timeoutMs, 'text/plain;version=0.0.4;q=1,*/*;q=0.1');
    if (status < 200 || status > 299) return { error: `HTTP ${status}` };
    const parsed = parsePromText(body);
    if (parsed.samples.length === 0 && parsed.errors.length > 0)
      return { error: `not Prometheus text (line ${parsed.errors[0]!.line}: ${parsed.errors[0]!.message})` };
    return { samples: parsed.samples };
  } catch (err) {
    return { error: requestError(err) };
  }
}

/** Counters of a list of endpoints, window by window: metrics and config-reads gates. */
class ScrapeWindows {
  private previous: (readonly Sample[] | null)[];
  constructor(
    private readonly urls: readonly string[],
    private readonly timeoutMs: number,
  ) {
    this.previous = urls.map(() => null);
  }

  async scrapeAll(): Promise<Scrape[]> {
    return Promise.all(this.urls.map((u) => scrape(u, this.timeoutMs)));
  }

  async start(): Promise<void> {
    const scrapes = await this.scrapeAll();
    this.previous = scrapes.map((s) => ('samples' in s ? s.samples : null));
  }

  /**
   * The pairs (window start, now) per URL; afterwards now is the next window's start. A URL
   * whose scrape failed keeps its older start, so its next pair spans both windows.
   */
  async next(): Promise<ScrapePair[]> {
    const scrapes = await this.scrapeAll();
    const pairs = this.urls.map((url, i): ScrapePair => {
      const s = scrapes[i]!;
      return 'samples' in s
        ? { url, previous: this.previous[i]!, current: s.samples }
        : { url, previous: this.previous[i]!, current: null, error: s.error };
    });
    scrapes.forEach((s, i) => {
      if ('samples' in s) this.previous[i] = s.samples;
    });
    return pairs;
  }
}

function isBaseline(b: unknown): b is { latency: LatencyBaseline | null } {
  if (typeof b !== 'object' || b === null || !('latency' in b)) return false;
  const l = (b as { latency: unknown }).latency;
  if (l === null) return true;
  const o = l as Record<string, unknown>;
  return (
    typeof o === 'object' &&
    typeof o.value === 'number' &&
    typeof o.quantile === 'number' &&
    typeof o.requests === 'number'
  );
}

function metricsProbe(spec: MetricsGate): GateProbe {
  const windows = new ScrapeWindows(spec.urls, spec.timeoutMs);
  let baseline: LatencyBaseline | null = null;
  return {
    spec,
    async baseline() {
      if (!spec.latency) return null;
      const scrapes = await windows.scrapeAll();
      const buckets = new Map<number, number>();
      for (const s of scrapes)
        if ('samples' in s)
          for (const b of bucketTotals(s.samples, spec.latency.histogram))
            buckets.set(b.le, (buckets.get(b.le) ?? 0) + b.count);
      const summed: Bucket[] = [...buckets].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
      baseline = latencyBaseline(spec.latency, summed);
      return { latency: baseline === null ? null : { ...baseline } };
    },
    restoreBaseline(b) {
      baseline = isBaseline(b) ? b.latency : null;
    },
    startWindow: () => windows.start(),
    async measure() {
      return judgeMetrics(spec, await windows.next(), baseline, now());
    },
  };
}

/** Percent from basis points as decimal text: 500 → "5", 50 → "0.5", 1 → "0.01". */
export function percentText(bp: number): string {
  return String(bp / 100);
}

async function runCommand(
  spec: Extract<GateSpec, { type: 'command' }>,
  ctx: GateContext,
  env: Record<string, string | undefined>,
): Promise<CommandResult> {
  const started = performance.now();
  try {
    const sub = execa(spec.run, {
      shell: true,
      cwd: ctx.projectRoot,
      timeout: spec.timeoutMs,
      reject: false,
      // The environment given is the command's whole environment (not merged into ours).
      extendEnv: false,
      env: {
        ...env,
        CFGMIG_SERVICE: ctx.service,
        CFGMIG_ENVIRONMENT: ctx.environment,
        CFGMIG_STEP: String(ctx.step),
        CFGMIG_PERCENT: percentText(ctx.percentBp),
      },
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'ignore',
      // Its own process group, so a timeout can end the shell's children too.
      detached: true,
    });
    const r = await sub;
    if (r.timedOut && sub.pid !== undefined) {
      try {
        process.kill(-sub.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    const failedToStart = r.failed && !r.timedOut && r.exitCode === undefined && !r.signal;
    return {
      exitCode: r.exitCode ?? null,
      signal: r.signal ?? null,
      timedOut: r.timedOut,
      ...(failedToStart ? { failedToStart: true } : {}),
      durationMs: performance.now() - started,
    };
  } catch {
    return { exitCode: null, timedOut: false, failedToStart: true, durationMs: performance.now() - started };
  }
}

async function queryPrometheus(spec: Extract<GateSpec, { type: 'prometheus' }>): Promise<PromQueryOutcome> {
  const url = `${spec.url.replace(/\/+$/, '')}/api/v1/query?query=${encodeURIComponent(spec.query)}`;
  let res: { status: number; body: string };
  try {
    res = await get(url, spec.timeoutMs, 'application/json');
  } catch (err) {
    return { kind: 'unavailable', why: requestError(err) };
  }
  try {
    return { kind: 'response', httpStatus: res.status, body: JSON.parse(res.body) as unknown };
  } catch {
    return { kind: 'unavailable', why: `HTTP ${res.status}, not JSON`, httpStatus: res.status };
  }
}

const noBaseline = {
  async baseline(): Promise<Json | null> {
    return null;
  },
  restoreBaseline(): void {},
  async startWindow(): Promise<void> {},
};

/**
 * The probe for one gate. `env` is the whole environment a command gate's command runs with
 * (CFGMIG_SERVICE, CFGMIG_ENVIRONMENT, CFGMIG_STEP, CFGMIG_PERCENT added); pass process.env
 * for the runner's own.
 */
export function makeProbe(spec: GateSpec, env: Record<string, string | undefined>): GateProbe {
  const probe = rawProbe(spec, env);
  // A bug in a probe must not end the canary: it becomes a failed measurement.
  return {
    spec,
    baseline: (ctx) => probe.baseline(ctx),
    restoreBaseline: (b) => probe.restoreBaseline(b),
    startWindow: (ctx) => probe.startWindow(ctx).catch(() => undefined),
    measure: (ctx) =>
      probe.measure(ctx).catch((err: unknown): Measurement => ({
        gate: spec.name,
        type: spec.type,
        verdict: 'fail',
        value: null,
        reason: `the probe failed: ${err instanceof Error ? err.name : 'error'}`,
        inputs: { probeError: err instanceof Error ? err.name : 'error' },
        at: now(),
      })),
  };
}

function rawProbe(spec: GateSpec, env: Record<string, string | undefined>): GateProbe {
  switch (spec.type) {
    case 'http':
      return {
        spec,
        ...noBaseline,
        async measure() {
          const results = await Promise.all(spec.urls.map((u) => httpOnce(spec, u)));
          return judgeHttp(spec, results, now());
        },
      };
    case 'metrics':
      return metricsProbe(spec);
    case 'config-reads': {
      const windows = new ScrapeWindows(spec.urls, spec.timeoutMs);
      return {
        spec,
        ...noBaseline,
        startWindow: () => windows.start(),
        async measure() {
          return judgeConfigReads(spec, await windows.next(), now());
        },
      };
    }
    case 'prometheus':
      return {
        spec,
        ...noBaseline,
        async measure() {
          return judgePrometheus(spec, await queryPrometheus(spec), now());
        },
      };
    case 'command':
      return {
        spec,
        ...noBaseline,
        async measure(ctx) {
          return judgeCommand(spec, await runCommand(spec, ctx, env), now());
        },
      };
  }
}
