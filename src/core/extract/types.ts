/** The shapes extraction works with. The inventory format is public (DESIGN.md "Inventory"). */
import type { Json } from '../store/canonical.js';

export type EntryKind = 'env-file' | 'compose' | 'config-file' | 'hardcoded';
export type Classification = 'credential' | 'credential-reference' | 'setting';

export interface SourceRef {
  /** Relative to the project root, with forward slashes. */
  file: string;
  /** 1-based. */
  line: number;
}

/** What a parser found, before classification. The value is plaintext and must never be printed. */
export interface RawEntry {
  name: string;
  kind: EntryKind;
  source: SourceRef;
  /** null: declared without a value (compose pass-through `- NAME`, YAML null, failed interpolation). */
  value: string | null;
  /**
   * Config files only: the value as the file typed it, when that is not text (a number, a
   * boolean, a list of scalars, an empty map), so a plan keeps `max: 40` a number.
   */
  json?: Json;
  /** Why the parser picked this up, fed into the classifier's reasons (e.g. "fallback for process.env.PORT"). */
  hints?: string[];
  /**
   * The identifier or property the value's expression is assigned to, when it is not the name:
   * `password: process.env.PGPASS || 'x'` is named PGPASS and assigned to `password`. A secret-like
   * target makes the entry a credential as a secret-like name would. Never printed.
   */
  assignedTo?: string;
}

export interface Problem {
  file: string;
  line: number;
  message: string;
  severity: 'error' | 'warning';
}

/** Result of one parser over one file. */
export interface ParseResult {
  entries: RawEntry[];
  problems: Problem[];
}

export interface ClassificationResult {
  classification: Classification;
  reasons: string[];
}

export interface InventoryEntry {
  name: string;
  kind: EntryKind;
  source: SourceRef;
  classification: Classification;
  /** Settings and credential references only. */
  value?: string | null;
  /** Credentials only: at most the first 4 characters and the length. */
  redacted?: string;
  fingerprint: string | null;
  reasons: string[];
}

export interface ServiceInventory {
  service: string;
  entries: InventoryEntry[];
  summary: { variables: number; configFiles: number; credentials: number };
}

export interface Inventory {
  formatVersion: 1;
  services: ServiceInventory[];
  problems: Problem[];
}
