import { describe, expect, it } from 'vitest';
import { jsMayContainConfig, scanJsSource } from '../../src/core/extract/source/js-scanner.js';
import { sanitizeParserMessage } from '../../src/core/extract/source/messages.js';
import {
  MAX_TYPE_ASSERTION_NESTING,
  typeAssertionNesting,
} from '../../src/core/extract/source/ts-assertion-guard.js';
import {
  SECRET_PREFILTER_KEYWORDS,
  secretNameMatch,
  secretValueMatch,
} from '../../src/core/extract/secret-patterns.js';
import { toInventoryEntry } from '../../src/core/extract/inventory.js';
import { lineLocator } from '../../src/core/text/lines.js';
import { mulberry32, mutate, randomText } from '../support/prng.js';

type Row = [name: string, line: number, value: string | null];
const scan = (code: string, file = 'src/app.ts') => scanJsSource(file, code);
const rows = (code: string, file = 'src/app.ts'): Row[] =>
  scan(code, file).entries.map((e) => [e.name, e.source.line, e.value]);

// Test fixtures only: fake credentials assembled at run time so secret scanners stay quiet.
const PG_URL = ['postgres://app', 'pa55word@db.internal:5432/app'].join(':');
const AWS_KEY = 'AKIA' + 'Z'.repeat(12) + 'QWER';

describe('scanJsSource: environment variable fallbacks', () => {
  const cases: [string, string, Row[]][] = [
    ['|| string', `const port = process.env.PORT || '8000';`, [['PORT', 1, '8000']]],
    ['?? string', `const host = process.env.HOST ?? "0.0.0.0";`, [['HOST', 1, '0.0.0.0']]],
    [
      'bracket access',
      `const h = process.env['REDIS_HOST'] || 'localhost';`,
      [['REDIS_HOST', 1, 'localhost']],
    ],
    ['process["env"]', `const h = process["env"].X || 'y';`, [['X', 1, 'y']]],
    ['nested in parseInt', `const p = parseInt(process.env.PORT || '8000', 10);`, [['PORT', 1, '8000']]],
    ['Number(?? number)', `const t = Number(process.env.TIMEOUT_MS ?? 30);`, [['TIMEOUT_MS', 1, '30']]],
    ['conversion on the left', `const t = Number(process.env.WORKERS) || 4;`, [['WORKERS', 1, '4']]],
    ['boolean fallback', `const d = process.env.DEBUG || false;`, [['DEBUG', 1, 'false']]],
    ['negative number', `const d = process.env.OFFSET ?? -1;`, [['OFFSET', 1, '-1']]],
    [
      'template without expressions',
      'const u = process.env.URL || `http://localhost:3000`;',
      [['URL', 1, 'http://localhost:3000']],
    ],
    ['empty-string fallback', `const x = process.env.PREFIX || '';`, [['PREFIX', 1, '']]],
    ['import.meta.env', `const api = import.meta.env.VITE_API_URL || '/api';`, [['VITE_API_URL', 1, '/api']]],
    ['optional chaining', `const a = process.env?.REGION || 'eu-west-1';`, [['REGION', 1, 'eu-west-1']]],
    [
      'parenthesised and cast',
      `const a = (process.env.MODE as string) || ('dev' as const);`,
      [['MODE', 1, 'dev']],
    ],
    [
      'chain of env vars',
      `const u = process.env.DATABASE_URL || process.env.DB_URL || 'sqlite::memory:';`,
      [['DATABASE_URL', 1, 'sqlite::memory:']],
    ],
    ['||= assignment', `process.env.LOG_LEVEL ||= 'info';`, [['LOG_LEVEL', 1, 'info']]],
    ['conditional', `const r = process.env.RETRIES ? process.env.RETRIES : '3';`, [['RETRIES', 1, '3']]],
    [
      'negated conditional',
      `const r = !process.env.RETRIES ? 3 : Number(process.env.RETRIES);`,
      [['RETRIES', 1, '3']],
    ],
    [
      '!== undefined conditional',
      `const r = process.env.R !== undefined ? process.env.R : 'x';`,
      [['R', 1, 'x']],
    ],
    [
      'destructuring defaults',
      `const { PORT = '8000', DB_PASSWORD = 'x' } = process.env;`,
      [
        ['PORT', 1, '8000'],
        ['DB_PASSWORD', 1, 'x'],
      ],
    ],
    [
      'renamed destructuring',
      `const { PORT: port = 8000, HOST: host } = process.env;`,
      [['PORT', 1, '8000']],
    ],
    ['destructuring assignment', `let A; ({ A = 'a' } = process.env);`, [['A', 1, 'a']]],
    ['destructuring from import.meta.env', `const { VITE_X = 'x' } = import.meta.env;`, [['VITE_X', 1, 'x']]],
    [
      'parameter default from env',
      `function f({ PORT = '1' } = process.env) { return PORT; }`,
      [['PORT', 1, '1']],
    ],
    [
      'several on separate lines',
      `export const config = {\n  port: parseInt(process.env.PORT || '3000', 10),\n  host: process.env.HOST ?? 'localhost',\n};`,
      [
        ['PORT', 2, '3000'],
        ['HOST', 3, 'localhost'],
      ],
    ],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    expect(rows(code)).toEqual(expected);
  });

  it('hints say what the literal is a fallback for', () => {
    const [e] = scan(`const p = process.env.PORT || '8000';`).entries;
    expect(e).toMatchObject({
      kind: 'hardcoded',
      source: { file: 'src/app.ts', line: 1 },
      hints: ['fallback for process.env.PORT'],
    });
    const [m] = scan(`const p = import.meta.env.X ?? 'y';`).entries;
    expect(m!.hints).toEqual(['fallback for import.meta.env.X']);
    const [d] = scan(`const { A = 'a' } = process.env;`).entries;
    expect(d!.hints).toEqual(['destructuring default for process.env.A']);
  });

  it('a secret-named variable holding an env fallback keeps the env name and both hints', () => {
    const [e, ...rest] = scan(`const apiKey = process.env.API_KEY || 'dev-key';`).entries;
    expect(rest).toEqual([]);
    expect(e).toMatchObject({ name: 'API_KEY', value: 'dev-key' });
    expect(e!.hints).toContain('fallback for process.env.API_KEY');
    expect(e!.hints!.some((h) => h.startsWith('assigned to secret-like name'))).toBe(true);
  });

  it('a fallback assigned to a secret-like target is a credential, though the variable name is not secret-like', () => {
    const marks = ['Hunter2' + 'Leak', 'RootPw' + 'Leak9', 'Destruct' + 'Leak', 'Assign' + 'Leak'];
    const code = [
      `const db = { password: process.env.PGPASS || '${marks[0]}', port: process.env.PGPORT || '5432' };`,
      `const opts = { pass: process.env.MYSQL_ROOT ?? '${marks[1]}' };`,
      `const { PGPASS: password = '${marks[2]}' } = process.env;`,
      `let secret; secret = process.env.S1 || '${marks[3]}';`,
    ].join('\n');
    const entries = scan(code).entries;
    expect(entries.map((e) => [e.name, e.assignedTo])).toEqual([
      ['PGPASS', 'password'],
      ['PGPORT', 'port'],
      ['MYSQL_ROOT', 'pass'],
      ['PGPASS', 'password'],
      ['S1', 'secret'],
    ]);
    const inv = entries.map((e) => toInventoryEntry(e, () => 'fp'));
    expect(inv.map((e) => e.classification)).toEqual([
      'credential',
      'setting',
      'credential',
      'credential',
      'credential',
    ]);
    const printed = JSON.stringify(inv);
    for (const m of marks) expect(printed).not.toContain(m);
    expect(inv[0]!.reasons).toContain('assigned to secret-like name (name: PASSWORD)');
  });

  it('no target through a call: the fallback keeps its own classification', () => {
    const [e] = scan(`connect(process.env.PGPASS || 'x', 1);`).entries;
    expect(e!.assignedTo).toBeUndefined();
  });
});

