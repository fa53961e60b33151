import { describe, expect, it } from 'vitest';
import { fingerprinter } from '../../src/core/crypto/fingerprint.js';
import { toInventoryEntry } from '../../src/core/extract/inventory.js';
import type { EntryKind, RawEntry } from '../../src/core/extract/types.js';
import {
  configFileVerdict,
  environmentNames,
  ownEnvFileVerdict,
} from '../../src/core/plan/environment-files.js';
import { resolvePrecedence, type ServiceSources } from '../../src/core/plan/precedence.js';

const fp = fingerprinter(new Uint8Array(32).fill(7));
const PASS = 'pass-through from the shell environment';

// Credential values are assembled at run time so no scanner takes this file for a leak.
const secret = (tag: string) => ['pw', tag, 'Q7x'.repeat(3)].join('-');

function entry(kind: EntryKind, at: string, name: string, value: string | null, hints?: string[]): RawEntry {
  const [file, line] = at.split(':') as [string, string];
  return { name, kind, source: { file, line: Number(line) }, value, ...(hints ? { hints } : {}) };
}
const compose = (at: string, name: string, value: string | null, hints?: string[]) =>
  entry('compose', at, name, value, hints);
const envFile = (at: string, name: string, value: string | null) => entry('env-file', at, name, value);
const hardcoded = (at: string, name: string, value: string) => entry('hardcoded', at, name, value);
const configFile = (at: string, name: string, value: string | null) => entry('config-file', at, name, value);

const COMPOSE_FILE = 'docker-compose.yml';
const COMMON = 'env/common.env';
const KAFKA = 'env/kafka.env';
const OWN = 'services/svc/.env';

function resolve(entries: RawEntry[], environment = 'production', composeEnvFiles = [COMMON, KAFKA]) {
  const sources: ServiceSources = { entries, composeEnvFiles };
  return resolvePrecedence(sources, {
    environment,
    environments: ['global', 'development', 'production'],
    fingerprint: fp,
  });
}
const winnerOf = (entries: RawEntry[], name: string, environment?: string, files?: string[]) => {
  const input = resolve(entries, environment, files).inputs.filter((i) => i.name === name);
  expect(input).toHaveLength(1);
  return input[0]!;
};
const at = (r: { source: { file: string; line: number } }) => `${r.source.file}:${r.source.line}`;

describe('precedence between environment sources', () => {
  const PORT = [
    hardcoded('services/svc/src/index.ts:4', 'PORT', '3000'),
    envFile(`${OWN}:2`, 'PORT', '8001'),
    envFile(`${COMMON}:3`, 'PORT', '8002'),
    envFile(`${KAFKA}:1`, 'PORT', '8003'),
    compose(`${COMPOSE_FILE}:20`, 'PORT', '8004'),
  ];
  // Each row drops the sources above it: the next one down must win.
  it.each([
    ['compose environment over everything', PORT, `${COMPOSE_FILE}:20`, '8004'],
    ['the later env_file over the earlier one', PORT.slice(0, 4), `${KAFKA}:1`, '8003'],
    ['an env_file over the service .env', PORT.slice(0, 3), `${COMMON}:3`, '8002'],
    ['the service .env over a hardcoded fallback', PORT.slice(0, 2), `${OWN}:2`, '8001'],
    [
      'a hardcoded fallback when nothing else sets it',
      PORT.slice(0, 1),
      'services/svc/src/index.ts:4',
      '3000',
    ],
  ])('%s', (_why, entries, source, value) => {
    const input = winnerOf(entries, 'PORT');
    expect(at(input)).toBe(source);
    expect(input.value).toBe(value);
    expect(input.fingerprint).toBe(fp(value));
  });

  it('lists every loser, highest first, with kind and fingerprint and no value', () => {
    const input = winnerOf(PORT, 'PORT');
    expect(input.shadowed).toEqual([
      { source: { file: KAFKA, line: 1 }, kind: 'env-file', fingerprint: fp('8003') },
      { source: { file: COMMON, line: 3 }, kind: 'env-file', fingerprint: fp('8002') },
      { source: { file: OWN, line: 2 }, kind: 'env-file', fingerprint: fp('8001') },
      { source: { file: 'services/svc/src/index.ts', line: 4 }, kind: 'hardcoded', fingerprint: fp('3000') },
    ]);
    for (const s of input.shadowed!) expect(Object.keys(s).sort()).toEqual(['fingerprint', 'kind', 'source']);
  });

  it('omits shadowed when a name has one source', () => {
    expect(winnerOf([envFile(`${OWN}:1`, 'ONLY', 'x')], 'ONLY').shadowed).toBeUndefined();
  });

  it('takes the later line within one env file and the later compose entry', () => {
    expect(at(winnerOf([envFile(`${COMMON}:2`, 'A', '1'), envFile(`${COMMON}:9`, 'A', '2')], 'A'))).toBe(
      `${COMMON}:9`,
    );
    // Two compose files (an override file is read after the base): the last one read wins.
    const twoFiles = [
      compose('docker-compose.yml:5', 'A', '1'),
      compose('docker-compose.override.yml:3', 'A', '2'),
    ];
    expect(winnerOf(twoFiles, 'A').value).toBe('2');
  });

  it('orders env_files as compose lists them, not by name', () => {
    const entries = [envFile(`${COMMON}:1`, 'A', 'common'), envFile(`${KAFKA}:1`, 'A', 'kafka')];
    expect(winnerOf(entries, 'A', 'production', [KAFKA, COMMON]).value).toBe('common');
    expect(winnerOf(entries, 'A', 'production', [COMMON, KAFKA]).value).toBe('kafka');
  });

  it('ranks several hardcoded fallbacks by file and line, first wins', () => {
    const input = winnerOf(
      [
        hardcoded('src/b.ts:1', 'PORT', '2'),
        hardcoded('src/a.ts:9', 'PORT', '1'),
        hardcoded('src/a.ts:3', 'PORT', '0'),
      ],
      'PORT',
    );
    expect(at(input)).toBe('src/a.ts:3');
    expect(input.shadowed!.map(at)).toEqual(['src/a.ts:9', 'src/b.ts:1']);
  });
});

