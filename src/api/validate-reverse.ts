/**
 * Reversibility for `cfgmig validate`: apply → rollback → apply on a scratch embedded store in a
 * temporary folder, and check that the second apply ends where the first did. The scratch
 * project mirrors the real one through symbolic links (sources, rules, schemas), with its own
 * `.cfgmig/` and a copy of cfgmig.yaml without Redis, store URL or restart commands: nothing
 * reaches the real store, Redis, the published snapshots or a running service.
 */
import { mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { readTextFile } from '../adapters/files.js';
import { actor } from '../adapters/identity.js';
import { readVersion } from '../adapters/store/configs.js';
import { openStore } from '../adapters/store/open.js';
import { referencedFingerprints } from '../adapters/store/referenced-secrets.js';
import { PROJECT_FILE } from '../config/project.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import { canonicalJson } from '../core/store/canonical.js';
import { leaves } from '../core/store/diff.js';
import type { Db } from '../adapters/store/db.js';
import { applyPlans } from './apply.js';
import { makePlans } from './plan.js';
import { rollbackMigration } from './rollback.js';
import type { StoreCheckRequest, StoreCheckResult } from './validate-store.js';

async function scratchProject(root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cfgmig-validate-'));
  for (const name of await readdir(root)) {
    if (name === '.cfgmig' || name === PROJECT_FILE) continue;
    await symlink(join(root, name), join(dir, name));
  }
  const read = await readTextFile(join(root, PROJECT_FILE));
  if (read.ok) {
    const doc = parseDocument(read.text);
    doc.delete('redis');
    doc.set('store', 'embedded');
    const services = doc.get('services') as
      { items?: { value?: { delete?: (k: string) => void } }[] } | undefined;
    for (const item of services?.items ?? []) item.value?.delete?.('restart');
    await writeFile(join(dir, PROJECT_FILE), doc.toString());
  }
  return dir;
}

/** The resolved configuration: settings as they are, credentials by fingerprint. */
async function resolved(
  db: Db,
  req: StoreCheckRequest,
  env: Record<string, string | undefined>,
  service: string,
  fp: (v: string) => string,
): Promise<string> {
  const v = await readVersion(db, service, req.environment);
  const data = v?.data ?? {};
  const prints = await referencedFingerprints(db, req.set.keys, service, data, fp, actor(env));
  const flat = [...leaves(data)].map(([k, l]) => [
    k,
    l.ref ? { fingerprint: prints.get(k) ?? null } : l.value,
  ]);
  return canonicalJson(flat as never);
}

export async function reversibility(req: StoreCheckRequest, out: StoreCheckResult): Promise<void> {
  const valid = req.set.plans.filter((p) => p.doc.validation.valid && req.services.includes(p.doc.service));
  for (const p of req.set.plans)
    if (!valid.includes(p))
      out.checks.push({
        check: 'reversible',
        service: p.doc.service,
        status: 'skipped',
        note: 'the planned configuration breaks its schema',
      });
  if (valid.length === 0) return;
  const dir = await scratchProject(req.root);
  const env: Record<string, string | undefined> = {
    ...req.env,
    CFGMIG_MASTER_KEY: Buffer.from(req.set.keys.primary).toString('base64'),
  };
  delete env.CFGMIG_STORE_URL;
  delete env.CFGMIG_REDIS_URL;
  const services = valid.map((p) => p.doc.service);
  let db: Db | null = null;
  try {
    db = await openStore(dir, env);
    const fp = fingerprinter(req.set.keys.primary);
    const plan = async () => {
      const set = await makePlans({ project: dir, services, environment: req.environment, env }, db!);
      return applyPlans({ project: dir, plans: [], planned: set, env }, db!);
    };
    const applied = new Set((await plan()).filter((o) => o.status === 'applied').map((o) => o.service));
    const first = new Map<string, string>();
    for (const s of services) first.set(s, await resolved(db, req, env, s, fp));
    const failedRollback = new Map<string, string>();
    // A service with nothing to store has no migration to roll back: apply → apply is the check.
    for (const s of services.filter((x) => applied.has(x))) {
      try {
        const o = await rollbackMigration(db, {
          project: dir,
          service: s,
          environment: req.environment,
          env,
          reason: 'cfgmig validate: reversibility check',
        });
        if (o.status === 'failed' || !o.verification.ok)
          failedRollback.set(
            s,
            `rollback failed: ${
              o.steps.find((x) => !x.ok && !x.skipped)?.detail ??
              o.verification.checks.find((c) => !c.ok)?.detail ??
              'see cfgmig rollback'
            }`,
          );
      } catch (err) {
        failedRollback.set(s, `rollback failed: ${(err as Error).message}`);
      }
    }
    await plan();
    for (const s of services) {
      const again = await resolved(db, req, env, s, fp);
      const why =
        failedRollback.get(s) ??
        (again === first.get(s) ? null : 'the second apply does not end where the first did');
      out.checks.push({
        check: 'reversible',
        service: s,
        status: 'pass',
        note: 'apply → rollback → apply on a scratch store',
      });
      if (why)
        out.problems.push({
          check: 'reversible',
          service: s,
          severity: 'error',
          rule: 'not-reversible',
          message: `${s}/${req.environment}: ${why}`,
        });
    }
  } catch (err) {
    for (const s of services) {
      if (out.checks.some((c) => c.check === 'reversible' && c.service === s)) continue;
      out.checks.push({ check: 'reversible', service: s, status: 'pass' });
      out.problems.push({
        check: 'reversible',
        service: s,
        severity: 'error',
        rule: 'not-reversible',
        message: `reversibility check failed on the scratch store: ${(err as Error).message}`,
      });
    }
  } finally {
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  }
}