describe('scanJsSource: literals assigned to secret-like names', () => {
  const cases: [string, string, Row[]][] = [
    ['const', `const dbPassword = 'x1';`, [['dbPassword', 1, 'x1']]],
    ['let', `let apiKey = "x2";`, [['apiKey', 1, 'x2']]],
    ['object property', `const c = { user: 'app', password: 'x3' };`, [['password', 1, 'x3']]],
    ['quoted property', `const h = { 'api-key': 'x4' };`, [['api-key', 1, 'x4']]],
    ['this.apiKey =', `class A { constructor() { this.apiKey = 'x5'; } }`, [['apiKey', 1, 'x5']]],
    ['deep member assignment', `config.db.password = 'x6';`, [['password', 1, 'x6']]],
    ['computed string member', `config['client_secret'] = 'x7';`, [['client_secret', 1, 'x7']]],
    ['class property', `class S { private secret = 'x8'; }`, [['secret', 1, 'x8']]],
    ['private # field', `class S { #token = 'x9'; }`, [['#token', 1, 'x9']]],
    ['default parameter', `function f(token = 'x10') { return token; }`, [['token', 1, 'x10']]],
    ['arrow default parameter', `const f = (apiKey = 'x11') => apiKey;`, [['apiKey', 1, 'x11']]],
    ['TS parameter property', `class C { constructor(private token = 'x12') {} }`, [['token', 1, 'x12']]],
    ['destructuring default (not env)', `const { password = 'x13' } = opts;`, [['password', 1, 'x13']]],
    ['typed const', `const secret: string = 'x14';`, [['secret', 1, 'x14']]],
    ['as const', `const SECRET = 'x15' as const;`, [['SECRET', 1, 'x15']]],
    ['template literal', 'const token = `x16`;', [['token', 1, 'x16']]],
    ['JSX attribute', `const el = <Widget apiKey="x17" />;`, [['apiKey', 1, 'x17']]],
    ['enum member', `enum Keys { API_KEY = 'x18' }`, [['API_KEY', 1, 'x18']]],
    [
      'conditional value',
      `const password = prod ? 'x19' : 'x20';`,
      [
        ['password', 1, 'x19'],
        ['password', 1, 'x20'],
      ],
    ],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    const file = code.includes('<Widget') ? 'src/app.tsx' : 'src/app.ts';
    expect(rows(code, file)).toEqual(expected);
  });

  it('hint names the reason', () => {
    const [e] = scan(`const dbPassword = 'x';`).entries;
    expect(e!.hints).toEqual([`assigned to secret-like name (${secretNameMatch('dbPassword')!})`]);
  });

  it('skips empty strings, numbers and booleans for secret-like names', () => {
    expect(rows(`const password = ''; const tokenExpiry = 3600; const requireToken = true;`)).toEqual([]);
  });
});

