/**
 * The master key: CFGMIG_MASTER_KEY (32 bytes, base64) when set — what teams and CI use —
 * else a key file `.cfgmig/master.key` created on first use with mode 0600, and listed in the
 * project's .gitignore so it is never committed next to what it protects.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { badInput } from '../errors.js';
import type { Env } from './compose-project.js';
import { readTextFile } from './files.js';

export const KEY_FILE = '.cfgmig/master.key';
const KEY_BYTES = 32;

function decode(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (key.length !== KEY_BYTES || !/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed)) {
    // Never echo the text: it is (a damaged copy of) the key.
    throw badInput(
      `${where} must be ${KEY_BYTES} bytes encoded as base64 (it decodes to ${key.length} bytes)`,
      {
        hint: 'Create one with: openssl rand -base64 32',
      },
    );
  }
  return key;
}

export async function loadMasterKey(root: string, env: Env): Promise<Buffer> {
  const fromEnv = env.CFGMIG_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decode(fromEnv, 'CFGMIG_MASTER_KEY');
  const path = resolve(root, KEY_FILE);
  const read = await readTextFile(path);
  if (read.ok) return decode(read.text, KEY_FILE);
  if (read.message !== 'file not found') throw badInput(`${KEY_FILE}: ${read.message}`, { file: KEY_FILE });
  return createKeyFile(root, path);
}

async function createKeyFile(root: string, path: string): Promise<Buffer> {
  await mkdir(resolve(root, '.cfgmig'), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    // 'wx': if another cfgmig process created it a moment ago, use theirs rather than overwrite it.
    await writeFile(path, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(path, 0o600); // the umask may have narrowed, never widened; make it exact
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return decode(await readFile(path, 'utf8'), KEY_FILE);
    throw err;
  }
  await ensureGitignored(root);
  return key;
}

async function ensureGitignored(root: string): Promise<void> {
  const path = resolve(root, '.gitignore');
  const read = await readTextFile(path);
  const text = read.ok ? read.text : '';
  if (/^\/?\.cfgmig\/?\s*$/m.test(text)) return;
  const prefix = text === '' || text.endsWith('\n') ? '' : '\n';
  await appendFile(
    path,
    `${prefix}# cfgmig local state: embedded store and master key (never commit)\n.cfgmig/\n`,
  );
}
