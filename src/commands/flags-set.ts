/**
 * `cfgmig flags set`: an operator moves a flag by hand (the canary does it step by step). One
 * store transaction with its audit row, under the service's writer lock, then the snapshot is
 * published so services on this machine see it.
 */
import { resolve } from 'node:path';
import { actor } from '../adapters/identity.js';
import { publishOne } from '../adapters/publish.js';
import { redisTarget } from '../adapters/redis/publisher.js';
import { setFlag } from '../adapters/store/flags.js';
import { withWriterLock } from '../adapters/store/locks.js';
import { openStore } from '../adapters/store/open.js';
import { FLAG_MODES, FULL_BP, type FlagMode } from '../core/store/lifecycle.js';
import { badInput, ExitCode } from '../errors.js';
import { redisWarning, redisWord } from '../output/published-view.js';
import type { Io } from '../output/terminal.js';
import { percent } from '../output/percent.js';

export interface FlagsSetOptions {
  project: string;
  service: string;
  env: string;
  mode: string;
  percent?: string;
  key?: string;
  reason: string;
  json?: boolean;
}

/** `5`, `0.5`, `12.25` (percent of reads) → basis points; 0.01% is the resolution. */
export function basisPoints(text: string): number {
  if (!/^\d{1,3}(\.\d{1,2})?$/.test(text.trim())) {
    throw badInput(`--percent must be a percentage from 0 to 100 with at most two decimals, got "${text}"`);
  }
  const bp = Math.round(Number(text) * 100);
  if (bp > FULL_BP) throw badInput(`--percent must be at most 100, got ${text}`);
  return bp;
}

function percentFor(mode: FlagMode, given: string | undefined): number {
  if (given !== undefined) return basisPoints(given);
  if (mode === 'new_with_fallback')
    throw badInput('--mode new_with_fallback needs --percent (the share of reads on the store)');
  return mode === 'new_only' ? FULL_BP : 0;
}

export async function run(opts: FlagsSetOptions, io: Io): Promise<number> {
  if (!(FLAG_MODES as readonly string[]).includes(opts.mode)) {
    throw badInput(`--mode must be one of ${FLAG_MODES.join(', ')}, got "${opts.mode}"`);
  }
  const mode = opts.mode as FlagMode;
  if (opts.reason.trim() === '')
    throw badInput('--reason must say why the flag changes (it goes to the audit log)');
  const percentBp = percentFor(mode, opts.percent);
  const root = resolve(opts.project);
  const who = actor(io.env);
  // A bad Redis setting is refused before the flag moves, not after.
  await redisTarget(root, io.env);
  const db = await openStore(root, io.env);
  try {
    const flag = {
      service: opts.service,
      environment: opts.env,
      key: opts.key ?? '*',
      mode,
      percentBp,
      reason: opts.reason,
    };
    await withWriterLock(db, opts.service, opts.env, who, (conn) =>
      conn.transaction((tx) => setFlag(tx, flag, who)),
    );
    const { path, redis } = await publishOne(db, root, io.env, opts.service, opts.env);
    const warning = redisWarning(opts.service, opts.env, redis);
    if (warning) io.stderr.write(warning);
    io.stdout.write(
      opts.json
        ? `${JSON.stringify({ formatVersion: 1, flag, published: path, redis }, null, 2)}\n`
        : `${opts.service}/${opts.env}/${flag.key}: ${mode} (${percent(percentBp)} of reads on the store); published ${path}${redis === 'off' ? '' : `; Redis ${redisWord(redis)}`}\n`,
    );
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
