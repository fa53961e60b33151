/**
 * How a publication is laid out in Redis (docs/protocol.md), shared by the CLI that writes it
 * and cfgmig/client that reads it. Pure: names and encodings, no connection.
 *
 * - a hash per service and environment, `<prefix>publication:<environment>:<service>`, one
 *   field per top-level member of the publication (objects as JSON text);
 * - a set `<prefix>publications` of `<environment>:<service>`, to list them without SCAN;
 * - one pub/sub channel, `<prefix>changes`, carrying a short message after every change; a
 *   reader fetches the hash (the message is a wake-up, the hash the truth).
 */
import type { Publication } from './publication.js';
import { PUBLICATION_FORMAT_VERSION } from './publication.js';

export const DEFAULT_REDIS_PREFIX = 'cfgmig:';

export const publicationKey = (prefix: string, service: string, environment: string): string =>
  `${prefix}publication:${environment}:${service}`;
export const indexKey = (prefix: string): string => `${prefix}publications`;
export const changesChannel = (prefix: string): string => `${prefix}changes`;

export interface ChangeMessage {
  formatVersion: typeof PUBLICATION_FORMAT_VERSION;
  service: string;
  environment: string;
  version: number;
  flagsVersion: number;
  etag: string;
}

const JSON_FIELDS = ['flags', 'config', 'credentials', 'legacy'] as const;
const NUMBER_FIELDS = ['formatVersion', 'version', 'flagsVersion'] as const;

export function encodePublication(p: Publication): Record<string, string> {
  return {
    formatVersion: String(p.formatVersion),
    service: p.service,
    environment: p.environment,
    version: String(p.version),
    checksum: p.checksum ?? '',
    flagsVersion: String(p.flagsVersion),
    flags: JSON.stringify(p.flags),
    config: JSON.stringify(p.config),
    credentials: JSON.stringify(p.credentials),
    legacy: JSON.stringify(p.legacy),
    etag: p.etag,
  };
}

/** The publication a hash holds, or null when it is missing, of another format or damaged. */
export function decodePublication(fields: Record<string, string>): Publication | null {
  if (fields.formatVersion !== String(PUBLICATION_FORMAT_VERSION) || !fields.etag) return null;
  try {
    const out: Record<string, unknown> = {
      service: fields.service,
      environment: fields.environment,
      checksum: fields.checksum === '' ? null : fields.checksum,
      etag: fields.etag,
    };
    for (const f of NUMBER_FIELDS) {
      const n = Number(fields[f]);
      if (!Number.isSafeInteger(n)) return null;
      out[f] = n;
    }
    for (const f of JSON_FIELDS) out[f] = JSON.parse(fields[f] ?? '');
    return out as unknown as Publication;
  } catch {
    return null;
  }
}

export function changeMessage(p: Publication): ChangeMessage {
  return {
    formatVersion: PUBLICATION_FORMAT_VERSION,
    service: p.service,
    environment: p.environment,
    version: p.version,
    flagsVersion: p.flagsVersion,
    etag: p.etag,
  };
}

export function parseChangeMessage(text: string): ChangeMessage | null {
  try {
    const m = JSON.parse(text) as Partial<ChangeMessage>;
    return typeof m.service === 'string' && typeof m.environment === 'string' && typeof m.etag === 'string'
      ? (m as ChangeMessage)
      : null;
  } catch {
    return null;
  }
}
