/**
 * The workers' side of bench/lib/workers.mjs: the built client (dist/client) and the IPC loop
 * with the parent.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const { MigrationCompatibleConfig } = await import(
  pathToFileURL(resolve(REPO, 'dist/client/index.js')).href
);

/** Closes every client, ignoring failures. */
export const closeAll = (clients) => Promise.all(clients.map((c) => c.close().catch(() => undefined)));

/**
 * Answers the parent's messages: {type: 'start'} with `start(m)` (a failure is sent as
 * {type: 'error', message} and exits 1), {type: 'await'} with `onAwait(m)`, {type: 'stop'}
 * with `stop()` and exit 0. Exits when the parent is gone (crashed, killed): no orphan keeps
 * its connections open.
 */
export function serveParent({ start, onAwait, stop }) {
  process.on('message', (m) => {
    if (m.type === 'start')
      start(m).catch((err) => {
        process.send({ type: 'error', message: err.stack ?? String(err) });
        process.exit(1);
      });
    else if (m.type === 'await') onAwait(m);
    else if (m.type === 'stop') void stop().then(() => process.exit(0));
  });
  process.on('disconnect', () => process.exit(0));
}
