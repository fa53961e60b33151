/** Where output goes and whether it may be coloured: colour only on a terminal, never under NO_COLOR or CI. */
import { Chalk, type ChalkInstance } from 'chalk';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export function colorEnabled(stream: { isTTY?: boolean }, env: Io['env']): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  if (env.CI !== undefined && env.CI !== '' && env.CI !== 'false') return false;
  return Boolean(stream.isTTY) && env.TERM !== 'dumb';
}

export function painter(stream: { isTTY?: boolean }, env: Io['env']): ChalkInstance {
  return new Chalk({ level: colorEnabled(stream, env) ? 1 : 0 });
}

export const defaultIo = (): Io => ({ stdout: process.stdout, stderr: process.stderr, env: process.env });
