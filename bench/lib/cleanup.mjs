/**
 * Cleanup for the benchmarks that leave things behind (databases, Redis keys, processes, temp
 * folders): what is registered runs in reverse order, once, on success, failure or Ctrl-C.
 * Importing this module installs the SIGINT/SIGTERM handlers (clean up, then exit 130).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cleanups = [];
let cleaning = null;

/** Registers `fn` (sync or async) to run at cleanup, before everything registered earlier. */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Runs the cleanups; a failing one is reported and the others still run. */
export function cleanupAll() {
  cleaning ??= (async () => {
    for (const c of cleanups.reverse()) {
      try {
        await c();
      } catch (err) {
        console.error(`cleanup failed: ${err.message ?? err}`);
      }
    }
  })();
  return cleaning;
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    console.error(`\n${sig}: cleaning up`);
    cleanupAll().finally(() => process.exit(130));
  });
}

/** A new temp folder named `prefix…`, removed at cleanup. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
