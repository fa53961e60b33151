/**
 * The plan: what `apply` will write for one service and environment, as a document a
 * reviewer reads in a pull request (DESIGN.md "Plan file"). It holds settings' values, but a
 * credential only as its source and fingerprint; the checksum covers everything else in it,
 * so an edited plan is refused.
 *
 * Pure: the caller gathers the mapping (rules), the store's current version and the
 * fingerprints of the credentials it holds; this decides each change. Deterministic (no
 * time, no author: git has those), so planning unchanged sources again yields the same file.
 */
import { createHash } from 'node:crypto';
import type { EntryKind, SourceRef } from '../extract/types.js';
import { canonicalJson, type Json } from '../store/canonical.js';
import { leaves } from '../store/diff.js';
import type { CanarySchedule } from './canary-schedule.js';
import type { ValueType } from './rule-model.js';
import type { MappedValue, MappingResult, PlanInput, RuleProblem } from './model.js';
import { nest } from './target.js';

export const PLAN_FORMAT_VERSION = 1;

export type ChangeOp = 'set' | 'set-credential' | 'unchanged' | 'remove';

export interface PlanChange {
  op: ChangeOp;
  key: string;
  kind: 'setting' | 'credential';
  /** Settings: the value to write (set, unchanged). */
  value?: Json;
  /** Settings: the value in the store before (set over an existing value, remove). */
  previous?: Json;
  /** Credentials: the fingerprint of the value to store. */
  fingerprint?: string | null;
  /** set-credential: the store already holds a credential at this key (a change, not an addition). */
  replacing?: true;
  source?: SourceRef & { kind: EntryKind; name: string };
  rule?: string;
  part?: string;
  /** Settings: the conversion from the legacy text (integer, duration …), when the rule named one. */
  type?: ValueType;
  defaulted?: boolean;
}

export type RollbackStep =
  | { action: 'switch-to-legacy' }
  | { action: 'revert-config'; toVersion: number }
  | { action: 'clear-caches' }
  | { action: 'restart'; command: string };

export interface SchemaValidation {
  /** The JSON Schema file used, or null when the service has none. */
  schema: string | null;
  valid: boolean;
  errors: { path: string; message: string }[];
}

export interface PlanDoc {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  service: string;
  environment: string;
  inputs: {
    /** sha256 over every input's name, source, classification and fingerprint. */
    inventory: string;
    /** Rule file → sha256 of its text. */
    rules: Record<string, string>;
  };
  /** The store version planned against (0: none yet) and its checksum. */
  base: { version: number; checksum: string | null };
  changes: PlanChange[];
  unmapped: { name: string; kind: EntryKind; source: SourceRef; classification: string }[];
  ignored: { name: string; rule: string }[];
  problems: RuleProblem[];
  validation: SchemaValidation;
  canary: CanarySchedule;
  rollback: { steps: RollbackStep[] };
  summary: Record<ChangeOp, number>;
  checksum: string;
}

