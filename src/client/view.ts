/**
 * One publication as the client reads it: for each key, which source the flags send a read to
 * and what that read returns, worked out once per key and publication so that a read from
 * memory is a map lookup and a counter increment (bench/propagation measures it).
 *
 * The modes, as the specification's MigrationCompatibleConfig has them:
 * - legacy_only: the legacy value.
 * - legacy_with_validation: the legacy value; the store value is read too and a difference
 *   counted as a mismatch (a failed store read as an error).
 * - new_with_fallback: the store value for reads whose bucket is below the percentage, else
 *   legacy; a store read that fails, or a key the store does not hold, falls back to legacy.
 * - new_only: the store value; a store read that fails unexpectedly still falls back to legacy,
 *   but a credential this service cannot decrypt (no master key) is an error: falling back
 *   would hide a deployment that cannot work once legacy sources are gone.
 */
import { bucketOf, onStore } from '../core/flags/bucket.js';
import type { Publication, PublishedFlag } from '../core/publish/publication.js';
import { canonicalJson, type Json } from '../core/store/canonical.js';
import { asCredentialRef } from '../core/store/credential-ref.js';
import { flagFor, FULL_BP } from '../core/store/lifecycle.js';
import type { CredentialReader } from './credentials.js';
import { MissingKeyError } from './errors.js';
import { legacyValue, type LegacyEnv } from './legacy.js';
import { Counter } from './metrics.js';

/** What one read returns and how it is counted. */
export interface Outcome {
  value: Json | undefined;
  /** The read as served: new/ok, legacy/ok, legacy/fallback or legacy/error; null: no source knows the key. */
  served: Counter | null;
  /** An event beside it: a store error, or a mismatch found while validating. */
  extra: Counter | null;
  /** Thrown instead of returning (new_only, a credential without the master key). */
  error?: Error;
  /** The value is (or holds) a credential: changes are announced without it. */
  credential: boolean;
  /** The key is a section: read it key by key (each under its own flag). */
  section?: true;
}

const UNKNOWN: Outcome = { value: undefined, served: null, extra: null, credential: false };
const SECTION: Outcome = { value: undefined, served: null, extra: null, credential: false, section: true };

interface Route {
  flag: PublishedFlag;
  /** `stickiness: 'instance'`: the one outcome of every read. */
  fixed?: Outcome;
  /** `stickiness: 'read'`, new_with_fallback: both sides, one drawn per read. */
  store?: Outcome;
  legacy?: Outcome;
}

export interface ViewOptions {
  service: string;
  legacy: LegacyEnv;
  stickiness: 'instance' | 'read';
  instanceId: string;
  credentials: CredentialReader;
}

const LEGACY_ONLY: PublishedFlag = { key: '*', mode: 'legacy_only', percentBp: 0 };

type StoreRead = { ok: true; value: Json | undefined; credential: boolean } | { ok: false; error: Error };

export class View {
  /** Every node of the configuration (leaves and sections) by dotted path. */
  private readonly nodes = new Map<string, Json>();
  private readonly routes = new Map<string, Route>();
  private keyList: string[] | null = null;
  private sections: Set<string> | null = null;
  private readonly under = new Map<string, string[]>();

  constructor(
    readonly publication: Publication | null,
    private readonly opts: ViewOptions,
  ) {
    if (publication) index(publication.config, '', this.nodes);
  }

  /** The keys this view knows: the store's leaves and every key with a legacy source. */
  keys(): string[] {
    if (this.keyList === null) {
      const out = new Set(Object.keys(this.publication?.legacy ?? {}));
      for (const [k, v] of this.nodes) if (!isSection(v)) out.add(k);
      this.keyList = [...out].sort();
    }
    return this.keyList;
  }

  /** The keys under a section, sorted. */
  keysUnder(prefix: string): string[] {
    let list = this.under.get(prefix);
    if (list === undefined) {
      list = this.keys().filter((k) => k.startsWith(`${prefix}.`));
      this.under.set(prefix, list);
    }
    return list;
  }

  private isSection(key: string): boolean {
    if (this.sections === null) {
      this.sections = new Set();
      for (const k of this.keys())
        for (let i = k.indexOf('.'); i > 0; i = k.indexOf('.', i + 1)) this.sections.add(k.slice(0, i));
    }
    return this.sections.has(key);
  }

  flag(key: string): PublishedFlag {
    return (this.publication && flagFor(this.publication.flags, key)) || LEGACY_ONLY;
  }

