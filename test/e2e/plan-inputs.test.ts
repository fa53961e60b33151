/**
 * planInputs over fixtures/platform: for variables the fleet sets in several places, the value the
 * running service would see wins, and the losers are listed. Plus a marker secret planted as a
 * shadowed credential never shows up outside a PlanInput's `value`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planInputs, type PlanInputsResult } from '../../src/api/plan-inputs.js';
import { loadProject } from '../../src/config/load.js';
import { fingerprinter } from '../../src/core/crypto/fingerprint.js';
import type { PlanInput } from '../../src/core/plan/model.js';
import { cleanEnv, copyFixture } from '../support/cli.js';
import { makeProject } from '../support/project.js';

const masterKey = new Uint8Array(randomBytes(32));
const at = (r: { source: { file: string; line: number } }) => `${r.source.file}:${r.source.line}`;

let fixture: { dir: string; cleanup: () => Promise<void> };
let result: PlanInputsResult;

beforeAll(async () => {
  fixture = await copyFixture('platform');
  const env = cleanEnv();
  const project = await loadProject(fixture.dir, env);
  result = await planInputs(project, [], 'production', env, masterKey);
});
afterAll(() => fixture.cleanup());

function input(service: string, name: string): PlanInput {
  const svc = result.services.find((s) => s.service === service)!;
  const found = svc.inputs.filter((i) => i.name === name);
  expect(found, `${service} ${name}`).toHaveLength(1);
  return found[0]!;
}
const shadowedOf = (i: PlanInput) => (i.shadowed ?? []).map((s) => `${s.kind} ${at(s)}`);

describe('planInputs on fixtures/platform (production)', () => {
  it('extracts every service with no problems', () => {
    expect(result.problems).toEqual([]);
    expect(result.services).toHaveLength(11);
  });

  it('api-gateway JWT_SECRET: compose environment over its env_file and the code fallback', () => {
    const jwt = input('api-gateway', 'JWT_SECRET');
    expect(at(jwt)).toBe('docker-compose.yml:26');
    expect(jwt.classification).toBe('credential');
    expect(shadowedOf(jwt)).toEqual([
      'env-file services/api-gateway/.env:9',
      'hardcoded services/api-gateway/src/middleware/jwt.ts:13',
    ]);
    // Both losers hold other values: two dead secrets.
    const warnings = result.services.find((s) => s.service === 'api-gateway')!.warnings;
    expect(warnings.filter((w) => w.name === 'JWT_SECRET').map(at)).toEqual([
      'services/api-gateway/.env:9',
      'services/api-gateway/src/middleware/jwt.ts:13',
    ]);
  });

  it('trading-engine POSTGRES_CONNECTION_STRING: compose over the service .env, a dead secret', () => {
    const pg = input('trading-engine', 'POSTGRES_CONNECTION_STRING');
    expect(at(pg)).toBe('docker-compose.yml:154');
    expect(shadowedOf(pg)).toEqual(['env-file services/trading-engine/.env:5']);
    const warnings = result.services.find((s) => s.service === 'trading-engine')!.warnings;
    expect(warnings.map((w) => [w.name, at(w), `${w.winner.file}:${w.winner.line}`])).toContainEqual([
      'POSTGRES_CONNECTION_STRING',
      'services/trading-engine/.env:5',
      'docker-compose.yml:154',
    ]);
  });

  it('ai-orchestration: compose over .env for OPENAI_API_KEY, .env over code for OPENAI_MODEL', () => {
    const key = input('ai-orchestration', 'OPENAI_API_KEY');
    expect(at(key)).toBe('docker-compose.yml:76');
    expect(shadowedOf(key)).toEqual(['env-file services/ai-orchestration/.env:7']);
    const model = input('ai-orchestration', 'OPENAI_MODEL');
    expect(at(model)).toBe('services/ai-orchestration/.env:8');
    expect(model.value).toBe('gpt-4o');
    expect(shadowedOf(model)).toEqual(['hardcoded services/ai-orchestration/src/index.ts:6']);
  });

  it('SERVICE_PORT: compose, then .env, then code, with the same port everywhere', () => {
    const port = input('risk-management', 'SERVICE_PORT');
    expect(at(port)).toBe('docker-compose.yml:129');
    expect(port.value).toBe('8006');
    expect(shadowedOf(port)).toEqual([
      'env-file services/risk-management/.env:3',
      'hardcoded services/risk-management/src/index.ts:5',
    ]);
  });

  it('a code fallback wins where nothing else sets the variable, an env_file where it is the only one', () => {
    expect(input('trading-engine', 'KAFKA_BROKERS').source.file).toBe('env/kafka.env');
    const mode = input('trading-engine', 'TRADING_MODE');
    expect([at(mode), mode.value]).toEqual(['docker-compose.yml:157', 'paper']);
  });

  it('strategy-optimizer TZ: an unresolved pass-through wins without a value', () => {
    expect(input('strategy-optimizer', 'TZ')).toMatchObject({
      kind: 'compose',
      value: null,
      fingerprint: null,
    });
  });

  it('unrelated strategy files sharing `name` are two inputs', () => {
    const svc = result.services.find((s) => s.service === 'trading-engine')!;
    expect(svc.inputs.filter((i) => i.name === 'name').map((i) => i.source.file)).toEqual([
      'services/trading-engine/config/strategies/mean-reversion.yml',
      'services/trading-engine/config/strategies/momentum.yaml',
    ]);
  });

  it('fingerprints every value with the master key', () => {
    const fp = fingerprinter(masterKey);
    const port = input('api-gateway', 'SERVICE_PORT');
    expect(port.fingerprint).toBe(fp('8000'));
    expect(port.shadowed!.every((s) => s.fingerprint === fp('8000'))).toBe(true);
  });
});

describe('a marker secret planted as a shadowed credential', () => {
  // Built at run time: nothing in this file looks like a secret to a scanner.
  const DEAD = ['DEADMARK', randomBytes(9).toString('hex'), 'Zq'].join('');
  const LIVE = ['LIVEMARK', randomBytes(9).toString('hex'), 'Zq'].join('');
  let small: { dir: string; cleanup: () => Promise<void> };
  let planned: PlanInputsResult;

  beforeAll(async () => {
    small = await makeProject({
      'docker-compose.yml': [
        'services:',
        '  svc:',
        '    build: ./services/svc',
        '    env_file: ./env/shared.env',
        '    environment:',
        '      DB_PASSWORD: ${DB_PASSWORD}',
        '',
      ].join('\n'),
      '.env': `DB_PASSWORD=${LIVE}\n`,
      'env/shared.env': `DB_PASSWORD=${DEAD}\n`,
      'services/svc/.env': `DB_PASSWORD=${DEAD}\nAPI_TOKEN=${LIVE}\n`,
      'services/svc/src/index.ts': `export const token = process.env.API_TOKEN || '${DEAD}';\n`,
    });
    const env = cleanEnv();
    planned = await planInputs(await loadProject(small.dir, env), [], 'production', env, masterKey);
  });
  afterAll(() => small.cleanup());

  it('is warned about, by place, without its value', () => {
    const svc = planned.services[0]!;
    expect(svc.warnings.map((w) => [w.name, at(w)])).toEqual(
      [
        ['DB_PASSWORD', 'env/shared.env:1'],
        ['DB_PASSWORD', 'services/svc/.env:1'],
        ['API_TOKEN', 'services/svc/src/index.ts:1'],
      ].sort((a, b) => a[0]!.localeCompare(b[0]!)),
    );
  });

  it('never appears outside a PlanInput value; the winner is only in its value', () => {
    const withoutValues = planned.services.map((s) => ({
      ...s,
      inputs: s.inputs.map(({ value: _v, ...rest }) => rest),
    }));
    const printable = JSON.stringify({ ...planned, services: withoutValues });
    expect(printable).not.toContain(DEAD);
    expect(printable).not.toContain(LIVE);
    expect(printable).not.toContain(DEAD.slice(0, 12));
    const values = planned.services.flatMap((s) => s.inputs.map((i) => i.value));
    expect(values).not.toContain(DEAD);
    expect(values).toContain(LIVE);
  });
});
