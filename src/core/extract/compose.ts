/**
 * docker-compose files: each service's `environment:` (map or list, `<<` merges, pass-through
 * names), its `env_file:` references (string, list, or list of `{path, required}`) and build
 * context, with values interpolated exactly as compose does. Reading the referenced env files
 * is the caller's job (it is I/O); this module only parses the compose text.
 */
import { isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { firstYamlError } from '../yaml/errors.js';
import { lineOf, mapPairs, parseYaml, resolveNode, scalarString, walkProblems } from '../yaml/walk.js';
import { redact } from './classify.js';
import { InterpolationError, substitute, type Lookup } from './interpolate.js';
import type { Problem, RawEntry } from './types.js';

export interface ComposeEnvFileRef {
  /** As written (after interpolation), relative to the compose file's folder. */
  path: string;
  required: boolean;
  line: number;
}

export interface ComposeService {
  name: string;
  line: number;
  buildContext: string | null;
  entries: RawEntry[];
  envFiles: ComposeEnvFileRef[];
  /** Problems inside this service's definition: reported only when the service is extracted. */
  problems: Problem[];
}

export interface ComposeResult {
  services: ComposeService[];
  /** Problems of the file as a whole (syntax). */
  problems: Problem[];
}

/** Every problem of a compose file: the file's own and each service's. */
export function allProblems(result: ComposeResult): Problem[] {
  return [...result.problems, ...result.services.flatMap((s) => s.problems)];
}

export function extractCompose(file: string, text: string, lookup: Lookup): ComposeResult {
  const { doc, lc } = parseYaml(text);
  const problems: Problem[] = [];
  const error = firstYamlError(doc, lc);
  if (error) return { services: [], problems: [{ file, ...error, severity: 'error' }] };

  // Interpolation failures become problems at the value's line; the value is then unknown (null).
  let sink = problems;
  const interpolate = (raw: string, line: number): string | null => {
    try {
      return substitute(raw, lookup);
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      sink.push({ file, line, message: err.message, severity: 'error' });
      return null;
    }
  };

  const top = mapPairs(doc, resolveNode(doc, doc.contents));
  const servicesNode = top.find((p) => p.key === 'services')?.value ?? null;
  const services: ComposeService[] = [];
  for (const svc of mapPairs(doc, servicesNode)) {
    const fields = new Map(mapPairs(doc, svc.value).map((p) => [p.key, p]));
    const service: ComposeService = {
      name: svc.key,
      line: lineOf(svc.keyNode, lc),
      buildContext: null,
      entries: [],
      envFiles: [],
      problems: [],
    };
    sink = service.problems;
    const build = fields.get('build');
    if (build) {
      const ctxNode = isMap(build.value)
        ? (mapPairs(doc, build.value).find((p) => p.key === 'context')?.value ?? null)
        : build.value;
      const ctx = scalarString(ctxNode);
      if (ctx !== null) service.buildContext = interpolate(ctx, lineOf(ctxNode, lc));
    }
    const env = fields.get('environment');
    if (env)
      service.entries.push(...environmentEntries(doc, env.value, file, lc, interpolate, service.problems));
    const envFile = fields.get('env_file');
    if (envFile) service.envFiles.push(...envFileRefs(doc, envFile.value, lc, interpolate));
    services.push(service);
  }
  // A file that blew its alias/merge budget stopped short: say so rather than look complete.
  problems.push(...walkProblems(doc, lc).map((p) => ({ file, ...p })));
  return { services, problems };
}

type Interpolate = (raw: string, line: number) => string | null;

/** What compose accepts as a variable name; anything else in a list item is a typo (`- "A:${A}"`). */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const NOT_AN_ENV_ITEM = 'environment list item is not NAME=value or NAME; did you mean NAME=value?';

function environmentEntries(
  doc: Document,
  node: Node | null,
  file: string,
  lc: LineCounter,
  interpolate: Interpolate,
  problems: Problem[],
): RawEntry[] {
  const entries: RawEntry[] = [];
  const add = (name: string, line: number, value: string | null, hints: string[]) =>
    entries.push({ name, kind: 'compose', source: { file, line }, value, hints });
  if (isMap(node)) {
    for (const p of mapPairs(doc, node)) {
      const line = lineOf(p.keyNode, lc);
      const raw = scalarString(p.value);
      if (raw === null) add(p.key, line, null, ['pass-through from the shell environment']);
      else if (isScalar(p.value) && typeof p.value.value !== 'string') add(p.key, line, raw, []);
      else add(p.key, line, interpolate(raw, line), []);
    }
  } else if (isSeq(node)) {
    for (const item of node.items) {
      const itemNode = resolveNode(doc, item);
      const line = lineOf(itemNode, lc);
      const raw = scalarString(itemNode);
      if (raw === null) {
        problems.push({ file, line, message: 'environment list item is not a string', severity: 'error' });
        continue;
      }
      // A pass-through item (`- NAME`) is named by its raw text: interpolating it would turn a
      // typo such as `- "DB_PASSWORD:${DB_PASSWORD}"` into a name holding the password.
      const text = raw.includes('=') ? interpolate(raw, line) : null;
      const eq = (text ?? raw).indexOf('=');
      const name = eq === -1 ? raw : (text ?? raw).slice(0, eq);
      const value = eq === -1 || text === null ? null : text.slice(eq + 1);
      const hints = eq === -1 ? ['pass-through from the shell environment'] : [];
      if (ENV_NAME.test(name)) add(name, line, value, hints);
      else {
        // Neither the item nor a part of it goes into the message or the name: it may hold a secret.
        // The name as written still counts in classification (`- "PASSWORD =x"` is a credential).
        problems.push({ file, line, message: NOT_AN_ENV_ITEM, severity: 'warning' });
        add(`<redacted:${redact(name)}>`, line, value, hints);
        entries[entries.length - 1]!.assignedTo = name;
      }
    }
  } else if (node != null) {
    problems.push({
      file,
      line: lineOf(node, lc),
      message: 'environment must be a map or a list',
      severity: 'error',
    });
  }
  return entries;
}

function envFileRefs(
  doc: Document,
  node: Node | null,
  lc: LineCounter,
  interpolate: Interpolate,
): ComposeEnvFileRef[] {
  const items = isSeq(node) ? node.items.map((i) => resolveNode(doc, i)) : [node];
  const refs: ComposeEnvFileRef[] = [];
  for (const item of items) {
    let pathNode: Node | null = item;
    let required = true;
    if (isMap(item)) {
      const fields = new Map(mapPairs(doc, item).map((p) => [p.key, p.value]));
      pathNode = fields.get('path') ?? null;
      const req = scalarString(fields.get('required') ?? null);
      if (req !== null) required = !/^(false|no|off|0)$/i.test(req);
    }
    const raw = scalarString(pathNode);
    if (raw === null) continue;
    const line = lineOf(pathNode, lc);
    const path = interpolate(raw, line);
    if (path !== null) refs.push({ path, required, line });
  }
  return refs;
}
