/**
 * Runs extraction over a project: finds each service's files, reads them, and hands the text
 * to the pure parsers in core/extract. Every file failure becomes a problem; nothing throws
 * past here for bad input, so one broken file never hides the rest of the fleet.
 */
import { resolve } from 'node:path';
import picomatch from 'picomatch';
import { glob } from 'tinyglobby';
import type { ServiceExtraction } from '../core/extract/inventory.js';
import type { ParseResult, Problem, RawEntry } from '../core/extract/types.js';
import { ALWAYS_EXCLUDED, type ProjectConfig, type ServiceConfig } from '../config/project.js';
import { badInput } from '../errors.js';
import { loadComposeProject, type ComposeProject, type Env } from './compose-project.js';
import { projectRelative, readTextFile } from './files.js';
import { parseText, type FileKind } from '../core/extract/parse-text.js';
import { parseAll } from './parse-pool.js';

export interface ExtractOptions {
  /** Service ids to extract; all when empty. */
  services?: string[];
  env: Env;
}

export interface ProjectExtraction {
  services: ServiceExtraction[];
  problems: Problem[];
  /**
   * Per service id, its compose `env_file:` paths (project-relative) in the order compose reads
   * them, later overriding earlier. Planning needs it to tell them from the service's own `.env*`
   * files, which rank below them (core/plan/precedence.ts); the entries alone do not say.
   */
  composeEnvFiles: Record<string, string[]>;
}

/** What one service reads, in the order its entries are listed. */
interface ServiceFiles {
  svc: ServiceConfig;
  /** The compose files that define this service. */
  composeFiles: string[];
  composeEntries: RawEntry[];
  composeProblems: Problem[];
  /** Env files with the dialect they are read in; compose `env_file:` ones first. */
  envFiles: { rel: string; kind: FileKind }[];
  /** The compose `env_file:` ones among them, in compose's order (see ProjectExtraction). */
  composeEnvFiles: string[];
  /** compose `env_file:` references without `required: false`: a missing one stops compose. */
  requiredEnvFiles: { rel: string; path: string; composeFile: string; line: number; service: string }[];
  configFiles: string[];
  sources: string[];
}

export async function extractProject(
  project: ProjectConfig,
  opts: ExtractOptions,
): Promise<ProjectExtraction> {
  const selected = selectServices(project, opts.services ?? []);
  const compose = await loadComposeProject(project.root, project.compose, opts.env);
  const problems: Problem[] = [...compose.problems];
  const plans = await Promise.all(selected.map((svc) => serviceFiles(project.root, svc, compose)));
  problems.push(...plans.flatMap((p) => p.composeProblems));

  // Env files interpolate through the compose lookup, so they parse here; the rest in parallel.
  const parsed = new Map<string, ParseResult>();
  const missing = new Set<string>();
  const keyOf = (rel: string, kind: FileKind) =>
    `${kind.kind}:${kind.kind === 'dotenv' ? kind.dialect : ''}:${rel}`;
  const record = (
    rel: string,
    key: string,
    outcome: { ok: true; result: ParseResult } | { ok: false; message: string },
  ) => {
    if (outcome.ok) {
      parsed.set(key, outcome.result);
      problems.push(...outcome.result.problems);
    } else if (outcome.message === 'file not found') missing.add(rel);
    else {
      problems.push({ file: rel, line: 1, message: outcome.message, severity: 'error' });
    }
  };
  for (const { rel, kind } of plans.flatMap((p) => p.envFiles)) {
    const key = keyOf(rel, kind);
    if (parsed.has(key)) continue;
    const read = await readTextFile(resolve(project.root, rel));
    record(rel, key, read.ok ? { ok: true, result: parseText(rel, read.text, kind, compose.lookup) } : read);
  }
  const jobs = new Map<string, { rel: string; kind: FileKind }>();
  for (const p of plans) {
    for (const rel of p.configFiles)
      jobs.set(keyOf(rel, { kind: 'config' }), { rel, kind: { kind: 'config' } });
    for (const rel of p.sources) jobs.set(keyOf(rel, { kind: 'source' }), { rel, kind: { kind: 'source' } });
  }
  const list = [...jobs.entries()];
  const outcomes = await parseAll(list.map(([, j]) => ({ ...j, abs: resolve(project.root, j.rel) })));
  list.forEach(([key, job], i) => record(job.rel, key, outcomes[i]!));

  for (const ref of plans.flatMap((p) => p.requiredEnvFiles).filter((r) => missing.has(r.rel))) {
    problems.push({
      file: ref.composeFile,
      line: ref.line,
      message: `env_file ${ref.path} of service ${ref.service} not found; compose refuses to start without it (create it, or mark it required: false)`,
      severity: 'error',
    });
  }
  const entriesOf = (rel: string, kind: FileKind) => parsed.get(keyOf(rel, kind))?.entries ?? [];
  const services = plans.map((p): ServiceExtraction => ({
    service: p.svc.id,
    entries: [
      ...p.composeEntries,
      ...p.envFiles.flatMap((f) => entriesOf(f.rel, f.kind)),
      ...p.configFiles.flatMap((f) => entriesOf(f, { kind: 'config' })),
      ...p.sources.flatMap((f) => entriesOf(f, { kind: 'source' })),
    ],
    configFiles: p.configFiles.filter((f) => parsed.has(keyOf(f, { kind: 'config' }))),
    files: [...p.composeFiles, ...p.envFiles.map((f) => f.rel), ...p.configFiles, ...p.sources],
  }));
  const composeEnvFiles = Object.fromEntries(plans.map((p) => [p.svc.id, p.composeEnvFiles]));
  return { services, problems, composeEnvFiles };
}

