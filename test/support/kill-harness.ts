/**
 * The pieces of a SIGKILL test that do not depend on what the child does: run a node script
 * (the store writer, or bin/cfgmig.js itself), SIGKILL it at a planned moment, and on
 * PostgreSQL wait until the server has ended the dead client's session before looking.
 *
 * test/reliability/apply-kill.test.ts uses these. test/reliability/kill.test.ts has its own
 * copies of the same logic (it predates this file): its runAndKill is killChild plus a check
 * that the child died of the planned kill, and its sessionsGone is this one.
 */
import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import pg from 'pg';
import { cleanEnv } from './cli.js';
import { PG_ADMIN_URL } from './stores.js';

export interface KillPlan {
  /**
   * What to wait for before the delay starts: 'spawn'; a line the child prints on stdout
   * (the line itself, or its first word(s) followed by a space); or `{ watch: dir }`, the
   * first change of an entry of that existing directory (a file the child writes).
   */
  after: string | { watch: string };
  delayMs: number;
}

/** How a kill plan reads in a message. */
export function describeKill(p: KillPlan): string {
  const after = typeof p.after === 'string' ? p.after : `the first change in ${p.after.watch}`;
  return `${Math.round(p.delayMs)} ms after ${after}`;
}

export interface ChildEnd {
  pid: number;
  /** True when our planned SIGKILL ended it; false when it exited by itself first. */
  killed: boolean;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The last stdout line it printed before it ended ('' when none). */
  last: string;
  stderr: string;
  /**
   * When (ms after spawn) the kill was armed, or null if it never was, and when the child
   * ended: for aiming later kills, never for assertions.
   */
  armedAtMs: number | null;
  endedAtMs: number;
}

/**
 * Runs `node script ...args` with a clean environment plus `env`, and SIGKILLs it `delayMs`
 * after `after` was seen. Resolves with how it ended (also when it exited by itself first:
 * the caller decides whether that is a failure); rejects when it could not be started, or
 * when it was still running after `guardMs` (it is then killed: stuck, not a hang).
 */
export function killChild(
  script: string,
  args: string[],
  env: Record<string, string>,
  p: KillPlan,
  guardMs = 60_000,
): Promise<ChildEnd> {
  return new Promise((done, fail) => {
    const started = performance.now();
    let armedAtMs: number | null = null;
    const child = spawn(process.execPath, [script, ...args], {
      env: cleanEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    let last = '';
    let armed = false;
    let fired = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      if (armed) return;
      armed = true;
      armedAtMs = performance.now() - started;
      timer = setTimeout(() => {
        fired = true;
        child.kill('SIGKILL');
      }, p.delayMs);
    };
    let watcher: FSWatcher | undefined;
    if (typeof p.after === 'object') watcher = watch(p.after.watch, arm);
    let stuck = false;
    const guard = setTimeout(() => {
      stuck = true;
      child.kill('SIGKILL');
    }, guardMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        last = line;
        if (typeof p.after === 'string' && (line === p.after || line.startsWith(`${p.after} `))) arm();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', fail);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      clearTimeout(guard);
      watcher?.close();
      if (stuck) {
        fail(
          new Error(
            `the child was not killed as planned (${describeKill(p)}) in ${guardMs} ms; last "${last}":\n${err}`,
          ),
        );
        return;
      }
      done({
        pid: child.pid!,
        killed: fired && signal === 'SIGKILL',
        code,
        signal,
        last,
        stderr: err,
        armedAtMs,
        endedAtMs: performance.now() - started,
      });
    });
    if (p.after === 'spawn') arm();
  });
}

/** PostgreSQL: waits until the server has noticed the killed client and ended its session. */
export async function sessionsGone(database: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    for (let i = 0; i < 500; i++) {
      const { rows } = await client.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
        [database],
      );
      if (rows[0]!.n === 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`sessions of the killed process still open on ${database} after 10 s`);
  } finally {
    await client.end();
  }
}
