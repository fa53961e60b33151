/**
 * Reads what is published for a service and environment (core/publish/publication.ts) out of
 * the store: the effective configuration, its flags, the legacy maps of the environments it
 * inherits, and the encrypted form of every credential it refers to. Nothing is decrypted
 * here, so publishing never needs the master key and never logs a credential access.
 */
import { leaves } from '../../core/store/diff.js';
import type { Json } from '../../core/store/canonical.js';
import { deepMerge, effectiveChain } from '../../core/store/merge.js';
import { refId, type CredentialRef } from '../../core/store/credential-ref.js';
import {
  makePublication,
  mergeLegacyMaps,
  type LegacyMap,
  type Publication,
  type PublishedCredential,
} from '../../core/publish/publication.js';
import { readVersion, type ConfigVersion } from './configs.js';
import type { SealedRow } from './credentials.js';
import type { Queryable } from './db.js';
import { listEnvironments } from './environments.js';
import { listFlags } from './flags.js';
import { currentLegacyMap } from './migration-records.js';

export async function readPublication(
  db: Queryable,
  service: string,
  environment: string,
): Promise<Publication> {
  const environments = await listEnvironments(db);
  // A flag can be set before any apply has defined the environment: then it stands alone.
  const chain = environments.some((e) => e.name === environment)
    ? effectiveChain(environments, environment)
    : [environment];
  let config: Json = {};
  let own: ConfigVersion | null = null;
  const legacy: LegacyMap[] = [];
  for (const level of chain) {
    const v = await readVersion(db, service, level);
    if (v) config = deepMerge(config, v.data);
    if (level === environment) own = v;
    legacy.push((await currentLegacyMap(db, service, level)) as LegacyMap);
  }
  const flags = await listFlags(db, { service, environment });
  const refs = [...leaves(config).values()].flatMap((l) => (l.ref ? [l.ref] : []));
  return makePublication({
    service,
    environment,
    version: own?.version ?? 0,
    checksum: own?.checksum ?? null,
    flagsVersion: flags.reduce((max, f) => Math.max(max, f.revision), 0),
    flags: flags.map((f) => ({ key: f.key, mode: f.mode, percentBp: f.percentBp })),
    config,
    credentials: await sealedCredentials(db, service, refs),
    legacy: mergeLegacyMaps(legacy),
  });
}

async function sealedCredentials(
  db: Queryable,
  service: string,
  refs: CredentialRef[],
): Promise<Record<string, PublishedCredential>> {
  if (refs.length === 0) return {};
  const rows = await db.query<SealedRow & { environment: string }>(
    `SELECT c.environment, c.key, c.version, c.ciphertext, c.iv, c.tag, c.wrapped_key, c.key_id
       FROM credentials c
       JOIN unnest($2::text[], $3::text[], $4::int[]) AS r(environment, key, version)
         ON c.environment = r.environment AND c.key = r.key AND c.version = r.version
      WHERE c.service = $1`,
    [service, refs.map((r) => r.environment), refs.map((r) => r.key), refs.map((r) => r.version)],
  );
  const b64 = (b: Buffer): string => Buffer.from(b).toString('base64');
  const out: Record<string, PublishedCredential> = {};
  // Sorted, so the same credentials always serialise (and hash) the same way.
  for (const r of rows.sort((a, b) => (refId(a) < refId(b) ? -1 : 1))) {
    out[refId(r)] = {
      ciphertext: b64(r.ciphertext),
      iv: b64(r.iv),
      tag: b64(r.tag),
      wrappedKey: b64(r.wrapped_key),
      keyId: r.key_id,
    };
  }
  return out;
}

/** Every service and environment the store knows: with a configuration version or a flag. */
export async function publicationTargets(
  db: Queryable,
  filter: { service?: string; environment?: string },
): Promise<{ service: string; environment: string }[]> {
  return db.query<{ service: string; environment: string }>(
    `SELECT service, environment FROM service_configurations
      WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
     UNION
     SELECT service, environment FROM migration_flags
      WHERE ($1::text IS NULL OR service = $1) AND ($2::text IS NULL OR environment = $2)
     ORDER BY service, environment`,
    [filter.service ?? null, filter.environment ?? null],
  );
}
