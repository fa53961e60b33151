/**
 * Runs extraction over a project: finds each service's files, reads them, and hands the text
 * to the pure parsers in core/extract. Every file failure becomes a problem; nothing throws
 * past here for bad input, so one broken file never hides the rest of the fleet.
 */
import { resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { flattenConfigFile } from '../core/extract/config-file.js';
import { parseComposeDotenv } from '../core/extract/dotenv-compose.js';
import { parseNodeDotenv } from '../core/extract/dotenv-node.js';
import type { Lookup } from '../core/extract/interpolate.js';
import type { ServiceExtraction } from '../core/extract/inventory.js';
import { scanPythonSource } from '../core/extract/source-python.js';
import { scanJsSource } from '../core/extract/source-js.js';
import type { ParseResult, Problem, RawEntry } from '../core/extract/types.js';
import {
  ALWAYS_EXCLUDED,
  type DotenvDialect,
  type ProjectConfig,
  type ServiceConfig,
} from '../config/project.js';
import { badInput } from '../errors.js';
import { loadComposeProject, type Env } from './compose-project.js';
import { mapLimit } from './concurrency.js';
import { projectRelative, readTextFile } from './files.js';

const READ_CONCURRENCY = 32;

export interface ExtractOptions {
  /** Service ids to extract; all when empty. */
  services?: string[];
  env: Env;
}

export interface ProjectExtraction {
  services: ServiceExtraction[];
  problems: Problem[];
}

type FileKind = { kind: 'dotenv'; dialect: DotenvDialect } | { kind: 'config' } | { kind: 'source' };

export async function extractProject(
  project: ProjectConfig,
  opts: ExtractOptions,
): Promise<ProjectExtraction> {
  const selected = selectServices(project, opts.services ?? []);
  const compose = await loadComposeProject(project.root, project.compose, opts.env);
  const problems: Problem[] = [...compose.problems];
  const parse = fileParser(project.root, compose.lookup, problems);
  const services: ServiceExtraction[] = [];
  for (const svc of selected) {
    const entries: RawEntry[] = [];
    const seenEnvFiles = new Set<string>();
    for (const file of compose.files) {
      for (const cs of file.services.filter((s) => s.name === svc.compose)) {
        entries.push(...cs.entries);
        for (const ref of cs.envFiles) {
          const rel = projectRelative(project.root, resolve(file.dir, ref.path));
          if (seenEnvFiles.has(rel)) continue;
          seenEnvFiles.add(rel);
          const result = await parse(rel, { kind: 'dotenv', dialect: 'compose' });
          if (result === 'missing') {
            if (ref.required) {
              problems.push({
                file: file.file,
                line: ref.line,
                message: `env_file ${ref.path} of service ${cs.name} not found; compose refuses to start without it (create it, or mark it required: false)`,
                severity: 'error',
              });
            }
          } else entries.push(...result.entries);
        }
      }
    }
    const [envFiles, configFiles, sources] = await Promise.all([
      listFiles(project.root, svc.envFiles, svc),
      listFiles(project.root, svc.configFiles, svc),
      listFiles(project.root, svc.source, svc),
    ]);
    const tasks: [string, FileKind][] = [
      ...envFiles
        .filter((f) => !seenEnvFiles.has(f))
        .map((f): [string, FileKind] => [f, { kind: 'dotenv', dialect: svc.dotenv }]),
      ...configFiles.map((f): [string, FileKind] => [f, { kind: 'config' }]),
      ...sources.map((f): [string, FileKind] => [f, { kind: 'source' }]),
    ];
    // Reads overlap; parsing stays on this thread. Results keep file order, so output is stable.
    for (const result of await mapLimit(tasks, READ_CONCURRENCY, ([rel, kind]) => parse(rel, kind))) {
      if (result !== 'missing') entries.push(...result.entries);
    }
    services.push({ service: svc.id, entries, configFiles });
  }
  return { services, problems };
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

async function listFiles(root: string, patterns: string[], svc: ServiceConfig): Promise<string[]> {
  if (patterns.length === 0) return [];
  const files = await glob(patterns, {
    cwd: root,
    ignore: [...ALWAYS_EXCLUDED, ...svc.exclude],
    dot: true,
    onlyFiles: true,
    followSymbolicLinks: false,
  });
  return files.sort();
}

/** Reads and parses each file once, however many services share it. */
function fileParser(root: string, lookup: Lookup, problems: Problem[]) {
  const cache = new Map<string, Promise<ParseResult | 'missing'>>();
  const run = async (rel: string, kind: FileKind): Promise<ParseResult | 'missing'> => {
    const read = await readTextFile(resolve(root, rel));
    if (!read.ok) {
      if (read.message === 'file not found') return 'missing';
      problems.push({ file: rel, line: 1, message: read.message, severity: 'error' });
      return { entries: [], problems: [] };
    }
    const result = parseText(rel, read.text, kind, lookup);
    problems.push(...result.problems);
    return result;
  };
  return (rel: string, kind: FileKind): Promise<ParseResult | 'missing'> => {
    const key = `${kind.kind}:${kind.kind === 'dotenv' ? kind.dialect : ''}:${rel}`;
    let pending = cache.get(key);
    if (!pending) cache.set(key, (pending = run(rel, kind)));
    return pending;
  };
}

export function parseText(file: string, text: string, kind: FileKind, lookup: Lookup): ParseResult {
  if (kind.kind === 'config') return flattenConfigFile(file, text);
  if (kind.kind === 'source')
    return /\.py$/i.test(file) ? scanPythonSource(file, text) : scanJsSource(file, text);
  return kind.dialect === 'compose' ? composeDotenvFile(file, text, lookup) : nodeDotenvFile(file, text);
}

function composeDotenvFile(file: string, text: string, lookup: Lookup): ParseResult {
  const parsed = parseComposeDotenv(text, { lookup });
  const entries = [
    ...parsed.vars.map((v): RawEntry => ({
      name: v.key,
      kind: 'env-file',
      source: { file, line: v.line },
      value: v.value,
    })),
    // A bare `KEY` line passes the shell's value through; unset here, it is still configuration the service expects.
    ...parsed.unresolved.map((u): RawEntry => ({
      name: u.key,
      kind: 'env-file',
      source: { file, line: u.line },
      value: null,
      hints: ['pass-through from the shell environment'],
    })),
  ].sort((a, b) => a.source.line - b.source.line);
  const problems: Problem[] = parsed.error
    ? [{ file, line: parsed.error.line, message: parsed.error.message, severity: 'error' }]
    : [];
  return { entries, problems };
}

function nodeDotenvFile(file: string, text: string): ParseResult {
  const parsed = parseNodeDotenv(text);
  return {
    entries: parsed.vars.map((v): RawEntry => ({
      name: v.key,
      kind: 'env-file',
      source: { file, line: v.line },
      value: v.value,
    })),
    problems: parsed.ignoredLines.map((line) => ({
      file,
      line,
      message: 'not a KEY=value line; dotenv ignores it',
      severity: 'warning' as const,
    })),
  };
}
