/**
 * Without a cfgmig.yaml, the project is what its compose file says: every compose service is
 * a service, living in its build context (or services/<name>/ when that folder exists).
 */
import { resolve } from 'node:path';
import { badInput } from '../errors.js';
import { loadComposeProject, type Env } from '../adapters/compose-project.js';
import { exists, isDirectory, projectRelative } from '../adapters/files.js';
import {
  COMPOSE_FILE_NAMES,
  DEFAULT_ENVIRONMENTS,
  defaultServiceGlobs,
  type ProjectConfig,
  type ServiceConfig,
} from './project.js';

export async function findComposeFile(root: string): Promise<string | null> {
  for (const name of COMPOSE_FILE_NAMES) if (await exists(resolve(root, name))) return name;
  return null;
}

export async function discoverProject(root: string, env: Env = process.env): Promise<ProjectConfig> {
  const compose = await findComposeFile(root);
  if (!compose) {
    throw badInput(`no cfgmig.yaml and no compose file (${COMPOSE_FILE_NAMES.join(', ')}) in ${root}`, {
      hint: 'Pass --project DIR with your repository root, or write a cfgmig.yaml listing the services (see `cfgmig init --help`).',
    });
  }
  const loaded = await loadComposeProject(root, [compose], env);
  const services: ServiceConfig[] = [];
  for (const file of loaded.files) {
    for (const svc of file.services) {
      if (services.some((s) => s.id === svc.name)) continue;
      const path = await servicePath(root, file.dir, svc.name, svc.buildContext);
      services.push({
        id: svc.name,
        path,
        compose: svc.name,
        ...(path === null ? { envFiles: [], configFiles: [], source: [] } : defaultServiceGlobs(path)),
        exclude: [],
        dotenv: 'node',
      });
    }
  }
  return {
    root,
    file: null,
    store: 'embedded',
    compose: [compose],
    rules: ['rules/*.yaml'],
    plans: 'plans',
    environments: DEFAULT_ENVIRONMENTS,
    services,
  };
}

async function servicePath(
  root: string,
  composeDir: string,
  name: string,
  context: string | null,
): Promise<string | null> {
  // A remote build context (git URL) is not a folder of this repository.
  if (context && !/^[a-z]+:\/\//i.test(context) && !context.startsWith('git@')) {
    const abs = resolve(composeDir, context);
    if (await isDirectory(abs)) {
      const rel = projectRelative(root, abs);
      if (rel === '') return '.';
      if (!rel.startsWith('..')) return rel;
    }
  }
  const conventional = resolve(root, 'services', name);
  return (await isDirectory(conventional)) ? projectRelative(root, conventional) : null;
}
