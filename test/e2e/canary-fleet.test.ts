/**
 * `cfgmig canary --all | --phase` on the embedded store, with command gates: services run in
 * waves by dependency, a failing service is rolled back by itself and its dependants are
 * skipped, `--max-failures` stops the fleet, `--phase` picks by profile; and the single-service
 * paths that need no service running: `--dry-run` (no flag moves), `--abort`, `finalize`'s
 * guard window, bad usage.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cleanEnv, runCli } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const SERVICES = ['db', 'api', 'web', 'batch'];

/**
 * db ← api ← web, and batch alone; `fail` names the services whose gate fails, `pause` those
 * whose gate has no data (a closed port) and pauses on it.
 */
function project(fail: string[], pause: string[] = []) {
  const compose = ['services:'];
  for (const s of SERVICES)
    compose.push(`  ${s}:`, `    image: ${s}`, '    environment:', `      SERVICE_PORT: "80"`);
  const profile: Record<string, string> = {
    db: '{ risk: critical, dependsOn: [] }',
    api: '{ risk: high, dependsOn: [db] }',
    web: '{ risk: low, complexity: low, dependsOn: [api] }',
    batch: '{ risk: low, complexity: low, dependsOn: [] }',
  };
  const yaml = [
    'version: 1',
    'environments:',
    '  global: {}',
    '  production: { inherits: [global] }',
    'services:',
  ];
  for (const s of SERVICES) {
    const gate = pause.includes(s)
      ? `{ name: reads, type: config-reads, url: 'http://127.0.0.1:1/metrics', interval: 100ms, noData: pause }`
      : `{ name: smoke, type: command, run: '${fail.includes(s) ? 'exit 1' : `test "$CFGMIG_SERVICE" = ${s}`}', interval: 100ms, consecutiveFailures: 1 }`;
    yaml.push(`  ${s}:`, `    profile: ${profile[s]}`, '    canary:', '      gates:', `        - ${gate}`);
  }
  return makeProject({
    'docker-compose.yml': `${compose.join('\n')}\n`,
    'cfgmig.yaml': `${yaml.join('\n')}\n`,
    'rules/net.yaml':
      "name: net\nappliesTo: ['*']\nmap:\n  - { from: SERVICE_PORT, to: service.port, type: integer }\n",
  });
}

