/**
 * One worker process of bench/rollback: connects one cfgmig/client instance (built,
 * dist/client) per service it is given, checks that each reads the store's values (flags at
 * new_with_fallback 100%), then records when each instance has observed the rollback: its
 * service flag `legacy_only` and its value the legacy one (`legacyValue` of `key`).
 *
 * Detection: a setInterval(1 ms) poll of every instance (`flags().default.mode` and
 * `getSync(key)`), taking the wall time (`performance.timeOrigin + performance.now()`) of the
 * first poll that shows it; up to ~1 ms late.
 *
 * Messages (IPC, from the parent):
 *   {type: 'start', options, services, key, storeValue}  connect; answer {type: 'ready'}
 *   {type: 'await', legacyValue, timeoutMs}  answer {type: 'observed', times} (null: not seen)
 *   {type: 'stop'}                           close the clients and exit
 */
import { wall } from '../lib/stats.mjs';
import { closeAll, MigrationCompatibleConfig, serveParent } from '../lib/worker-side.mjs';

let clients = [];
let key = '';

async function start(m) {
  key = m.key;
  clients = await Promise.all(
    m.services.map((service) => MigrationCompatibleConfig.connect({ ...m.options, service })),
  );
  for (const [i, c] of clients.entries()) {
    const f = c.flags().default;
    const v = c.getSync(key);
    if (f.mode !== 'new_with_fallback' || f.percentBp !== 10_000 || v !== m.storeValue)
      throw new Error(
        `${m.services[i]}: expected the store's value at 100%, got ${f.mode} ${f.percentBp} ${v}`,
      );
  }
  process.send({ type: 'ready' });
}

function awaitRollback({ legacyValue, timeoutMs }) {
  const times = clients.map(() => null);
  const deadline = Date.now() + timeoutMs;
  const poll = setInterval(() => {
    const t = wall();
    let left = 0;
    for (let i = 0; i < clients.length; i++) {
      if (times[i] !== null) continue;
      const c = clients[i];
      if (c.flags().default.mode === 'legacy_only' && c.getSync(key) === legacyValue) times[i] = t;
      else left++;
    }
    if (left === 0 || Date.now() > deadline) {
      clearInterval(poll);
      process.send({ type: 'observed', times });
    }
  }, 1);
}

serveParent({ start, onAwait: awaitRollback, stop: () => closeAll(clients) });
