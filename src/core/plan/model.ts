/**
 * The shapes the planning pipeline passes along (DESIGN.md "Rules", "Plan file"):
 *
 *   extraction (raw values, in memory) → precedence (what the running service sees, per
 *   environment) → PlanInput[] → rules → MappingResult → plan file.
 *
 * Credential plaintext may be held in a PlanInput's `value` — in memory only, to split a
 * connection string or fingerprint a part of it — and never appears in anything built from
 * it: a MappedValue for a credential carries a fingerprint, not a value.
 */
import type { Classification, EntryKind, SourceRef } from '../extract/types.js';
import type { Json } from '../store/canonical.js';
import type { ValueType } from './rule-model.js';

/** One variable of one service in one environment, as the running service would see it. */
export interface PlanInput {
  /** Env var name, or the dotted path of a config-file entry. */
  name: string;
  kind: EntryKind;
  /** Where the winning value comes from. */
  source: SourceRef;
  classification: Classification;
  /** Plaintext (credentials too: never print it). null: declared without a value. */
  value: string | null;
  /** HMAC fingerprint of the value (null when there is no value). */
  fingerprint: string | null;
  /** Config files: the value as the file typed it (see RawEntry.json); settings keep that type. */
  json?: Json;
  /** Other places that set the same name and lost (see precedence.ts), for the plan's review. */
  shadowed?: { source: SourceRef; kind: EntryKind; fingerprint: string | null }[];
}

/** One target key produced by a rule. */
export interface MappedValue {
  /** Dotted target path in the service's configuration, e.g. `database.pool.max`. */
  target: string;
  as: 'setting' | 'credential';
  /** Settings only: the converted value (integer, list, duration in ms …). */
  value?: Json;
  /**
   * Settings only: the conversion the rule named, so a service still reading the legacy
   * variable (cfgmig/client in legacy mode) converts it the same way.
   */
  type?: ValueType;
  /** Credentials only: fingerprint of the exact value that will be stored (a part, for a split URL). */
  fingerprint?: string | null;
  /** The input it came from. */
  input: string;
  source: SourceRef;
  /** The rule's name, and for a connection-string split the part (`password`, `host` …). */
  rule: string;
  part?: string;
  /** True when the value is the rule's default because the input had none. */
  defaulted?: boolean;
  /** Other inputs that mapped the same value to this target (collapsed into this one; not a conflict). */
  agreeing?: { input: string; source: SourceRef; rule: string }[];
}

export interface RuleProblem {
  message: string;
  severity: 'error' | 'warning';
  /** Rule name and file/line of the rule or the input concerned, when known. */
  rule?: string;
  input?: string;
  file?: string;
  line?: number;
}

export interface MappingResult {
  mapped: MappedValue[];
  ignored: { input: string; rule: string }[];
  unmapped: PlanInput[];
  problems: RuleProblem[];
}
