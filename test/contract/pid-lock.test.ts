/**
 * The embedded store's pid lock under real concurrency: several processes racing for the
 * same lock, with and without a stale pid file left by a killed process, and exactly one wins.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO } from '../support/cli.js';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** One contender: tries the lock, prints `got` or the conflict, holds it long enough that every other contender has tried while it is held. */
function contender(path: string): Promise<string> {
  const mod = pathToFileURL(join(REPO, 'dist/adapters/store/pid-lock.js')).href;
  const code = `
    const { acquirePidLock } = await import(${JSON.stringify(mod)});
    try { acquirePidLock(${JSON.stringify(path)}, 'store'); console.log('got'); await new Promise((r) => setTimeout(r, 3000)); }
    catch (e) { console.log(e.code + ': ' + e.message); }`;
  return new Promise((done, fail) =>
    execFile(process.execPath, ['--input-type=module', '-e', code], (err, stdout) =>
      err ? fail(err) : done(stdout.trim()),
    ),
  );
}

describe('pid lock races', () => {
  for (const stale of [false, true]) {
    it(`exactly one of 8 racing processes wins${stale ? ' over a stale pid file' : ''}`, async () => {
      const dir = await mkdtemp(join(tmpdir(), 'cfgmig-lock-'));
      dirs.push(dir);
      const path = join(dir, 'cfgmig.pid');
      if (stale) await writeFile(path, '2147483646\n'); // beyond pid_max: never alive
      const results = await Promise.all(Array.from({ length: 8 }, () => contender(path)));
      expect(results.filter((r) => r === 'got')).toHaveLength(1);
      for (const r of results.filter((x) => x !== 'got'))
        expect(r).toMatch(/^conflict: store (in use by pid \d+|is being opened)/);
    });
  }
});
