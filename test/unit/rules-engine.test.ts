/** The rule engine, feature by feature and error by error (messages asserted with file and line). */
import { describe, expect, it } from 'vitest';
import { applyRules, unknownServiceIds } from '../../src/core/plan/rules.js';
import { cred, fp, input, rule } from '../support/rules.js';

const run = (rules: ReturnType<typeof rule>[], inputs: ReturnType<typeof input>[], service = 'svc') =>
  applyRules(rules, service, inputs, fp);

const one = (yaml: string) => rule(`name: r\nappliesTo: '*'\n${yaml}`);

describe('mapping by name and by pattern', () => {
  it('maps an exact name to its target as a setting, keeping the source', () => {
    const r = run(
      [one('map:\n  - from: SERVICE_HOST\n    to: service.host\n')],
      [input('SERVICE_HOST', '0.0.0.0')],
    );
    expect(r.mapped).toEqual([
      {
        target: 'service.host',
        as: 'setting',
        value: '0.0.0.0',
        input: 'SERVICE_HOST',
        source: { file: 'services/svc/.env', line: 1 },
        rule: 'r',
      },
    ]);
    expect(r).toMatchObject({ unmapped: [], ignored: [], problems: [] });
  });

  it.each([
    ['{provider|lower}', 'OPENAI', 'openai'],
    ['{provider|upper}', 'OpenAi', 'OPENAI'],
    ['{provider|kebab}', 'AZURE_OPEN_AI', 'azure-open-ai'],
    ['{provider|camel}', 'AZURE_OPEN_AI', 'azureOpenAi'],
    ['{provider|snake}', 'AzureOpenAi', 'azure_open_ai'],
    ['{provider}', 'Mixed_Case', 'Mixed_Case'],
  ])('fills %s from the named group (%s → %s)', (placeholder, provider, expected) => {
    const rules = [one(`map:\n  - match: '^(?<provider>\\w+?)_API_KEY$'\n    to: 'ai.${placeholder}.key'\n`)];
    const r = run(rules, [cred(`${provider}_API_KEY`, 'sk-x')]);
    expect(r.mapped.map((v) => v.target)).toEqual([`ai.${expected}.key`]);
  });

  it('offers {name} and {file} (the source file name without extension)', () => {
    const rules = [one("map:\n  - match: '^(?<key>.+)$'\n    file: 'cfg/*.yaml'\n    to: '{file}.{name}'\n")];
    const r = run(rules, [input('a.b', '1', { kind: 'config-file', file: 'cfg/pool.yaml' })]);
    expect(r.mapped[0]!.target).toBe('pool.a.b');
  });

  it('matches `file` as a glob over the source file, so equal names from different files differ', () => {
    const rules = [one("map:\n  - from: password\n    file: 'src/db/*'\n    to: db.password\n")];
    const r = run(rules, [
      cred('password', 'p1', { file: 'src/db/pool.ts', kind: 'hardcoded' }),
      cred('password', 'p2', { file: 'src/other/x.ts', kind: 'hardcoded' }),
    ]);
    expect(r.mapped.map((v) => [v.target, v.fingerprint])).toEqual([['db.password', fp('p1')]]);
    expect(r.unmapped.map((i) => i.source.file)).toEqual(['src/other/x.ts']);
  });

  it('within a rule the first matching mapping wins, so a catch-all can come last', () => {
    const rules = [
      one(
        "map:\n  - from: LOG_LEVEL\n    to: logging.level\n  - match: '^(?<k>.+)$'\n    to: 'misc.{k|camel}'\n",
      ),
    ];
    const r = run(rules, [input('LOG_LEVEL', 'info'), input('OTHER_THING', 'x')]);
    expect(r.mapped.map((v) => v.target)).toEqual(['logging.level', 'misc.otherThing']);
    expect(r.problems).toEqual([]);
  });

  it('reports an input no rule maps as unmapped', () => {
    const r = run([one('map:\n  - from: A\n    to: a\n')], [input('B', 'x')]);
    expect(r.unmapped.map((i) => i.name)).toEqual(['B']);
    expect(r.mapped).toEqual([]);
  });

  it('reports a target that cannot be built from an optional group that did not match', () => {
    const rules = [one("map:\n  - match: '^X(?<g>_Y)?$'\n    to: 'a.{g}'\n")];
    const r = run(rules, [input('X', 'v')]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'rules/test.yaml:4: rule r: X (services/svc/.env:1): cannot build the target a.{g}: the group {g} did not match',
    ]);
  });
});

