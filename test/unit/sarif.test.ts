/** SARIF 2.1.0 of `cfgmig validate` (output/sarif.ts). */
import { describe, expect, it } from 'vitest';
import { finishReport } from '../../src/core/validate/model.js';
import { sarifLog } from '../../src/output/sarif.js';

const r = finishReport({
  formatVersion: 1,
  project: '/work/p',
  environment: 'production',
  services: ['api'],
  checks: [{ check: 'plaintext', service: 'api', status: 'pass' }],
  problems: [
    {
      check: 'plaintext',
      service: 'api',
      severity: 'error',
      rule: 'plaintext-credential',
      message: 'plaintext credential DB_PASSWORD (name: PASSWORD)',
      file: 'docker-compose.yml',
      line: 12,
      key: 'DB_PASSWORD',
    },
    {
      check: 'values',
      service: 'api',
      severity: 'error',
      rule: 'value-mismatch',
      message: 'db.port: MISMATCH',
      file: 'api/.env',
      line: 4,
    },
    {
      check: 'fresh',
      service: 'api',
      severity: 'pending',
      rule: 'plan-pending',
      message: 'behind',
      file: 'plans/api.production.plan.yaml',
    },
    {
      check: 'values',
      service: 'api',
      severity: 'error',
      rule: 'store-error',
      message: 'no file: not a result',
    },
  ],
  values: [],
  notes: [],
});

describe('sarifLog', () => {
  const log = JSON.parse(sarifLog(r, '1.2.3')) as {
    version: string;
    runs: {
      tool: { driver: { name: string; version: string; rules: { id: string }[] } };
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: {
          physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } };
        }[];
      }[];
    }[];
  };
  const run = log.runs[0]!;

  it('is SARIF 2.1.0 with a rule per kind', () => {
    expect(log.version).toBe('2.1.0');
    expect(run.tool.driver).toMatchObject({ name: 'cfgmig', version: '1.2.3' });
    expect(run.tool.driver.rules.map((x) => x.id)).toEqual([
      'plaintext-credential',
      'plan-pending',
      'value-mismatch',
    ]);
  });

  it('has a result with file and line for each located problem', () => {
    expect(run.results).toHaveLength(3);
    const cred = run.results.find((x) => x.ruleId === 'plaintext-credential')!;
    expect(cred.level).toBe('error');
    expect(cred.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'docker-compose.yml', uriBaseId: 'PROJECTROOT' },
      region: { startLine: 12 },
    });
    expect(run.tool.driver.rules[cred.ruleIndex]!.id).toBe('plaintext-credential');
    expect(run.results.find((x) => x.ruleId === 'plan-pending')!).toMatchObject({ level: 'note' });
  });
});
