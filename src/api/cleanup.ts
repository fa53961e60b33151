/**
 * `cleanup` as a function: after `finalize`, the legacy configuration of a service is dead
 * weight, so its compose definition is rewritten (src/core/cleanup/compose-edit.ts): the
 * migrated variables leave `environment`, env files whose variables all moved are dropped, and
 * the service gains SERVICE_ID, the store location variables and depends_on the configuration
 * store service. A diff of each file is returned; files are written only with `write`.
 *
 * "Migrated" is what the store's migrations say: the `from` names of the legacy map of the
 * newest migration per environment of the chain (production inherits global …). Nothing the
 * store does not know about is removed. Credentials never leave this function: `before`,
 * `after` and `diff` show their values as ********; the real text is only written to disk.
 */
import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import picomatch from 'picomatch';
import { parseDocument, type Document } from 'yaml';
import { extractProject } from '../adapters/extract-project.js';
import { exists, projectRelative, readTextFile, writeFileAtomic } from '../adapters/files.js';
import type { Db } from '../adapters/store/db.js';
import { listEnvironments } from '../adapters/store/environments.js';
import { listFlags } from '../adapters/store/flags.js';
import { currentLegacyMap } from '../adapters/store/migration-records.js';
import { loadProject } from '../config/load.js';
import type { ProjectConfig, ServiceConfig } from '../config/project.js';
import { editChanged, editComposeService } from '../core/cleanup/compose-edit.js';
import { unifiedDiff } from '../core/cleanup/diff.js';
import { scanEnvReads } from '../core/cleanup/env-reads.js';
import { maskCredentials } from '../core/cleanup/mask.js';
import { preserveFormatting, renderYaml } from '../core/cleanup/render.js';
import { classify } from '../core/extract/classify.js';
import type { LegacyMap } from '../core/publish/publication.js';
import { effectiveChain } from '../core/store/merge.js';
import { badInput } from '../errors.js';

export interface CleanupRequest {
  project: string;
  services?: string[];
  all?: boolean;
  environment: string;
  env: Record<string, string | undefined>;
  write: boolean;
  /** The compose service of the configuration store (default: config-store, else config-service when defined). */
  storeService?: string;
}

export interface CleanupFile {
  /** Relative to the project root. */
  file: string;
  /** The file before and after, credential values masked. */
  before: string;
  after: string;
  /** Unified diff (credential values masked). */
  diff: string;
}

export interface CleanupService {
  service: string;
  finalized: boolean;
  /** Variables removed from the compose `environment`. */
  removed: string[];
  /** Why nothing was done (the service is not finalized). */
  keptBecause?: string;
  /** env_file references dropped (every variable in them migrated). */
  droppedEnvFiles: string[];
  /** Variables added (SERVICE_ID, CFGMIG_*), and whether depends_on gained the store service. */
  added: string[];
  dependsOn: string | null;
  /** What was left in place although it concerns migrated variables, and why. */
  kept: { name: string; file: string; reason: string }[];
  /** Source files scanned for env reads (0: unread variables cannot be told, none reported). */
  sourcesScanned: number;
}

export interface EnvRef {
  service: string;
  name: string;
  file: string;
  line: number;
}

export interface CleanupResult {
  environment: string;
  services: CleanupService[];
  files: CleanupFile[];
  /** Defined (compose, env files) after the cleanup but read by no source file of the service. */
  unread: EnvRef[];
  /** Read by the service's source but defined nowhere once the cleanup is done. */
  undefinedReads: EnvRef[];
  written: boolean;
}

/** Compose service names taken for the configuration store, in order of preference. */
export const STORE_SERVICE_NAMES = ['config-store', 'config-service'];

/** Variables a process gets from its platform, not from configuration: never "defined nowhere". */
const RUNTIME_VARS = new Set(
  'PATH HOME HOSTNAME PWD USER SHELL LANG TERM TMPDIR TMP TEMP TZ CI NODE_ENV NODE_OPTIONS DEBUG PYTHONPATH PYTHONUNBUFFERED'.split(
    ' ',
  ),
);

function selectServices(project: ProjectConfig, req: CleanupRequest): ServiceConfig[] {
  const wanted = req.services ?? [];
  if (req.all && wanted.length > 0) throw badInput('give --service or --all, not both');
  if (req.all) return project.services;
  if (wanted.length === 0) throw badInput('name a service with --service, or pass --all');
  const known = new Map(project.services.map((s) => [s.id, s]));
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw badInput(`unknown service ${unknown.join(', ')}`, {
      hint: `Services: ${[...known.keys()].join(', ') || '(none)'}`,
    });
  return [...new Set(wanted)].map((id) => known.get(id)!);
}

