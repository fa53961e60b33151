/**
 * One worker process of bench/propagation: connects `count` cfgmig/client instances (built,
 * dist/client) with the options it is sent, then watches their flag versions.
 *
 * Detection: a setInterval(1 ms) poll of every instance's `flags().flagsVersion`, recording
 * the wall time (`performance.timeOrigin + performance.now()`) at which each instance first
 * shows each new version. A poll costs 100 property reads per millisecond, where a
 * setImmediate spin would hold a core the CLI and Redis need; its cost is up to ~1 ms of
 * detection delay per observation. (`watch()` is no use here: it fires on value changes, and a
 * flag change need not change any value an instance settles on.)
 *
 * Messages (IPC, from the parent):
 *   {type: 'start', options, count, base}  connect; answer {type: 'ready', versions}
 *   {type: 'await', version, timeoutMs}    answer {type: 'observed', version, times, missing}
 *                                          once every instance shows >= version (or timeout):
 *                                          times[i] = when instance i first showed a version >= it
 *   {type: 'stop'}                         close the clients and exit
 */
import { wall } from '../lib/stats.mjs';
import { closeAll, MigrationCompatibleConfig, serveParent } from '../lib/worker-side.mjs';

let clients = [];
/** Per instance: [version, first wall time seen], in the order seen. */
let seen = [];
let poll = null;

function sample() {
  const t = wall();
  for (let i = 0; i < clients.length; i++) {
    const v = clients[i].flags().flagsVersion;
    const s = seen[i];
    if (s.length === 0 || s[s.length - 1][0] !== v) s.push([v, t]);
  }
}

function firstAtLeast(i, version) {
  for (const [v, t] of seen[i]) if (v >= version) return t;
  return null;
}

async function start({ options, count, base }) {
  clients = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      MigrationCompatibleConfig.connect({ ...options, instanceId: `bench-${base + i}` }),
    ),
  );
  seen = clients.map(() => []);
  sample();
  poll = setInterval(sample, 1);
  process.send({ type: 'ready', versions: clients.map((c) => c.flags().flagsVersion) });
}

function awaitVersion({ version, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  const check = () => {
    const times = clients.map((_, i) => firstAtLeast(i, version));
    const missing = times.filter((t) => t === null).length;
    if (missing === 0 || Date.now() > deadline) {
      process.send({ type: 'observed', version, times, missing });
      // Forget what is answered: the lists stay short over many rounds.
      seen = seen.map((s) => s.slice(-1));
    } else setTimeout(check, 5);
  };
  check();
}

async function stop() {
  if (poll) clearInterval(poll);
  await closeAll(clients);
}

serveParent({ start, onAwait: awaitVersion, stop });
