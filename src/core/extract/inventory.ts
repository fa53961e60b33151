/**
 * Raw entries → the public inventory: classified, credentials redacted, every value
 * fingerprinted. This is the last point a credential's plaintext is held; what leaves here
 * may be printed.
 */
import { classify, redact } from './classify.js';
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
  const { classification, reasons } = classify({
    name: raw.name,
    value: raw.value,
    kind: raw.kind,
    ...(raw.hints ? { hints: raw.hints } : {}),
  });
  const base = {
    name: raw.name,
    kind: raw.kind,
    source: raw.source,
    classification,
  };
  const fp = raw.value === null ? null : fingerprint(raw.value);
  if (classification === 'credential')
    return { ...base, redacted: redact(raw.value), fingerprint: fp, reasons };
  return { ...base, value: raw.value, fingerprint: fp, reasons };
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
    .filter((p) => {
      const key = `${p.file}:${p.line}:${p.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { formatVersion: 1, services: out, problems: uniqueProblems };
}