describe('types', () => {
  it.each([
    ['string', ' x ', ' x '],
    ['integer', '42', 42],
    ['integer', ' -7 ', -7],
    ['number', '2.5', 2.5],
    ['number', '1e3', 1000],
    ['boolean', 'true', true],
    ['boolean', 'OFF', false],
    ['boolean', '1', true],
    ['json', '{"a":[1,2]}', { a: [1, 2] }],
    ['list', 'a, b ,,c', ['a', 'b', 'c']],
    ['list', '', []],
    ['list', '["x","y"]', ['x', 'y']],
    ['duration', '250ms', 250],
    ['duration', '30s', 30_000],
    ['duration', '5m', 300_000],
    ['duration', '1h', 3_600_000],
    ['duration', '1d', 86_400_000],
    ['duration', '1h30m', 5_400_000],
    ['duration', '1500', 1500],
    ['url', 'https://example.com/x?y=1', 'https://example.com/x?y=1'],
    ['url', 'postgres://db:5432/x', 'postgres://db:5432/x'],
  ])('%s: %j → %j', (type, text, expected) => {
    const r = run([one(`map:\n  - from: V\n    to: v\n    type: ${type}\n`)], [input('V', text)]);
    expect(r.problems).toEqual([]);
    expect(r.mapped[0]!.value).toEqual(expected);
  });

  it.each([
    ['integer', 'abc', 'not an integer: "abc"'],
    ['integer', '1.5', 'not an integer: "1.5"'],
    ['integer', '99999999999999999999', 'an integer too large to hold exactly: "99999999999999999999"'],
    ['number', '0x1f', 'not a number: "0x1f"'],
    ['number', '', 'not a number: ""'],
    ['number', '1e999', 'a number out of range: "1e999"'],
    ['boolean', 'maybe', 'not a boolean (true/false, yes/no, on/off, 1/0): "maybe"'],
    ['json', '{a:1}', 'not valid JSON: "{a:1}"'],
    ['duration', '5 minutes', 'not a duration (250ms, 30s, 5m, 1h30m, 1d, or milliseconds): "5 minutes"'],
    ['duration', '9'.repeat(400), 'a duration out of range: "' + '9'.repeat(60) + '…"'],
    ['url', 'not a url', 'not a URL (scheme://host…): "not a url"'],
    ['url', 'http://', 'not a URL (scheme://host…): "http://"'],
  ])('%s: %j is an error naming input, rule and line', (type, text, reason) => {
    const rules = [one(`map:\n  - from: V\n    to: v\n    type: ${type}\n`)];
    const r = run(rules, [input('V', text, { file: 'services/svc/.env', line: 9 })]);
    expect(r.mapped).toEqual([]);
    expect(r.unmapped).toEqual([]);
    expect(r.problems).toEqual([
      {
        message: `rules/test.yaml:4: rule r: V (services/svc/.env:9): ${reason}`,
        severity: 'error',
        rule: 'r',
        input: 'V',
        file: 'rules/test.yaml',
        line: 4,
      },
    ]);
  });
});

