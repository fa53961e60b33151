/**
 * Plants a unique marker secret in every kind of source (and in broken files, whose error
 * messages are the easiest place to leak one), runs every output path of extract, and greps
 * everything it printed or wrote for the markers.
 */
import { randomBytes } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, type CliRun } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const marker = (tag: string) => `Mk${tag}${randomBytes(12).toString('hex')}`;
const M = {
  envFile: marker('EnvFile'),
  composeFile: marker('EnvFileCompose'),
  compose: marker('Compose'),
  composeInterp: marker('Interp'),
  yaml: marker('Yaml'),
  json: marker('Json'),
  ts: marker('Ts'),
  tsUrl: marker('TsUrl'),
  py: marker('Py'),
  brokenEnv: marker('BrokenEnv'),
  brokenYaml: marker('BrokenYaml'),
  brokenTs: marker('BrokenTs'),
  brokenPy: marker('BrokenPy'),
  // Review findings: YAML error messages, compose list typos, names that are secrets, fallbacks
  // assigned to secret-like targets, secret names and values the classifier missed.
  blockScalar: marker('BlockScalar'),
  composeBlockScalar: marker('ComposeBlock'),
  projectBlockScalar: marker('ProjectBlock'),
  composeTypo: marker('ComposeTypo'),
  composeTypoLiteral: marker('TypoLiteral'),
  apiKeyName: `sk-proj-${randomBytes(24).toString('hex')}`,
  awsKeyName: `AKIA${Array.from(randomBytes(16), (b) => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[b % 32]).join('')}`,
  userPasswordName: `Hunter2${randomBytes(6).toString('hex')}`,
  pemLine1: randomBytes(48).toString('base64').replace(/[+/=]/g, 'Q'),
  pemLine2: randomBytes(48).toString('base64').replace(/[+/=]/g, 'Z'),
  jsFallback: marker('JsFallback'),
  jsFallbackPass: marker('JsFallbackPass'),
  pyFallback: marker('PyFallback'),
  pyDict: marker('PyDict'),
  sessionKey: marker('SessionKey'),
  encKey: marker('EncKey'),
  hashKey: marker('HashKey'),
  // Low entropy, so only its name makes it a credential (a path under a password's name is not a path).
  slashPassword: `/hunter-${randomBytes(4).toString('hex')}`,
  requirepass: marker('Requirepass'),
};

let project: { dir: string; cleanup: () => Promise<void> };
let runs: Record<string, CliRun>;
let brokenCompose: { dir: string; cleanup: () => Promise<void> } | undefined;
let brokenProject: { dir: string; cleanup: () => Promise<void> } | undefined;

beforeAll(async () => {
  project = await makeProject({
    '.env': `ROOT_DB_PASSWORD=${M.composeInterp}\nTYPO_DB_PASSWORD=${M.composeTypo}\n`,
    'docker-compose.yml': [
      'services:',
      '  vault-test:',
      '    build: ./services/vault-test',
      '    env_file: [./services/vault-test/compose.env, ./services/vault-test/key.env]',
      '    environment:',
      `      ADMIN_PASSWORD: ${M.compose}`,
      '      DB_PASSWORD: ${ROOT_DB_PASSWORD}',
      `      SESSION_KEY: ${M.sessionKey}`,
      `      ENC_KEY: ${M.encKey}`,
      `      HASH_KEY: ${M.hashKey}`,
      `      ROOT_PASSWORD: ${M.slashPassword}`,
      `      REDIS_ARGS: --requirepass ${M.requirepass}`,
      '  typo:',
      '    build: ./services/typo',
      '    environment:',
      '      - "TYPO_DB_PASSWORD:${TYPO_DB_PASSWORD}"',
      `      - "DB_PASSWORD:${M.composeTypoLiteral}"`,
      '  broken:',
      '    build: ./services/broken',
      '    env_file: ./services/broken/.env',
    ].join('\n'),
    'services/vault-test/.env': `# service env\nSTRIPE_SECRET_KEY=${M.envFile}\n`,
    'services/vault-test/compose.env': `SESSION_SECRET="${M.composeFile}"\n`,
    'services/vault-test/config/app.yaml': `database:\n  password: ${M.yaml}\n`,
    'services/vault-test/config/app.json': `{ "auth": { "clientSecret": "${M.json}" } }\n`,
    'services/vault-test/config/tenants.yaml': `apiKeys:\n  ${M.apiKeyName}: tenant-a\n`,
    'services/vault-test/config/users.json': `{"${M.awsKeyName}": 1, "users": {"admin:${M.userPasswordName}": true}}\n`,
    'services/vault-test/key.env': [
      'PRIVATE_KEY=-----BEGIN RSA PRIVATE KEY-----',
      M.pemLine1,
      M.pemLine2,
      '-----END RSA PRIVATE KEY-----',
      '',
    ].join('\n'),
    'services/vault-test/src/fallback.js': [
      `export const db = { password: process.env.PGPASS || '${M.jsFallback}' };`,
      `export const mysql = { pass: process.env.MYSQL_ROOT ?? '${M.jsFallbackPass}' };`,
    ].join('\n'),
    'services/vault-test/src/fallback.py': [
      'import os',
      `password = os.getenv("PGPASS", "${M.pyFallback}")`,
      `cfg = {"password": os.environ.get("DBP", "${M.pyDict}")}`,
      '',
    ].join('\n'),
    'services/typo/.env': 'X=1\n',
    'services/broken/config/block.yaml': `token: >${M.blockScalar}\n`,
    'services/vault-test/src/db.ts': [
      `const apiToken = '${M.ts}';`,
      `const url = process.env.DATABASE_URL || 'postgres://app:${M.tsUrl}@db:5432/app';`,
      'export { apiToken, url };',
    ].join('\n'),
    'services/vault-test/src/settings.py': `import os\nDB_PASSWORD = os.getenv("DB_PASSWORD", "${M.py}")\n`,
    'services/broken/.env': `OK=1\nBROKEN_SECRET="${M.brokenEnv}\nNEXT=2\n`,
    'services/broken/config/bad.yaml': `token: "${M.brokenYaml}\nnext: [\n`,
    'services/broken/src/bad.ts': `const password = '${M.brokenTs}';\nfunction (( {\n`,
    'services/broken/src/bad.py': `SECRET = '''${M.brokenPy}\n`,
  });
  const env = cleanEnv();
  const p = ['--project', project.dir];
  runs = {
    human: await runCli(['extract', ...p], { env }),
    json: await runCli(['extract', '--json', ...p], { env }),
    out: await runCli(['extract', '--out', ...p], { env }),
    debug: await runCli(['extract', '--debug', '--service', 'vault-test', ...p], { env }),
  };
  // A broken compose file and a broken cfgmig.yaml stop extract; their messages must not quote them.
  brokenCompose = await makeProject({
    'docker-compose.yml': `services:\n  a:\n    environment:\n      X: |${M.composeBlockScalar}\n`,
  });
  brokenProject = await makeProject({
    'cfgmig.yaml': `version: 1\nstore: >${M.projectBlockScalar}\n`,
  });
  for (const [key, dir] of [
    ['brokenCompose', brokenCompose.dir],
    ['brokenProject', brokenProject.dir],
  ] as const) {
    runs[key] = await runCli(['extract', '--project', dir], { env });
    runs[`${key}Json`] = await runCli(['extract', '--json', '--project', dir], { env });
  }
});
afterAll(async () => {
  await project.cleanup();
  await brokenCompose?.cleanup();
  await brokenProject?.cleanup();
});

