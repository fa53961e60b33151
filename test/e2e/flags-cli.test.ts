/**
 * `cfgmig flags show`, `flags set` and `status` through the built CLI on both backends: apply
 * creates a legacy_only flag; an operator moves it with a reason (audited, published, the
 * migration id kept); status shows where each service stands; bad modes and percentages are
 * refused with exit 2 and change nothing.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../src/adapters/store/open.js';
import { cleanEnv, runCli, flagsSet } from '../support/cli.js';
import { makeProject } from '../support/project.js';
import { storeBackends, useStores } from '../support/stores.js';

for (const backend of await storeBackends()) {
  (backend.available ? describe : describe.skip)(`cfgmig flags [${backend.name}]`, () => {
    const fresh = useStores(backend.name);

    it('shows and sets flags, audited and published', async () => {
      const store = await fresh();
      const p = await makeProject({
        'docker-compose.yml':
          'services:\n  api:\n    image: api\n    environment:\n      SERVICE_PORT: "8080"\n',
        'rules/net.yaml':
          "name: net\nappliesTo: ['*']\nmap:\n  - from: SERVICE_PORT\n    to: service.port\n    type: integer\n",
      });
      try {
        const env = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') });
        const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
        expect((await cli('flags', 'show')).stdout).toBe(
          'no migration flags (apply a plan to create them)\n',
        );
        expect((await cli('apply', '--all', '--yes')).code).toBe(0);
        const before = JSON.parse((await cli('flags', 'show', '--json')).stdout).flags;
        expect(before).toMatchObject([
          { service: 'api', environment: 'production', key: '*', mode: 'legacy_only', percentBp: 0 },
        ]);
        const migrationId = before[0].migrationId as string;
        expect(migrationId).toMatch(/^api\.production\./);

        const set = await cli(
          'flags',
          'set',
          '--service',
          'api',
          '--env',
          'production',
          '--mode',
          'new_with_fallback',
          '--percent',
          '5',
          '--reason',
          'canary 5%',
        );
        expect(set.stderr).toBe('');
        expect(set.code).toBe(0);
        expect(set.stdout).toContain('api/production/*: new_with_fallback (5% of reads on the store)');
        const shown = await cli('flags', 'show', '--service', 'api');
        expect(shown.stdout).toMatch(/^api\s+production\s+\*\s+new_with_fallback\s+5%\s+api\.production\./m);
        const snapshot = JSON.parse(
          await readFile(join(p.dir, '.cfgmig/published/production/api.json'), 'utf8'),
        );
        expect(snapshot.flags).toEqual([{ key: '*', mode: 'new_with_fallback', percentBp: 500 }]);
        expect(snapshot.flagsVersion).toBeGreaterThan(0);

        // A key flag next to the service flag; 0.01% resolution.
        expect(
          (
            await cli(
              ...flagsSet(
                'api',
                'production',
                'new_with_fallback',
                'one key',
                '--percent',
                '0.25',
                '--key',
                'service.port',
              ),
            )
          ).code,
        ).toBe(0);
        const flags = JSON.parse((await cli('flags', 'show', '--json')).stdout).flags;
        expect(flags.map((f: { key: string; percentBp: number }) => [f.key, f.percentBp])).toEqual([
          ['*', 500],
          ['service.port', 25],
        ]);

        const status = JSON.parse((await cli('status', '--json')).stdout).services;
        expect(status).toEqual([
          {
            service: 'api',
            environment: 'production',
            version: 1,
            updatedAt: expect.any(String),
            flag: { mode: 'new_with_fallback', percentBp: 500, migrationId },
            keyFlags: [{ key: 'service.port', mode: 'new_with_fallback', percentBp: 25 }],
            migration: { id: migrationId, status: 'applied', baseVersion: 0, targetVersion: 1 },
            phase: 'pilot', // no profile: low risk, low complexity
            canary: null,
          },
        ]);
        expect((await cli('status')).stdout).toMatch(
          /^api\s+production\s+v1\s+new_with_fallback 5%\s+\+1 key flag\s+applied api\.production\./m,
        );

        for (const [args, pattern] of [
          [['--mode', 'sometimes'], /--mode must be one of/],
          [['--mode', 'new_with_fallback'], /needs --percent/],
          [['--mode', 'new_with_fallback', '--percent', '101'], /at most 100/],
          [['--mode', 'new_with_fallback', '--percent', '0.001'], /at most two decimals/],
          [
            ['--mode', 'new_only', '--percent', '50'],
            /new_only reads every value from the store: its percentage must be 10000/,
          ],
          [['--mode', 'legacy_only', '--reason', ' '], /--reason must say why/],
        ] as const) {
          const withReason: readonly string[] = (args as readonly string[]).includes('--reason')
            ? args
            : [...args, '--reason', 'x'];
          const r = await cli('flags', 'set', '-s', 'api', '-e', 'production', ...withReason);
          expect(r.code, args.join(' ')).toBe(2);
          expect(r.stderr).toMatch(pattern);
        }
        const db = await openStore(p.dir, store.env);
        try {
          const audit = await db.query<{ details: { reason?: string; percentBp: number } }>(
            "SELECT details FROM audit_log WHERE action = 'flag.set' ORDER BY id",
          );
          expect(audit.map((a) => [a.details.percentBp, a.details.reason])).toEqual([
            [0, undefined],
            [500, 'canary 5%'],
            [25, 'one key'],
          ]);
        } finally {
          await db.close();
        }
      } finally {
        await p.cleanup();
      }
    }, 120_000);

    it('a new apply starts its migration on legacy_only, but a finalized service stays new_only', async () => {
      const store = await fresh();
      const compose = (port: number) =>
        `services:\n  api:\n    image: api\n    environment:\n      SERVICE_PORT: "${port}"\n`;
      const p = await makeProject({
        'docker-compose.yml': compose(8080),
        'rules/net.yaml':
          "name: net\nappliesTo: ['*']\nmap:\n  - from: SERVICE_PORT\n    to: service.port\n    type: integer\n",
      });
      try {
        const env = cleanEnv({ ...store.env, CFGMIG_MASTER_KEY: Buffer.alloc(32, 3).toString('base64') });
        const cli = (...args: string[]) => runCli([...args, '--project', p.dir], { env });
        const mode = async () => JSON.parse((await cli('flags', 'show', '--json')).stdout).flags[0].mode;
        const applyPort = async (port: number) => {
          await writeFile(join(p.dir, 'docker-compose.yml'), compose(port));
          const r = await cli('apply', '--all', '--yes');
          expect(r.code).toBe(0);
          return r.stdout;
        };
        expect(await applyPort(8080)).toContain('flags legacy_only');
        const move = (m: string, ...more: string[]) => cli(...flagsSet('api', 'production', m, 'r', ...more));
        expect((await move('new_with_fallback', '--percent', '50')).code).toBe(0);
        // Mid-migration: the new plan's canary starts again from the legacy sources.
        expect(await applyPort(8081)).toContain('flags legacy_only');
        expect(await mode()).toBe('legacy_only');
        expect((await move('new_only')).code).toBe(0);
        expect(await applyPort(8082)).toContain('flags new_only (finalized: kept)');
        expect(await mode()).toBe('new_only');
      } finally {
        await p.cleanup();
      }
    }, 120_000);
  });
}
