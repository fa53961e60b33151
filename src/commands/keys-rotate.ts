/**
 * `cfgmig keys rotate`: re-wrap every credential's data key under a new master key. Values
 * are not decrypted into anything but the re-wrap and never change. Interrupted (Ctrl-C,
 * crash), it is simply run again: rows already moved are skipped, and until it finishes
 * both keys are accepted for reading.
 */
import { resolve } from 'node:path';
import { actor } from '../adapters/identity.js';
import { finishRotation, projectKeyFile, rotationKeys } from '../adapters/master-key.js';
import { publishAll, type Published } from '../adapters/publish.js';
import { openStore } from '../adapters/store/open.js';
import { rotateMasterKey } from '../adapters/store/rotate.js';
import { ExitCode } from '../errors.js';
import { redisWarning } from '../output/published-view.js';
import type { Io } from '../output/terminal.js';

export interface KeysRotateOptions {
  project: string;
  json?: boolean;
}

export async function run(opts: KeysRotateOptions, io: Io): Promise<number> {
  const root = resolve(opts.project);
  const keys = await rotationKeys(root, io.env, await projectKeyFile(root, io.env));
  const db = await openStore(root, io.env);
  let result;
  let republished: Published[] = [];
  try {
    const tty = Boolean((io.stderr as { isTTY?: boolean }).isTTY);
    result = await rotateMasterKey(db, keys.old, keys.next, actor(io.env), (done, total) => {
      if (tty) io.stderr.write(`\rre-wrapping data keys: ${done}/${total}`);
    });
    if (tty) io.stderr.write('\n');
    // Publications carry credentials wrapped under the old key: publish them again, so services
    // given the new key can read them.
    republished = await publishAll(db, root, io.env);
  } finally {
    await db.close();
  }
  // Only once every row is under the new key does it become the master key.
  const retired = await finishRotation(root, keys);
  for (const p of republished) {
    const warning = redisWarning(p.service, p.environment, p.redis);
    if (warning) io.stderr.write(warning);
  }
  if (opts.json) {
    const doc = {
      formatVersion: 1,
      ...result,
      keySource: keys.source,
      retiredKeyFile: retired,
      republished: republished.length,
    };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    return ExitCode.ok;
  }
  const earlier = result.alreadyDone > 0 ? ` (${result.alreadyDone} already done by an earlier run)` : '';
  const lines = [
    `re-wrapped ${result.rewrapped} credential data keys from ${result.oldKeyId} to ${result.newKeyId}${earlier}; no value changed`,
  ];
  if (retired) {
    lines.push(
      `the new master key is now ${keys.file}; the old one was kept as ${retired}:`,
      '  delete it once no backup of the store taken before now needs restoring',
    );
  } else {
    lines.push(
      'now make the new key the master key: set CFGMIG_MASTER_KEY to the value of CFGMIG_NEW_MASTER_KEY, then unset CFGMIG_NEW_MASTER_KEY',
    );
  }
  if (republished.length > 0)
    lines.push(
      `published ${republished.length} service environments again, their credentials wrapped under the new key`,
    );
  lines.push('fingerprints in plans made before the rotation no longer match: make those plans again');
  io.stdout.write(`${lines.join('\n')}\n`);
  return ExitCode.ok;
}