describe('scanJsSource: secret-looking values anywhere', () => {
  const cases: [string, string, Row[]][] = [
    ['new Pool(url)', `const pool = new Pool('${PG_URL}');`, [['Pool', 1, PG_URL]]],
    ['member call', `const c = pg.connect("${PG_URL}");`, [['connect', 1, PG_URL]]],
    ['variable', `const url = '${PG_URL}';`, [['url', 1, PG_URL]]],
    ['property', `const c = { connectionUrl: '${PG_URL}' };`, [['connectionUrl', 1, PG_URL]]],
    ['assignment', `cfg.dbUrl = '${PG_URL}';`, [['dbUrl', 1, PG_URL]]],
    ['array element', `const urls = ['${PG_URL}'];`, [['urls', 1, PG_URL]]],
    ['AWS key in property', `const aws = { accessKeyId: '${AWS_KEY}' };`, [['accessKeyId', 1, AWS_KEY]]],
    ['bare expression', `console.log(1, ['${PG_URL}'].length);`, [['literal', 1, PG_URL]]],
    ['return value', `function f() {\n  return '${PG_URL}';\n}`, [['literal', 2, PG_URL]]],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    expect(rows(code)).toEqual(expected);
  });

  it('hint carries the value reason', () => {
    const [e] = scan(`const pool = new Pool('${PG_URL}');`).entries;
    expect(e!.hints).toEqual([`secret-like value (${secretValueMatch(PG_URL)!})`]);
  });

  it('rule 2 and rule 3 on the same literal produce one merged entry', () => {
    const { entries } = scan(`const connectionString = '${PG_URL}';`);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.name).toBe('connectionString');
    expect(entries[0]!.hints).toEqual([
      `assigned to secret-like name (${secretNameMatch('connectionString')!})`,
      `secret-like value (${secretValueMatch(PG_URL)!})`,
    ]);
  });

  it('an env fallback with a secret value is one entry named after the variable', () => {
    const { entries } = scan(`const url = process.env.DATABASE_URL || '${PG_URL}';`);
    expect(entries.map((e) => [e.name, e.value])).toEqual([['DATABASE_URL', PG_URL]]);
    expect(entries[0]!.hints).toEqual([
      'fallback for process.env.DATABASE_URL',
      `secret-like value (${secretValueMatch(PG_URL)!})`,
    ]);
  });
});

describe('scanJsSource: what must not be reported', () => {
  const cases: [string, string][] = [
    ['non-secret literal to non-secret name', `const timeout = 30; const name = 'svc';`],
    ['env access without fallback', `const port = process.env.PORT; const h = process.env['HOST'];`],
    ['secret-looking string in a line comment', `// const password = 'hunter2'\n// ${PG_URL}\nconst a = 1;`],
    [
      'secret in a block comment / JSDoc',
      `/**\n * @example new Pool('${PG_URL}')\n * password: 'x'\n */\nexport function f() {}`,
    ],
    [
      'unrelated strings',
      `import x from 'auth-lib';\nconst msg = 'please enter your password';\nlog(msg, 'token');`,
    ],
    ['env comparison is not a fallback', `const prod = process.env.NODE_ENV === 'production' ? 'a' : 'b';`],
    ['env fallback to a non-literal', `const p = process.env.PORT || defaultPort;`],
    ['template with expressions', 'const password = `${prefix}-x`; const u = process.env.U || `${a}`;'],
    ['fallback of something that is not env', `const p = config.PORT || '8000'; const q = env.PORT || 1;`],
    ['null fallback', `const p = process.env.P ?? null;`],
    ['secret-like value inside a regex', `const re = /postgres:\\/\\/u:p@h/;`],
    ['strings in a type position of a non-secret name', `type Mode = 'dev' | 'prod';`],
  ];
  it.each(cases)('%s', (_d, code) => {
    expect(scan(code)).toEqual({ entries: [], problems: [] });
  });
});

describe('scanJsSource: line numbers', () => {
  it('counts lines after a multi-line template literal and comments', () => {
    const code = [
      'const sql = `',
      '  SELECT *',
      '  FROM t',
      '`;',
      '/* a',
      '   b */',
      "const port = process.env.PORT || '8000';",
    ].join('\n');
    expect(rows(code)).toEqual([['PORT', 7, '8000']]);
  });

  it('uses the line where the literal starts', () => {
    const code = "const port =\n  process.env.PORT ||\n  '8000';\nconst password = `line1\nline2`;";
    expect(rows(code)).toEqual([
      ['PORT', 3, '8000'],
      ['password', 4, 'line1\nline2'],
    ]);
  });

  it('is not confused by unicode (astral and multi-byte) before the literal', () => {
    const code =
      "const greeting = 'héllo 😀 𝒳 日本語';\n// ünïcödé 🎉🎉\nconst x = { label: '🔑' , password: 'pw' };\nconst p = process.env.P || '😀';";
    expect(rows(code)).toEqual([
      ['password', 3, 'pw'],
      ['P', 4, '😀'],
    ]);
  });

  it('counts CRLF as one line break and a lone CR as none (lines are counted by LF)', () => {
    expect(rows("const a = 1;\r\nconst b = 2;\r\nconst password = 'x';")).toEqual([['password', 3, 'x']]);
    expect(rows("const sql = `a\r\nb\r\n`;\r\nconst password = `x\r\ny`;\r\nconst token = 'z';")).toEqual([
      ['password', 4, 'x\ny'], // a template's CRLF is cooked to LF
      ['token', 6, 'z'],
    ]);
    // Old Mac line endings: editors, grep and git see one line, and so does the report.
    expect(rows("const a = 1;\rconst password = 'x';")).toEqual([['password', 1, 'x']]);
  });

  it('reports lines the way the shared lineLocator counts them', () => {
    const at = lineLocator('ab\ncd\r\nef\rg');
    expect([0, 2, 3, 5, 6, 7, 9, 10, 11].map(at)).toEqual([1, 1, 2, 2, 2, 3, 3, 3, 3]);
    expect(lineLocator('')(0)).toBe(1);
  });
});

