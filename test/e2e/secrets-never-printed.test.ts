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
};

let project: { dir: string; cleanup: () => Promise<void> };
let runs: Record<string, CliRun>;

beforeAll(async () => {
  project = await makeProject({
    '.env': `ROOT_DB_PASSWORD=${M.composeInterp}\n`,
    'docker-compose.yml': [
      'services:',
      '  vault-test:',
      '    build: ./services/vault-test',
      '    env_file: ./services/vault-test/compose.env',
      '    environment:',
      `      ADMIN_PASSWORD: ${M.compose}`,
      '      DB_PASSWORD: ${ROOT_DB_PASSWORD}',
      '  broken:',
      '    build: ./services/broken',
      '    env_file: ./services/broken/.env',
    ].join('\n'),
    'services/vault-test/.env': `# service env\nSTRIPE_SECRET_KEY=${M.envFile}\n`,
    'services/vault-test/compose.env': `SESSION_SECRET="${M.composeFile}"\n`,
    'services/vault-test/config/app.yaml': `database:\n  password: ${M.yaml}\n`,
    'services/vault-test/config/app.json': `{ "auth": { "clientSecret": "${M.json}" } }\n`,
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
});
afterAll(() => project.cleanup());

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
    ]) {
      expect(names).toContain(n);
    }
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
