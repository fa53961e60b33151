/**
 * The master key: CFGMIG_MASTER_KEY (32 bytes, base64) when set — what teams and CI use —
 * else a key file: `.cfgmig/master.key`, created on first use with mode 0600 and listed in the
 * project's .gitignore so it is never committed next to what it protects, or the file named by
 * `masterKey` in cfgmig.yaml.
 */
import { randomBytes } from 'node:crypto';
import { appendFile, chmod, copyFile, constants, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadProject } from '../config/load.js';
import { PROJECT_FILE } from '../config/project.js';
import { keyIdOf } from '../core/crypto/envelope.js';
import { keyring, type Keyring } from '../core/crypto/keyring.js';
import { badInput } from '../errors.js';
import type { Env } from './compose-project.js';
import { exists, readTextFile } from './files.js';

export const KEY_FILE = '.cfgmig/master.key';
const KEY_BYTES = 32;

/** A master key from its base64 text; `where` names it in the error (the text is never shown). */
export function decodeMasterKey(text: string, where: string): Buffer {
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

/**
 * The key file a project uses: `masterKey` in cfgmig.yaml (the example project commits a demo
 * key so its committed plans' fingerprints reproduce on any clone), else .cfgmig/master.key.
 */
export async function projectKeyFile(root: string, env: Env): Promise<string> {
  if (!(await exists(resolve(root, PROJECT_FILE)))) return KEY_FILE;
  return (await loadProject(root, env)).masterKey ?? KEY_FILE;
}

export async function loadMasterKey(root: string, env: Env, keyFile = KEY_FILE): Promise<Buffer> {
  const fromEnv = env.CFGMIG_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decodeMasterKey(fromEnv, 'CFGMIG_MASTER_KEY');
  const path = resolve(root, keyFile);
  const read = await readTextFile(path);
  if (read.ok) return decodeMasterKey(read.text, keyFile);
  if (read.message !== 'file not found') throw badInput(`${keyFile}: ${read.message}`, { file: keyFile });
  return createKeyFile(root, keyFile);
}

async function createKeyFile(root: string, keyFile: string): Promise<Buffer> {
  const path = resolve(root, keyFile);
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const key = randomBytes(KEY_BYTES);
  try {
    // The file is written in one call and only ever created, never overwritten.
    // 'wx': if another cfgmig process created it a moment ago, use theirs rather than overwrite it.
    await writeFile(path, `${key.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
    await chmod(path, 0o600); // the umask may have narrowed, never widened; make it exact
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST')
      return decodeMasterKey(await readFile(path, 'utf8'), keyFile);
    throw err;
  }
  if (keyFile === KEY_FILE) await ensureGitignored(root);
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

async function readKeyFileIfAny(root: string, file: string): Promise<Buffer | null> {
  const read = await readTextFile(resolve(root, file));
  if (read.ok) return decodeMasterKey(read.text, file);
  if (read.message === 'file not found') return null;
  throw badInput(`${file}: ${read.message}`, { file });
}

/** The rotation's target key when one is under way: CFGMIG_NEW_MASTER_KEY, else the .next file. */
async function nextKey(root: string, env: Env, keyFile: string): Promise<Buffer | null> {
  const fromEnv = env.CFGMIG_NEW_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return decodeMasterKey(fromEnv, 'CFGMIG_NEW_MASTER_KEY');
  if (env.CFGMIG_MASTER_KEY) return null; // key files are not consulted when keys come from the environment
  return readKeyFileIfAny(root, `${keyFile}.next`);
}

/**
 * The master key plus, while a rotation is under way, the key it moves to: credentials
 * already re-wrapped stay readable if the rotation was interrupted.
 */
export async function loadKeyring(root: string, env: Env, keyFile = KEY_FILE): Promise<Keyring> {
  const primary = await loadMasterKey(root, env, keyFile);
  const next = await nextKey(root, env, keyFile);
  return keyring(primary, next ? [next] : []);
}

export interface RotationKeys {
  old: Buffer;
  next: Buffer;
  /** Where the keys come from: the environment (the user swaps them) or the key files (cfgmig does). */
  source: 'env' | 'file';
  /** The key file (relative to the root), when source is 'file'. */
  file: string;
}

/**
 * The keys for `keys rotate`. From the environment, the new key must be given
 * (CFGMIG_NEW_MASTER_KEY); with key files, cfgmig creates the next key file itself, or
 * reuses the one an interrupted rotation left.
 */
export async function rotationKeys(root: string, env: Env, keyFile = KEY_FILE): Promise<RotationKeys> {
  const old = await loadMasterKey(root, env, keyFile);
  const fromEnv = env.CFGMIG_MASTER_KEY !== undefined && env.CFGMIG_MASTER_KEY !== '';
  const next = await nextKey(root, env, keyFile);
  if (fromEnv && !next) {
    throw badInput('CFGMIG_NEW_MASTER_KEY is not set: it must hold the key to rotate to', {
      hint: 'The master key comes from CFGMIG_MASTER_KEY, so cfgmig cannot store a new one for you. Create one with `openssl rand -base64 32`, set it as CFGMIG_NEW_MASTER_KEY, run `cfgmig keys rotate`, then make it the CFGMIG_MASTER_KEY.',
    });
  }
  if (next && keyIdOf(next) === keyIdOf(old)) {
    throw badInput('the new master key is the same as the current one', {
      hint: 'Create a new one with `openssl rand -base64 32`.',
    });
  }
  // A .next file left by an interrupted rotation is reused: rows already moved need it.
  if (next) return { old, next, source: fromEnv ? 'env' : 'file', file: keyFile };
  const created = randomBytes(KEY_BYTES);
  const nextFile = resolve(root, `${keyFile}.next`);
  await writeFile(nextFile, `${created.toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  await chmod(nextFile, 0o600);
  return { old, next: created, source: 'file', file: keyFile };
}

/**
 * With key files, makes the new key the master key once every row is re-wrapped. The old
 * key is kept as `master.key.retired-<id>` (backups taken before the rotation need it);
 * the copy is made before the swap, so no crash between the steps loses a key.
 * Returns the retired key's path, or null when keys come from the environment.
 */
export async function finishRotation(root: string, keys: RotationKeys): Promise<string | null> {
  if (keys.source === 'env') return null;
  const retired = `${keys.file}.retired-${keyIdOf(keys.old)}`;
  try {
    await copyFile(resolve(root, keys.file), resolve(root, retired), constants.COPYFILE_EXCL);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await chmod(resolve(root, retired), 0o600);
  await rename(resolve(root, `${keys.file}.next`), resolve(root, keys.file));
  return retired;
}
