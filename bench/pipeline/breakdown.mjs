/**
 * In-process breakdown of what `cfgmig plan --all` and `cfgmig apply --all --yes` do, through
 * the programmatic API in dist/ (the functions the commands call), so the CLI's figures can be
 * split into: finding the inputs (extraction + precedence), planning (which does that again,
 * then rules, store reads, schema checks, plan documents), writing the plan files, apply (which
 * re-plans, then writes), and the second plan (which also reads every credential it compares,
 * each a logged read). The store handle is wrapped to time what runs inside it: every
 * `transaction` (a write in apply, a credential read in plan) and every `query` outside one.
 *
 * Not the user's view (no process start, no output): bench/pipeline/run.mjs times that.
 */
import { resolve } from 'node:path';

const now = () => performance.now();
const secs = (t0) => (now() - t0) / 1000;

/** The store handle with `transaction` and `query` timed (counts and seconds, since the last reset). */
function instrument(db) {
  const stats = { transactions: 0, txSeconds: 0, queries: 0, querySeconds: 0 };
  const timed = (name, countKey, secondsKey) =>
    async function (...args) {
      const t0 = now();
      stats[countKey]++;
      try {
        return await db[name](...args);
      } finally {
        stats[secondsKey] += secs(t0);
      }
    };
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === 'transaction') return timed('transaction', 'transactions', 'txSeconds');
      if (prop === 'query') return timed('query', 'queries', 'querySeconds');
      const v = Reflect.get(target, prop, target);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  const take = () => {
    const out = { ...stats };
    Object.assign(stats, { transactions: 0, txSeconds: 0, queries: 0, querySeconds: 0 });
    return out;
  };
  return { db: wrapped, take };
}

async function loadApi(repo) {
  const dist = (p) => import(resolve(repo, 'dist', p));
  const [index, masterKey] = await Promise.all([dist('index.js'), dist('adapters/master-key.js')]);
  return { ...index, loadKeyring: masterKey.loadKeyring };
}

/**
 * Runs the breakdown on the project for `services` (ids; all when empty) with the store that
 * `env` selects (a fresh one: the caller resets it). Returns the timings in seconds.
 */
export async function breakdown(repo, project, services, env) {
  const api = await loadApi(repo);
  const fullEnv = { ...process.env, ...env };
  const t = {};
  let t0 = now();
  const raw = await api.openStore(project, fullEnv);
  t.open = secs(t0);
  const { db, take } = instrument(raw);
  try {
    t0 = now();
    const config = await api.loadProject(project, fullEnv);
    const keys = await api.loadKeyring(config.root, fullEnv, config.masterKey);
    t.load = secs(t0);

    t0 = now();
    const inputs = await api.planInputs(config, services, 'production', fullEnv, keys.primary);
    t.inputs = secs(t0);
    t.entries = inputs.services.reduce((s, x) => s + x.inputs.length, 0);

    t0 = now();
    const set = await api.makePlans({ project, services, environment: 'production', env: fullEnv }, db);
    t.plan = secs(t0);
    t.planStore = take();

    t0 = now();
    const plans = [];
    for (const { doc } of set.plans)
      plans.push({ doc, file: await api.writePlanFile(config.root, config.plans, doc) });
    t.planFiles = secs(t0);

    t0 = now();
    const outcomes = await api.applyPlans({ project, plans, env: fullEnv }, db);
    t.apply = secs(t0);
    t.applyStore = take();
    const applied = outcomes.filter((o) => o.status === 'applied').length;
    if (applied !== plans.length) throw new Error(`breakdown: applied ${applied} of ${plans.length}`);
    t.credentials = plans.reduce(
      (s, p) => s + p.doc.changes.filter((c) => c.op === 'set-credential').length,
      0,
    );

    t0 = now();
    const again = await api.makePlans({ project, services, environment: 'production', env: fullEnv }, db);
    t.plan2 = secs(t0);
    t.plan2Store = take();
    if (again.plans.some((p) => p.doc.changes.some((c) => c.op !== 'unchanged')))
      throw new Error('breakdown: the second plan has changes');
    return t;
  } finally {
    await raw.close();
  }
}

/** Prints one backend's breakdown. */
export function printBreakdown(backend, t, fmt) {
  const store = (x) =>
    `${x.transactions.toLocaleString('en-US')} transactions ${fmt(x.txSeconds)} s, ` +
    `${x.queries.toLocaleString('en-US')} other queries ${fmt(x.querySeconds)} s`;
  const rows = [
    ['open the store (create + migrate)', t.open, ''],
    ['load cfgmig.yaml and the master key', t.load, ''],
    [`planInputs: extraction + precedence (${t.entries.toLocaleString('en-US')} inputs)`, t.inputs, ''],
    ['makePlans: planInputs again, rules, schemas, plan documents', t.plan, store(t.planStore)],
    ['write the plan files', t.planFiles, ''],
    ['applyPlans: makePlans again, then one write per service', t.apply, store(t.applyStore)],
    [
      `makePlans after apply (compares ${t.credentials.toLocaleString('en-US')} credentials)`,
      t.plan2,
      store(t.plan2Store),
    ],
  ];
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`\n  ${backend}, in-process (dist/ API, one run; store = time inside the store handle):`);
  for (const [label, s, detail] of rows)
    console.log(`    ${label.padEnd(width)}  ${fmt(s).padStart(6)} s${detail ? `  store: ${detail}` : ''}`);
}