describe('entries without a value', () => {
  it('an unresolved compose pass-through unsets env_file values, but the service .env still fills it', () => {
    const entries = [
      compose(`${COMPOSE_FILE}:7`, 'TZ', null, [PASS]),
      envFile(`${COMMON}:1`, 'TZ', 'UTC'),
      envFile(`${OWN}:1`, 'TZ', 'Europe/Paris'),
    ];
    const input = winnerOf(entries, 'TZ');
    expect(at(input)).toBe(`${OWN}:1`);
    expect(input.shadowed!.map(at)).toEqual([`${COMPOSE_FILE}:7`, `${COMMON}:1`]);
    expect(input.shadowed![0]!.fingerprint).toBeNull();
  });

  it('an unresolved compose pass-through over env_files only wins with no value', () => {
    const input = winnerOf(
      [compose(`${COMPOSE_FILE}:7`, 'TZ', null, [PASS]), envFile(`${COMMON}:1`, 'TZ', 'UTC')],
      'TZ',
    );
    expect(input).toMatchObject({ kind: 'compose', value: null, fingerprint: null });
  });

  it('a compose value whose interpolation failed still wins, unknown', () => {
    const input = winnerOf([compose(`${COMPOSE_FILE}:7`, 'A', null), envFile(`${OWN}:1`, 'A', 'x')], 'A');
    expect(input).toMatchObject({ kind: 'compose', value: null });
  });

  it('an unresolved bare NAME in an env_file sets nothing', () => {
    const input = winnerOf([envFile(`${KAFKA}:1`, 'A', null), envFile(`${COMMON}:1`, 'A', 'x')], 'A');
    expect(at(input)).toBe(`${COMMON}:1`);
  });

  it('with no value anywhere, the highest declaration wins without one', () => {
    const input = winnerOf([envFile(`${COMMON}:1`, 'A', null), envFile(`${KAFKA}:1`, 'A', null)], 'A');
    expect(at(input)).toBe(`${KAFKA}:1`);
    expect(input.value).toBeNull();
  });
});