  /** The outcome of one read of `key`. */
  read(key: string): Outcome {
    let route = this.routes.get(key);
    if (route === undefined) {
      route = this.route(key);
      this.routes.set(key, route);
    }
    if (route.fixed) return route.fixed;
    return Math.random() * FULL_BP < route.flag.percentBp ? route.store! : route.legacy!;
  }

  /** The value a read would settle on, for change announcements (no counters, no draw). */
  settled(key: string): Outcome {
    let route = this.routes.get(key);
    if (route === undefined) {
      route = this.route(key);
      this.routes.set(key, route);
    }
    return route.fixed ?? (route.flag.percentBp > 0 ? route.store! : route.legacy!);
  }

  private route(key: string): Route {
    const flag = this.flag(key);
    if (this.isSection(key)) return { flag, fixed: SECTION };
    if (!this.nodes.has(key) && this.publication?.legacy[key] === undefined) return { flag, fixed: UNKNOWN };
    switch (flag.mode) {
      case 'legacy_only':
        return { flag, fixed: this.fromLegacy(key, Counter.legacyOk) };
      case 'legacy_with_validation':
        return { flag, fixed: this.validated(key) };
      case 'new_only':
        return { flag, fixed: this.fromStore(key, true) };
      case 'new_with_fallback':
        if (this.opts.stickiness === 'read')
          return { flag, store: this.fromStore(key, false), legacy: this.fromLegacy(key, Counter.legacyOk) };
        return {
          flag,
          fixed: onStore(bucketOf(this.opts.service, key, this.opts.instanceId), flag.percentBp)
            ? this.fromStore(key, false)
            : this.fromLegacy(key, Counter.legacyOk),
        };
    }
  }

  private fromLegacy(key: string, served: Counter, extra: Counter | null = null): Outcome {
    const source = this.publication?.legacy[key];
    const r = legacyValue(source, this.opts.legacy);
    const credential = source?.credential === true;
    return r.ok
      ? { value: r.value, served, extra, credential }
      : { value: undefined, served: Counter.legacyError, extra, credential };
  }

  private fromStore(key: string, only: boolean): Outcome {
    const r = this.storeRead(key);
    if (r.ok && r.value !== undefined)
      return { value: r.value, served: Counter.newOk, extra: null, credential: r.credential };
    if (r.ok && only) return { value: undefined, served: Counter.newOk, extra: null, credential: false };
    if (r.ok) return this.fromLegacy(key, Counter.legacyFallback);
    if (only && r.error instanceof MissingKeyError)
      return { value: undefined, served: Counter.newError, extra: null, error: r.error, credential: true };
    return this.fromLegacy(key, Counter.legacyFallback, Counter.newError);
  }

  private validated(key: string): Outcome {
    const legacy = this.fromLegacy(key, Counter.legacyOk);
    const store = this.storeRead(key);
    if (!store.ok) {
      // Without the master key a credential cannot be compared: that is no store failure.
      return store.error instanceof MissingKeyError ? legacy : { ...legacy, extra: Counter.newError };
    }
    const same = canonical(store.value) === canonical(legacy.value);
    return same ? legacy : { ...legacy, extra: Counter.newMismatch };
  }

  private storeRead(key: string): StoreRead {
    const node = this.nodes.get(key);
    if (node === undefined) return { ok: true, value: undefined, credential: false };
    try {
      const found = { credential: false };
      const value = this.resolveCredentials(node, found);
      return { ok: true, value, credential: found.credential };
    } catch (err) {
      return { ok: false, error: err instanceof Error ? err : new Error(String(err)) };
    }
  }

  /** The node with each credential reference replaced by its value (decrypted here). */
  private resolveCredentials(node: Json, found: { credential: boolean }): Json {
    const ref = asCredentialRef(node);
    if (ref) {
      found.credential = true;
      return this.opts.credentials.read(this.publication!, ref);
    }
    if (!isSection(node)) return node;
    const out: { [k: string]: Json } = {};
    for (const [k, v] of Object.entries(node)) out[k] = this.resolveCredentials(v, found);
    return out;
  }
}

function isSection(v: Json): v is { [k: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && asCredentialRef(v) === null;
}

function index(node: Json, path: string, out: Map<string, Json>): void {
  if (path !== '') out.set(path, node);
  if (!isSection(node)) return;
  for (const [k, v] of Object.entries(node)) index(v, path === '' ? k : `${path}.${k}`, out);
}

const canonical = (v: Json | undefined): string => (v === undefined ? 'undefined' : canonicalJson(v));
