/** `cfgmig init`: write what discovery found into a cfgmig.yaml to edit. */
import { resolve } from 'node:path';
import { stringify } from 'yaml';
import { exists, writeFileAtomic } from '../adapters/files.js';
import { discoverProject } from '../config/discover.js';
import { parseProjectFile } from '../config/load.js';
import { PROJECT_FILE, type ProjectConfig } from '../config/project.js';
import { badInput, ExitCode } from '../errors.js';
import type { Io } from '../output/terminal.js';

export interface InitOptions {
  project: string;
  force?: boolean;
  json?: boolean;
}

export function projectFileText(project: ProjectConfig): string {
  const services = Object.fromEntries(
    project.services.map((s) => [
      s.id,
      {
        ...(s.path !== null ? { path: s.path } : {}),
        ...(s.compose !== s.id ? { compose: s.compose } : {}),
        envFiles: s.envFiles,
        configFiles: s.configFiles,
        source: s.source,
      },
    ]),
  );
  const body = {
    version: 1,
    store: project.store,
    compose: project.compose,
    rules: project.rules,
    environments: project.environments,
    services,
  };
  return (
    '# Written by `cfgmig init` from what discovery found. Edit freely: add profiles, canary\n' +
    '# schedules and restart commands per service. Schema: schema/cfgmig.schema.json in the cfgmig package.\n' +
    stringify(body, { lineWidth: 0 })
  );
}

export async function run(opts: InitOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  const target = resolve(root, PROJECT_FILE);
  if (!opts.force && (await exists(target))) {
    throw badInput(`${PROJECT_FILE} already exists in ${root}`, {
      hint: 'Pass --force to overwrite it.',
      file: PROJECT_FILE,
    });
  }
  const project = await discoverProject(root, io.env);
  const text = projectFileText(project);
  parseProjectFile(root, text); // what init writes must load: validate before writing, never after
  await writeFileAtomic(target, text);
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ formatVersion: 1, file: target, services: project.services.map((s) => ({ id: s.id, path: s.path })) }, null, 2)}\n`,
    );
  } else {
    io.stdout.write(`wrote ${target} with ${project.services.length} services:\n`);
    for (const s of project.services) io.stdout.write(`  ${s.id}  ${s.path ?? '(no folder)'}\n`);
  }
  return ExitCode.ok;
}