describe('defaults', () => {
  const pool = rule(
    'name: db\nappliesTo: [trading-engine, database-service]\nmap:\n' +
      '  - from: POOL_MAX\n    to: database.pool.max\n    type: integer\n    default: 20\n',
    'rules/db.yaml',
  );

  it('fills an input declared without a value', () => {
    const r = run([pool], [input('POOL_MAX', null)], 'trading-engine');
    expect(r.mapped).toEqual([
      expect.objectContaining({ target: 'database.pool.max', value: 20, defaulted: true, input: 'POOL_MAX' }),
    ]);
  });

  it('fills the target when the service has no such input, pointing at the rule line', () => {
    const r = run([pool], [], 'trading-engine');
    expect(r.mapped).toEqual([
      {
        target: 'database.pool.max',
        as: 'setting',
        value: 20,
        input: 'POOL_MAX',
        source: { file: 'rules/db.yaml', line: 4 },
        rule: 'db',
        defaulted: true,
      },
    ]);
  });

  it('does nothing for a service the rule does not apply to', () => {
    expect(run([pool], [], 'notification-service').mapped).toEqual([]);
  });

  it('yields to a real value another input gives the same target', () => {
    const typed = one(
      "map:\n  - match: '^database\\.pool\\.max$'\n    to: database.pool.max\n    type: integer\n",
    );
    const r = run(
      [pool, typed],
      [input('database.pool.max', '40', { kind: 'config-file' })],
      'trading-engine',
    );
    expect(r.mapped).toEqual([expect.objectContaining({ value: 40, input: 'database.pool.max' })]);
    expect(r.problems).toEqual([]);
  });

  it('converts a default written as text by the mapping type', () => {
    const r = run([one('map:\n  - from: T\n    to: t\n    type: duration\n    default: 30s\n')], []);
    expect(r.mapped[0]).toMatchObject({ value: 30_000, defaulted: true });
  });

  it('leaves a declared input without value and without default as null', () => {
    const r = run([one('map:\n  - from: TZ\n    to: tz\n')], [input('TZ', null)]);
    expect(r.mapped[0]).toMatchObject({ value: null });
    expect(r.mapped[0]!.defaulted).toBeUndefined();
  });
});

describe('credentials', () => {
  it('stay credentials: a fingerprint of the exact value, no value, never converted', () => {
    const r = run(
      [one('map:\n  - from: PORT_SECRET\n    to: s\n    type: integer\n')],
      [cred('PORT_SECRET', 'abc')],
    );
    expect(r.problems).toEqual([]);
    expect(r.mapped).toEqual([expect.objectContaining({ as: 'credential', fingerprint: fp('abc') })]);
    expect(r.mapped[0]).not.toHaveProperty('value');
  });

  it('`as: credential` makes a setting a credential', () => {
    const r = run([one('map:\n  - from: X\n    to: x\n    as: credential\n')], [input('X', 'v')]);
    expect(r.mapped[0]).toMatchObject({ as: 'credential', fingerprint: fp('v') });
  });

  it('`as: setting` with `from` declassifies one named input (a classifier false positive)', () => {
    const r = run(
      [one('map:\n  - from: TOKEN_TTL\n    to: t\n    as: setting\n    type: integer\n')],
      [cred('TOKEN_TTL', '3600')],
    );
    expect(r.mapped[0]).toMatchObject({ as: 'setting', value: 3600 });
  });

  it('`as: setting` by pattern is refused: it could expose every credential it matches', () => {
    const r = run(
      [one("map:\n  - match: '^(?<k>.+)$'\n    to: 'x.{k}'\n    as: setting\n")],
      [cred('DB_PASS', 'pw')],
    );
    expect(r.mapped).toEqual([]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'rules/test.yaml:4: rule r: DB_PASS (services/svc/.env:1): is a credential; a `match` mapping cannot make it a setting (name it with `from` to declassify it)',
    ]);
  });

  it('a declassified credential that fails conversion is reported without its value', () => {
    const r = run(
      [one('map:\n  - from: K\n    to: k\n    as: setting\n    type: integer\n')],
      [cred('K', 'hunter2')],
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      'rules/test.yaml:4: rule r: K (services/svc/.env:1): not an integer',
    ]);
  });

  it('a credential reference (${vault:…}) is a setting holding the reference, whatever `as` and `type` say', () => {
    const ref = '${vault:secret/data/x#key}';
    const r = run(
      [one('map:\n  - from: K\n    to: k\n    as: credential\n    type: integer\n')],
      [input('K', ref, { classification: 'credential-reference' })],
    );
    expect(r.problems).toEqual([]);
    expect(r.mapped[0]).toMatchObject({ as: 'setting', value: ref });
  });

  it('a credential without a value has a null fingerprint', () => {
    const r = run([one('map:\n  - from: K\n    to: k\n')], [cred('K', null)]);
    expect(r.mapped[0]).toMatchObject({ as: 'credential', fingerprint: null });
  });
});