describe('scanJsSource: languages and syntax errors', () => {
  it('parses TS, TSX, JS with JSX, MJS and CJS', () => {
    expect(rows(`const password: string = 'a';`, 'a.ts')).toEqual([['password', 1, 'a']]);
    expect(rows(`export const A = () => <C token="b" />;`, 'a.tsx')).toEqual([['token', 1, 'b']]);
    expect(rows(`export const A = () => <C token="c" />;`, 'a.js')).toEqual([['token', 1, 'c']]);
    expect(rows(`export const secret = 'd'; const x = await f();`, 'a.mjs')).toEqual([['secret', 1, 'd']]);
    expect(rows(`module.exports = { apiKey: 'e' };\nreturn;`, 'a.cjs')).toEqual([['apiKey', 1, 'e']]);
    expect(rows(`const v = <T,>(x: T) => x; const token = 'f';`, 'a.mts')).toEqual([['token', 1, 'f']]);
  });

  it('a syntax error becomes a problem with the line of the first error', () => {
    const { problems } = scan("const a = 1;\nconst b = 2;\nlet x = ;\nconst password = 'zz';");
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file: 'src/app.ts', line: 3, severity: 'error' });
    expect(problems[0]!.message).toMatch(/^syntax error: /);
  });

  it('a planted marker secret in a broken file never appears in a problem message', () => {
    const marker = 'zqMARKERq7731secretvalue';
    const broken = [
      `const password = '${marker}`,
      `const x = "${marker}`,
      `const re = /${marker}/${marker};`,
      `const ${marker} = 1; const ${marker} = 2; let = ;`,
      `const n = 0x${marker};`,
      `const t = \`\\u{${marker}}\`;`,
      `class A { #${marker}; #${marker}; } @@@`,
      `const a = <div ${marker}=></div>;`,
      `${marker}: while (1) { continue ${marker} ${marker}; }`,
      `import x from '${marker}' with { ${marker}: 'x' } ${marker};`,
      `const a = '${marker}' '${marker}';`,
      `enum ${marker} { a = '${marker}' `,
      `const a = 1 ${marker}`,
      `const p = process.env.X || '${marker}' ${marker}`,
    ];
    for (const text of broken) {
      for (const file of ['a.ts', 'a.tsx', 'a.js']) {
        // The env access makes the file pass the pre-filter, so it is parsed.
        const { problems } = scanJsSource(file, `const p = process.env.P;\n${text}`);
        expect(problems.length, `${file}: ${text}`).toBeGreaterThan(0);
        for (const p of problems) {
          expect(p.message).not.toContain(marker);
          expect(p.message).not.toMatch(/zq|7731/i);
        }
      }
    }
  });

  it('sanitizeParserMessage keeps token labels, keywords and punctuators but drops echoed source', () => {
    expect(sanitizeParserMessage('Unexpected token, expected "," (3:8)')).toBe(
      'Unexpected token, expected ","',
    );
    expect(sanitizeParserMessage('Unexpected token, expected "jsxTagEnd" (1:2)')).toBe(
      'Unexpected token, expected "jsxTagEnd"',
    );
    expect(sanitizeParserMessage("Unexpected reserved word 'let'. (1:4)")).toBe(
      "Unexpected reserved word 'let'.",
    );
    expect(sanitizeParserMessage("Unexpected character 'h'. (1:1)")).toBe('Unexpected character ….');
    expect(sanitizeParserMessage("Identifier 'hunter2' has already been declared. (2:6)")).toBe(
      'Identifier … has already been declared.',
    );
    expect(sanitizeParserMessage('Private name #hunter2 is not defined. (1:3)')).toBe(
      'Private name #… is not defined.',
    );
    expect(sanitizeParserMessage('Expected corresponding JSX closing tag for <hunter2.x>. (1:3)')).toBe(
      'Expected corresponding JSX closing tag for <…>.',
    );
    expect(
      sanitizeParserMessage(
        'Single type parameter hunter2 should have a trailing comma. Example usage: <hunter2,>. (1:0)',
      ),
    ).toBe('Single type parameter should have a trailing comma. Example usage: <…>.');
    expect(sanitizeParserMessage('Unexpected `hunter2 and more')).toBe('Unexpected');
    expect(
      sanitizeParserMessage(
        'A string literal cannot be used as an imported binding.\n- Did you mean `import { "hunter2" as foo }`? (1:9)',
      ),
    ).toBe('A string literal cannot be used as an imported binding.');
  });

  it('returns what the recovered AST yields', () => {
    // babel recovers from some errors (e.g. a missing semicolon); whatever it yields is kept.
    const r = scan("const password = 'a'\nconst b = 1 2;");
    expect(r.problems).toHaveLength(1);
    expect(r.entries.every((e) => e.source.line >= 1)).toBe(true);
  });

  it('sloppy-mode code is not an error in a script, but is in a module', () => {
    const sloppy = `const p = process.env.P || 'x';\nvar n = 010; with (o) { n++; } function f(a, a) {}`;
    expect(scan(sloppy, 'a.js')).toEqual({ entries: scan(sloppy, 'a.js').entries, problems: [] });
    expect(rows(sloppy, 'a.js')).toEqual([['P', 1, 'x']]);
    expect(rows(sloppy, 'a.cjs')).toEqual([['P', 1, 'x']]);
    expect(scan(sloppy, 'a.cjs').problems).toEqual([]);
    expect(scan(`import a from 'a';\n${sloppy}`, 'a.js').problems).toHaveLength(1);
    expect(scan(sloppy, 'a.mjs').problems).toHaveLength(1);
  });

  it('names the babel plugin that experimental syntax would need, and nothing from the file', () => {
    const { problems } = scan(`const p = process.env.P;\nconst zqSECRETq = a |> f(%);`, 'a.js');
    expect(problems).toHaveLength(1);
    expect(problems[0]!.message).toMatch(
      /^syntax error: unsupported experimental syntax \(babel plugin [\w, -]+\)$/,
    );
    expect(problems[0]!.line).toBe(2);
  });
});