describe("the service's own .env files", () => {
  it.each([
    ['services/svc/.env', 'production', { applies: true, rank: 0 }],
    ['services/svc/.env.production', 'production', { applies: true, rank: 1 }],
    ['services/svc/.env.production', 'development', { applies: false }],
    ['services/svc/.env.local', 'production', { applies: false }],
    ['services/svc/.env.production.local', 'production', { applies: false }],
    ['services/svc/.env.docker', 'production', { applies: false }],
  ])('%s in %s', (file, environment, verdict) => {
    expect(ownEnvFileVerdict(file, environment)).toMatchObject(verdict);
  });

  const entries = [
    envFile('services/svc/.env:1', 'LEVEL', 'info'),
    envFile('services/svc/.env.production:1', 'LEVEL', 'warn'),
    envFile('services/svc/.env.development:1', 'LEVEL', 'debug'),
    envFile('services/svc/.env.local:1', 'LEVEL', 'trace'),
  ];
  it('.env.<environment> wins over .env for that environment only', () => {
    expect(winnerOf(entries, 'LEVEL', 'production').value).toBe('warn');
    expect(winnerOf(entries, 'LEVEL', 'development').value).toBe('debug');
    expect(winnerOf(entries, 'LEVEL', 'global').value).toBe('info');
  });

  it('reports the files it skipped, with why', () => {
    const { skipped } = resolve(entries, 'production');
    expect(skipped.map((s) => s.file)).toEqual(['services/svc/.env.development', 'services/svc/.env.local']);
    expect(winnerOf(entries, 'LEVEL', 'production').shadowed!.map(at)).toEqual(['services/svc/.env:1']);
  });

  it('a compose env_file applies whatever its name', () => {
    const input = winnerOf([envFile('services/svc/.env.local:1', 'A', 'x')], 'A', 'production', [
      'services/svc/.env.local',
    ]);
    expect(input.value).toBe('x');
  });
});

describe('config files', () => {
  const names = environmentNames(['global', 'development', 'production']);
  it.each([
    ['svc/config/default.json', 'production', { applies: true, rank: 0, group: 'svc/config/' }],
    [
      'svc/config/production.yaml',
      'production',
      { applies: true, rank: 1, group: 'svc/config/', folderWide: true },
    ],
    ['svc/config/development.yml', 'production', { applies: false }],
    ['svc/config/staging.json', 'production', { applies: false }],
    ['svc/config/config.yaml', 'production', { applies: true, rank: 0, group: 'svc/config/config' }],
    [
      'svc/config/config.production.yaml',
      'production',
      { applies: true, rank: 2, group: 'svc/config/config', folderWide: false },
    ],
    ['svc/config/config.development.yaml', 'production', { applies: false }],
    ['svc/config/trading.yaml', 'production', { applies: true, rank: 0, group: 'svc/config/trading' }],
  ])('%s in %s', (file, environment, verdict) => {
    expect(configFileVerdict(file, environment, names)).toMatchObject(verdict);
  });

  const entries = [
    configFile('svc/config/default.json:3', 'db.pool.max', '10'),
    configFile('svc/config/production.json:2', 'db.pool.max', '50'),
    configFile('svc/config/development.json:2', 'db.pool.max', '2'),
    configFile('svc/config/default.json:4', 'db.host', 'localhost'),
    configFile('svc/config/config.yaml:1', 'log.level', 'info'),
    configFile('svc/config/config.production.yaml:1', 'log.level', 'warn'),
  ];
  it('an environment-named file overrides default.* for its environment only', () => {
    const prod = winnerOf(entries, 'db.pool.max', 'production');
    expect(prod.value).toBe('50');
    expect(prod.shadowed!.map(at)).toEqual(['svc/config/default.json:3']);
    expect(winnerOf(entries, 'db.pool.max', 'development').value).toBe('2');
    expect(winnerOf(entries, 'db.pool.max', 'global').value).toBe('10');
    expect(winnerOf(entries, 'db.host', 'production').value).toBe('localhost');
  });

  it('config.<environment>.yaml overrides config.yaml', () => {
    expect(winnerOf(entries, 'log.level', 'production').value).toBe('warn');
    expect(winnerOf(entries, 'log.level', 'development').value).toBe('info');
  });

  it('unrelated files sharing a dotted path are separate inputs', () => {
    const { inputs } = resolve([
      configFile('svc/config/strategies/momentum.yaml:1', 'name', 'momentum'),
      configFile('svc/config/strategies/mean-reversion.yml:1', 'name', 'mean-reversion'),
    ]);
    expect(inputs.map((i) => [at(i), i.shadowed])).toEqual([
      ['svc/config/strategies/mean-reversion.yml:1', undefined],
      ['svc/config/strategies/momentum.yaml:1', undefined],
    ]);
  });

  it("a folder-wide environment file also overrides the folder's unnamed files, for its paths only", () => {
    const files = [
      configFile('svc/config/app.yaml:1', 'db.host', 'localhost'),
      configFile('svc/config/app.yaml:2', 'db.port', '5432'),
      configFile('svc/config/production.yaml:1', 'db.host', 'prod-db'),
      configFile('svc/other/app.yaml:1', 'db.host', 'elsewhere'),
    ];
    const host = resolve(files).inputs.filter((i) => i.name === 'db.host');
    expect(host.map((i) => [at(i), (i.shadowed ?? []).map(at)])).toEqual([
      ['svc/config/production.yaml:1', ['svc/config/app.yaml:1']],
      ['svc/other/app.yaml:1', []],
    ]);
    expect(winnerOf(files, 'db.port').value).toBe('5432');
    expect(resolve(files, 'development').inputs.filter((i) => i.name === 'db.host')).toHaveLength(2);
  });

  it('<name>.<environment>.* beats a folder-wide <environment>.* where both set a path', () => {
    const files = [
      configFile('svc/config/config.yaml:1', 'a', 'base'),
      configFile('svc/config/production.yaml:1', 'a', 'folder'),
      configFile('svc/config/config.production.yaml:1', 'a', 'named'),
    ];
    const a = winnerOf(files, 'a');
    expect(a.value).toBe('named');
    expect(a.shadowed!.map(at)).toEqual(['svc/config/production.yaml:1', 'svc/config/config.yaml:1']);
  });

  it('does not let a config path and an env var of the same name shadow each other', () => {
    const { inputs } = resolve([
      configFile('svc/config/app.yaml:1', 'PORT', '1'),
      envFile(`${OWN}:1`, 'PORT', '2'),
    ]);
    expect(inputs).toHaveLength(2);
  });
});

