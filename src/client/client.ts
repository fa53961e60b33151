/**
 * MigrationCompatibleConfig: how a TypeScript service honours its migration flags.
 *
 * Reads are served from memory: the publication of the service's configuration and flags
 * (docs/protocol.md), fetched from the first source that has it, in order Redis → PostgreSQL
 * store → snapshot file (the last known good copy). A change arrives by Redis pub/sub or a
 * watch on the snapshot folder and is fetched at once; a periodic reconciliation fetches
 * again in case a message was lost. When every source fails, the client keeps serving what it
 * has and says so in `health()` and the `cfgmig_config_degraded` gauge.
 */
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { decodeMasterKey } from '../adapters/master-key.js';
import { supersedes, type Publication, type PublishedFlag } from '../core/publish/publication.js';
import { DEFAULT_REDIS_PREFIX } from '../core/publish/redis-layout.js';
import { canonicalJson, type Json } from '../core/store/canonical.js';
import { credentialReader } from './credentials.js';
import type { LegacyEnv } from './legacy.js';
import { ClientMetrics, SAMPLE_EVERY } from './metrics.js';
import { redisSource } from './sources/redis-source.js';
import { withTimeout, type Source, type SourceName } from './sources/source.js';
import { snapshotSource } from './sources/snapshot-source.js';
import { storeSource } from './sources/store-source.js';
import { View } from './view.js';

export interface ConnectOptions {
  service: string;
  environment: string;
  /** The cfgmig project: its `.cfgmig/published/` snapshots are the last resort and, with the embedded store, the channel. */
  projectDir?: string;
  /** A postgres:// store URL to read when Redis cannot answer (`embedded` is not read: see projectDir). */
  store?: string;
  /** Redis URL, or URL and key prefix (default prefix `cfgmig:`). */
  redis?: string | { url: string; prefix?: string };
  /** The master key (base64 text or 32 bytes): without it, reading a credential from the store is an error. */
  masterKey?: string | Uint8Array;
  /** The sticky id for bucketing (default: host name and process id). */
  instanceId?: string;
  /** `instance` (default): a key's reads all go one way per instance; `read`: drawn for every read. */
  stickiness?: 'instance' | 'read';
  /** Where legacy values come from (default: process.env). */
  legacy?: LegacyEnv;
  /** How often to fetch again whatever the push channels say (default 5000 ms). */
  reconcileIntervalMs?: number;
  /** How long one source may take to answer before the next is asked (default 2000 ms). */
  sourceTimeoutMs?: number;
}

export interface ConfigChange {
  key: string;
  /** Absent for credentials: call `get` for the value. */
  previous?: Json;
  value?: Json;
  credential: boolean;
  version: number;
  flagsVersion: number;
}

export interface ClientFlags {
  service: string;
  environment: string;
  version: number;
  flagsVersion: number;
  /** The service-wide flag (`legacy_only` when none is published). */
  default: PublishedFlag;
  /** Flags of single keys, which override the default. */
  keys: PublishedFlag[];
}

export interface ClientHealth {
  /** ok: up to date from the first source; degraded: serving last known values; unavailable: nothing published reached us. */
  status: 'ok' | 'degraded' | 'unavailable';
  source: SourceName | null;
  version: number | null;
  flagsVersion: number | null;
  updatedAt: string | null;
  sources: { name: SourceName; ok: boolean; live: boolean; error?: string }[];
}

type Watcher = { pattern: RegExp; fn: (change: ConfigChange) => void };

export class MigrationCompatibleConfig {
  private view: View;
  private readonly metricsRef: ClientMetrics;
  private readonly watchers = new Set<Watcher>();
  private readonly status = new Map<SourceName, { ok: boolean; error?: string }>();
  private servedBy: SourceName | null = null;
  private updatedAt: Date | null = null;
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;
  private again = false;
  private reads = 0;
  private closed = false;

  private constructor(
    readonly service: string,
    readonly environment: string,
    private readonly sources: Source[],
    private readonly makeView: (p: Publication | null) => View,
    private readonly timeoutMs: number,
  ) {
    this.view = makeView(null);
    this.metricsRef = new ClientMetrics(service, {
      flagsVersion: () => this.view.publication?.flagsVersion ?? 0,
      version: () => this.view.publication?.version ?? 0,
      degraded: () => this.healthStatus() !== 'ok',
    });
  }

