/** extract and init as a user drives them: discovery, cfgmig.yaml, filters, files written, exit codes. */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
async function project(files: Record<string, string>): Promise<string> {
  const p = await makeProject(files);
  cleanups.push(p.cleanup);
  return p.dir;
}

const SMALL = {
  'docker-compose.yml':
    'services:\n  api:\n    build: ./api\n    environment:\n      PORT: ${PORT:-8080}\n  worker:\n    image: worker:1\n',
  'api/.env': 'LOG_LEVEL=info\nAPI_TOKEN=abcdefghijklmnopqrstuvwxyz012345\n',
  'api/config/app.yaml': 'cache:\n  ttl: 30\n',
  'api/src/index.ts': 'export const port = Number(process.env.PORT ?? 8080);\n',
  'api/src/index.test.ts': "const password = 'not-read-tests-are-excluded';\n",
  'api/node_modules/x/index.js': "const password = 'not-read-dependencies';\n",
  'services/worker/.env': 'QUEUE=jobs\n',
};

type Inv = {
  services: {
    service: string;
    summary: Record<string, number>;
    entries: { name: string; kind: string; source: { file: string; line: number }; value?: string }[];
  }[];
};

describe('discovery without cfgmig.yaml', () => {
  it('finds compose services in their build context or services/<name>, skipping tests and node_modules', async () => {
    const dir = await project(SMALL);
    const r = await runCli(['extract', '--json', '--project', dir], { env: cleanEnv() });
    expect(r.code).toBe(0);
    const inv = JSON.parse(r.stdout) as Inv;
    const api = inv.services.find((s) => s.service === 'api')!;
    expect(api.entries.map((e) => `${e.kind} ${e.name} ${e.source.file}:${e.source.line}`).sort()).toEqual([
      'compose PORT docker-compose.yml:5',
      'config-file cache.ttl api/config/app.yaml:2',
      'env-file API_TOKEN api/.env:2',
      'env-file LOG_LEVEL api/.env:1',
      'hardcoded PORT api/src/index.ts:1',
    ]);
    expect(api.summary).toEqual({ variables: 3, configFiles: 1, credentials: 1 });
    expect(inv.services.find((s) => s.service === 'worker')!.entries.map((e) => e.name)).toEqual(['QUEUE']);
  });

  it('the process environment wins over the project .env in interpolation, as in compose', async () => {
    const dir = await project({ ...SMALL, '.env': 'PORT=9000\n' });
    const fromDotenv = JSON.parse(
      (await runCli(['extract', '--json', '-s', 'api', '--project', dir])).stdout,
    ) as Inv;
    const fromShell = JSON.parse(
      (
        await runCli(['extract', '--json', '-s', 'api', '--project', dir], {
          env: cleanEnv({ PORT: '7000' }),
        })
      ).stdout,
    ) as Inv;
    const port = (inv: Inv) => inv.services[0]!.entries.find((e) => e.kind === 'compose')!.value;
    expect([port(fromDotenv), port(fromShell)]).toEqual(['9000', '7000']);
  });

  it('creates the master key file with mode 0600 and lists .cfgmig/ in .gitignore', async () => {
    const dir = await project({ ...SMALL, '.gitignore': 'node_modules/' });
    await runCli(['extract', '--project', dir]);
    expect((await stat(join(dir, '.cfgmig/master.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(dir, '.gitignore'), 'utf8')).toMatch(/^node_modules\/\n.*\n\.cfgmig\/\n$/s);
    await runCli(['extract', '--project', dir]);
    expect((await readFile(join(dir, '.gitignore'), 'utf8')).match(/\.cfgmig\//g)).toHaveLength(1);
  });

  it('fingerprints are stable for one key and differ under another', async () => {
    const dir = await project(SMALL);
    const fp = async (env: Record<string, string>) =>
      (
        JSON.parse((await runCli(['extract', '--json', '-s', 'api', '--project', dir], { env })).stdout) as {
          services: { entries: { fingerprint: string }[] }[];
        }
      ).services[0]!.entries.map((e) => e.fingerprint);
    const k1 = cleanEnv({ CFGMIG_MASTER_KEY: Buffer.alloc(32, 1).toString('base64') });
    const k2 = cleanEnv({ CFGMIG_MASTER_KEY: Buffer.alloc(32, 2).toString('base64') });
    expect(await fp(k1)).toEqual(await fp(k1));
    expect((await fp(k1))[0]).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    expect(await fp(k1)).not.toEqual(await fp(k2));
    const bad = await runCli(['extract', '--project', dir], {
      env: cleanEnv({ CFGMIG_MASTER_KEY: 'c2hvcnQ=' }),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CFGMIG_MASTER_KEY must be 32 bytes');
  });
});

describe('extract options and exit codes', () => {
  it('--service filters (repeatable, comma-separated); an unknown service is exit 2 naming the known ones', async () => {
    const dir = await project(SMALL);
    const one = JSON.parse(
      (await runCli(['extract', '--json', '--service', 'worker', '--project', dir])).stdout,
    ) as Inv;
    expect(one.services.map((s) => s.service)).toEqual(['worker']);
    const two = JSON.parse(
      (await runCli(['extract', '--json', '-s', 'worker,api', '--project', dir])).stdout,
    ) as Inv;
    expect(two.services.map((s) => s.service)).toEqual(['worker', 'api']);
    const bad = await runCli(['extract', '--service', 'nope', '--project', dir]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown service nope');
    expect(bad.stderr).toContain('api, worker');
  });

  it('--out writes one inventory file per service', async () => {
    const dir = await project(SMALL);
    const r = await runCli(['extract', '--out', '--project', dir]);
    expect(r.code).toBe(0);
    const api = JSON.parse(await readFile(join(dir, '.cfgmig/inventory/api.json'), 'utf8')) as Inv & {
      formatVersion: number;
    };
    expect(api.formatVersion).toBe(1);
    expect(api.services[0]!.service).toBe('api');
    await stat(join(dir, '.cfgmig/inventory/worker.json'));
  });

  it('the human view shows a table per service and the summary, without colour under NO_COLOR', async () => {
    const dir = await project(SMALL);
    const r = await runCli(['extract', '--project', dir]);
    expect(r.stdout).toMatch(/^api {2}3 variables, 1 config files, 1 credentials$/m);
    expect(r.stdout).toMatch(
      /API_TOKEN +env-file +api\/\.env:2 +credential +…\(32 chars\)|API_TOKEN +env-file +api\/\.env:2 +credential +\S+…\(32 chars\)/,
    );
    expect(r.stdout).toMatch(/SERVICE +VARIABLES +CONFIG FILES +CREDENTIALS/);
    expect(r.stdout).not.toContain('\x1b[');
  });

  it('no project: exit 2 with what to do', async () => {
    const dir = await project({ 'README.md': 'nothing here' });
    const r = await runCli(['extract', '--project', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no cfgmig.yaml and no compose file');
    expect(r.stderr).toContain('hint:');
    const missing = await runCli(['extract', '--project', join(dir, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('does not exist');
  });

  it('bad usage is exit 2; --help and --version are exit 0', async () => {
    expect((await runCli(['extract', '--bogus'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Examples:');
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('files that are not text', () => {
  it('a binary config file is a problem; a FIFO or a directory named like an env file is passed over, never a hang or crash', async () => {
    const dir = await project({ ...SMALL, 'api/config/blob.json': '{"a": 1}\u0000\u0001\u0002' });
    execFileSync('mkfifo', [join(dir, 'api/.env.pipe')]);
    await mkdir(join(dir, 'api/.env.d'));
    const r = await runCli(['extract', '--json', '--project', dir]);
    expect(r.code).toBe(2);
    const inv = JSON.parse(r.stdout) as Inv & { problems: { file: string; message: string }[] };
    expect(inv.problems).toEqual([
      expect.objectContaining({ file: 'api/config/blob.json', message: 'binary file, not read' }),
    ]);
    expect(inv.services.find((s) => s.service === 'api')!.entries.map((e) => e.name)).toContain('API_TOKEN');
  });
});

describe('cfgmig init and cfgmig.yaml', () => {
  it('writes the discovered cfgmig.yaml, which extract then uses to the same result', async () => {
    const dir = await project(SMALL);
    const discovered = await runCli(['extract', '--json', '--project', dir]);
    const init = await runCli(['init', '--project', dir]);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('2 services');
    const text = await readFile(join(dir, 'cfgmig.yaml'), 'utf8');
    expect(text).toContain('api:');
    const configured = await runCli(['extract', '--json', '--project', dir]);
    const strip = (s: string) =>
      (JSON.parse(s) as Inv).services.map((x) => x.entries.map((e) => [e.name, e.source]));
    expect(strip(configured.stdout)).toEqual(strip(discovered.stdout));
    const again = await runCli(['init', '--project', dir]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
    expect((await runCli(['init', '--force', '--project', dir])).code).toBe(0);
  });

  it('a bad cfgmig.yaml is exit 2 naming the file, line and field', async () => {
    const dir = await project(SMALL);
    await writeFile(
      join(dir, 'cfgmig.yaml'),
      'version: 1\nservices:\n  api:\n    path: api\n    profile:\n      risk: extreme\n',
    );
    const r = await runCli(['extract', '--project', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cfgmig.yaml:6: services.api.profile.risk');
    await writeFile(join(dir, 'cfgmig.yaml'), 'version: 1\nservices:\n  api:\n    pth: api\n');
    const typo = await runCli(['extract', '--project', dir]);
    expect(typo.stderr).toContain('cfgmig.yaml:4');
    expect(typo.stderr).toContain('"pth"');
    await writeFile(join(dir, 'cfgmig.yaml'), 'version: 1\nservices: [\n');
    const syntax = await runCli(['extract', '--project', dir]);
    expect(syntax.code).toBe(2);
    expect(syntax.stderr).toMatch(/cfgmig\.yaml:\d+: invalid YAML/);
  });
});

describe('review findings: discovery and files written', () => {
  it('a compose service name that is not a name (a path) is exit 2, and nothing is written outside the project', async () => {
    const dir = await project({ 'docker-compose.yml': 'services:\n  "../../escaped":\n    image: x\n' });
    const r = await runCli(['extract', '--out', '--project', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('docker-compose.yml:2: service name is not a valid compose service name');
    await expect(stat(join(dir, '../../escaped.json'))).rejects.toThrow();
  });

  it('init accepts upper-case compose names and refuses a broken compose file instead of writing no services', async () => {
    const dir = await project({
      'docker-compose.yml': 'services:\n  WebApp:\n    image: x\n    environment: { A: "1" }\n',
    });
    expect((await runCli(['init', '--project', dir])).code).toBe(0);
    const r = JSON.parse((await runCli(['extract', '--json', '--project', dir])).stdout) as Inv;
    expect(r.services.map((s) => s.service)).toEqual(['WebApp']);
    const broken = await project({ 'docker-compose.yml': 'services:\n  a: [\n' });
    const init = await runCli(['init', '--project', broken]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/docker-compose\.yml:\d+: invalid YAML/);
    await expect(stat(join(broken, 'cfgmig.yaml'))).rejects.toThrow();
  });

  it('a service built from the project root does not claim the other services or env templates', async () => {
    const dir = await project({
      'docker-compose.yml': 'services:\n  web:\n    build: .\n  api:\n    build: ./api\n',
      '.env.web': 'WEB_ONLY=1\n',
      '.env.example': 'WEB_ONLY=change-me\n',
      'api/.env': 'API_ONLY=1\n',
      'api/src/i.ts': "export const p = process.env.P || 'x';\n",
    });
    const inv = JSON.parse((await runCli(['extract', '--json', '--project', dir])).stdout) as Inv;
    const names = (id: string) =>
      inv.services.find((s) => s.service === id)!.entries.map((e) => `${e.name}@${e.source.file}`);
    expect(names('web')).toEqual(['WEB_ONLY@.env.web']);
    expect(names('api').sort()).toEqual(['API_ONLY@api/.env', 'P@api/src/i.ts']);
  });

  it('--out keeps the problems of a service file that yielded no entries', async () => {
    const dir = await project({ ...SMALL, 'api/config/broken.yaml': 'a: [\n' });
    expect((await runCli(['extract', '--out', '--project', dir])).code).toBe(2);
    const api = JSON.parse(await readFile(join(dir, '.cfgmig/inventory/api.json'), 'utf8')) as {
      problems: { file: string }[];
    };
    expect(api.problems.map((p) => p.file)).toEqual(['api/config/broken.yaml']);
    const worker = JSON.parse(await readFile(join(dir, '.cfgmig/inventory/worker.json'), 'utf8')) as {
      problems: unknown[];
    };
    expect(worker.problems).toEqual([]);
  });

  it('aliases that cannot be resolved in cfgmig.yaml are exit 2, not an internal error', async () => {
    const dir = await project({ ...SMALL, 'cfgmig.yaml': 'version: 1\nstore: *nope\n' });
    const r = await runCli(['extract', '--project', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('internal error');
  });

  it('names and file names cannot put escape sequences on the terminal', async () => {
    const dir = await project({ ...SMALL, 'api/config/x.json': '{ "a\\u001b[31mred": 1 }' });
    const r = await runCli(['extract', '--project', dir]);
    expect(r.stdout).not.toContain('\x1b');
    expect(r.stdout).toContain('a?[31mred');
  });
});

describe('problems belong to the services they are in', () => {
  it('an interpolation error in one service does not fail extract --service of another', async () => {
    const dir = await project({
      'docker-compose.yml':
        'services:\n  a:\n    environment: { X: "1" }\n  b:\n    environment:\n      Y: ${Y:?set Y}\n',
    });
    const one = await runCli(['extract', '--json', '--service', 'a', '--project', dir]);
    expect(one.code).toBe(0);
    const all = await runCli(['extract', '--json', '--project', dir]);
    expect(all.code).toBe(2);
    expect((JSON.parse(all.stdout) as { problems: { line: number }[] }).problems.map((p) => p.line)).toEqual([
      6,
    ]);
  });
});