async function writtenFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return Promise.all(
    entries
      .filter((e) => e.isFile() && !e.name.endsWith('.key'))
      .map((e) => readFile(join(e.parentPath, e.name), 'utf8')),
  );
}

describe('a credential value never reaches any output', () => {
  it('every planted secret is found and classified as a credential (so the check below means something)', () => {
    const inv = JSON.parse(runs.json!.stdout) as {
      services: { entries: { classification: string; name: string }[] }[];
    };
    const names = inv.services.flatMap((s) =>
      s.entries.filter((e) => e.classification === 'credential').map((e) => e.name),
    );
    for (const n of [
      'STRIPE_SECRET_KEY',
      'SESSION_SECRET',
      'ADMIN_PASSWORD',
      'DB_PASSWORD',
      'database.password',
      'auth.clientSecret',
      'apiToken',
      'DATABASE_URL',
      'PGPASS',
      'MYSQL_ROOT',
      'DBP',
      'SESSION_KEY',
      'ENC_KEY',
      'HASH_KEY',
      'ROOT_PASSWORD',
      'REDIS_ARGS',
    ]) {
      expect(names).toContain(n);
    }
    expect(names.filter((n) => n.includes('<redacted:')).length).toBeGreaterThanOrEqual(6);
  });

  it('broken YAML everywhere is reported as invalid YAML (and the typo as a warning)', () => {
    const inv = JSON.parse(runs.json!.stdout) as { problems: { file: string; message: string }[] };
    expect(inv.problems).toContainEqual(
      expect.objectContaining({
        file: 'services/broken/config/block.yaml',
        message: expect.stringMatching(/^invalid YAML/),
      }),
    );
    expect(inv.problems).toContainEqual(
      expect.objectContaining({
        file: 'docker-compose.yml',
        message: 'environment list item is not NAME=value or NAME; did you mean NAME=value?',
      }),
    );
    expect(runs.brokenCompose!.code).toBe(2);
    expect(runs.brokenCompose!.stdout + runs.brokenCompose!.stderr).toMatch(
      /docker-compose\.yml:\d+: invalid YAML/,
    );
    expect(runs.brokenProject!.code).toBe(2);
    expect(runs.brokenProject!.stderr).toMatch(/cfgmig\.yaml:\d+: invalid YAML/);
  });

  it('broken files are reported as problems and make the exit code 2', () => {
    expect(runs.json!.code).toBe(2);
    const inv = JSON.parse(runs.json!.stdout) as { problems: { file: string }[] };
    const files = inv.problems.map((p) => p.file);
    for (const f of [
      'services/broken/.env',
      'services/broken/config/bad.yaml',
      'services/broken/src/bad.ts',
      'services/broken/src/bad.py',
    ]) {
      expect(files).toContain(f);
    }
  });

  it('no marker in human output, --json, --out files, error messages or --debug output', async () => {
    const printed = Object.values(runs)
      .map((r) => r.stdout + r.stderr)
      .join('\n');
    const written = (await writtenFiles(join(project.dir, '.cfgmig'))).join('\n');
    expect(written.length).toBeGreaterThan(0);
    for (const [where, value] of Object.entries(M)) {
      expect(printed.includes(value), `marker ${where} printed`).toBe(false);
      expect(written.includes(value), `marker ${where} written to .cfgmig/`).toBe(false);
    }
  });
});
