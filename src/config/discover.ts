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

/** compose's own rule for service names, minus a leading dot (no `..`, no hidden names). */
const SERVICE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

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
  const broken = loaded.problems.find((p) => p.file === compose && p.severity === 'error');
  if (broken && loaded.files.every((f) => f.services.length === 0)) {
    throw badInput(`${broken.file}:${broken.line}: ${broken.message}`, {
      file: broken.file,
      line: broken.line,
      hint: 'Services are discovered from the compose file: fix it, or list them in a cfgmig.yaml.',
    });
  }
  const services: ServiceConfig[] = [];
  for (const file of loaded.files) {
    for (const svc of file.services) {
      if (services.some((s) => s.id === svc.name)) continue;
      if (!SERVICE_NAME.test(svc.name)) {
        // The id names files (.cfgmig/inventory/<id>.json, plans/<id>.<env>.plan.yaml): never a path.
        throw badInput(`${file.file}:${svc.line}: service name is not a valid compose service name`, {
          file: file.file,
          line: svc.line,
          hint: 'Compose service names are letters, digits, ".", "_" and "-" (not starting with "." or "-").',
        });
      }
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
  // A service built from the project root (`build: .`) must not claim the other services' folders.
  for (const svc of services.filter((s) => s.path === '.')) {
    svc.exclude = services.filter((o) => o.path !== null && o.path !== '.').map((o) => `${o.path}/**`);
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