describe('scanJsSource: babel AST shapes', () => {
  const cases: [string, string, string, Row[]][] = [
    ['optional call callee', 'a.ts', `const c = pg?.connect('${PG_URL}');`, [['connect', 1, PG_URL]]],
    [
      'optional member inside the env access',
      'a.ts',
      `const a = process.env.A;\nconst x = process?.env.X ?? 'y';`,
      [['X', 2, 'y']],
    ],
    ['optional computed env access', 'a.ts', `const x = process.env?.['X'] || 'y';`, [['X', 1, 'y']]],
    ['non-null env access', 'a.ts', `const x = process.env.X! || 'y';`, [['X', 1, 'y']]],
    ['satisfies', 'a.ts', `const token = 'x' satisfies string;`, [['token', 1, 'x']]],
    ['angle-bracket assertion', 'a.ts', `const token = <string>'x';`, [['token', 1, 'x']]],
    ['BigInt fallback', 'a.ts', `const n = process.env.N ?? 10n;`, [['N', 1, '10']]],
    ['unary plus fallback', 'a.ts', `const n = process.env.N ?? +5;`, [['N', 1, '5']]],
    ['static class property', 'a.ts', `class A { static apiKey = 'x'; }`, [['apiKey', 1, 'x']]],
    ['auto-accessor', 'a.ts', `class A { accessor password = 'x'; }`, [['password', 1, 'x']]],
    ['private auto-accessor', 'a.ts', `class A { accessor #secret = 'x'; }`, [['#secret', 1, 'x']]],
    ['private field in JS', 'a.js', `class A { #token = 'x'; }`, [['#token', 1, 'x']]],
    [
      'decorated class (TS)',
      'a.ts',
      `@Injectable() export class S { constructor(@Inject(X) private readonly token = 'x') {} }`,
      [['token', 1, 'x']],
    ],
    ['decorated property (TS)', 'a.ts', `class S { @Input() apiKey = 'x'; }`, [['apiKey', 1, 'x']]],
    [
      'decorator after export (JS)',
      'a.js',
      `export @dec class S { password = 'x'; }`,
      [['password', 1, 'x']],
    ],
    [
      'decorator argument',
      'a.ts',
      `class E { @Column({ default: '${PG_URL}' }) url: string; }`,
      [['default', 1, PG_URL]],
    ],
    ['string enum member key', 'a.ts', `enum K { 'api-key' = 'x' }`, [['api-key', 1, 'x']]],
    ['namespace', 'a.ts', `namespace N { export const secret = 'x'; }`, [['secret', 1, 'x']]],
    ['method default parameter', 'a.ts', `class A { m(token = 'x') {} }`, [['token', 1, 'x']]],
    ['object method default parameter', 'a.ts', `const o = { m(token = 'x') {} };`, [['token', 1, 'x']]],
    [
      'JSX attribute in an expression container',
      'a.tsx',
      `const e = <A password={'x'} />;`,
      [['password', 1, 'x']],
    ],
    [
      'a directive is a bare literal',
      'a.js',
      `'${PG_URL}';\nconst p = process.env.P;`,
      [['literal', 1, PG_URL]],
    ],
    ['import.meta.env in a .js file', 'a.js', `const a = import.meta.env.A || 'b';`, [['A', 1, 'b']]],
    [
      'import attributes',
      'a.ts',
      `import c from './c.json' with { type: 'json' };\nconst password = 'x';`,
      [['password', 2, 'x']],
    ],
    [
      'import assertions (old syntax)',
      'a.mjs',
      `import c from './c.json' assert { type: 'json' };\nconst password = 'x';`,
      [['password', 2, 'x']],
    ],
    [
      'type positions are skipped',
      'a.ts',
      `let u: '${PG_URL}' = x; type T = { password: 'x' }; interface I { token: 'y' }`,
      [],
    ],
  ];
  it.each(cases)('%s', (_d, file, code, expected) => {
    const r = scan(code, file);
    expect(r.problems).toEqual([]);
    expect(rows(code, file)).toEqual(expected);
  });
});

