/** `split: url`: connection URLs into settings and a password credential. */
import { describe, expect, it } from 'vitest';
import { splitConnectionUrl } from '../../src/core/plan/connection-string.js';
import { applyRules } from '../../src/core/plan/rules.js';
import { cred, fp, input, rule } from '../support/rules.js';

const SPLIT = rule(
  "name: db\nappliesTo: '*'\nmap:\n  - match: '^(?<kind>[A-Z]+)_URL$'\n    split: url\n    parts:\n" +
    '      scheme: db.{kind|lower}.scheme\n      host: db.{kind|lower}.host\n      port: db.{kind|lower}.port\n' +
    '      database: db.{kind|lower}.name\n      user: db.{kind|lower}.user\n' +
    '      password: db.{kind|lower}.password\n      options: db.{kind|lower}.options\n',
  'rules/db.yaml',
);

describe('splitConnectionUrl', () => {
  it.each([
    [
      'postgres://user:pa%40ss@db.example.com:5432/app?sslmode=require&application_name=x',
      {
        scheme: 'postgres',
        user: 'user',
        password: 'pa@ss',
        host: 'db.example.com',
        port: 5432,
        database: 'app',
        options: { sslmode: 'require', application_name: 'x' },
      },
    ],
    [
      'mongodb+srv://svc:pw@cluster0.example.net/analytics?retryWrites=true',
      {
        scheme: 'mongodb+srv',
        user: 'svc',
        password: 'pw',
        host: 'cluster0.example.net',
        database: 'analytics',
      },
    ],
    [
      'redis://:pw@redis:6379/0',
      { scheme: 'redis', password: 'pw', host: 'redis', port: 6379, database: '0' },
    ],
    ['redis://redis:6379/2', { scheme: 'redis', host: 'redis', port: 6379, database: '2' }],
    ['amqp://guest:guest@rabbit/vhost', { scheme: 'amqp', user: 'guest', password: 'guest', host: 'rabbit' }],
    ['mongodb://a:1,b:2/db', { host: 'a:1,b:2', database: 'db' }],
    ['postgres://u@[::1]:5433/x', { user: 'u', host: '[::1]', port: 5433, database: 'x' }],
    ['postgres://u:p@a@h/x', { user: 'u', password: 'p@a', host: 'h' }],
  ])('%s', (url, parts) => {
    const r = splitConnectionUrl(url);
    expect(r.ok && r.parts).toMatchObject(parts);
  });

  it.each([
    ['no scheme', 'host:5432/db', 'not a connection URL (scheme://…)'],
    ['bad port', 'postgres://h:99999/db', 'its port is not between 1 and 65535'],
    ['bad host', 'postgres://h h/db', 'its host is not a host name or address (with an optional port)'],
    ['bad encoding', 'postgres://u:%zz@h/db', 'the user or password has an invalid percent-encoding'],
  ])('%s', (_what, url, reason) => {
    expect(splitConnectionUrl(url)).toEqual({ ok: false, reason });
  });

  it('leaves secret-looking query parameters out of the options', () => {
    const r = splitConnectionUrl('postgres://h/db?sslmode=require&password=x&sslkey=y');
    expect(r.ok && r.parts.options).toEqual({ sslmode: 'require' });
    expect(r.ok && r.parts.droppedOptions).toEqual(['password', 'sslkey']);
  });
});

describe('split: url in a rule', () => {
  it('makes settings of the parts and a credential of the password only', () => {
    const url = 'postgres://trader:S3cret@pg-primary:5432/trading?sslmode=require';
    const r = applyRules([SPLIT], 'svc', [cred('PG_URL', url)], fp);
    expect(r.problems).toEqual([]);
    const byTarget = Object.fromEntries(r.mapped.map((v) => [v.target, v]));
    expect(byTarget['db.pg.host']).toMatchObject({
      as: 'setting',
      value: 'pg-primary',
      part: 'host',
      input: 'PG_URL',
    });
    expect(byTarget['db.pg.port']).toMatchObject({ value: 5432, part: 'port' });
    expect(byTarget['db.pg.name']).toMatchObject({ value: 'trading' });
    expect(byTarget['db.pg.user']).toMatchObject({ value: 'trader' });
    expect(byTarget['db.pg.scheme']).toMatchObject({ value: 'postgres' });
    expect(byTarget['db.pg.options']).toMatchObject({ value: { sslmode: 'require' } });
    expect(byTarget['db.pg.password']).toEqual({
      target: 'db.pg.password',
      as: 'credential',
      fingerprint: fp('S3cret'),
      input: 'PG_URL',
      source: { file: 'services/svc/.env', line: 1 },
      rule: 'db',
      part: 'password',
    });
  });

  it('with `to` as well keeps the whole value under it', () => {
    const r = rule(
      "name: r\nappliesTo: '*'\nmap:\n  - from: REDIS_URL\n    to: cache.url\n    split: url\n    parts:\n      host: cache.host\n",
    );
    const res = applyRules([r], 'svc', [cred('REDIS_URL', 'redis://:pw@r:6379/0')], fp);
    expect(res.mapped.map((v) => [v.target, v.as])).toEqual([
      ['cache.url', 'credential'],
      ['cache.host', 'setting'],
    ]);
  });

  it('reports a value that is not a URL without quoting a credential', () => {
    const r = applyRules([SPLIT], 'svc', [cred('PG_URL', 'not-a-url-secret', { line: 4 })], fp);
    expect(r.problems).toEqual([
      {
        message: 'rules/db.yaml:4: rule db: PG_URL (services/svc/.env:4): not a connection URL (scheme://…)',
        severity: 'error',
        rule: 'db',
        input: 'PG_URL',
        file: 'rules/db.yaml',
        line: 4,
      },
    ]);
  });

  it('quotes a setting that is not a URL', () => {
    const r = applyRules([SPLIT], 'svc', [input('PG_URL', 'nope')], fp);
    expect(r.problems[0]!.message).toBe(
      'rules/db.yaml:4: rule db: PG_URL (services/svc/.env:1): not a connection URL (scheme://…): "nope"',
    );
  });

  it('warns when secret-looking options were left out', () => {
    const r = applyRules([SPLIT], 'svc', [cred('PG_URL', 'postgres://h/db?password=zz')], fp);
    expect(r.problems.map((p) => [p.severity, p.message])).toEqual([
      [
        'warning',
        'rules/db.yaml:4: rule db: PG_URL (services/svc/.env:1): 1 query parameter that looks secret left out of the options',
      ],
    ]);
  });

  it('cannot split a secret-store reference: a warning, nothing mapped', () => {
    const ref = input('PG_URL', '${vault:secret/data/pg#url}', { classification: 'credential-reference' });
    const r = applyRules([SPLIT], 'svc', [ref], fp);
    expect(r.mapped).toEqual([]);
    expect(r.problems.map((p) => p.severity)).toEqual(['warning']);
  });

  it('maps nothing for an input without a value', () => {
    const r = applyRules([SPLIT], 'svc', [cred('PG_URL', null)], fp);
    expect(r).toMatchObject({ mapped: [], problems: [], unmapped: [] });
  });
});