describe('dead secrets', () => {
  const live = secret('live');
  const dead = secret('dead');

  it('warns for a shadowed credential with another value, naming both places and never a value', () => {
    const { inputs, warnings } = resolve([
      compose(`${COMPOSE_FILE}:26`, 'DB_PASSWORD', live),
      envFile(`${OWN}:9`, 'DB_PASSWORD', dead),
      hardcoded('services/svc/src/db.ts:13', 'DB_PASSWORD', dead),
    ]);
    expect(inputs[0]!.classification).toBe('credential');
    expect(warnings.map((w) => [w.code, w.name, at(w), `${w.winner.file}:${w.winner.line}`])).toEqual([
      ['dead-secret', 'DB_PASSWORD', `${OWN}:9`, `${COMPOSE_FILE}:26`],
      ['dead-secret', 'DB_PASSWORD', 'services/svc/src/db.ts:13', `${COMPOSE_FILE}:26`],
    ]);
    expect(warnings[0]!.message).toContain(`${OWN}:9`);
    expect(warnings[0]!.message).toContain(`${COMPOSE_FILE}:26`);
    const printed =
      JSON.stringify(warnings) + JSON.stringify(inputs.map((i) => ({ ...i, value: undefined })));
    expect(printed).not.toContain(live);
    expect(printed).not.toContain(dead);
  });

  it('does not warn when the shadowed credential holds the same value', () => {
    const { warnings } = resolve([
      compose(`${COMPOSE_FILE}:26`, 'DB_PASSWORD', live),
      envFile(`${OWN}:9`, 'DB_PASSWORD', live),
    ]);
    expect(warnings).toEqual([]);
  });

  it('does not warn for a shadowed setting or a credential reference', () => {
    const { warnings } = resolve([
      compose(`${COMPOSE_FILE}:1`, 'LOG_LEVEL', 'warn'),
      envFile(`${OWN}:1`, 'LOG_LEVEL', 'info'),
      compose(`${COMPOSE_FILE}:2`, 'API_TOKEN', live),
      envFile(`${OWN}:2`, 'API_TOKEN', '${vault:secret/data/svc#token}'),
    ]);
    expect(warnings).toEqual([]);
  });

  it('warns when an unresolved pass-through removes an env_file credential', () => {
    const { warnings } = resolve([
      compose(`${COMPOSE_FILE}:3`, 'DB_PASSWORD', null, [PASS]),
      envFile(`${COMMON}:4`, 'DB_PASSWORD', dead),
    ]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toMatch(/without a value/);
  });
});

describe('classification', () => {
  it('matches the inventory entry of the winner', () => {
    const entries = [
      compose(`${COMPOSE_FILE}:1`, 'DATABASE_URL', ['postgres://u:', secret('a'), '@db:5432/x'].join('')),
      envFile(`${OWN}:1`, 'PASSWORD_MIN_LENGTH', '12'),
      envFile(`${OWN}:2`, 'BROKER_API_KEY', '${vault:secret/data/trading#api_key}'),
    ];
    for (const input of resolve(entries).inputs) {
      const raw = entries.find((e) => e.name === input.name)!;
      expect(input.classification).toBe(toInventoryEntry(raw, fp).classification);
    }
    expect(resolve(entries).inputs.map((i) => i.classification)).toEqual([
      'credential-reference',
      'credential',
      'setting',
    ]);
  });
});
