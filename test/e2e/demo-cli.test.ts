/**
 * `cfgmig demo`, as a newcomer runs it after `npm ci`: exit 0 with every step behaving, a
 * narration naming each step, `--json` an account of them; nothing left running or on disk;
 * and no credential of the sample platform or of demo-service in anything it printed.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planInputs } from '../../src/api/plan-inputs.js';
import { loadMasterKey } from '../../src/adapters/master-key.js';
import { composeEnv, DEMO_FIXTURE } from '../../src/adapters/demo-service.js';
import { loadProject } from '../../src/config/load.js';
import { cleanEnv, REPO, runCli } from '../support/cli.js';

/** Every credential value the demo's two projects hold (at least 4 characters, to be a real check). */
async function credentialValues(): Promise<string[]> {
  const project = await loadProject(REPO, {});
  const inputs = await planInputs(
    project,
    [],
    'production',
    {},
    await loadMasterKey(REPO, {}, project.masterKey),
  );
  const values = inputs.services.flatMap((s) =>
    s.inputs.filter((i) => i.classification === 'credential' && i.value).map((i) => i.value!),
  );
  values.push((await composeEnv(DEMO_FIXTURE)).API_TOKEN!);
  return values.filter((v) => v.length >= 4);
}

function serversOf(dir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' });
  return ps.split('\n').filter((l) => l.includes(dir) && l.includes('server.mjs'));
}

describe('cfgmig demo', () => {
  it('runs the whole story, exits 0, and leaves nothing behind', async () => {
    const r = await runCli(['demo', '--json'], { env: cleanEnv() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      dir: string;
      steps: { title: string; ok: boolean; detail: string[] }[];
    };
    expect(out.ok).toBe(true);
    expect(out.steps.map((s) => [s.title, s.ok])).toEqual([
      ['copy the sample platform', true],
      ['extract: inventory every service', true],
      ['plan and apply, on the embedded store', true],
      ['demo-service: apply and start two instances on their legacy configuration', true],
      ['canary: a healthy plan to 100%', true],
      ['canary: a plan with a bad upstream URL rolls back by itself', true],
      ['status: where each service stands, with the evidence', true],
      ['cleanup: ml-training to 100%, finalized, its compose diff', true],
      ['stop everything the demo started', true],
    ]);
    expect(existsSync(out.dir)).toBe(false);
    expect(serversOf(out.dir)).toEqual([]);
    const cleanup = out.steps.find((s) => s.title.startsWith('cleanup'))!.detail.join('\n');
    expect(cleanup).toMatch(/^[-+]/m);

    for (const value of await credentialValues()) expect(r.stdout + r.stderr).not.toContain(value);
  }, 180_000);

  it('narrates each step for a person, and --keep keeps the project', async () => {
    const r = await runCli(['demo', '--keep'], { env: cleanEnv() });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^✓ canary: a plan with a bad upstream URL rolls back by itself \(/m);
    expect(r.stdout).toMatch(/decided: errors: /);
    const kept = /the project is kept in (\S+)\n/.exec(r.stdout)?.[1];
    expect(kept).toBeDefined();
    expect(existsSync(join(kept!, 'platform', 'cfgmig.yaml'))).toBe(true);
    execFileSync('rm', ['-rf', kept!]);
  }, 180_000);
});