describe('scanJsSource: pre-filter', () => {
  it('skips files that cannot contain anything', () => {
    expect(jsMayContainConfig(`export const add = (a: number, b: number) => a + b;`)).toBe(false);
    expect(scan(`export const add = (a: number, b: number) => a + b; let x = ;`)).toEqual({
      entries: [],
      problems: [],
    });
    expect(jsMayContainConfig(`const home = 'https://example.com/docs';`)).toBe(false);
  });

  it('lets through env access, keywords and secret-looking values', () => {
    for (const s of [
      'process.env.X',
      'import.meta.env.X',
      'const DB_PWD = 1',
      `x = "${PG_URL}"`,
      `'${AWS_KEY}'`,
      'a.Auth',
      'PRIVATE_KEY',
    ]) {
      expect(jsMayContainConfig(s), s).toBe(true);
    }
  });

  it('rejects keyword hits that are not secret-like names', () => {
    // A keyword inside an unrelated word is confirmed with secretNameMatch, not taken at face value.
    expect(
      jsMayContainConfig(`type K = keyof T; Object.keys(o).map((monkey) => monkey); const author = 'me';`),
    ).toBe(false);
    expect(jsMayContainConfig(`const home = 'https://example.com/docs';`)).toBe(false);
  });

  it('is a superset of what secretNameMatch can match: every secret-like name is still found', () => {
    const parts = 'db DB user client aws stripe github jwt session app master signing encryption x'.split(
      ' ',
    );
    const secretish = (
      'password passwd pwd pass secret token api_key apiKey api-key API_KEY privateKey private_key credential ' +
      'credentials connectionString connection_string dsn auth authToken access_key secret_key key salt cert ' +
      'passphrase bearer cookie session_key webhook_url database_url sas pin otp creds connStr mnemonic seedPhrase pw'
    ).split(' ');
    const names = new Set<string>(['api key', 'db pass', 'db.password', 'x-auth', 'auth/token', 'Api Key']);
    for (const p of parts) {
      for (const w of secretish) {
        names
          .add(`${p}_${w}`)
          .add(`${p}${w[0]!.toUpperCase()}${w.slice(1)}`)
          .add(`${p}-${w}`)
          .add(w)
          .add(w.toUpperCase());
      }
    }
    const missed: string[] = [];
    let checked = 0;
    for (const n of names) {
      if (secretNameMatch(n) === null) continue;
      checked++;
      const contexts = [`f({ '${n}': 'v' });`, `x[\`${n}\`] = 'v';`];
      if (/^[A-Za-z_$][\w$]*$/.test(n))
        contexts.push(`const ${n} = 'v';`, `x.${n} = 'v';`, `class A { ${n} = 'v' }`);
      if (/^[A-Za-z][\w-]*$/.test(n)) contexts.push(`const e = <A ${n}="v" />;`);
      for (const c of contexts) {
        const got = scanJsSource('a.tsx', c).entries.map((e) => e.name);
        if (!got.includes(n)) missed.push(c);
      }
    }
    expect(checked).toBeGreaterThan(100);
    expect(missed, 'SECRET_PREFILTER_KEYWORDS / mayContainSecretName must cover these').toEqual([]);
    expect(SECRET_PREFILTER_KEYWORDS.length).toBeGreaterThan(0);
  });

  it('is a superset of what secretValueMatch can match: every secret-like value is still found', () => {
    const values = [
      PG_URL,
      AWS_KEY,
      'sk-' + 'a1'.repeat(20),
      'ghp_' + 'b'.repeat(36),
      'xoxb-' + '1'.repeat(20),
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.' + 'c'.repeat(20),
      'mongodb+srv://u:p4ss@cluster0.example.net/db',
      'redis://:p4ssw0rd@h:6379',
      'AIza' + 'D'.repeat(35),
      'npm_' + 'E'.repeat(36),
      'SK' + 'f'.repeat(32),
      '123456789:A' + 'g'.repeat(34),
      'Server=x;Uid=y;Pwd=zzzz;',
      'https://h/x?sig=' + 'h1'.repeat(8),
      // Tripwire: if secretValueMatch ever flags random high-entropy strings, this checks that the
      // pre-filter (secretValueMatch over the whole text) still lets them through.
      'q8Vz3LmP0xR7tYw2KjH5nB9cD4fG6sA1',
    ];
    const flagged = values.filter((v) => secretValueMatch(v) !== null);
    expect(flagged.length).toBeGreaterThan(5);
    const missed = flagged.filter((v) => scanJsSource('a.ts', `f("${v}");`).entries.length !== 1);
    expect(missed, 'the pre-filter must let these through').toEqual([]);
  });
});