export interface PlanFacts {
  service: string;
  environment: string;
  inputs: PlanInput[];
  rules: Record<string, string>;
  mapping: MappingResult;
  /** The store's current version of this service and environment (its own level). */
  base: { version: number; checksum: string | null; data: Json };
  /** Fingerprints of the credentials the base version refers to, by target key. */
  storedCredentials: ReadonlyMap<string, string>;
  validation: SchemaValidation;
  canary: CanarySchedule;
  restart?: string;
  /** Problems found outside the rules (precedence warnings …). */
  problems?: RuleProblem[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function inputsHash(inputs: PlanInput[]): string {
  // Each row serialised once, then sorted: the order of inputs must not change the hash.
  const rows = inputs
    .map((i) =>
      canonicalJson([i.name, i.kind, i.source.file, i.source.line, i.classification, i.fingerprint]),
    )
    .sort();
  return sha256(`[${rows.join(',')}]`);
}

/** The checksum of a plan: over everything in it but the checksum itself. */
export function planChecksum(doc: Omit<PlanDoc, 'checksum'> | PlanDoc): string {
  const { checksum: _, ...rest } = doc as PlanDoc;
  return sha256(canonicalJson(rest));
}

function sourceOf(m: MappedValue, inputs: Map<string, PlanInput>): PlanChange['source'] {
  const input = inputs.get(m.input);
  return { ...m.source, kind: input?.kind ?? 'config-file', name: m.input };
}

function change(
  m: MappedValue,
  facts: PlanFacts,
  stored: ReturnType<typeof leaves>,
  byName: Map<string, PlanInput>,
): PlanChange {
  const common = {
    key: m.target,
    source: sourceOf(m, byName),
    rule: m.rule,
    ...(m.part ? { part: m.part } : {}),
    ...(m.type ? { type: m.type } : {}),
    ...(m.defaulted ? { defaulted: true } : {}),
  };
  const before = stored.get(m.target);
  if (m.as === 'credential') {
    const same =
      before?.ref && facts.storedCredentials.get(m.target) === m.fingerprint && m.fingerprint != null;
    return {
      op: same ? 'unchanged' : 'set-credential',
      kind: 'credential',
      fingerprint: m.fingerprint ?? null,
      ...common,
    };
  }
  const value = m.value ?? null;
  if (before && !before.ref && canonicalJson(before.value) === canonicalJson(value)) {
    return { op: 'unchanged', kind: 'setting', value, ...common };
  }
  return {
    op: 'set',
    kind: 'setting',
    value,
    ...(before && !before.ref ? { previous: before.value } : {}),
    ...common,
  };
}

export function rollbackSteps(baseVersion: number, restart?: string): RollbackStep[] {
  return [
    { action: 'switch-to-legacy' },
    { action: 'revert-config', toVersion: baseVersion },
    { action: 'clear-caches' },
    ...(restart ? [{ action: 'restart' as const, command: restart }] : []),
  ];
}

export function buildPlan(facts: PlanFacts): PlanDoc {
  const stored = leaves(facts.base.data);
  const byName = new Map(facts.inputs.map((i) => [i.name, i]));
  const changes = facts.mapping.mapped.map((m) => change(m, facts, stored, byName));
  const targets = new Set(changes.map((c) => c.key));
  for (const [key, leaf] of stored) {
    if (targets.has(key)) continue;
    changes.push(
      leaf.ref
        ? { op: 'remove', key, kind: 'credential' }
        : { op: 'remove', key, kind: 'setting', previous: leaf.value },
    );
  }
  changes.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const summary: Record<ChangeOp, number> = { set: 0, 'set-credential': 0, unchanged: 0, remove: 0 };
  for (const c of changes) summary[c.op]++;
  const doc: Omit<PlanDoc, 'checksum'> = {
    formatVersion: PLAN_FORMAT_VERSION,
    service: facts.service,
    environment: facts.environment,
    inputs: { inventory: inputsHash(facts.inputs), rules: facts.rules },
    base: { version: facts.base.version, checksum: facts.base.checksum },
    changes,
    unmapped: facts.mapping.unmapped.map((u) => ({
      name: u.name,
      kind: u.kind,
      source: u.source,
      classification: u.classification,
    })),
    ignored: facts.mapping.ignored.map((i) => ({ name: i.input, rule: i.rule })),
    problems: [...(facts.problems ?? []), ...facts.mapping.problems],
    validation: facts.validation,
    canary: facts.canary,
    rollback: { steps: rollbackSteps(facts.base.version, facts.restart) },
    summary,
  };
  return { ...doc, checksum: planChecksum(doc) };
}

/** Whether applying the plan would change the store. */
export function hasChanges(doc: Pick<PlanDoc, 'summary'>): boolean {
  return doc.summary.set + doc.summary['set-credential'] + doc.summary.remove > 0;
}

/**
 * The configuration the plan leads to, as validated against the service's schema: settings
 * with their values, credentials as a placeholder string (the schema sees that a string is
 * there; the value is never needed for that).
 */
export const CREDENTIAL_PLACEHOLDER = '<credential>';

export function plannedConfig(mapped: MappedValue[]): { [key: string]: Json } {
  return nest(
    mapped.map((m) => [m.target, m.as === 'credential' ? CREDENTIAL_PLACEHOLDER : (m.value ?? null)]),
  );
}
