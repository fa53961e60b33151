/**
 * Credentials are never at rest in plaintext. Marker credentials (a short one, ordinary ones
 * and one over 2 KB, which PostgreSQL moves out of line into TOAST) are stored and read back;
 * then everything the store keeps is searched for them: a pg_dump of the PostgreSQL database,
 * and every byte of every file under the embedded store's `.cfgmig/` (tables, TOAST, WAL).
 * A non-secret control marker written in a configuration version must be found by the same
 * search, so a search that cannot see anything does not pass. Each marker is also looked for
 * hex- and base64-encoded (how a bytea column or an "encoded" value would carry it), and in
 * whole and in fragments.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeVersion } from '../../src/adapters/store/configs.js';
import { readCredentials, writeCredentials } from '../../src/adapters/store/credentials.js';
import type { Db } from '../../src/adapters/store/db.js';
import { keyring } from '../../src/core/crypto/keyring.js';
import { storeBackends, useStores } from '../support/stores.js';

const scope = { service: 'payments', environment: 'production' };
const hex = (bytes: number) => randomBytes(bytes).toString('hex');

function markers(): { key: string; value: string }[] {
  return [
    { key: 'PIN', value: `marker-${hex(4)}` }, // short: stored inline
    { key: 'DB_PASSWORD', value: `marker-${hex(16)}` },
    { key: 'API_TOKEN', value: `marker-${hex(24)}` },
    { key: 'TLS_KEY', value: `marker-${hex(1200)}` }, // 2.4 KB: out of line (TOAST)
  ];
}

/** The byte strings that would betray `value`: whole, its start and end, and encoded. */
function needles(value: string): Buffer[] {
  const forms = [value, value.slice(0, 24), value.slice(-24)];
  const raw = Buffer.from(value, 'utf8');
  return [
    ...forms.map((f) => Buffer.from(f, 'utf8')),
    Buffer.from(raw.toString('hex'), 'utf8'),
    Buffer.from(raw.toString('base64'), 'utf8'),
  ];
}

const found = (haystack: Buffer, value: string) => needles(value).some((n) => haystack.includes(n));

/** Stores the markers and the control, checks they read back, and returns them. */
async function storeMarkers(db: Db): Promise<{ secrets: string[]; control: string }> {
  const keys = keyring(randomBytes(32));
  const items = markers();
  await db.transaction((tx) => writeCredentials(tx, keys, scope, items, 'alice'));
  // A second version of one credential: earlier versions must be as unreadable as the current.
  const rotated = { key: 'DB_PASSWORD', value: `marker-${hex(16)}` };
  await db.transaction((tx) => writeCredentials(tx, keys, scope, [rotated], 'alice'));
  const control = `control-${hex(8)}`;
  await writeVersion(db, {
    ...scope,
    expectedVersion: 0,
    data: { LOG_LEVEL: 'info', BANNER: control },
    author: 'alice',
    reason: 'dump test',
  });

  // Not vacuous: every marker really is in the store, readable with the key.
  const current = await readCredentials(db, keys, scope, 'bob');
  expect(new Map(current.map((c) => [c.key, c.value]))).toEqual(
    new Map([...items.filter((i) => i.key !== rotated.key), rotated].map((i) => [i.key, i.value])),
  );
  const [v1] = await readCredentials(db, keys, scope, 'bob', { names: ['DB_PASSWORD'], version: 1 });
  expect(v1?.value).toBe(items.find((i) => i.key === 'DB_PASSWORD')!.value);

  // The logs name credentials and versions, never values.
  const logs = [
    ...(await db.query('SELECT * FROM audit_log')),
    ...(await db.query('SELECT * FROM credential_access_log')),
  ];
  expect(logs.length).toBeGreaterThan(0);
  const logText = Buffer.from(JSON.stringify(logs), 'utf8');
  const secrets = [...items.map((i) => i.value), rotated.value];
  for (const s of secrets) expect(found(logText, s), `a marker in the logs: ${s.slice(0, 24)}`).toBe(false);
  return { secrets, control };
}

function pgDump(url: string): Promise<Buffer> {
  return new Promise((done, fail) =>
    execFile(
      'pg_dump',
      ['--no-password', '--dbname', url],
      { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 },
      (err, stdout, stderr) =>
        err ? fail(new Error(`pg_dump failed: ${err.message}\n${stderr.toString()}`)) : done(stdout),
    ),
  );
}

/** Every file under `dir`, recursively. */
async function filesUnder(dir: string): Promise<string[]> {
  // Walked by hand: Dirent.parentPath needs Node 20.12, and package.json promises any Node 20.
  const files: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await filesUnder(path)));
    else if (e.isFile()) files.push(path);
  }
  return files;
}

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`no plaintext credential at rest [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it(
      backend.name === 'postgres'
        ? 'a pg_dump of the database holds the control marker and no credential marker'
        : 'the files of the embedded store hold the control marker and no credential marker',
      async () => {
        const store = await fresh({ migrated: true });
        const db = await store.open();
        let stored: { secrets: string[]; control: string };
        try {
          stored = await storeMarkers(db);
          // Flush everything to the table files too, not only the write-ahead log.
          await db.exec('CHECKPOINT');
        } finally {
          await db.close();
        }

        if (backend.name === 'postgres') {
          const dump = await pgDump(store.url!);
          expect(found(dump, stored.control), 'the control marker in the dump').toBe(true);
          for (const s of stored.secrets) {
            expect(found(dump, s), `a credential marker in the dump: ${s.slice(0, 24)}`).toBe(false);
          }
          return;
        }

        const files = await filesUnder(join(store.root, '.cfgmig'));
        expect(files.length).toBeGreaterThan(100); // the whole data directory, not an empty folder
        let control = 0;
        for (const file of files) {
          const bytes = await readFile(file);
          if (found(bytes, stored.control)) control++;
          for (const s of stored.secrets) {
            expect(found(bytes, s), `a credential marker in ${file}: ${s.slice(0, 24)}`).toBe(false);
          }
        }
        expect(control, 'files holding the control marker').toBeGreaterThan(0);
      },
      60_000,
    );
  });
}