describe('scanJsSource: deeply nested code is a warning, never a crash', () => {
  const tooDeep = (file: string) => ({
    entries: [],
    problems: [
      { file, line: 1, message: 'not scanned: the code nests too deeply to parse', severity: 'warning' },
    ],
  });
  // Pathological nesting at the repetition counts that crashed oxc (a native parser) in a 4 MB
  // worker-thread stack. Babel recurses in JavaScript, so running out of stack is a RangeError,
  // which the scanner turns into a warning; whether a given size fits depends on the stack.
  // The last column: JSX (run as .tsx and .jsx), TypeScript only (.ts), or either (.ts and .js).
  const forms: [string, number, (n: number) => string, 'jsx' | 'ts' | 'any'][] = [
    ['parentheses', 3000, (n) => 'x = ' + '('.repeat(n) + '1' + ')'.repeat(n), 'any'],
    ['arrays', 3000, (n) => 'x = ' + '['.repeat(n) + ']'.repeat(n), 'any'],
    ['objects', 3400, (n) => 'x = ' + '{a:'.repeat(n) + '1' + '}'.repeat(n), 'any'],
    ['blocks', 3400, (n) => '{'.repeat(n) + '}'.repeat(n), 'any'],
    ['template literals', 2100, (n) => 'x = ' + '`${'.repeat(n) + '1' + '}`'.repeat(n), 'any'],
    ['generic types', 2250, (n) => 'let x: ' + 'A<'.repeat(n) + 'B' + '>'.repeat(n) + ';', 'ts'],
    ['ternary chain', 4300, (n) => 'x = ' + 'a ? b : '.repeat(n) + 'c', 'any'],
    ['multi-line ternary chain', 4300, (n) => 'x =\n' + '  a ? b :\n'.repeat(n) + 'c', 'any'],
    ['arrow chain', 4300, (n) => 'x = ' + 'a => '.repeat(n) + 'a', 'any'],
    ['assignment chain', 4300, (n) => 'a = '.repeat(n) + '1', 'any'],
    ['else-if chain', 3400, (n) => 'if (a) {}' + ' else if (a) {}'.repeat(n), 'any'],
    ['Allman else-if chain', 3400, (n) => 'if (a) {\n}' + '\nelse if (a) {\n}'.repeat(n), 'any'],
    ['nested ifs', 3400, (n) => 'if (a) '.repeat(n) + ';', 'any'],
    ['labels', 3400, (n) => Array.from({ length: n }, (_, i) => `l${i}: `).join('') + ';', 'any'],
    ['new new', 8900, (n) => 'x = ' + 'new '.repeat(n) + 'A', 'any'],
    ['unary chain', 14800, (n) => 'x = ' + '!'.repeat(n) + 'a', 'any'],
    ['binary chain over lines', 33000, (n) => 'x = 1' + ' +\n 1'.repeat(n), 'any'],
    ['JSX elements', 7700, (n) => 'x = ' + '<a>'.repeat(n) + '</a>'.repeat(n), 'jsx'],
    [
      'JSX over lines',
      7700,
      (n) => 'x = (\n' + '<div className="x">\n'.repeat(n) + '</div>\n'.repeat(n) + ')',
      'jsx',
    ],
  ];
  it.each(forms)('%s: scanned or a warning', (_d, reps, gen, lang) => {
    for (const file of lang === 'jsx' ? ['a.tsx', 'a.jsx'] : lang === 'ts' ? ['a.ts'] : ['a.ts', 'a.js']) {
      for (const n of [reps, reps * 10]) {
        const text = `const p = process.env.P || 'x';\n${gen(n)};`;
        let res: ReturnType<typeof scanJsSource> | undefined;
        expect(() => (res = scanJsSource(file, text)), `${file} × ${n}`).not.toThrow();
        if (res!.problems.length > 0) expect(res, `${file} × ${n}`).toEqual(tooDeep(file));
        else expect(rows(text, file)).toEqual([['P', 1, 'x']]);
      }
    }
  });

  it('such a file becomes a warning instead of a crash', () => {
    const text = `const p = process.env.P || 'x';\nconst a = ${'('.repeat(50_000)}1${')'.repeat(50_000)};`;
    expect(scanJsSource('a.ts', text)).toEqual(tooDeep('a.ts'));
  });

  it('real-looking code is scanned', () => {
    const item = (i: number) => `
        <li key={item.id} className={i % 2 ? 'odd' : 'even'} onClick={() => select(item)}>
          <span>Don't forget: it's item #${i}, if you're ready, click for more & more</span>
          {item.tags.length > 0 && <Tags tags={item.tags} />}
          {loading ? <Spinner /> : <p>Price: {format(item.price)} / month</p>}
          <a href={\`/items/\${item.id}\`}>Open</a><br/>
        </li>`;
    const component = (k: number) => `export function List${k}({ items, loading }: Props) {
  const [sel, select] = useState<Item | null>(null);
  if (!items) return null;
  return (
    <div className="list">
      <ul>${Array.from({ length: 40 }, (_, i) => item(i)).join('')}</ul>
      {sel && <Modal onClose={() => select(null)}><Details item={sel} /></Modal>}
    </div>
  );
}
`;
    const env = `const p = process.env.P || 'v';\n`;
    const tsx = env + Array.from({ length: 20 }, (_, k) => component(k)).join('\n');
    expect(scanJsSource('a.tsx', tsx)).toEqual({ entries: [expect.anything()], problems: [] });
    // A long condition chain as found in minified unicode tables.
    const chain = (k: number) =>
      `const w${k} = ` +
      Array.from({ length: 400 }, (_, i) => `${i} <= D && D <= ${i + 1}`).join(' || ') +
      ' ? 2 : 1;';
    const chains = Array.from({ length: 50 }, (_, k) => chain(k)).join('\n');
    expect(scanJsSource('a.js', env + chains).problems).toEqual([]);
    // (Repeated, the seeds redeclare their names: a syntax error, but no warning, and every entry.)
    const seeds = scanJsSource('a.tsx', JS_SEEDS.join('\n').repeat(200));
    expect(seeds.problems.map((p) => p.severity)).toEqual(['error']);
    expect(seeds.entries.length).toBe(200 * scanJsSource('a.tsx', JS_SEEDS.join('\n')).entries.length);
    // Deep but sane: 100 nested callbacks.
    const nested = 'f(() => {\n'.repeat(100) + 'x();\n' + '});\n'.repeat(100);
    expect(scanJsSource('a.ts', env + nested).problems).toEqual([]);
  });
});

