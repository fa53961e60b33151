/**
 * Rules as the engine sees them (DESIGN.md "Rules"): loaded and validated from `rules/*.yaml`
 * by src/config/rules.ts, then applied by rules.ts. Each rule and mapping keeps the file and
 * line it was written on, so every problem can point at the line to edit.
 */
import type { Json } from '../store/canonical.js';

export const VALUE_TYPES = [
  'string',
  'integer',
  'number',
  'boolean',
  'json',
  'list',
  'duration',
  'url',
] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** The parts a connection URL splits into (`split: url`). */
export const URL_PARTS = ['scheme', 'host', 'port', 'database', 'user', 'password', 'options'] as const;
export type UrlPart = (typeof URL_PARTS)[number];

export interface RuleMapping {
  /** Exact input name. Exactly one of `from` and `match` is set. */
  from?: string;
  /** Regular expression over the input name; its named groups fill `{group}` in targets. */
  match?: string;
  /** Glob over the input's source file (relative to the project root): only inputs from there match. */
  file?: string;
  /** Target template, e.g. `ai.providers.{provider|lower}.apiKey`. Optional with `split`. */
  to?: string;
  /** Default: the input's classification (a credential stays a credential). */
  as?: 'setting' | 'credential';
  /** Conversion for settings; credentials are never converted. Default string. */
  type?: ValueType;
  /** Used when the input has no value, or (`from` only) when the service has no such input. */
  default?: Json;
  /** Split a connection URL into parts; `parts` says where each part goes. */
  split?: 'url';
  parts?: Partial<Record<UrlPart, string>>;
  /** 1-based line of the mapping in its rule file. */
  line: number;
}

export type IgnoreItem = { name: string; line: number } | { match: string; line: number };

export interface Rule {
  name: string;
  description?: string;
  /** Service ids or globs; `*` for every service. */
  appliesTo: string[];
  map: RuleMapping[];
  ignore: IgnoreItem[];
  /** The rule file, relative to the project root. */
  file: string;
  /** sha256 of the rule file's text, when loaded from disk (plans record it). */
  hash?: string;
}
