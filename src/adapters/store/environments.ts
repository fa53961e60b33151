/**
 * Environments and their inheritance (`global` → `production` …), and the effective
 * configuration of a service: the deep merge of its current versions along the chain.
 */
import type { Json } from '../../core/store/canonical.js';
import { deepMerge, effectiveChain, type EnvironmentDef } from '../../core/store/merge.js';
import { badInput } from '../../errors.js';
import { appendAudit } from './audit.js';
import { readVersion } from './configs.js';
import type { Db, Queryable } from './db.js';

export async function listEnvironments(db: Queryable): Promise<EnvironmentDef[]> {
  return db.query<EnvironmentDef>('SELECT name, inherits FROM environments ORDER BY name');
}

/**
 * Creates or redefines an environment. Parents must exist and the result must not be a
 * cycle; the check runs inside the transaction, so a refused definition changes nothing.
 */
export async function defineEnvironment(
  db: Db,
  name: string,
  inherits: string[] = [],
  actor = 'cfgmig',
): Promise<void> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) {
    throw badInput(`invalid environment name "${name}": use letters, digits, '.', '_' and '-'`);
  }
  await db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO environments (name, inherits) VALUES ($1, $2)
       ON CONFLICT (name) DO UPDATE SET inherits = EXCLUDED.inherits`,
      [name, inherits],
    );
    // Any cycle made by this definition passes through `name`, so checking its chain is enough.
    effectiveChain(await listEnvironments(tx), name);
    await appendAudit(tx, { actor, action: 'environment.define', subject: name, details: { inherits } });
  });
}

export interface EffectiveConfig {
  data: Json;
  /** The levels that contributed, farthest first; levels with no version are skipped. */
  sources: { environment: string; version: number }[];
}

export async function effectiveConfig(db: Queryable, service: string, env: string): Promise<EffectiveConfig> {
  const chain = effectiveChain(await listEnvironments(db), env);
  let data: Json = {};
  const sources: EffectiveConfig['sources'] = [];
  for (const level of chain) {
    const v = await readVersion(db, service, level);
    if (!v) continue;
    data = deepMerge(data, v.data);
    sources.push({ environment: level, version: v.version });
  }
  return { data, sources };
}
