/**
 * Raw entries → the public inventory: classified, credentials redacted, every value
 * fingerprinted. This is the last point a credential's plaintext is held; what leaves here
 * may be printed.
 */
import { classify, redact } from './classify.js';
import { highEntropy, lookAlike } from './secret-exclusions.js';
import { secretValueMatch } from './secret-patterns.js';
import type { Inventory, InventoryEntry, Problem, RawEntry, ServiceInventory } from './types.js';

export type Fingerprinter = (value: string) => string;

export interface ServiceExtraction {
  service: string;
  entries: RawEntry[];
  /** Config files read for this service (they count even when empty). */
  configFiles: string[];
  /** Every file looked at for this service, so its problems can be told apart from others'. */
  files: string[];
}

export function toInventoryEntry(raw: RawEntry, fingerprint: Fingerprinter): InventoryEntry {
  const leak = secretsInName(raw.name);
  const { classification, reasons } = classify({
    name: raw.name,
    value: raw.value,
    kind: raw.kind,
    ...(raw.hints ? { hints: raw.hints } : {}),
    ...(raw.assignedTo !== undefined ? { assignedTo: raw.assignedTo } : {}),
  });
  const base = {
    name: leak ? leak.name : raw.name,
    kind: raw.kind,
    source: raw.source,
    classification: leak ? ('credential' as const) : classification,
  };
  const fp = raw.value === null ? null : fingerprint(raw.value);
  // Hints may quote the name (`fallback for process.env.<name>`): what is redacted there is here too.
  const shown = leak ? [...leak.reasons, ...reasons.map(leak.scrub)] : reasons;
  if (base.classification === 'credential')
    return { ...base, redacted: redact(raw.value), fingerprint: fp, reasons: shown };
  return { ...base, value: raw.value, fingerprint: fp, reasons: shown };
}

/**
 * A name holding a secret: an API key used as a map key (`apiKeys.sk-proj-…`), key material pasted
 * unquoted into an env file (each line a bare name), `user:password` as a key. Each dotted segment
 * is checked like a value (known formats, high entropy with the look-alike exclusions: UUIDs,
 * SHAs…), and the whole name for known formats that span dots (a JWT); what matches is replaced
 * by its redaction. Ordinary names never match: they are short, wordy, or words joined by `_`.
 */
export function secretsInName(
  name: string,
): { name: string; reasons: string[]; scrub: (text: string) => string } | null {
  const found: string[] = [];
  const reasons: string[] = [];
  const note = (why: string, secret: string): string => {
    found.push(secret);
    const reason = `name: contains a secret (${why.replace(/^value: /, '')})`;
    if (!reasons.includes(reason)) reasons.push(reason);
    return `<redacted:${redact(secret)}>`;
  };
  const segments = name.split('.');
  // A known format in a segment is one in the whole name, so one test rules out most names.
  const known = secretValueMatch(name);
  let shown: string;
  if (known && segments.length > 1 && !segments.some((seg) => secretValueMatch(seg)))
    shown = note(known, name); // spans dots (a JWT)
  else
    shown = segments
      .map((seg, i) => {
        const why = secretIn(seg, () => segments.slice(0, i).join('.'), known !== null);
        return why ? note(why, seg) : seg;
      })
      .join('.');
  if (found.length === 0) return null;
  const scrub = (text: string): string =>
    found.reduce((t, secret) => t.split(secret).join(`<redacted:${redact(secret)}>`), text);
  return { name: shown, reasons, scrub };
}

// Words of one case joined by `_` or `-` (SERVICE_2_HOST_PORT_8080, kafka-topic-v2-dlq): an
// identifier, however random its letters look to an entropy measure.
const IDENTIFIER = /^(?:[A-Z0-9]+|[a-z0-9]+)(?:[_-](?:[A-Z0-9]+|[a-z0-9]+))+$/;

// `admin:Hunter2Json`: a user and a password. The password part needs a mix of upper case, lower
// case and digits (or an admin account and a non-letter) so `node:18-alpine`, `aws:SourceIp` and
// `test:unit` stay names.
const USER_PASSWORD = /^([A-Za-z0-9_@+-]{1,64}):([^\s:/]{4,256})$/;
const ACCOUNT = /^(?:admin|administrator|root|sa|postgres)$/i;

/** Why a name or a segment of one is a secret; `context`: the name it is part of (for look-alikes). */
function secretIn(piece: string, context: () => string, maybeKnown: boolean): string | null {
  const known = maybeKnown ? secretValueMatch(piece) : null;
  if (known) return known;
  const entropy = IDENTIFIER.test(piece) ? null : highEntropy(piece);
  if (entropy && !lookAlike(context(), piece)) return entropy;
  const pair = USER_PASSWORD.exec(piece);
  if (pair) {
    const pw = pair[2]!;
    const mixed = /[a-z]/.test(pw) && /[A-Z]/.test(pw) && /[0-9]/.test(pw);
    if (mixed || (ACCOUNT.test(pair[1]!) && /[^A-Za-z]/.test(pw))) return 'user:password pair';
  }
  return null;
}

const byPosition = (a: { source: { file: string; line: number }; name: string }, b: typeof a): number =>
  a.source.file.localeCompare(b.source.file) || a.source.line - b.source.line || a.name.localeCompare(b.name);

export function summarize(entries: InventoryEntry[], configFiles: string[]): ServiceInventory['summary'] {
  const variables = new Set(
    entries.filter((e) => e.kind === 'env-file' || e.kind === 'compose').map((e) => e.name),
  );
  const credentials = new Set(entries.filter((e) => e.classification === 'credential').map((e) => e.name));
  return { variables: variables.size, configFiles: new Set(configFiles).size, credentials: credentials.size };
}

export function buildInventory(
  services: ServiceExtraction[],
  problems: Problem[],
  fingerprint: Fingerprinter,
): Inventory {
  const out: ServiceInventory[] = services.map((svc) => {
    const entries = svc.entries.map((e) => toInventoryEntry(e, fingerprint)).sort(byPosition);
    return { service: svc.service, entries, summary: summarize(entries, svc.configFiles) };
  });
  const seen = new Set<string>();
  const uniqueProblems = problems
    .map((p) => ({ ...p, message: scrubQuotedNames(p.message) }))
    .filter((p) => {
      const key = `${p.file}:${p.line}:${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { formatVersion: 1, services: out, problems: uniqueProblems };
}

/**
 * Parsers' messages may quote a name (`unterminated quoted value for key "…"`), and a name may be
 * a secret (see secretsInName): quoted fragments that hold one are redacted.
 */
export function scrubQuotedNames(message: string): string {
  return message.replace(/"([^"\n]{1,4096})"/g, (whole: string, inner: string) => {
    const leak = secretsInName(inner);
    return leak ? `"${leak.name}"` : whole;
  });
}
