/**
 * Precedence (issue 4): when several sources give one service the same variable, the plan takes
 * the value the running service would see, records that winner, and lists the losers as
 * `shadowed` (source, kind, fingerprint; never a value). Pure.
 *
 * Environment variables (compose, env-file and hardcoded entries, grouped by name), highest first:
 *   1. compose `environment:`. Docker's precedence page (docs.docker.com/compose/how-tos/
 *      environment-variables/envvars-precedence) ranks the `environment` attribute over
 *      `env_file`. With several compose files or a repeated list item, the last one read wins.
 *   2. compose `env_file:` files, a later file over an earlier one (the same docs: several files
 *      are evaluated in order, each able to override the ones before); in one file the later
 *      line wins (compose and dotenv both keep the last assignment).
 *   3. the service's own `.env` files, read by dotenv inside the service, which never overwrites
 *      a variable that is already set: `.env.<environment>` over `.env` (environment-files.ts).
 *   4. a fallback hardcoded in code (`process.env.PORT || '8000'`): used only when nothing above
 *      sets the variable. Several fallbacks for one name: each code path uses its own; the first
 *      by file and line is taken and the others listed as shadowed, so a reviewer sees them.
 *
 * Entries without a value (null):
 *   - compose pass-through (`- NAME`, `NAME:`) that the extraction could not resolve: per the
 *     compose specification an unresolved value leaves the variable unset, removed from the
 *     container's environment, and that holds over an `env_file` value too (docker/compose#11740
 *     reported a 2.26 regression where env_file won; compose restored it in July 2024 with the
 *     e2e case "empty env variable with no value must be unset in container"). So it shadows every
 *     env_file entry; the service's own `.env` and code fallbacks still apply, since for dotenv
 *     the variable is simply unset. With nothing below it, the compose entry wins with no value:
 *     the deploy shell must provide it.
 *   - compose entry whose interpolation failed (already an extraction problem): compose refuses
 *     to start, and once fixed its value wins; it wins here with an unknown value.
 *   - env-file bare `NAME` that the shell does not set: compose leaves it unset, so it sets
 *     nothing and never wins over an entry with a value. Likewise a YAML `null` in a config file.
 *   With no value anywhere, the highest-ranked declaration wins, without a value.
 *
 * Config files (grouped by folder, base name and dotted path; environment-files.ts): an
 * environment-named file beats the base (`production.json` over `default.json` and the folder's
 * other files, `config.production.yaml` over `config.yaml`); files named after another environment
 * do not apply. Two unrelated files that happen to share a dotted path (`strategies/momentum.yaml`
 * and `strategies/mean-reversion.yml`, both with `name`) do not shadow each other: both are
 * inputs, told apart by source.
 *
 * A shadowed credential whose fingerprint differs from the winner's is a warning: a dead secret
 * left in the repository. The warning names the variable and both places (file:line), never a
 * value.
 */
import { toInventoryEntry, type Fingerprinter } from '../extract/inventory.js';
import type { EntryKind, RawEntry, SourceRef } from '../extract/types.js';
import { configFileVerdict, environmentNames, ownEnvFileVerdict } from './environment-files.js';
import type { PlanInput } from './model.js';

export interface ServiceSources {
  /** Everything extracted for the service, in extraction order (plaintext values, in memory). */
  entries: readonly RawEntry[];
  /** Its compose `env_file:` paths in compose's order; other env-file entries are its own `.env*`. */
  composeEnvFiles: readonly string[];
}

export interface PrecedenceOptions {
  environment: string;
  /** Environment names the project declares (config files named after another one are skipped). */
  environments?: readonly string[];
  fingerprint: Fingerprinter;
}

export interface PrecedenceWarning {
  code: 'dead-secret';
  severity: 'warning';
  /** The variable or dotted path, as the inventory shows it. */
  name: string;
  /** The shadowed credential, and the entry that shadows it. */
  source: SourceRef;
  winner: SourceRef;
  message: string;
}

export interface PrecedenceResult {
  inputs: PlanInput[];
  warnings: PrecedenceWarning[];
  /** Files whose entries do not apply to this environment, with why (for the plan's review). */
  skipped: { file: string; reason: string }[];
}

const PASS_THROUGH = 'pass-through from the shell environment';

/** Tiers, higher wins; within a tier `order` decides (higher wins). */
const COMPOSE = 4;
const ENV_FILE = 3;
const OWN_ENV = 2;
const HARDCODED = 1;

interface Candidate {
  raw: RawEntry;
  tier: number;
  order: number[];
}