async function serviceFiles(
  root: string,
  svc: ServiceConfig,
  compose: ComposeProject,
): Promise<ServiceFiles> {
  const composeFiles: string[] = [];
  const composeEntries: RawEntry[] = [];
  const composeProblems: Problem[] = [];
  const envFiles: ServiceFiles['envFiles'] = [];
  const composeEnvFiles: string[] = [];
  const requiredEnvFiles: ServiceFiles['requiredEnvFiles'] = [];
  const seen = new Set<string>();
  for (const file of compose.files) {
    for (const cs of file.services.filter((s) => s.name === svc.compose)) {
      composeFiles.push(file.file);
      composeEntries.push(...cs.entries);
      composeProblems.push(...cs.problems);
      for (const ref of cs.envFiles) {
        const rel = projectRelative(root, resolve(file.dir, ref.path));
        if (ref.required)
          requiredEnvFiles.push({
            rel,
            path: ref.path,
            composeFile: file.file,
            line: ref.line,
            service: cs.name,
          });
        if (seen.has(rel)) continue;
        seen.add(rel);
        envFiles.push({ rel, kind: { kind: 'dotenv', dialect: 'compose' } });
        composeEnvFiles.push(rel);
      }
    }
  }
  const { envFiles: own, configFiles, sources } = await serviceFileSets(root, svc);
  for (const rel of own)
    if (!seen.has(rel)) envFiles.push({ rel, kind: { kind: 'dotenv', dialect: svc.dotenv } });
  return {
    svc,
    composeFiles,
    composeEntries,
    composeProblems,
    envFiles,
    composeEnvFiles,
    requiredEnvFiles,
    configFiles,
    sources,
  };
}

function selectServices(project: ProjectConfig, ids: string[]): ServiceConfig[] {
  if (ids.length === 0) return project.services;
  const known = new Map(project.services.map((s) => [s.id, s]));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw badInput(`unknown service ${unknown.join(', ')}`, {
      hint: `Known services: ${[...known.keys()].join(', ') || '(none)'}.`,
    });
  }
  return [...new Set(ids)].map((id) => known.get(id)!);
}

/**
 * The service's env, config and source files: one walk of the tree for all three pattern sets
 * (three walks per service made file discovery a tenth of a 200-service extract), sorted.
 */
async function serviceFileSets(
  root: string,
  svc: ServiceConfig,
): Promise<{ envFiles: string[]; configFiles: string[]; sources: string[] }> {
  const all = [...svc.envFiles, ...svc.configFiles, ...svc.source];
  if (all.length === 0) return { envFiles: [], configFiles: [], sources: [] };
  const files = (
    await glob(all, {
      cwd: root,
      ignore: [...ALWAYS_EXCLUDED, ...svc.exclude],
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: false,
    })
  ).sort();
  const pick = (patterns: string[]) => {
    if (patterns.length === 0) return [];
    const matches = picomatch(patterns, { dot: true });
    return files.filter((f) => matches(f));
  };
  return { envFiles: pick(svc.envFiles), configFiles: pick(svc.configFiles), sources: pick(svc.source) };
}
