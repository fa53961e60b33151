/**
 * The publication: what a running service needs to follow its migration, as one document per
 * service and environment (docs/protocol.md is its public description). The CLI writes it to
 * Redis and to `.cfgmig/published/<env>/<service>.json`; cfgmig/client and services in other
 * languages read it.
 *
 * It holds the effective configuration (inherited levels merged), the flags, how to read each
 * key's legacy value, and credentials only in their encrypted form: a service that was given
 * the master key decrypts them itself, any other reader learns nothing.
 *
 * Pure: the store adapter gathers the parts; this shapes them, fingerprints them (the `etag`
 * tells a reader whether anything changed) and orders two of them.
 */
import { createHash } from 'node:crypto';
import type { PlanChange } from '../plan/plan-doc.js';
import type { UrlPart, ValueType } from '../plan/rule-model.js';
import { canonicalJson, type Json } from '../store/canonical.js';
import type { FlagMode } from '../store/lifecycle.js';

export const PUBLICATION_FORMAT_VERSION = 1 as const;

/** How to read one key's legacy value, as the plan that moved it read it. */
export interface LegacySource {
  /** The environment variable the service read (absent: the value was not in an env var). */
  from?: string;
  /** The conversion of its text (integer, duration in ms …); absent: the text as it is. */
  type?: ValueType;
  /** A connection URL's part (`split: url`). */
  part?: UrlPart;
  /** Used when the variable is not set: the rule's default. */
  default?: Json;
  /** Config-file and hardcoded settings: the value the legacy source held when planned. */
  value?: Json;
  /** The key is a credential (never a value here). */
  credential?: true;
}

export type LegacyMap = Record<string, LegacySource>;

/** A credential version's encrypted form (core/crypto/envelope.ts Sealed, base64). */
export interface PublishedCredential {
  ciphertext: string;
  iv: string;
  tag: string;
  wrappedKey: string;
  keyId: string;
}

export interface PublishedFlag {
  /** `*` for the service, or a configuration key (it overrides `*`). */
  key: string;
  mode: FlagMode;
  /** Share of reads on the store, in basis points (10000 = 100%). */
  percentBp: number;
}

export interface Publication {
  formatVersion: typeof PUBLICATION_FORMAT_VERSION;
  service: string;
  environment: string;
  /** The service's configuration version in this environment (0: none yet). */
  version: number;
  checksum: string | null;
  /** Grows with every flag change of this service and environment (0: never set). */
  flagsVersion: number;
  flags: PublishedFlag[];
  /** Effective configuration; a credential is `{"$credential": {environment, key, version}}`. */
  config: Json;
  /** Encrypted credentials, by `JSON.stringify([environment, key, version])` of their reference. */
  credentials: Record<string, PublishedCredential>;
  legacy: LegacyMap;
  /** sha256 over everything above: equal etags, equal publications. */
  etag: string;
}

export type PublicationParts = Omit<Publication, 'formatVersion' | 'etag'>;

export function makePublication(parts: PublicationParts): Publication {
  const body = { formatVersion: PUBLICATION_FORMAT_VERSION, ...parts };
  const etag = createHash('sha256')
    .update(canonicalJson(body as unknown as Json))
    .digest('hex');
  return { ...body, etag };
}

/**
 * Whether `next` should replace `current` in a reader. Versions and flag versions only grow,
 * so a publication that is behind on either is an old one arriving late (a slow source, a
 * reconciliation racing a message) and is ignored; otherwise a different etag is news.
 */
export function supersedes(next: Publication, current: Publication | null): boolean {
  if (current === null) return true;
  if (next.version < current.version || next.flagsVersion < current.flagsVersion) return false;
  return next.etag !== current.etag;
}

/** Environment variables as the services read them (compose and `.env` files end up in env). */
const ENV_KINDS = new Set(['env-file', 'compose']);

/**
 * The legacy side of a plan: for each key it writes, where the service read it before. Keys
 * the plan removes have no legacy source any more and are left out.
 */
export function legacyMapOf(changes: readonly PlanChange[]): LegacyMap {
  const map: LegacyMap = {};
  for (const c of changes) {
    if (c.op === 'remove' || !c.source) continue;
    const credential = c.kind === 'credential';
    if (ENV_KINDS.has(c.source.kind)) {
      map[c.key] = {
        from: c.source.name,
        ...(c.type ? { type: c.type } : {}),
        ...(c.part ? { part: c.part as UrlPart } : {}),
        ...(c.defaulted && !credential ? { default: c.value ?? null } : {}),
        ...(credential ? { credential: true as const } : {}),
      };
    } else {
      map[c.key] = credential ? { credential: true } : { value: c.value ?? null };
    }
  }
  return map;
}

/** Legacy maps of the environments a configuration inherits from, farthest first: nearer wins. */
export function mergeLegacyMaps(maps: readonly LegacyMap[]): LegacyMap {
  return Object.assign({}, ...maps) as LegacyMap;
}
