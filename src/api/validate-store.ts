/**
 * The store side of `cfgmig validate`.
 *
 * Values, as the specification's validateMigration: for every key a migration moved (the
 * published legacy map), the legacy value — the service's own sources as they are now (its
 * `.env` and compose variables, after precedence), read through the legacy map the way
 * cfgmig/client reads them in legacy mode; config-file and hardcoded keys as the rules map them
 * now — against the store's effective value: MATCH, MISMATCH or ERROR. Credentials are compared
 * by fingerprint (the store's decrypted in memory, a logged read), never printed. A mismatch
 * that a plan not yet applied, or sources changed since the plan, explains is `pending`.
 *
 * Reversibility: on a scratch embedded store in a temporary folder (never the project's), the
 * plans are applied, rolled back and applied again; the resolved configuration (settings, and
 * credentials by fingerprint) must end where the first apply did.
 *
 * The project's store is never created: when it does not exist yet, both checks are skipped.
 */
import { join } from 'node:path';
import { exists } from '../adapters/files.js';
import { actor } from '../adapters/identity.js';
import { readPublication } from '../adapters/store/publication.js';
import { referencedFingerprints } from '../adapters/store/referenced-secrets.js';
import { connect, storeSetting } from '../adapters/store/open.js';
import { legacyValue } from '../client/legacy.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import type { PlanDoc } from '../core/plan/plan-doc.js';
import { canonicalJson, type Json } from '../core/store/canonical.js';
import { leaves } from '../core/store/diff.js';
import type { CheckResult, KeyComparison, ServiceValues, ValidateProblem } from '../core/validate/model.js';
import type { PlanSet } from './plan.js';
import { reversibility } from './validate-reverse.js';

export interface StoreCheckRequest {
  root: string;
  environment: string;
  /** Planned now from the sources (against an empty store). */
  set: PlanSet;
  committed: { file: string; doc: PlanDoc }[];
  /** Per service, the keys whose sources changed since the committed plan. */
  stale: Map<string, Set<string>>;
  env: Record<string, string | undefined>;
  services: string[];
}

export interface StoreCheckResult {
  checks: CheckResult[];
  problems: ValidateProblem[];
  values: ServiceValues[];
  notes: string[];
}

async function storeExists(root: string, env: Record<string, string | undefined>): Promise<boolean> {
  const setting = await storeSetting(root, env);
  if (setting.kind === 'embedded') return exists(join(root, '.cfgmig', 'store', 'pgdata'));
  return true;
}

export async function storeChecks(req: StoreCheckRequest): Promise<StoreCheckResult> {
  const out: StoreCheckResult = { checks: [], problems: [], values: [], notes: [] };
  const skipAll = (note: string) => {
    out.notes.push(note);
    for (const service of req.services) {
      out.checks.push({ check: 'values', service, status: 'skipped', note });
      out.checks.push({ check: 'reversible', service, status: 'skipped', note });
    }
    return out;
  };
  if (!(await storeExists(req.root, req.env)))
    return skipAll('the project has no store yet: store checks skipped (nothing was created)');
  const db = await connect(req.root, await storeSetting(req.root, req.env));
  try {
    const [row] = await db.query<{ t: string | null }>(
      `SELECT to_regclass('service_configurations')::text AS t`,
    );
    if (!row?.t) return skipAll('the project store has no cfgmig tables yet: store checks skipped');
    await compareValues(db, req, out);
  } finally {
    await db.close();
  }
  await reversibility(req, out);
  return out;
}