describe('cfgmig canary for a fleet', () => {
  const env = cleanEnv({ CFGMIG_MASTER_KEY: randomBytes(32).toString('base64') });
  const FAST = ['--steps', '50,100', '--bake', '200ms', '--yes', '--json'];

  it('runs in dependency waves; a failure rolls its service back and skips its dependants', async () => {
    const p = await project(['api']);
    try {
      const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
      expect((await cli('apply', '--all', '--yes')).code).toBe(0);
      const r = await cli('canary', '--all', ...FAST, '--max-failures', '2');
      expect(r.code, r.stderr).toBe(1);
      const out = JSON.parse(r.stdout);
      expect(out.waves).toEqual([['batch', 'db'], ['api'], ['web']]);
      const by = Object.fromEntries(
        out.runs.map((e: { service: string; status: string; result?: { outcome: string } }) => [
          e.service,
          e.result?.outcome ?? e.status,
        ]),
      );
      expect(by).toEqual({ batch: 'completed', db: 'completed', api: 'rolled_back', web: 'skipped' });
      const flags = JSON.parse((await cli('flags', 'show', '--json')).stdout).flags as {
        service: string;
        mode: string;
        percentBp: number;
      }[];
      expect(Object.fromEntries(flags.map((f) => [f.service, `${f.mode} ${f.percentBp}`]))).toEqual({
        api: 'legacy_only 0',
        batch: 'new_with_fallback 10000',
        db: 'new_with_fallback 10000',
        web: 'legacy_only 0',
      });
    } finally {
      await p.cleanup();
    }
  }, 120_000);

  it('--max-failures stops starting canaries', async () => {
    const p = await project(['batch', 'db']);
    try {
      const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
      expect((await cli('apply', '--all', '--yes')).code).toBe(0);
      const out = JSON.parse((await cli('canary', '--all', ...FAST, '--max-failures', '1')).stdout);
      const by = Object.fromEntries(
        out.runs.map((e: { service: string; why?: string; result?: { outcome: string } }) => [
          e.service,
          e.result?.outcome ?? e.why,
        ]),
      );
      expect(by).toEqual({
        batch: 'rolled_back',
        db: 'the fleet stopped after 1 rollback (--max-failures 1)',
        api: 'its dependencies did not complete: db',
        web: 'its dependencies did not complete: api',
      });
    } finally {
      await p.cleanup();
    }
  }, 120_000);

  it('--phase picks services by profile; dependencies outside the phase are taken as they are', async () => {
    const p = await project([]);
    try {
      const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
      expect((await cli('apply', '--all', '--yes')).code).toBe(0);
      const pilot = await cli('canary', '--phase', 'pilot', ...FAST);
      expect(pilot.code, pilot.stderr).toBe(0);
      expect(JSON.parse(pilot.stdout).waves).toEqual([['batch', 'web']]);
      const critical = JSON.parse((await cli('canary', '--phase', 'critical', ...FAST)).stdout);
      expect(
        critical.runs.map((e: { service: string; result: { outcome: string } }) => [
          e.service,
          e.result.outcome,
        ]),
      ).toEqual([['db', 'completed']]);
    } finally {
      await p.cleanup();
    }
  }, 120_000);

  it('a gate without data pauses the run (exit 4); --abort then rolls it back', async () => {
    const p = await project([], ['batch']);
    try {
      const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
      expect((await cli('apply', '--all', '--yes')).code).toBe(0);
      const paused = await cli('canary', '--service', 'batch', ...FAST);
      expect(paused.code, paused.stderr).toBe(4);
      expect(JSON.parse(paused.stdout)).toMatchObject({ outcome: 'paused', decidedBy: { step: 0 } });
      expect(JSON.parse(paused.stdout).decidedBy.why).toMatch(/^reads: no data .*no-data policy is pause/);
      const status = JSON.parse((await cli('status', '--service', 'batch', '--json')).stdout).services[0];
      expect(status.canary).toMatchObject({ state: 'paused', step: 1, percentBp: 5000 });
      // A paused run is not a free slot: a new run is refused until it is resumed or aborted.
      expect((await cli('canary', '--service', 'batch', ...FAST)).code).toBe(3);
      const aborted = await cli('canary', '--service', 'batch', '--abort', '--json');
      expect(aborted.code, aborted.stderr).toBe(0);
      expect(JSON.parse(aborted.stdout)).toMatchObject({
        outcome: 'aborted',
        rollback: { status: 'rolled_back' },
      });
      expect(
        JSON.parse((await cli('flags', 'show', '--service', 'batch', '--json')).stdout).flags[0].mode,
      ).toBe('legacy_only');
    } finally {
      await p.cleanup();
    }
  }, 120_000);

  it('dry run, abort, finalize guard, and bad usage', async () => {
    const p = await project([]);
    try {
      const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
      expect((await cli('apply', '--all', '--yes')).code).toBe(0);
      const dry = await cli('canary', '--service', 'batch', '--dry-run', '--json');
      expect(dry.code, dry.stderr).toBe(0);
      expect(JSON.parse(dry.stdout)).toMatchObject({ outcome: 'dry-run-passed', runId: null });
      expect(
        JSON.parse((await cli('flags', 'show', '--service', 'batch', '--json')).stdout).flags[0].mode,
      ).toBe('legacy_only');

      expect((await cli('canary', '--service', 'batch', '--abort')).code).toBe(2); // nothing running
      const done = await cli('canary', '--service', 'batch', ...FAST);
      expect(JSON.parse(done.stdout).outcome).toBe('completed');
      const early = await cli('finalize', '--service', 'batch');
      expect(early.code).toBe(3);
      expect(early.stderr).toMatch(/100% has held for \d+s of the 600s guard window/);
      const final = await cli('finalize', '--service', 'batch', '--guard', '1ms');
      expect(final.code, final.stderr).toBe(0);
      expect(final.stdout).toContain('batch/production: new_only');

      for (const [args, pattern] of [
        [['canary'], /name one service with --service, or a fleet/],
        [['canary', '--service', 'nope', '--yes'], /unknown service nope/],
        [['canary', '--phase', 'beta'], /--phase must be one of/],
        [['canary', '--all', '--concurrency', '9'], /--concurrency is at most 4/],
        [['canary', '--service', 'web', '--steps', '5,1'], /--steps must be increasing/],
      ] as const) {
        const r = await cli(...args);
        expect(r.code, args.join(' ')).toBe(2);
        expect(r.stderr).toMatch(pattern);
      }
    } finally {
      await p.cleanup();
    }
  }, 120_000);
});
