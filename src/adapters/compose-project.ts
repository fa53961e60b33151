/**
 * Loads the project's compose files the way `docker compose` would see them: interpolation
 * from the process environment first, then the project `.env` next to the first compose file.
 */
import { dirname, resolve } from 'node:path';
import { extractCompose, type ComposeService } from '../core/extract/compose.js';
import { parseComposeDotenv } from '../core/extract/dotenv-compose.js';
import type { Lookup } from '../core/extract/interpolate.js';
import type { Problem } from '../core/extract/types.js';
import { projectRelative, readTextFile } from './files.js';

export type Env = Record<string, string | undefined>;

export interface LoadedCompose {
  /** Relative to the project root. */
  file: string;
  /** Absolute folder the compose file's relative paths start from. */
  dir: string;
  services: ComposeService[];
}

export interface ComposeProject {
  files: LoadedCompose[];
  lookup: Lookup;
  problems: Problem[];
}

export async function loadComposeProject(
  root: string,
  composeFiles: string[],
  env: Env,
): Promise<ComposeProject> {
  const problems: Problem[] = [];
  const fromProcess: Lookup = (name) => env[name];
  let lookup = fromProcess;
  if (composeFiles.length > 0) {
    const dotenvPath = resolve(root, dirname(composeFiles[0]!), '.env');
    const read = await readTextFile(dotenvPath);
    if (read.ok) {
      const file = projectRelative(root, dotenvPath);
      const parsed = parseComposeDotenv(read.text, { lookup: fromProcess });
      if (parsed.error)
        problems.push({ file, line: parsed.error.line, message: parsed.error.message, severity: 'error' });
      const values = new Map(parsed.vars.map((v) => [v.key, v.value]));
      lookup = (name) => env[name] ?? values.get(name);
    }
  }
  const files: LoadedCompose[] = [];
  for (const rel of composeFiles) {
    const abs = resolve(root, rel);
    const file = projectRelative(root, abs);
    const read = await readTextFile(abs);
    if (!read.ok) {
      problems.push({ file, line: 1, message: read.message, severity: 'error' });
      continue;
    }
    const result = extractCompose(file, read.text, lookup);
    problems.push(...result.problems);
    files.push({ file, dir: dirname(abs), services: result.services });
  }
  return { files, lookup, problems };
}