/** The legacy maps of the environment chain, merged: key → how the service read it before. */
async function migratedLegacy(db: Db, service: string, environment: string): Promise<LegacyMap> {
  const envs = await listEnvironments(db);
  const chain = envs.some((e) => e.name === environment) ? effectiveChain(envs, environment) : [environment];
  const merged: LegacyMap = {};
  for (const level of chain) Object.assign(merged, (await currentLegacyMap(db, service, level)) as LegacyMap);
  return merged;
}

async function finalizedState(db: Db, service: string, environment: string): Promise<string | null> {
  const flag = (await listFlags(db, { service, environment })).find((f) => f.key === '*');
  if (!flag)
    return `${service}/${environment} has no migration flag: plan, apply, canary and finalize it first`;
  if (flag.mode === 'new_only') return null;
  const at = flag.mode === 'new_with_fallback' ? ` at ${flag.percentBp / 100}%` : '';
  return `${service}/${environment} is ${flag.mode}${at}, not finalized (new_only): run the canary to 100% and \`cfgmig finalize\` first`;
}

export async function cleanupPlan(db: Db, req: CleanupRequest): Promise<CleanupResult> {
  const project = await loadProject(req.project, req.env);
  const root = project.root;
  const selected = selectServices(project, req);
  const extraction = await extractProject(project, { services: selected.map((s) => s.id), env: req.env });
  const byId = new Map(extraction.services.map((s) => [s.service, s]));

  // Compose files, parsed once each; every finalized service of a file is edited in one document.
  const compose: { rel: string; abs: string; text: string; doc: Document; changed: boolean }[] = [];
  for (const rel of project.compose) {
    const abs = resolve(root, rel);
    const read = await readTextFile(abs);
    if (!read.ok) throw badInput(`${rel}: ${read.message}`, { file: rel });
    const doc = parseDocument(read.text);
    if (doc.errors.length > 0)
      throw badInput(`${rel}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`, { file: rel });
    compose.push({ rel: projectRelative(root, abs), abs, text: read.text, doc, changed: false });
  }
  const composeServices = new Set(
    compose.flatMap(({ doc }) => {
      const services = doc.toJS({ maxAliasCount: -1 }) as { services?: Record<string, unknown> } | null;
      return Object.keys(services?.services ?? {});
    }),
  );
  const storeService = req.storeService
    ? composeServices.has(req.storeService)
      ? req.storeService
      : null
    : (STORE_SERVICE_NAMES.find((n) => composeServices.has(n)) ?? null);
  const redis = Boolean(req.env.CFGMIG_REDIS_URL || project.redis);

  const services: CleanupService[] = [];
  const credentialNames = new Set<string>();
  const unread: EnvRef[] = [];
  const undefinedReads: EnvRef[] = [];
  for (const svc of selected) {
    const extracted = byId.get(svc.id);
    const entries = extracted?.entries ?? [];
    const notFinalized = await finalizedState(db, svc.id, req.environment);
    const legacy = await migratedLegacy(db, svc.id, req.environment);
    const migrated = new Set(Object.values(legacy).flatMap((l) => (l.from ? [l.from] : [])));
    for (const l of Object.values(legacy)) if (l.credential && l.from) credentialNames.add(l.from);
    for (const e of entries)
      if ((e.kind === 'compose' || e.kind === 'env-file') && classify(e).classification === 'credential')
        credentialNames.add(e.name);

    const row: CleanupService = {
      service: svc.id,
      finalized: notFinalized === null,
      removed: [],
      ...(notFinalized ? { keptBecause: notFinalized } : {}),
      droppedEnvFiles: [],
      added: [],
      dependsOn: null,
      kept: [],
      sourcesScanned: 0,
    };
    services.push(row);

    // Env files compose loads for the service: dropped when every variable in them moved.
    const dropped = new Set<string>();
    for (const rel of extraction.composeEnvFiles[svc.id] ?? []) {
      const names = [
        ...new Set(entries.filter((e) => e.kind === 'env-file' && e.source.file === rel).map((e) => e.name)),
      ];
      const moved = names.filter((n) => migrated.has(n));
      if (names.length > 0 && moved.length === names.length) dropped.add(rel);
      else if (moved.length > 0)
        row.kept.push({
          name: moved.join(', '),
          file: rel,
          reason: `env file partly migrated: ${names.filter((n) => !migrated.has(n)).join(', ')} still read from it; kept`,
        });
      else if (names.length === 0 && !(await exists(resolve(root, rel))) && row.finalized)
        row.kept.push({
          name: '',
          file: rel,
          reason: 'env file not found: kept (cfgmig cannot tell what it holds)',
        });
    }

    const add: [string, string][] = [
      ['SERVICE_ID', svc.id],
      ['CFGMIG_ENVIRONMENT', `\${CFGMIG_ENVIRONMENT:-${req.environment}}`],
      ['CFGMIG_STORE_URL', '${CFGMIG_STORE_URL}'],
      ...(redis ? ([['CFGMIG_REDIS_URL', '${CFGMIG_REDIS_URL}']] as [string, string][]) : []),
    ];
    if (row.finalized) {
      // With override files, only the first file that defines the service gets the additions.
      let first = true;
      for (const file of compose) {
        const edit = editComposeService(file.doc, {
          service: svc.compose,
          remove: migrated,
          dropEnvFile: (path) =>
            !path.includes('$') && dropped.has(projectRelative(root, resolve(dirname(file.abs), path))),
          add: first ? add : [],
          dependsOn: first ? storeService : null,
        });
        if (!edit.found) continue;
        first = false;
        file.changed ||= editChanged(edit);
        row.removed.push(...edit.removed);
        row.droppedEnvFiles.push(...edit.droppedEnvFiles);
        row.added.push(...edit.added);
        if (edit.dependsOnAdded) row.dependsOn = storeService;
        for (const name of edit.merged)
          row.kept.push({
            name,
            file: file.rel,
            reason:
              'comes in through a `<<` merge of a shared anchor (other services may use it): remove it there by hand',
          });
      }
      if (!storeService)
        row.kept.push({
          name: 'depends_on',
          file: project.compose[0] ?? '',
          reason: `no ${req.storeService ?? STORE_SERVICE_NAMES.join(' or ')} service in the compose files: depends_on not added`,
        });
    }

    // Defined but never read, read but defined nowhere: judged on the state after the cleanup.
    const removed = new Set(row.removed);
    const defined = entries.filter(
      (e) =>
        (e.kind === 'compose' && !removed.has(e.name)) ||
        (e.kind === 'env-file' && !dropped.has(e.source.file)),
    );
    const definedNames = new Set([
      ...defined.map((e) => e.name),
      ...(row.finalized ? add.map(([n]) => n) : []),
    ]);
    const isSource = svc.source.length > 0 ? picomatch(svc.source, { dot: true }) : () => false;
    const sources = (extracted?.files ?? []).filter((f) => isSource(f));
    row.sourcesScanned = sources.length;
    const reads = [];
    for (const rel of sources) {
      const read = await readTextFile(resolve(root, rel));
      if (read.ok) reads.push(...scanEnvReads(rel, read.text).map((r) => ({ ...r, file: rel })));
    }
    const readNames = new Set(reads.map((r) => r.name));
    if (sources.length > 0) {
      const seen = new Set<string>();
      for (const e of defined) {
        // A variable still migrated-but-not-finalized is read through the client's legacy map.
        if (readNames.has(e.name) || (!row.finalized && migrated.has(e.name)) || seen.has(e.name)) continue;
        seen.add(e.name);
        unread.push({ service: svc.id, name: e.name, file: e.source.file, line: e.source.line });
      }
    }
    const seenReads = new Set<string>();
    for (const r of reads) {
      if (definedNames.has(r.name) || RUNTIME_VARS.has(r.name) || r.name.startsWith('CFGMIG_')) continue;
      if (!row.finalized && migrated.has(r.name)) continue;
      if (seenReads.has(r.name)) continue;
      seenReads.add(r.name);
      undefinedReads.push({ service: svc.id, name: r.name, file: r.file, line: r.line });
    }
  }

  const isCredential = (name: string, value: string) =>
    credentialNames.has(name) || classify({ name, value, kind: 'compose' }).classification === 'credential';
  const files: CleanupFile[] = [];
  const writes: { abs: string; text: string }[] = [];
  for (const file of compose) {
    if (!file.changed) continue;
    const base = renderYaml(parseDocument(file.text));
    const after = preserveFormatting(file.text, base, renderYaml(file.doc));
    if (after === file.text) continue;
    const before = maskCredentials(file.text, isCredential);
    const shown = maskCredentials(after, isCredential);
    files.push({
      file: file.rel,
      before,
      after: shown,
      diff: unifiedDiff(before, shown, { fromFile: `a/${file.rel}`, toFile: `b/${file.rel}` }),
    });
    writes.push({ abs: file.abs, text: after });
  }
  let written = false;
  if (req.write && writes.length > 0) {
    for (const w of writes) await writeFileAtomic(w.abs, w.text, (await stat(w.abs)).mode & 0o777);
    written = true;
  }
  return { environment: req.environment, services, files, unread, undefinedReads, written };
}
