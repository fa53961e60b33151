/**
 * Child process for test/reliability/kill.test.ts: writes large configuration versions and
 * batches of credentials to a store, forever, until the test SIGKILLs it at a random moment.
 *
 * Everything it writes is a pure function of (service, version) or (service, key, version),
 * exported from this module, so the parent can regenerate what every stored version must
 * contain and compare. Each run continues from the versions already in the store.
 *
 * Environment: CFGMIG_WRITER_ROOT (project root), CFGMIG_STORE_URL (PostgreSQL; unset for the
 * embedded store), CFGMIG_MASTER_KEY (base64) and CFGMIG_WRITER_SEED (credential values).
 * Progress goes to stdout, one line per event: `opening`, `opened`, `config <service> <v>`,
 * `creds <service> <v>`.
 *
 * It imports the built code (dist/), like the installed CLI does; run `npm run build` first.
 */
import { createHash, createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';

export const SERVICES = ['orders', 'billing'];
export const ENVIRONMENT = 'production';
export const CONFIG_KEYS = 3000;
export const AUTHOR = 'kill-test-writer';

/** Credential names; LONG_CERT's value is well over 2 KB, so its ciphertext is stored out of line (TOAST). */
export const CREDENTIAL_KEYS = ['DB_PASSWORD', 'API_TOKEN', 'SIGNING_KEY', 'SMTP_PASSWORD', 'LONG_CERT'];

const sha = (text) => createHash('sha256').update(text).digest('hex');

/**
 * Version `version` of `service`'s configuration: CONFIG_KEYS keys, about 350 KB of JSON,
 * mixing strings (some non-ASCII), integers, booleans, nulls, arrays and nested objects.
 */
export function configData(service, version) {
  const data = { service, version };
  for (let i = 0; i < CONFIG_KEYS; i++) {
    const h = sha(`${service}:${version}:${i}`);
    const key = `KEY_${String(i).padStart(4, '0')}`;
    switch (i % 6) {
      case 0:
        data[key] = `${h}${h.slice(0, 40)}`;
        break;
      case 1:
        data[key] = Number.parseInt(h.slice(0, 8), 16);
        break;
      case 2:
        data[key] = { host: `${h.slice(0, 12)}.internal`, port: 1024 + (i % 50000), tls: i % 4 === 0 };
        break;
      case 3:
        data[key] = [h.slice(0, 16), h.slice(16, 32), i % 7 === 0 ? null : `é☃${h.slice(32, 48)}`];
        break;
      case 4:
        data[key] = i % 3 === 0;
        break;
      default:
        data[key] = `postgres://app@${h.slice(0, 20)}:5432/${service}?sslmode=require&v=${version}`;
    }
  }
  return data;
}

/** The value of credential `key` version `version` of `service`: an HMAC of the seed, so nobody can guess it. */
export function credentialValue(seed, service, key, version) {
  const mac = (n) => createHmac('sha256', seed).update(`${service}/${key}/${version}/${n}`).digest('hex');
  if (key !== 'LONG_CERT') return `${key.toLowerCase()}-${mac(0)}`;
  let pem = '-----BEGIN CERTIFICATE-----\n';
  for (let n = 0; n < 48; n++) pem += `${mac(n)}\n`; // 48 × 65 bytes ≈ 3.1 KB
  return `${pem}-----END CERTIFICATE-----\n`;
}

async function main() {
  const root = process.env.CFGMIG_WRITER_ROOT;
  const seed = process.env.CFGMIG_WRITER_SEED;
  if (!root || !seed) throw new Error('CFGMIG_WRITER_ROOT and CFGMIG_WRITER_SEED are required');
  const dist = (p) => new URL(`../../dist/${p}`, import.meta.url).href;
  const { openStore } = await import(dist('adapters/store/open.js'));
  const { currentVersion, writeVersion } = await import(dist('adapters/store/configs.js'));
  const { writeCredentials } = await import(dist('adapters/store/credentials.js'));
  const { loadMasterKey } = await import(dist('adapters/master-key.js'));
  const { keyring } = await import(dist('core/crypto/keyring.js'));

  const env = { ...process.env };
  const keys = keyring(await loadMasterKey(root, env));
  console.log('opening');
  const db = await openStore(root, env);
  console.log('opened');
  const scope = (service) => ({ service, environment: ENVIRONMENT });

  for (let round = 0; ; round++) {
    for (const service of SERVICES) {
      const base = await currentVersion(db, service, ENVIRONMENT);
      const version = await writeVersion(db, {
        service,
        environment: ENVIRONMENT,
        expectedVersion: base,
        data: configData(service, base + 1),
        author: AUTHOR,
        reason: `kill test round ${round}`,
      });
      console.log(`config ${service} ${version}`);

      // Every batch writes all keys, so they share one version: the next one after the
      // current, read in the same transaction as the write.
      const written = await db.transaction(async (tx) => {
        const [row] = await tx.query(
          'SELECT coalesce(max(version), 0)::int AS v FROM credentials WHERE service = $1 AND environment = $2',
          [service, ENVIRONMENT],
        );
        const next = row.v + 1;
        const items = CREDENTIAL_KEYS.map((key) => ({
          key,
          value: credentialValue(seed, service, key, next),
        }));
        return writeCredentials(tx, keys, scope(service), items, AUTHOR);
      });
      console.log(`creds ${service} ${written[0].version}`);
    }
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((err) => {
    console.error(err?.stack ?? String(err));
    process.exit(1);
  });
}
