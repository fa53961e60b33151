/**
 * An exclusive lock file holding our pid. PGlite is one process's database: two processes
 * writing the same data directory corrupt it, so the second must be refused, not wait.
 */
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
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

export function acquirePidLock(path: string, what: string): PidLock {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o644); // O_CREAT|O_EXCL: exactly one creator wins
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      let held = true;
      const release = () => {
        if (!held) return;
        held = false;
        process.off('exit', release);
        // Only remove the file if it is still ours (never another process's fresh lock).
        if (readPid(path) === process.pid) {
          try {
            unlinkSync(path);
          } catch {
            /* already gone */
          }
        }
      };
      process.on('exit', release); // a normal exit without close() still frees the store
      return { release };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = readPid(path);
    // A pid file without a pid is a crash between create and write; our own pid means
    // another handle in this process holds it, which is just as unsafe as another process.
    if (pid !== null && alive(pid)) {
      throw new CfgmigError('conflict', `${what} in use by pid ${pid}`, {
        hint: `Wait for that cfgmig process to finish. If no cfgmig is running, delete ${path}.`,
        file: path,
      });
    }
    // Stale: its process is gone (SIGKILL, power loss). Take it over by removing it and
    // retrying O_EXCL. Known narrow race: two processes that both saw the SAME stale file
    // can interleave so the slower one unlinks the faster one's fresh lock; closing it
    // needs a takeover lock and is left for when two cfgmigs racing a crashed one matters.
    try {
      unlinkSync(path);
    } catch {
      /* someone else removed it first */
    }
  }
  throw new CfgmigError('conflict', `${what} is being opened by another process`, {
    hint: 'Try again in a moment.',
    file: path,
  });
}
