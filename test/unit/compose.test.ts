import { describe, expect, it } from 'vitest';
import { allProblems, extractCompose } from '../../src/core/extract/compose.js';

const env = (vars: Record<string, string>) => (name: string) => vars[name];
const entries = (text: string, vars: Record<string, string> = {}) =>
  extractCompose('docker-compose.yml', text, env(vars)).services.map((s) => ({
    name: s.name,
    env: s.entries.map((e) => [e.name, e.source.line, e.value]),
  }));

describe('compose environment extraction', () => {
  it('map form with interpolation, defaults, escapes and typed scalars', () => {
    const text = [
      'services:',
      '  api:',
      '    environment:',
      '      HOST: ${HOST:-0.0.0.0}',
      '      PORT: 8080',
      '      DEBUG: false',
      '      PRICE: "$$5"',
      '      USER: $USER_NAME',
      '      NESTED: ${A:-${B:-x}}',
      '      EMPTY: ""',
      '      PASS:',
    ].join('\n');
    expect(entries(text, { USER_NAME: 'svc', B: 'b' })[0]!.env).toEqual([
      ['HOST', 4, '0.0.0.0'],
      ['PORT', 5, '8080'],
      ['DEBUG', 6, 'false'],
      ['PRICE', 7, '$5'],
      ['USER', 8, 'svc'],
      ['NESTED', 9, 'b'],
      ['EMPTY', 10, ''],
      ['PASS', 11, null],
    ]);
  });

  it('list form, including a pass-through name without a value', () => {
    const text =
      'services:\n  w:\n    environment:\n      - A=1\n      - B=${X}=y\n      - C=\n      - PASSTHROUGH\n';
    expect(entries(text, { X: 'x' })[0]!.env).toEqual([
      ['A', 4, '1'],
      ['B', 5, 'x=y'],
      ['C', 6, ''],
      ['PASSTHROUGH', 7, null],
    ]);
  });

  it('<< merges from an anchor: the anchor line for merged keys, overrides win', () => {
    const text = [
      'x-common: &common',
      '  LOG_LEVEL: info',
      '  TZ: UTC',
      'services:',
      '  a:',
      '    environment:',
      '      <<: *common',
      '      LOG_LEVEL: debug',
      '  b:',
      '    environment: *common',
    ].join('\n');
    const [a, b] = entries(text);
    expect(a!.env).toEqual([
      ['LOG_LEVEL', 8, 'debug'],
      ['TZ', 3, 'UTC'],
    ]);
    expect(b!.env).toEqual([
      ['LOG_LEVEL', 2, 'info'],
      ['TZ', 3, 'UTC'],
    ]);
  });

  it('env_file in its three forms and the build context', () => {
    const text = [
      'services:',
      '  a:',
      '    build: ./services/a',
      '    env_file: a.env',
      '  b:',
      '    build: { context: "./svc/${NAME}" }',
      '    env_file: [one.env, two.env]',
      '  c:',
      '    env_file:',
      '      - path: opt.env',
      '        required: false',
      '      - path: req.env',
    ].join('\n');
    const r = extractCompose('docker-compose.yml', text, env({ NAME: 'bee' }));
    expect(
      r.services.map((s) => [s.name, s.buildContext, s.envFiles.map((f) => [f.path, f.required, f.line])]),
    ).toEqual([
      ['a', './services/a', [['a.env', true, 4]]],
      [
        'b',
        './svc/bee',
        [
          ['one.env', true, 7],
          ['two.env', true, 7],
        ],
      ],
      [
        'c',
        null,
        [
          ['opt.env', false, 10],
          ['req.env', true, 12],
        ],
      ],
    ]);
  });

  it('${VAR:?msg} with VAR unset is a problem at its line, not a crash; the value is unknown', () => {
    const text =
      'services:\n  a:\n    environment:\n      OK: fine\n      DB_URL: ${DB_URL:?set DB_URL first}\n';
    const r = extractCompose('docker-compose.yml', text, env({}));
    expect(allProblems(r)).toEqual([
      expect.objectContaining({
        file: 'docker-compose.yml',
        line: 5,
        severity: 'error',
        message: expect.stringContaining('DB_URL'),
      }),
    ]);
    expect(r.services[0]!.entries.map((e) => [e.name, e.value])).toEqual([
      ['OK', 'fine'],
      ['DB_URL', null],
    ]);
  });

  it('invalid YAML is one problem with its line, and interpolated secrets never reach messages', () => {
    const r = extractCompose('docker-compose.yml', 'services:\n  a:\n    environment: [\n', env({}));
    expect(r.services).toEqual([]);
    expect(r.problems[0]).toMatchObject({ severity: 'error' });
    const bad = extractCompose(
      'docker-compose.yml',
      'services:\n  a:\n    environment:\n      X: ${SECRET} ${',
      env({ SECRET: 'MARKER_S3CR3T' }),
    );
    expect(JSON.stringify(allProblems(bad))).not.toContain('MARKER_S3CR3T');
    expect(allProblems(bad)).toHaveLength(1);
  });
});