describe('appliesTo and ignore', () => {
  it.each([
    ["'*'", 'anything', true],
    ['[a, b]', 'b', true],
    ['[a, b]', 'c', false],
    ["['*-service']", 'user-service', true],
    ["['*-service']", 'trading-engine', false],
    ["['{trading,risk}-*']", 'risk-management', true],
  ])('appliesTo %s for %s: %s', (appliesTo, service, applies) => {
    const r = rule(`name: r\nappliesTo: ${appliesTo}\nmap:\n  - from: A\n    to: a\n`);
    expect(run([r], [input('A', '1')], service).mapped.length).toBe(applies ? 1 : 0);
  });

  it('ignores names and patterns, saying which rule did', () => {
    const r = rule("name: runtime\nappliesTo: '*'\nignore: [NODE_ENV, {match: '^npm_'}]\n");
    const res = run([r], [input('NODE_ENV', 'production'), input('npm_config_x', '1'), input('KEEP', '1')]);
    expect(res.ignored).toEqual([
      { input: 'NODE_ENV', rule: 'runtime' },
      { input: 'npm_config_x', rule: 'runtime' },
    ]);
    expect(res.unmapped.map((i) => i.name)).toEqual(['KEEP']);
  });

  it('mapped wins over ignored, with a warning', () => {
    const ign = rule("name: ign\nappliesTo: '*'\nignore: [LOG_LEVEL]\n", 'rules/ign.yaml');
    const map = rule(
      "name: log\nappliesTo: '*'\nmap:\n  - from: LOG_LEVEL\n    to: logging.level\n",
      'rules/log.yaml',
    );
    const r = run([ign, map], [input('LOG_LEVEL', 'info')]);
    expect(r.mapped.map((v) => v.target)).toEqual(['logging.level']);
    expect(r.ignored).toEqual([]);
    expect(r.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message:
          'rules/ign.yaml:3: rule ign: LOG_LEVEL (services/svc/.env:1): is ignored here but mapped by rule log',
      }),
    ]);
  });
});

describe('config-file entries', () => {
  it('go to their own dotted path when no rule maps them, as extracted (text), rule config-file', () => {
    const r = run([], [input('pool.max', '40', { kind: 'config-file', file: 'cfg/db.yaml', line: 3 })]);
    expect(r.mapped).toEqual([
      {
        target: 'pool.max',
        as: 'setting',
        value: '40',
        input: 'pool.max',
        source: { file: 'cfg/db.yaml', line: 3 },
        rule: 'config-file',
      },
    ]);
  });

  it('keep a credential a credential', () => {
    const r = run([], [cred('db.password', 'pw', { kind: 'config-file' })]);
    expect(r.mapped[0]).toMatchObject({ as: 'credential', fingerprint: fp('pw'), rule: 'config-file' });
  });

  it('can be ignored, or mapped elsewhere by a rule', () => {
    const r = run(
      [one("map:\n  - from: a.b\n    to: x.y\n    type: integer\nignore: [{match: '^debug\\.'}]\n")],
      [input('a.b', '1', { kind: 'config-file' }), input('debug.on', 'true', { kind: 'config-file' })],
    );
    expect(r.mapped.map((v) => [v.target, v.value])).toEqual([['x.y', 1]]);
    expect(r.ignored).toEqual([{ input: 'debug.on', rule: 'r' }]);
  });

  it('with a name that is not a usable key are unmapped, not dropped', () => {
    const r = run([], [input('a..b', '1', { kind: 'config-file' })]);
    expect(r.unmapped.map((i) => i.name)).toEqual(['a..b']);
  });
});