const compareDesc = (a: Candidate, b: Candidate): number => {
  if (a.tier !== b.tier) return b.tier - a.tier;
  for (let i = 0; i < Math.max(a.order.length, b.order.length); i++) {
    const d = (b.order[i] ?? 0) - (a.order[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
};

export function resolvePrecedence(sources: ServiceSources, opts: PrecedenceOptions): PrecedenceResult {
  const envNames = environmentNames(opts.environments ?? []);
  const groups = new Map<string, Candidate[]>();
  const skipped = new Map<string, string>();
  const configs: { candidate: Candidate; group: string; dir: string; folderWide: boolean }[] = [];
  const add = (key: string, c: Candidate) => {
    const list = groups.get(key);
    if (list) list.push(c);
    else groups.set(key, [c]);
  };
  // Hardcoded and config files: earlier file and line first, whatever order extraction used.
  const fileRank = rankOf([...new Set(sources.entries.map((e) => e.source.file))].sort());

  sources.entries.forEach((raw, index) => {
    const { file, line } = raw.source;
    switch (raw.kind) {
      case 'compose':
        return add(`env:${raw.name}`, { raw, tier: COMPOSE, order: [index] });
      case 'env-file': {
        const composeIndex = sources.composeEnvFiles.indexOf(file);
        if (composeIndex >= 0)
          return add(`env:${raw.name}`, { raw, tier: ENV_FILE, order: [composeIndex, line] });
        const verdict = ownEnvFileVerdict(file, opts.environment);
        if (!verdict.applies) return void skipped.set(file, verdict.reason);
        return add(`env:${raw.name}`, { raw, tier: OWN_ENV, order: [verdict.rank, fileRank(file), line] });
      }
      case 'hardcoded':
        return add(`env:${raw.name}`, { raw, tier: HARDCODED, order: [-fileRank(file), -line] });
      case 'config-file': {
        const verdict = configFileVerdict(file, opts.environment, envNames);
        if (!verdict.applies) return void skipped.set(file, verdict.reason);
        return void configs.push({
          candidate: { raw, tier: verdict.rank, order: [fileRank(file), line] },
          group: verdict.group,
          dir: verdict.dir,
          folderWide: verdict.folderWide,
        });
      }
    }
  });
  // Unrelated files sharing a dotted path stay apart (the group is part of the key), unless a
  // folder-wide environment file sets that path: it overrides every file of its folder there.
  const folderWide = new Set(
    configs.filter((c) => c.folderWide).map((c) => `${c.dir}\0${c.candidate.raw.name}`),
  );
  for (const c of configs) {
    const path = c.candidate.raw.name;
    const group = folderWide.has(`${c.dir}\0${path}`) ? `${c.dir}/` : c.group;
    add(`config:${group}\0${path}`, c.candidate);
  }

  const inputs: PlanInput[] = [];
  const warnings: PrecedenceWarning[] = [];
  for (const candidates of groups.values()) {
    const sorted = [...candidates].sort(compareDesc);
    const winner = pickWinner(sorted);
    const won = toInventoryEntry(winner.raw, opts.fingerprint);
    const losers = sorted.filter((c) => c !== winner);
    const input: PlanInput = {
      name: won.name,
      kind: winner.raw.kind,
      source: winner.raw.source,
      classification: won.classification,
      value: winner.raw.value,
      fingerprint: won.fingerprint,
      ...(winner.raw.json !== undefined ? { json: winner.raw.json } : {}),
    };
    if (losers.length > 0) {
      input.shadowed = losers.map((c) => {
        const lost = toInventoryEntry(c.raw, opts.fingerprint);
        const dead =
          lost.classification === 'credential' &&
          lost.fingerprint !== null &&
          lost.fingerprint !== won.fingerprint;
        if (dead) warnings.push(deadSecret(won.name, c.raw, winner.raw));
        return { source: c.raw.source, kind: c.raw.kind, fingerprint: lost.fingerprint };
      });
    }
    inputs.push(input);
  }
  inputs.sort((a, b) => a.name.localeCompare(b.name) || bySource(a.source, b.source));
  warnings.sort((a, b) => a.name.localeCompare(b.name) || bySource(a.source, b.source));
  const skippedList = [...skipped].map(([file, reason]) => ({ file, reason }));
  return { inputs, warnings, skipped: skippedList.sort((a, b) => a.file.localeCompare(b.file)) };
}

/** `sorted`: highest precedence first. */
function pickWinner(sorted: Candidate[]): Candidate {
  const top = sorted[0]!;
  if (top.raw.kind === 'compose' && top.raw.value === null) {
    // Unresolved pass-through: compose removes the variable, env_file values included; the
    // service's own .env and its code fallbacks then see it unset (see the header).
    if (!(top.raw.hints ?? []).includes(PASS_THROUGH)) return top;
    return sorted.find((c) => c.tier < ENV_FILE && c.raw.value !== null) ?? top;
  }
  return sorted.find((c) => c.raw.value !== null) ?? top;
}

function deadSecret(name: string, lost: RawEntry, winner: RawEntry): PrecedenceWarning {
  const at = (r: RawEntry) => `${r.source.file}:${r.source.line}`;
  const what = (k: EntryKind) => (k === 'compose' ? 'compose environment' : k);
  const by =
    winner.value === null
      ? `${at(winner)} (${what(winner.kind)}), which leaves it without a value`
      : `${at(winner)} (${what(winner.kind)}) with a different value`;
  return {
    code: 'dead-secret',
    severity: 'warning',
    name,
    source: lost.source,
    winner: winner.source,
    message:
      `${name}: the credential at ${at(lost)} (${what(lost.kind)}) is shadowed by ${by}; ` +
      'the running service does not see it. A dead secret left in the repository: remove it (and rotate it if it was ever live).',
  };
}

function rankOf(sortedFiles: string[]): (file: string) => number {
  const ranks = new Map(sortedFiles.map((f, i) => [f, i]));
  return (file) => ranks.get(file) ?? 0;
}

const bySource = (a: SourceRef, b: SourceRef): number => a.file.localeCompare(b.file) || a.line - b.line;
