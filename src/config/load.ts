/** Loads cfgmig.yaml (validated against schema/cfgmig.schema.json) or discovers the project. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { LineCounter, parseDocument } from 'yaml';
import { badInput } from '../errors.js';
import type { Env } from '../adapters/compose-project.js';
import { isDirectory, readTextFile } from '../adapters/files.js';
import { firstYamlError } from '../core/yaml/errors.js';
import { discoverProject, findComposeFile } from './discover.js';
import { describeSchemaError } from './schema-error.js';
import {
  DEFAULT_ENVIRONMENTS,
  PROJECT_FILE,
  defaultServiceGlobs,
  type ProjectConfig,
  type ServiceConfig,
} from './project.js';

const SCHEMA_URL = new URL('../../schema/cfgmig.schema.json', import.meta.url);
let validator: ReturnType<Ajv['compile']> | undefined;

function validate(data: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(SCHEMA_URL, 'utf8')),
  );
  return validator(data) ? [] : (validator.errors ?? []);
}

export async function loadProject(dir: string, env: Env = process.env): Promise<ProjectConfig> {
  const root = resolve(dir);
  if (!(await isDirectory(root))) {
    throw badInput(`project folder ${dir} does not exist`, {
      hint: 'Pass --project DIR with the folder that holds cfgmig.yaml or your compose file.',
    });
  }
  const file = resolve(root, PROJECT_FILE);
  const read = await readTextFile(file);
  if (!read.ok) {
    if (read.message === 'file not found') return discoverProject(root, env);
    throw badInput(`${PROJECT_FILE}: ${read.message}`, { file: PROJECT_FILE });
  }
  const compose = await findComposeFile(root);
  return parseProjectFile(root, read.text, compose ? [compose] : []);
}

type RawService = Partial<Omit<ServiceConfig, 'id'>>;
interface RawProject {
  store?: string;
  redis?: string;
  compose?: string[];
  rules?: string[];
  plans?: string;
  masterKey?: string;
  environments?: ProjectConfig['environments'];
  services?: Record<string, RawService>;
}

export function parseProjectFile(root: string, text: string, defaultCompose: string[] = []): ProjectConfig {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const syntax = firstYamlError(doc, lc);
  if (syntax)
    throw badInput(`${PROJECT_FILE}:${syntax.line}: ${syntax.message}`, {
      file: PROJECT_FILE,
      line: syntax.line,
    });
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    // Unresolved or exploding aliases; the library's message may quote the file, so it is not used.
    throw badInput(
      `${PROJECT_FILE}: its YAML aliases cannot be resolved (an unknown anchor, or too many aliases)`,
      {
        file: PROJECT_FILE,
        hint: 'cfgmig.yaml rarely needs anchors; write the values out.',
      },
    );
  }
  const errors = validate(data);
  if (errors.length > 0) {
    const { line, field, message } = describeSchemaError(doc, lc, errors[0]!);
    throw badInput(`${PROJECT_FILE}:${line}: ${field}: ${message}`, {
      file: PROJECT_FILE,
      line,
      hint: 'See schema/cfgmig.schema.json for every field; `cfgmig init` writes a valid starting point.',
    });
  }
  const raw = data as RawProject;
  const services = Object.entries(raw.services ?? {}).map(([id, s]): ServiceConfig => {
    const path = s.path ?? null;
    const globs = path === null ? { envFiles: [], configFiles: [], source: [] } : defaultServiceGlobs(path);
    return {
      id,
      path,
      compose: s.compose ?? id,
      envFiles: s.envFiles ?? globs.envFiles,
      configFiles: s.configFiles ?? globs.configFiles,
      source: s.source ?? globs.source,
      exclude: s.exclude ?? [],
      dotenv: s.dotenv ?? 'node',
      ...(s.profile ? { profile: s.profile } : {}),
      ...(s.canary ? { canary: s.canary } : {}),
      ...(s.restart ? { restart: s.restart } : {}),
      ...(s.schema ? { schema: s.schema } : {}),
    };
  });
  return {
    root,
    file: resolve(root, PROJECT_FILE),
    store: raw.store ?? 'embedded',
    ...(raw.redis ? { redis: raw.redis } : {}),
    compose: raw.compose ?? defaultCompose,
    rules: raw.rules ?? ['rules/*.yaml'],
    plans: raw.plans ?? 'plans',
    ...(raw.masterKey ? { masterKey: raw.masterKey } : {}),
    environments: raw.environments ?? DEFAULT_ENVIRONMENTS,
    services,
  };
}