async function compareValues(
  db: Awaited<ReturnType<typeof connect>>,
  req: StoreCheckRequest,
  out: StoreCheckResult,
) {
  const fingerprint = fingerprinter(req.set.keys.primary);
  const who = actor(req.env);
  for (const service of req.services) {
    const plan = req.set.plans.find((p) => p.doc.service === service);
    const pub = await readPublication(db, service, req.environment);
    if (!plan || pub.version === 0) {
      out.checks.push({
        check: 'values',
        service,
        status: 'skipped',
        note: `not applied to ${req.environment} yet`,
      });
      continue;
    }
    const envMap: Record<string, string | undefined> = {};
    for (const i of plan.inputs)
      if ((i.kind === 'env-file' || i.kind === 'compose') && i.value !== null) envMap[i.name] = i.value;
    const stored = leaves(pub.config);
    let storedPrints = new Map<string, string>();
    try {
      storedPrints = await referencedFingerprints(db, req.set.keys, service, pub.config, fingerprint, who);
    } catch (err) {
      out.problems.push({
        check: 'values',
        service,
        severity: 'error',
        rule: 'store-error',
        message: (err as Error).message,
      });
    }
    const committed = req.committed.find(
      (c) => c.doc.service === service && c.doc.environment === req.environment,
    )?.doc;
    const details: KeyComparison[] = [];
    for (const [key, src] of Object.entries(pub.legacy).sort(([a], [b]) => a.localeCompare(b))) {
      const credential = src.credential === true;
      const kind = credential ? 'credential' : 'setting';
      let legacy: Json | undefined;
      if (src.from === undefined) {
        const m = plan.mapped.find((x) => x.target === key);
        legacy = m ? (credential ? (m.fingerprint ?? undefined) : (m.value ?? null)) : undefined;
      } else {
        const lv = legacyValue(src, envMap);
        if (!lv.ok) {
          details.push({ key, kind, status: 'ERROR', detail: lv.reason });
          continue;
        }
        legacy =
          credential && lv.value !== undefined && lv.value !== null
            ? fingerprint(String(lv.value))
            : lv.value;
      }
      const leaf = stored.get(key);
      const store: Json | undefined = leaf ? (leaf.ref ? storedPrints.get(key) : leaf.value) : undefined;
      if (leaf?.ref && store === undefined) {
        details.push({
          key,
          kind,
          status: 'ERROR',
          detail: 'the credential could not be read from the store',
        });
        continue;
      }
      if (legacy === undefined && store === undefined) continue;
      if (legacy !== undefined && store !== undefined && canonicalJson(legacy) === canonicalJson(store)) {
        details.push({ key, kind, status: 'MATCH' });
        continue;
      }
      const detail =
        store === undefined
          ? 'not in the store'
          : legacy === undefined
            ? 'not set in the legacy sources'
            : credential
              ? 'fingerprints differ'
              : 'values differ';
      // Explained (pending): the sources changed since the committed plan, or the committed plan
      // was made against the store as it is and not applied yet. Otherwise the store moved away
      // from what was applied (an edit outside the plans): a real MISMATCH.
      const unapplied = committed !== undefined && committed.base.version === pub.version;
      const pending = req.stale.get(service)?.has(key) === true || unapplied;
      details.push({ key, kind, status: 'MISMATCH', detail, ...(pending ? { pending: true } : {}) });
    }
    const source = (key: string) => plan.doc.changes.find((c) => c.key === key)?.source;
    for (const d of details.filter((x) => x.status !== 'MATCH')) {
      const at = source(d.key);
      out.problems.push({
        check: 'values',
        service,
        severity: d.pending ? 'pending' : 'error',
        rule: d.status === 'ERROR' ? 'value-error' : d.pending ? 'value-mismatch-pending' : 'value-mismatch',
        message: `${d.key}: ${d.status} (${d.kind}: ${d.detail})${d.pending ? ': pending, the sources or the plan are ahead of the store: plan and apply again' : ''}`,
        key: d.key,
        ...(at ? { file: at.file, line: at.line } : {}),
      });
    }
    const count = (s: string) => details.filter((d) => d.status === s).length;
    out.values.push({
      service,
      environment: req.environment,
      totalKeys: details.length,
      matches: count('MATCH'),
      mismatches: count('MISMATCH'),
      errors: count('ERROR'),
      details,
    });
    out.checks.push({ check: 'values', service, status: 'pass', note: `${details.length} keys compared` });
  }
}