describe('one target, one value', () => {
  const a = rule("name: alpha\nappliesTo: '*'\nmap:\n  - from: A\n    to: t\n", 'rules/alpha.yaml');
  const b = rule("name: beta\nappliesTo: '*'\nmap:\n\n  - from: B\n    to: t\n", 'rules/beta.yaml');

  it('two rules giving one target different values is an error naming both rules and inputs', () => {
    const r = run([a, b], [input('A', '1', { line: 2 }), input('B', '2', { line: 3 })]);
    expect(r.problems).toEqual([
      {
        message:
          'target t gets different values from rule alpha (rules/alpha.yaml:4) from A (services/svc/.env:2) ' +
          'and rule beta (rules/beta.yaml:5) from B (services/svc/.env:3)',
        severity: 'error',
        rule: 'beta',
        input: 'B',
        file: 'rules/beta.yaml',
        line: 5,
      },
    ]);
    expect(r.mapped.filter((v) => v.target === 't')).toHaveLength(1);
  });

  it('the same value twice is fine: one value, the other input listed as agreeing', () => {
    const r = run([a, b], [input('A', 'same'), input('B', 'same', { line: 7 })]);
    expect(r.problems).toEqual([]);
    expect(r.mapped).toEqual([
      expect.objectContaining({
        input: 'A',
        agreeing: [{ input: 'B', source: { file: 'services/svc/.env', line: 7 }, rule: 'beta' }],
      }),
    ]);
  });

  it('compares credentials by fingerprint, and never shows them', () => {
    const r = run([a, b], [cred('A', 'secret-one'), cred('B', 'secret-two')]);
    expect(r.problems).toHaveLength(1);
    expect(JSON.stringify(r.problems)).not.toMatch(/secret-/);
  });

  it('a key that is a value and a parent of another is an error', () => {
    const r = run(
      [one('map:\n  - from: A\n    to: db\n  - from: B\n    to: db.host\n')],
      [input('A', '1'), input('B', 'h')],
    );
    expect(r.problems.map((p) => p.message)).toEqual([
      'target db is a value (rule r (rules/test.yaml:4) from A (services/svc/.env:1)), so db.host ' +
        '(rule r (rules/test.yaml:6) from B (services/svc/.env:1)) cannot be set under it',
    ]);
  });

  it('one input mapped by two rules to two targets: both kept, with a warning', () => {
    const c = rule("name: gamma\nappliesTo: '*'\nmap:\n  - from: A\n    to: u\n", 'rules/gamma.yaml');
    const r = run([a, c], [input('A', '1')]);
    expect(r.mapped.map((v) => v.target)).toEqual(['t', 'u']);
    expect(r.problems).toEqual([
      expect.objectContaining({
        severity: 'warning',
        message:
          'rules/gamma.yaml:4: rule gamma: A (services/svc/.env:1): is mapped by several rules: alpha, gamma',
      }),
    ]);
  });
});

describe('unknownServiceIds', () => {
  it('warns of plain ids that name no service, not of globs or *', () => {
    const r = rule(
      "name: r\nappliesTo: [trading-engine, tradng-engine, '*-service']\nignore: [X]\n",
      'rules/r.yaml',
    );
    expect(unknownServiceIds([r, one('ignore: [Y]\n')], ['trading-engine', 'user-service'])).toEqual([
      {
        message:
          'rules/r.yaml: rule r: appliesTo names tradng-engine, which is not a service of this project',
        severity: 'warning',
        rule: 'r',
        file: 'rules/r.yaml',
      },
    ]);
  });
});
