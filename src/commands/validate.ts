/**
 * `cfgmig validate`: the CI check of a migration (api/validate.ts). Prints the report in the
 * chosen format on stdout, and with --output writes the same text to a file. Exit 0 valid,
 * 1 problems, 10 plans pending with --detailed-exitcode (problems win), 2 bad usage.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { validateProject } from '../api/validate.js';
import { exitCodeOf, type ValidateReport } from '../core/validate/model.js';
import { badInput } from '../errors.js';
import { junitXml } from '../output/junit.js';
import { sarifLog } from '../output/sarif.js';
import { painter, type Io } from '../output/terminal.js';
import { validateView } from '../output/validate-view.js';

export interface ValidateOptions {
  project: string;
  service?: string[];
  env?: string;
  format?: 'human' | 'json' | 'junit' | 'sarif';
  json?: boolean;
  output?: string;
  store?: boolean;
  detailedExitcode?: boolean;
}

const version = (): string =>
  (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string })
    .version;

function render(r: ValidateReport, format: string, io: Io, forFile: boolean): string {
  if (format === 'json') return `${JSON.stringify(r, null, 2)}\n`;
  if (format === 'junit') return junitXml(r);
  if (format === 'sarif') return sarifLog(r, version());
  return validateView(r, painter(forFile ? {} : io.stdout, forFile ? { ...io.env, NO_COLOR: '1' } : io.env));
}

export async function run(opts: ValidateOptions, io: Io): Promise<number> {
  const format = opts.json ? 'json' : (opts.format ?? 'human');
  if (opts.json && opts.format && opts.format !== 'human' && opts.format !== 'json')
    throw badInput(`--json and --format ${opts.format} exclude each other`);
  const report = await validateProject({
    project: resolve(opts.project),
    services: opts.service ?? [],
    ...(opts.env ? { environment: opts.env } : {}),
    env: io.env,
    store: opts.store !== false,
  });
  io.stdout.write(render(report, format, io, false));
  if (opts.output) {
    const file = resolve(opts.output);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, render(report, format, io, true));
    io.stderr.write(`report written to ${opts.output}\n`);
  }
  return exitCodeOf(report, opts.detailedExitcode === true);
}