  static async connect(o: ConnectOptions): Promise<MigrationCompatibleConfig> {
    checkOptions(o);
    const timeoutMs = o.sourceTimeoutMs ?? 2000;
    const sources: Source[] = [];
    if (o.redis) {
      const r = typeof o.redis === 'string' ? { url: o.redis } : o.redis;
      sources.push(
        redisSource({
          url: r.url,
          prefix: r.prefix ?? DEFAULT_REDIS_PREFIX,
          service: o.service,
          environment: o.environment,
          connectTimeoutMs: timeoutMs,
        }),
      );
    }
    if (o.store && /^postgres(ql)?:\/\//.test(o.store))
      sources.push(storeSource(o.store, o.service, o.environment));
    if (o.projectDir) sources.push(snapshotSource(o.projectDir, o.service, o.environment));
    const key =
      o.masterKey === undefined
        ? null
        : typeof o.masterKey === 'string'
          ? decodeMasterKey(o.masterKey, 'masterKey')
          : Buffer.from(o.masterKey);
    const viewOptions = {
      service: o.service,
      legacy: o.legacy ?? process.env,
      stickiness: o.stickiness ?? 'instance',
      instanceId: o.instanceId ?? `${hostname()}:${process.pid}`,
      credentials: credentialReader(key),
    };
    const client = new MigrationCompatibleConfig(
      o.service,
      o.environment,
      sources,
      (p) => new View(p, viewOptions),
      timeoutMs,
    );
    // Listening first: a change published while the first fetch runs is not missed.
    await Promise.all(sources.map((s) => s.listen(() => void client.refresh())));
    await client.refresh();
    client.timer = setInterval(() => void client.refresh(), o.reconcileIntervalMs ?? 5000);
    client.timer.unref();
    return client;
  }

  /** The value of `key` as the flags say to read it; `defaultValue` when neither source has one. */
  get<T = Json>(key: string, defaultValue?: T): Promise<T> {
    try {
      return Promise.resolve(this.getSync(key, defaultValue));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /** `get` without the promise, for hot paths. */
  getSync<T = Json>(key: string, defaultValue?: T): T {
    const timed = ++this.reads % SAMPLE_EVERY === 0;
    const t0 = timed ? performance.now() : 0;
    const o = this.view.read(key);
    if (o.section) return this.sectionSync(key) as T;
    const counts = this.metricsRef.counts;
    if (o.served !== null) counts[o.served]!++;
    if (o.extra !== null) counts[o.extra]!++;
    if (timed) this.metricsRef.duration.observe({ service: this.service }, (performance.now() - t0) / 1000);
    if (o.error) throw o.error;
    return (o.value === undefined ? defaultValue : o.value) as T;
  }

  /** Every key under `prefix`, each read as its flag says, as one object. */
  getSection<T = { [key: string]: Json }>(prefix: string): Promise<T> {
    try {
      return Promise.resolve(this.sectionSync(prefix) as T);
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  getBatch(keys: string[]): Promise<Record<string, Json | undefined>> {
    try {
      return Promise.resolve(Object.fromEntries(keys.map((k) => [k, this.getSync<Json | undefined>(k)])));
    } catch (err) {
      return Promise.reject(err as Error);
    }
  }

  /**
   * Calls `fn` when the value a read of a matching key settles on changes (a new
   * configuration, or a flag sending the key to the other source). `*` matches any run of
   * characters, dots included: `risk.*` is everything under `risk`. Returns the unsubscribe.
   */
  watch(pattern: string, fn: (change: ConfigChange) => void): () => void {
    const re = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
    const w = { pattern: re, fn };
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  /**
   * Every key this client knows with the value a read settles on, credentials left out: for a
   * service's `/config` page. Not counted as reads.
   */
  effective(): Record<string, Json> {
    const out: Record<string, Json> = {};
    for (const key of this.view.keys()) {
      const o = this.view.settled(key);
      if (!o.credential && !o.error && o.value !== undefined) out[key] = o.value;
    }
    return out;
  }

  flags(): ClientFlags {
    const p = this.view.publication;
    return {
      service: this.service,
      environment: this.environment,
      version: p?.version ?? 0,
      flagsVersion: p?.flagsVersion ?? 0,
      default: this.view.flag('*'),
      keys: (p?.flags ?? []).filter((f) => f.key !== '*'),
    };
  }

  async health(): Promise<ClientHealth> {
    const p = this.view.publication;
    return {
      status: this.healthStatus(),
      source: this.servedBy,
      version: p?.version ?? null,
      flagsVersion: p?.flagsVersion ?? null,
      updatedAt: this.updatedAt?.toISOString() ?? null,
      sources: this.sources.map((s) => ({
        name: s.name,
        ok: this.status.get(s.name)?.ok ?? false,
        live: s.live(),
        ...(this.status.get(s.name)?.error ? { error: this.status.get(s.name)!.error } : {}),
      })),
    };
  }

  /** Prometheus text of this client's metrics, for a service's `/metrics`. */
  metrics(): Promise<string> {
    return this.metricsRef.registry.metrics();
  }

  /** The prom-client registry, to merge into a service's own (`Registry.merge`). */
  get registry(): ClientMetrics['registry'] {
    return this.metricsRef.registry;
  }

  /** Reads so far by `source/outcome` (what `cfgmig_config_reads_total` reports). */
  readCounts(): Record<string, number> {
    return this.metricsRef.totals();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.refreshing?.catch(() => undefined);
    await Promise.all(this.sources.map((s) => s.close()));
  }

  /** Fetches again; one refresh at a time, and one more if asked while running. */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.again = true;
      return this.refreshing;
    }
    this.refreshing = (async () => {
      do {
        this.again = false;
        // Never rejects: it runs from timers and events, where a rejection would end the service.
        await this.fetchOnce().catch(() => undefined);
      } while (this.again && !this.closed);
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async fetchOnce(): Promise<void> {
    for (const s of this.sources) {
      if (this.closed) return;
      try {
        const p = await withTimeout(s.name, this.timeoutMs, s.fetch());
        this.status.set(s.name, { ok: true });
        if (p === null) continue;
        this.servedBy = s.name;
        this.updatedAt = new Date();
        if (
          p.service === this.service &&
          p.environment === this.environment &&
          supersedes(p, this.view.publication)
        )
          this.use(p);
        return;
      } catch (err) {
        this.status.set(s.name, { ok: false, error: err instanceof Error ? err.message : String(err) });
      }
    }
  }

  private use(p: Publication): void {
    const before = this.view;
    this.view = this.makeView(p);
    if (this.watchers.size > 0) this.announce(before, this.view);
  }

  private announce(before: View, after: View): void {
    const keys = new Set([...before.keys(), ...after.keys()]);
    const p = after.publication!;
    for (const key of keys) {
      const watchers = [...this.watchers].filter((w) => w.pattern.test(key));
      if (watchers.length === 0) continue;
      const was = before.settled(key);
      const now = after.settled(key);
      if (canonical(was.value) === canonical(now.value)) continue;
      const credential = was.credential || now.credential;
      const change: ConfigChange = {
        key,
        credential,
        version: p.version,
        flagsVersion: p.flagsVersion,
        ...(credential ? {} : { previous: was.value, value: now.value }),
      };
      for (const w of watchers) {
        try {
          w.fn(change);
        } catch {
          // A watcher's failure is its own; the others still hear of the change.
        }
      }
    }
  }

  /** The section's keys, each read under its own flag, nested ({} when none). */
  private sectionSync(prefix: string): { [key: string]: Json } {
    const out: { [key: string]: Json } = {};
    for (const key of this.view.keysUnder(prefix)) {
      const value = this.getSync<Json | undefined>(key);
      if (value === undefined) continue;
      const path = key.slice(prefix.length + 1).split('.');
      let node = out;
      for (const seg of path.slice(0, -1)) {
        const next = node[seg];
        node = (
          next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (node[seg] = {})
        ) as {
          [key: string]: Json;
        };
      }
      node[path[path.length - 1]!] = value;
    }
    return out;
  }

  private healthStatus(): ClientHealth['status'] {
    if (this.view.publication === null) return 'unavailable';
    const first = this.sources[0];
    if (!first || this.servedBy !== first.name || !first.live()) return 'degraded';
    return this.status.get(first.name)?.ok ? 'ok' : 'degraded';
  }
}

function checkOptions(o: ConnectOptions): void {
  const bad = (what: string): never => {
    throw new TypeError(`MigrationCompatibleConfig.connect: ${what}`);
  };
  if (!o.service) bad('`service` is required');
  if (!o.environment) bad('`environment` is required');
  if (o.store !== undefined && o.store !== 'embedded' && !/^postgres(ql)?:\/\//.test(o.store))
    bad('`store` must be a postgres:// URL or `embedded`');
  if (!o.redis && !(o.store && o.store !== 'embedded') && !o.projectDir)
    bad(
      'give at least one of `redis`, `store` (a postgres:// URL) or `projectDir` (the embedded store publishes snapshot files there)',
    );
  if (o.stickiness !== undefined && o.stickiness !== 'instance' && o.stickiness !== 'read')
    bad("`stickiness` must be 'instance' or 'read'");
}

const escapeRegExp = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
const canonical = (v: Json | undefined): string => (v === undefined ? 'undefined' : canonicalJson(v));
