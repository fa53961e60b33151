/** `cfgmig store info`: open (and migrate) the project's store, then say what it is and what it holds. */
import { resolve } from 'node:path';
import { storeInfo, type StoreInfo } from '../adapters/store/info.js';
import { openStore } from '../adapters/store/open.js';
import { ExitCode } from '../errors.js';
import { painter, type Io } from '../output/terminal.js';

export interface StoreInfoOptions {
  project: string;
  json?: boolean;
}

function human(info: StoreInfo, bold: (s: string) => string): string {
  const width = Math.max(...Object.keys(info.tables).map((t) => t.length));
  const rows = Object.entries(info.tables).map(([t, n]) => `  ${t.padEnd(width)}  ${n}`);
  return [
    `${bold('backend')}         ${info.backend}`,
    `${bold('location')}        ${info.location}`,
    `${bold('schema version')}  ${info.schemaVersion}`,
    bold('rows'),
    ...rows,
    '',
  ].join('\n');
}

export async function run(opts: StoreInfoOptions, io: Io): Promise<number> {
  const db = await openStore(resolve(opts.project), io.env);
  try {
    const info = await storeInfo(db);
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, ...info }, null, 2)}\n`
        : human(info, painter(io.stdout, io.env).bold),
    );
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