describe('scanJsSource: nested type assertions (babel backtracks on each level)', () => {
  it('deeply nested `<T>` assertions in a .ts file are a warning, quickly', () => {
    const forms = [
      (n: number) => 'x = ' + '<A>('.repeat(n) + 'x' + ')'.repeat(n),
      (n: number) => 'x = ' + '(<A>'.repeat(n) + 'x' + ')'.repeat(n),
      (n: number) => 'x = ' + '<A>[f(() => '.repeat(n) + 'x' + ')]'.repeat(n),
    ];
    for (const gen of forms) {
      const text = `const p = process.env.P || 'x';\n${gen(30)};`;
      const t0 = performance.now();
      expect(scanJsSource('a.ts', text).problems.map((p) => p.severity)).toEqual(['warning']);
      expect(performance.now() - t0).toBeLessThan(1000);
      // Where `<A>` is JSX, there is no such ambiguity: no guard, and a syntax error at most.
      expect(scanJsSource('a.tsx', text).problems.every((p) => p.severity === 'error')).toBe(true);
      // A dozen levels are still parsed.
      const ok = scanJsSource('a.ts', `const p = process.env.P || 'x';\n${gen(MAX_TYPE_ASSERTION_NESTING)};`);
      expect(ok.problems).toEqual([]);
      expect(ok.entries).toHaveLength(1);
    }
  });

  it('real code with old-style assertions and generics stays far below the limit', () => {
    const code = [
      'const w = (<any>window).foo = (<Foo>(<any>bar).baz).qux;',
      'const m = new Map<string, Array<Set<number>>>();',
      'function f<T extends Record<string, unknown>>(x: T): Promise<Array<T>> { return <any>x; }',
      'const g = <T,>(x: T): T => x; const h = async <T>(x: T) => <T>(<unknown>x);',
      'if (a < b && c > d) { x = a << 2 >> 1 >>> 3; y = a <= b; }',
      "const s = '<a>(<b>(' + `<c>(${'<d>('}` + \"<e>(\"; // <f>(<g>(<h>(",
      '/* <i>(<j>(<k>( */ type F = <T>(a: <U>(u: U) => U) => <V>() => V;',
    ].join('\n');
    expect(typeAssertionNesting(code)).toBeLessThanOrEqual(4);
    expect(typeAssertionNesting(code.repeat(500))).toBeLessThanOrEqual(4);
    expect(typeAssertionNesting(JS_SEEDS.join('\n').repeat(200))).toBeLessThanOrEqual(2);
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: never throws, lines in range.
// ---------------------------------------------------------------------------------------------

const JS_SEEDS = [
  `import { Pool } from 'pg';\nconst pool = new Pool({ connectionString: process.env.DATABASE_URL || '${PG_URL}' });\n`,
  `export const config = {\n  port: parseInt(process.env.PORT || '8000', 10),\n  apiKey: 'abc',\n  /* password: 'x' */\n};\n`,
  "const { PORT = 1, HOST: h = `x` } = process.env;\nclass A { private secret = \"s\"; constructor(private token = 't') { this.apiKey = 'k'; } }\n",
  `const el = <App password="p" url={'${PG_URL}'} />;\n// comment ${AWS_KEY}\nconst t = \`\n\${x}\n\`;\n`,
  `const p = import.meta.env.VITE_X ?? 3;\nenum E { TOKEN = 'x' }\nfunction f(apiKey = 'y') {}\nconst r = /re\\/g/g;\n`,
];

/** JS syntax that the generic damage of test/support/prng.ts does not produce. */
const JS_SYNTAX = ['process.env.', '||', '??', '/*', '*/', '//', '</', '\r\n', '😀', '\uDC00', 'password: '];

/** `s` with one piece of JS syntax spliced in at a random place. */
function withSyntax(rand: () => number, s: string): string {
  const at = Math.floor(rand() * (s.length + 1));
  return s.slice(0, at) + JS_SYNTAX[Math.floor(rand() * JS_SYNTAX.length)]! + s.slice(at);
}

describe('scanJsSource: fuzz', () => {
  it('never throws and reports lines in range for 1,500 random and mutated inputs', () => {
    const rand = mulberry32(0xc0ff1e);
    const files = ['a.ts', 'a.tsx', 'a.js', 'a.mjs', 'a.cjs', 'a.jsx'];
    for (let i = 0; i < 1500; i++) {
      const seed = JS_SEEDS[i % JS_SEEDS.length]!;
      const text =
        i % 5 === 4
          ? 'process.env ' + withSyntax(rand, withSyntax(rand, randomText(rand, 200)))
          : mutate(rand, withSyntax(rand, i % 7 === 3 ? seed.repeat(3) + JS_SEEDS.join('') : seed));
      const file = files[i % files.length]!;
      let res: ReturnType<typeof scanJsSource> | undefined;
      expect(() => (res = scanJsSource(file, text)), `input #${i}: ${JSON.stringify(text)}`).not.toThrow();
      expect(typeAssertionNesting(text)).toBeGreaterThanOrEqual(0);
      const lines = text.split('\n').length;
      for (const e of [...res!.entries.map((x) => x.source), ...res!.problems]) {
        expect(e.line, `input #${i}`).toBeGreaterThanOrEqual(1);
        expect(e.line, `input #${i}`).toBeLessThanOrEqual(lines);
      }
      for (const e of res!.entries) expect(e.kind).toBe('hardcoded');
    }
  });
});
