/** `cfgmig history`: the configuration versions of a service, per environment, oldest first. */
import { resolve } from 'node:path';
import { configuredEnvironments, history, type VersionInfo } from '../adapters/store/configs.js';
import { openStore } from '../adapters/store/open.js';
import { ExitCode } from '../errors.js';
import { painter, type Io } from '../output/terminal.js';

export interface HistoryOptions {
  project: string;
  service: string;
  env?: string;
  json?: boolean;
}

interface EnvHistory {
  environment: string;
  versions: VersionInfo[];
}

function human(service: string, envs: EnvHistory[], bold: (s: string) => string): string {
  if (envs.length === 0) return `no configuration versions of ${service}\n`;
  const lines: string[] = [];
  for (const { environment, versions } of envs) {
    lines.push(bold(`${service}/${environment}`));
    for (const v of versions) {
      // 12 hex digits of the checksum are enough to tell versions apart by eye; --json has all 64.
      const cells = [`v${v.version}`, v.createdAt.toISOString(), v.author, v.checksum.slice(0, 12), v.reason];
      lines.push(`  ${cells.join('  ')}`);
    }
    lines.push('');
  }
  return `${lines.join('\n')}\n`.replace(/\n\n$/, '\n');
}

export async function run(opts: HistoryOptions, io: Io): Promise<number> {
  const db = await openStore(resolve(opts.project), io.env);
  try {
    const names = opts.env ? [opts.env] : await configuredEnvironments(db, opts.service);
    const envs: EnvHistory[] = [];
    for (const environment of names) {
      const versions = await history(db, opts.service, environment);
      if (versions.length > 0) envs.push({ environment, versions });
    }
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, service: opts.service, environments: envs }, null, 2)}\n`
        : human(opts.service, envs, painter(io.stdout, io.env).bold),
    );
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
