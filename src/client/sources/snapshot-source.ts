/**
 * The snapshot file `.cfgmig/published/<environment>/<service>.json`: written by the CLI with
 * an atomic rename, so a reader sees the old file or the new one, never half of one. Watched
 * through its folder (the rename replaces the file, which a watch on the file itself would
 * lose); the client's periodic reconciliation covers a watch that misses an event.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Publication } from '../../core/publish/publication.js';
import { PUBLICATION_FORMAT_VERSION } from '../../core/publish/publication.js';
import type { Source } from './source.js';

export function snapshotSource(projectDir: string, service: string, environment: string): Source {
  const dir = join(projectDir, '.cfgmig', 'published', environment);
  const file = join(dir, `${service}.json`);
  let watcher: FSWatcher | null = null;
  let hint: (() => void) | null = null;

  const startWatch = (): void => {
    if (watcher || !hint) return;
    try {
      const h = hint;
      watcher = watch(dir, { persistent: false }, (_event, name) => {
        if (name === null || name === `${service}.json`) h();
      });
      watcher.on('error', () => {
        watcher?.close();
        watcher = null; // the folder went away; fetch() sets the watch up again
      });
    } catch {
      watcher = null; // no folder yet: nothing published; fetch() tries again
    }
  };

  return {
    name: 'snapshot',
    async fetch() {
      startWatch();
      let text: string;
      try {
        text = await readFile(file, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw err;
      }
      const p = JSON.parse(text) as Publication;
      if (p.formatVersion !== PUBLICATION_FORMAT_VERSION) {
        throw new Error(
          `${file} has format version ${String(p.formatVersion)}; this client reads ${PUBLICATION_FORMAT_VERSION}`,
        );
      }
      return p;
    },
    async listen(h) {
      hint = h;
      startWatch();
    },
    live: () => watcher !== null,
    async close() {
      watcher?.close();
      watcher = null;
      hint = null;
    },
  };
}
