/**
 * `cfgmig cleanup` end to end on the embedded store: a copy of fixtures/services/demo-service
 * with fixtures/cleanup/demo-service laid over it (an env file that moves entirely, one that
 * moves partly, a credential, a config-store service) is applied, canaried to 100% and
 * finalized; then cleanup prints exactly fixtures/cleanup/expected.diff (the credential
 * masked), --write produces exactly fixtures/cleanup/expected.docker-compose.yml (comments
 * kept), and a second --write changes nothing. Before finalize, cleanup exits 1.
 */
import { randomBytes } from 'node:crypto';
import { cp, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO, runCli } from '../support/cli.js';
import { copyDemoService, DEMO_SERVICE } from '../support/demo-service.js';

const EXPECTED = join(REPO, 'fixtures/cleanup');
const TOKEN = 'dmo_9fK2qLx7VtR4mZp8WcN3yHs6JbE1uGd5TaQ0';

describe('cfgmig cleanup', () => {
  let project: { dir: string; cleanup: () => Promise<void> };
  const env = cleanEnv({ CFGMIG_MASTER_KEY: randomBytes(32).toString('base64') });
  const cli = (...args: string[]) => runCli([...args, '--project', project.dir], { env });
  const compose = () => readFile(join(project.dir, 'docker-compose.yml'), 'utf8');

  beforeAll(async () => {
    project = await copyDemoService();
    await cp(join(EXPECTED, 'demo-service'), project.dir, { recursive: true });
    expect((await cli('apply', '--service', DEMO_SERVICE, '--yes')).code).toBe(0);
  }, 60_000);
  afterAll(() => project?.cleanup());

  it('leaves a service that is not finalized alone: exit 1, nothing written', async () => {
    const before = await compose();
    const r = await cli('cleanup', '--service', DEMO_SERVICE, '--write');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/demo-service\/production: left alone: .*legacy_only, not finalized/);
    expect(await compose()).toBe(before);
  });

  it('refuses bad usage with exit 2', async () => {
    expect((await cli('cleanup')).code).toBe(2);
    expect((await cli('cleanup', '--service', 'nope')).code).toBe(2);
    expect((await cli('cleanup', '--service', DEMO_SERVICE, '--all')).code).toBe(2);
  });

  it('after canary and finalize: prints the expected diff, credential masked, writes nothing', async () => {
    const canary = await cli(
      'canary',
      '--service',
      DEMO_SERVICE,
      '--steps',
      '100',
      '--bake',
      '100ms',
      '--yes',
    );
    expect(canary.code, canary.stderr).toBe(0);
    const fin = await cli('finalize', '--service', DEMO_SERVICE, '--guard', '1ms');
    expect(fin.code, fin.stderr).toBe(0);

    const before = await compose();
    const expectedDiff = await readFile(join(EXPECTED, 'expected.diff'), 'utf8');
    const human = await cli('cleanup', '--service', DEMO_SERVICE);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(expectedDiff);
    expect(human.stdout).toContain('-      API_TOKEN: ********');
    expect(human.stdout).toMatch(/kept REQUEST_TIMEOUT_MS \(env\/runtime\.env\): env file partly migrated/);
    expect(human.stdout).toMatch(/dry run: nothing written/);
    expect(human.stdout).not.toContain(TOKEN);
    expect(await compose()).toBe(before);

    const json = await cli('cleanup', '--service', DEMO_SERVICE, '--json');
    expect(json.code).toBe(0);
    expect(json.stdout).not.toContain(TOKEN);
    const r = JSON.parse(json.stdout);
    expect(r).toMatchObject({
      formatVersion: 1,
      environment: 'production',
      written: false,
      services: [
        {
          service: DEMO_SERVICE,
          finalized: true,
          removed: ['UPSTREAM_URL', 'REQUEST_TIMEOUT_MS', 'API_TOKEN'],
          droppedEnvFiles: ['./env/demo.env'],
          added: ['SERVICE_ID', 'CFGMIG_ENVIRONMENT', 'CFGMIG_STORE_URL'],
          dependsOn: 'config-store',
          sourcesScanned: 2,
        },
      ],
      unread: [
        { service: DEMO_SERVICE, name: 'REQUEST_TIMEOUT_MS', file: 'env/runtime.env', line: 1 },
        { service: DEMO_SERVICE, name: 'LOG_LEVEL', file: 'env/runtime.env', line: 2 },
      ],
      undefinedReads: [{ service: DEMO_SERVICE, name: 'QUEUE_URL', file: 'worker.mjs', line: 2 }],
    });
    expect(r.files).toHaveLength(1);
    expect(r.files[0].file).toBe('docker-compose.yml');
    expect(r.files[0].diff).toBe(expectedDiff);
    expect(r.files[0].before).toContain('API_TOKEN: ********');
  });

  it('--write rewrites the compose file to exactly the expected file, comments kept; again: no change', async () => {
    const r = await cli('cleanup', '--service', DEMO_SERVICE, '--write');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/written: docker-compose\.yml/);
    const after = await compose();
    expect(after).toBe(await readFile(join(EXPECTED, 'expected.docker-compose.yml'), 'utf8'));
    for (const comment of [
      '# Comments here must survive `cfgmig cleanup --write`.',
      "- '8080:8080' # host:container",
      'HOST: 0.0.0.0 # listen on every interface',
      '# Where the services read their configuration from once migrated.',
    ])
      expect(after).toContain(comment);
    expect(after).not.toContain('API_TOKEN');

    const again = await cli('cleanup', '--service', DEMO_SERVICE, '--write', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ files: [], written: false });
    expect(await compose()).toBe(after);
  });
});
