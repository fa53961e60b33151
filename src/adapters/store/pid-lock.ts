/**
 * An exclusive lock file holding our pid. PGlite is one process's database: two processes
 * writing the same data directory corrupt it, so the second must be refused, not wait.
 *
 * The file is created complete and atomically: the pid is written to a private temp file
 * which is then hard-linked to the lock name (link fails with EEXIST like O_EXCL), so no
 * reader ever sees a half-written, empty lock and mistakes it for a stale one.
 */
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { CfgmigError } from '../../errors.js';

export interface PidLock {
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: existence check only
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else, which still means "in use".
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(path: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Atomically creates `path` holding our pid; false when it already exists. */
function create(path: string): boolean {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${process.pid}\n`, { mode: 0o644 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkQuietly(tmp);
  }
}

/** Held by a living process (another one, or another handle in this one)? */
function holder(path: string): number | null {
  const pid = readPid(path);
  return pid !== null && alive(pid) ? pid : null;
}

/**
 * Removes a stale lock under a second, short-lived lock, so two processes that both saw the
 * same dead pid cannot both take over: the slower one re-reads under the takeover lock and
 * finds the winner's living pid instead.
 */
function removeIfStale(path: string): void {
  const takeover = `${path}.takeover`;
  if (!create(takeover)) {
    if (holder(takeover) === null) unlinkQuietly(takeover); // its owner died mid-takeover
    return; // someone else is taking over; the caller retries
  }
  try {
    if (holder(path) === null) unlinkQuietly(path);
  } finally {
    unlinkQuietly(takeover);
  }
}

export function acquirePidLock(path: string, what: string): PidLock {
  for (let attempt = 0; attempt < 5; attempt++) {
    if (create(path)) {
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        // Only remove the file if it is still ours (never another process's fresh lock).
        if (readPid(path) === process.pid) unlinkQuietly(path);
      };
      process.on('exit', release); // a normal exit without close() still frees the store
      return { release };
    }
    const pid = holder(path);
    if (pid !== null) {
      throw new CfgmigError('conflict', `${what} in use by pid ${pid}`, {
        hint: `Wait for that cfgmig process to finish. If no cfgmig is running, delete ${path}.`,
        file: path,
      });
    }
    // Stale: its process is gone (SIGKILL, power loss). Take it over and try again.
    removeIfStale(path);
  }
  throw new CfgmigError('conflict', `${what} is being opened by another process`, {
    hint: 'Try again in a moment.',
    file: path,
  });
}
