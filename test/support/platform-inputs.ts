/**
 * fixtures/platform as PlanInputs, per service: the entries of expected-inventory.json with the
 * values extraction reads from the fixture (in memory, credentials too — all fake).
 *
 * A stand-in for precedence: of the env-like entries (compose, env-file, hardcoded) sharing a
 * name, compose wins over env files, which win over a hardcoded fallback; the losers are listed
 * as `shadowed`. Config-file entries are keyed by file and path: two files may use one path.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { extractProject } from '../../src/adapters/extract-project.js';
import { loadProject } from '../../src/config/load.js';
import type { Classification, EntryKind } from '../../src/core/extract/types.js';
import type { PlanInput } from '../../src/core/plan/model.js';
import { REPO } from './cli.js';

export const PLATFORM = join(REPO, 'fixtures/platform');

interface ExpectedEntry {
  file: string;
  line: number;
  name: string;
  kind: EntryKind;
  classification: Classification;
}
export interface ExpectedService {
  service: string;
  entries: ExpectedEntry[];
}

export function expectedInventory(): ExpectedService[] {
  const doc = JSON.parse(readFileSync(join(PLATFORM, 'expected-inventory.json'), 'utf8')) as {
    services: ExpectedService[];
  };
  return doc.services;
}

const RANK: Record<EntryKind, number> = { compose: 0, 'env-file': 1, 'config-file': 2, hardcoded: 3 };

export const testFingerprint = (v: string): string =>
  `test:${Buffer.from(v, 'utf8').toString('base64url').length}:${[...v].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) >>> 0, 7)}`;

/** Per service id: its PlanInputs, one per variable (config-file entries: per file and path). */
export async function platformInputs(): Promise<Map<string, PlanInput[]>> {
  const project = await loadProject(PLATFORM, {});
  const extraction = await extractProject(project, { env: {} });
  const values = new Map<string, string | null>();
  for (const s of extraction.services) {
    for (const e of s.entries)
      values.set(`${s.service} ${e.source.file}:${e.source.line} ${e.name}`, e.value);
  }
  const out = new Map<string, PlanInput[]>();
  for (const svc of expectedInventory()) {
    const winners = new Map<string, PlanInput>();
    const sorted = [...svc.entries].sort((a, b) => RANK[a.kind] - RANK[b.kind]);
    for (const e of sorted) {
      const key = `${svc.service} ${e.file}:${e.line} ${e.name}`;
      if (!values.has(key)) throw new Error(`extraction has no value for ${key}`);
      const value = values.get(key)!;
      const input: PlanInput = {
        name: e.name,
        kind: e.kind,
        source: { file: e.file, line: e.line },
        classification: e.classification,
        value,
        fingerprint: value === null ? null : testFingerprint(value),
      };
      const id = e.kind === 'config-file' ? `${e.file} ${e.name}` : e.name;
      const winner = winners.get(id);
      if (!winner) winners.set(id, input);
      else
        (winner.shadowed ??= []).push({
          source: input.source,
          kind: input.kind,
          fingerprint: input.fingerprint,
        });
    }
    out.set(svc.service, [...winners.values()]);
  }
  return out;
}
