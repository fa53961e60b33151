/**
 * Opens the store a project uses, migrated to the current schema. The choice, in order:
 * CFGMIG_STORE_URL, then `store:` in cfgmig.yaml, then the embedded default. Backends are
 * imported lazily so a PostgreSQL user never loads PGlite's WebAssembly and vice versa.
 */
import { join } from 'node:path';
import { parseStoreSetting, type StoreSetting } from '../../core/store/url.js';
import { PROJECT_FILE } from '../../config/project.js';
import { badInput } from '../../errors.js';
import { exists } from '../files.js';
import type { Db } from './db.js';
import { migrate } from './migrate.js';

export async function storeSetting(
  root: string,
  env: Record<string, string | undefined>,
): Promise<StoreSetting> {
  const fromEnv = env.CFGMIG_STORE_URL;
  if (fromEnv !== undefined && fromEnv.trim() !== '') return checked(fromEnv, 'CFGMIG_STORE_URL');
  // Without a cfgmig.yaml there is nothing to choose a server: the embedded store it is.
  if (!(await exists(join(root, PROJECT_FILE)))) return { kind: 'embedded' };
  // Imported here, not at the top: the project loader brings the YAML parser and the schema
  // validator (tens of milliseconds to load), which a project without cfgmig.yaml never needs.
  const { loadProject } = await import('../../config/load.js');
  return checked((await loadProject(root, env)).store, `${PROJECT_FILE} store`);
}

function checked(value: string, where: string): StoreSetting {
  const s = parseStoreSetting(value);
  // Never echo the value: it may be a URL with a password in it.
  if (s.kind === 'invalid') {
    throw badInput(`${where} must be \`embedded\` or a postgres:// URL`, {
      hint: 'Example: postgres://cfgmig@db.internal:5432/cfgmig',
    });
  }
  return s;
}

/** Opens without migrating: for tests and tools that inspect a store as it is. */
export async function connect(root: string, setting: StoreSetting): Promise<Db> {
  if (setting.kind === 'postgres') return (await import('./postgres.js')).openPostgres(setting.url);
  return (await import('./pglite.js')).openEmbedded(root);
}

export async function openStore(root: string, env: Record<string, string | undefined>): Promise<Db> {
  const db = await connect(root, await storeSetting(root, env));
  try {
    await migrate(db);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }
  return db;
}
