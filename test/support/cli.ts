/** Helpers for end-to-end tests: run the built bin/cfgmig.js and work on throwaway copies of fixtures. */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
export const BIN = join(REPO, 'bin/cfgmig.js');

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing from the developer's shell leaks into interpolation or the master key. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? '/tmp',
    NO_COLOR: '1',
    ...extra,
  };
}

export function runCli(
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> } = {},
): Promise<CliRun> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd ?? REPO, env: opts.env ?? cleanEnv(), maxBuffer: 256 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

/** Copies fixtures/<name> to a fresh temporary folder; returns it and a cleanup function. */
export async function copyFixture(name: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cfgmig-${name}-`));
  await cp(join(REPO, 'fixtures', name), dir, { recursive: true });
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The arguments of `cfgmig flags set`: service, environment, mode, a reason, and more options (`--percent 5`). */
export function flagsSet(
  service: string,
  environment: string,
  mode: string,
  reason: string,
  ...more: string[]
): string[] {
  return ['flags', 'set', '-s', service, '-e', environment, '--mode', mode, ...more, '--reason', reason];
}
