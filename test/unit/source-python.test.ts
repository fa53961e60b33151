import { describe, expect, it } from 'vitest';
import { secretNameMatch, secretValueMatch } from '../../src/core/extract/secret-patterns.js';
import { pythonMayContainConfig, scanPythonSource } from '../../src/core/extract/source/python-scanner.js';
import { toInventoryEntry } from '../../src/core/extract/inventory.js';
import { mulberry32, mutate, randomText } from '../support/prng.js';

type Row = [name: string, line: number, value: string | null];
const scan = (code: string) => scanPythonSource('app/settings.py', code);
const rows = (code: string): Row[] => scan(code).entries.map((e) => [e.name, e.source.line, e.value]);

// Test fixtures only: fake credentials assembled at run time so secret scanners stay quiet.
const PG_URL = ['postgresql://app', 'pa55word@db.internal:5432/app'].join(':');
const AWS_KEY = 'AKIA' + 'Z'.repeat(12) + 'QWER';

describe('scanPythonSource: environment variable defaults', () => {
  const cases: [string, string, Row[]][] = [
    ['os.getenv', `PORT = os.getenv('PORT', '8000')`, [['PORT', 1, '8000']]],
    ['bare getenv', `from os import getenv\nHOST = getenv("HOST", "0.0.0.0")`, [['HOST', 2, '0.0.0.0']]],
    [
      'os.environ.get',
      `url = os.environ.get('REDIS_URL', 'redis://localhost:6379/0')`,
      [['REDIS_URL', 1, 'redis://localhost:6379/0']],
    ],
    ['environ.get', `from os import environ\nx = environ.get('X', 'y')`, [['X', 2, 'y']]],
    [
      'os.environ.setdefault',
      `os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'app.settings')`,
      [['DJANGO_SETTINGS_MODULE', 1, 'app.settings']],
    ],
    ['keyword default', `t = os.getenv('TIMEOUT', default='30')`, [['TIMEOUT', 1, '30']]],
    ['number default', `workers = int(os.getenv("WORKERS", 4))`, [['WORKERS', 1, '4']]],
    ['float default', `r = float(os.environ.get('RATIO', 0.5))`, [['RATIO', 1, '0.5']]],
    ['boolean default', `DEBUG = os.getenv('DEBUG', False)`, [['DEBUG', 1, 'False']]],
    ['negative number default', `OFFSET = int(os.getenv('OFFSET', -1))`, [['OFFSET', 1, '-1']]],
    ['None default is no value', `x = os.getenv('X', None)`, []],
    ['no default', `x = os.getenv('X'); y = os.environ.get('Y'); z = os.environ['Z']`, []],
    ['or-fallback', `level = os.getenv('LOG_LEVEL') or 'INFO'`, [['LOG_LEVEL', 1, 'INFO']]],
    ['raw / unicode prefixes', `a = os.getenv(r'A', u'b')`, [['A', 1, 'b']]],
    ['multi-line call', `x = os.environ.get(\n    'X',\n    'multi',\n)`, [['X', 3, 'multi']]],
    [
      'python-decouple',
      `SECRET_KEY = config('SECRET_KEY', default='dev-secret')`,
      [['SECRET_KEY', 1, 'dev-secret']],
    ],
    ['django-environ', `DEBUG = env.bool('DEBUG', default=True)`, [['DEBUG', 1, 'True']]],
    ['expression default is not a literal', `x = os.getenv('X', BASE + '/x')`, []],
    ['f-string default is not a literal', `x = os.getenv('X', f'{BASE}/x')`, []],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    expect(rows(code)).toEqual(expected);
  });

  it('hints say what the literal is a fallback for', () => {
    expect(scan(`PORT = os.getenv('PORT', '8000')`).entries[0]).toMatchObject({
      kind: 'hardcoded',
      source: { file: 'app/settings.py', line: 1 },
      hints: ["fallback for os.getenv('PORT')"],
    });
    expect(scan(`x = os.environ.get('X', 'y')`).entries[0]!.hints).toEqual([
      "fallback for os.environ.get('X')",
    ]);
  });

  it('a secret-like default keeps the env name and gains the value hint', () => {
    const { entries } = scan(`DATABASE_URL = os.getenv('DATABASE_URL', '${PG_URL}')`);
    expect(entries.map((e) => [e.name, e.value])).toEqual([['DATABASE_URL', PG_URL]]);
    expect(entries[0]!.hints).toEqual([
      "fallback for os.getenv('DATABASE_URL')",
      `secret-like value (${secretValueMatch(PG_URL)!})`,
    ]);
  });
});

describe('scanPythonSource: env defaults assigned to secret-like targets', () => {
  it('are named after the variable and classified by the target', () => {
    const marks = [
      'HunterPy' + 'Leak6',
      'DictPy' + 'Leak',
      'OrPy' + 'Leak',
      'KwPy' + 'Leak',
      'SelfPy' + 'Leak',
    ];
    const code = [
      'import os',
      `password = os.getenv("PGPASS", "${marks[0]}")`,
      `cfg = {"password": os.environ.get("DBP", "${marks[1]}"), "port": os.getenv("PORT", "5432")}`,
      `pw = str(os.getenv('X') or '${marks[2]}')`,
      `conn = connect(host='db', password=os.getenv('Y', default='${marks[3]}'))`,
      `self.api_token: str = os.environ.get('TOK', '${marks[4]}')`,
      `workers = int(os.getenv('WORKERS', 4))`,
    ].join('\n');
    const entries = scan(code).entries;
    expect(entries.map((e) => [e.name, e.assignedTo])).toEqual([
      ['PGPASS', 'password'],
      ['DBP', 'password'],
      ['PORT', 'port'],
      ['X', 'pw'],
      ['Y', 'password'],
      ['TOK', 'api_token'],
      ['WORKERS', 'workers'],
    ]);
    expect(entries[0]!.hints).toEqual([
      "fallback for os.getenv('PGPASS')",
      `assigned to secret-like name (${secretNameMatch('password')!})`,
    ]);
    const inv = entries.map((e) => toInventoryEntry(e, () => 'fp'));
    expect(inv.map((e) => e.classification)).toEqual([
      'credential',
      'credential',
      'setting',
      'credential',
      'credential',
      'credential',
      'setting',
    ]);
    const printed = JSON.stringify(inv);
    for (const m of marks) expect(printed).not.toContain(m);
  });
});

describe('scanPythonSource: literals assigned to secret-like names', () => {
  const cases: [string, string, Row[]][] = [
    ['module constant', `DB_PASSWORD = 'x1'`, [['DB_PASSWORD', 1, 'x1']]],
    ['annotated', `password: str = "x2"`, [['password', 1, 'x2']]],
    ['annotated with generic type', `api_key: Optional[str] = 'x3'`, [['api_key', 1, 'x3']]],
    [
      'self attribute',
      `class C:\n    def __init__(self):\n        self.api_key = 'x4'`,
      [['api_key', 3, 'x4']],
    ],
    ['annotated self attribute', `self.token: str = 'x5'`, [['token', 1, 'x5']]],
    ['keyword argument', `conn = connect(host='db', password='x6')`, [['password', 1, 'x6']]],
    ['parameter default', `def login(user, password='x7'):\n    pass`, [['password', 1, 'x7']]],
    ['annotated parameter default', `def login(user, secret: str = 'x8'):\n    pass`, [['secret', 1, 'x8']]],
    ['dict entry', `cfg = {'user': 'app', 'password': 'x9'}`, [['password', 1, 'x9']]],
    ['dict entry, double quotes', `cfg = {"api_key": "x10"}`, [['api_key', 1, 'x10']]],
    ['subscript assignment', `settings['client_secret'] = 'x11'`, [['client_secret', 1, 'x11']]],
    ['chained assignment', `a = token = 'x12'`, [['token', 1, 'x12']]],
    ['walrus', `if (token := 'x13'):\n    pass`, [['token', 1, 'x13']]],
    ['after a one-line if', `if prod: password = 'x14'`, [['password', 1, 'x14']]],
    ['bytes literal', `SECRET = b'x15'`, [['SECRET', 1, 'x15']]],
    ['escapes are decoded', `PASSWORD = 'a\\tb\\x41\\u00e9\\'q'`, [['PASSWORD', 1, "a\tbAé'q"]]],
    ['raw string keeps backslashes', `PASSWORD = r'a\\tb'`, [['PASSWORD', 1, 'a\\tb']]],
    ['triple-quoted value', `PRIVATE_KEY = """line1\nline2"""`, [['PRIVATE_KEY', 1, 'line1\nline2']]],
    ['f-string without placeholders', `token = f'x16{{y}}'`, [['token', 1, 'x16{y}']]],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    expect(rows(code)).toEqual(expected);
  });

  it('hint names the reason', () => {
    expect(scan(`DB_PASSWORD = 'x'`).entries[0]!.hints).toEqual([
      `assigned to secret-like name (${secretNameMatch('DB_PASSWORD')!})`,
    ]);
  });

  it('skips empty strings, numbers and f-strings with placeholders', () => {
    expect(rows(`PASSWORD = ''\nTOKEN_TTL = 3600\ntoken = f'Bearer {raw}'\nsecret = F"{a!r:>{w}}"`)).toEqual(
      [],
    );
  });
});

describe('scanPythonSource: secret-looking values anywhere', () => {
  const cases: [string, string, Row[]][] = [
    ['variable', `DATABASE_URL = '${PG_URL}'`, [['DATABASE_URL', 1, PG_URL]]],
    ['call argument', `engine = create_engine("${PG_URL}")`, [['create_engine', 1, PG_URL]]],
    ['dotted call argument', `conn = psycopg2.connect('${PG_URL}')`, [['connect', 1, PG_URL]]],
    ['keyword argument', `engine = create_engine(url='${PG_URL}')`, [['url', 1, PG_URL]]],
    ['dict value', `DATABASES = {'default': {'URL': '${PG_URL}'}}`, [['URL', 1, PG_URL]]],
    ['AWS key', `boto3.client('s3', aws_access_key_id='${AWS_KEY}')`, [['aws_access_key_id', 1, AWS_KEY]]],
    ['list element', `urls = [\n    '${PG_URL}',\n]`, [['literal', 2, PG_URL]]],
  ];
  it.each(cases)('%s', (_d, code, expected) => {
    expect(rows(code)).toEqual(expected);
  });

  it('rule 2 and rule 3 on the same literal produce one merged entry', () => {
    const { entries } = scan(`CONNECTION_STRING = '${PG_URL}'`);
    expect(entries).toHaveLength(1);
    expect(entries[0]!.hints).toEqual([
      `assigned to secret-like name (${secretNameMatch('CONNECTION_STRING')!})`,
      `secret-like value (${secretValueMatch(PG_URL)!})`,
    ]);
  });
});

describe('scanPythonSource: what must not be reported', () => {
  const cases: [string, string][] = [
    ['non-secret literal to non-secret name', `timeout = 30\nname = 'svc'`],
    ['comment', `# PASSWORD = 'hunter2'\n# ${PG_URL}\nx = 1  # password = 'x'`],
    ['module docstring', `"""Settings.\n\nExample: PASSWORD = 'x', url ${PG_URL}\n"""\nimport os`],
    ['function docstring', `def f():\n    '''password = 'x' ${PG_URL}'''\n    return 1`],
    ['class docstring with prefix', `class A:\n    r"""token='x' ${PG_URL}"""`],
    ['bare string statements', `'${PG_URL}'\n"a" "${PG_URL}"; x = 1`],
    ['unrelated strings', `print('enter your password')\nlog('token', 'secret')`],
    ['comparison is not assignment', `if password == 'x': pass\nif token != 'y': pass`],
    ['f-string with a secret-looking template', `url = f'postgresql://{user}:{pw}@db/app'`],
    ['quotes inside a comment do not open strings', `# it's a "test\nx = 1`],
    ['PEP 701 nested quotes in f-string', `msg = f"{d["password"]} {x:'>10}"\nfoo = 1`],
    ['os.environ without default', `x = os.environ['X']`],
  ];
  it.each(cases)('%s', (_d, code) => {
    expect(scan(code)).toEqual({ entries: [], problems: [] });
  });
});

describe('scanPythonSource: line numbers', () => {
  it('counts lines after triple-quoted strings, continuations and comments', () => {
    const code = [
      '"""Module',
      'docstring',
      '"""',
      "SQL = '''",
      '  SELECT 1',
      "'''",
      '# comment with "quote',
      'x = 1 + \\',
      '    2',
      "DB_PASSWORD = os.getenv('DB_PASSWORD', 'dev')",
    ].join('\n');
    expect(rows(code)).toEqual([['DB_PASSWORD', 10, 'dev']]);
  });

  it('is not confused by unicode before the literal', () => {
    const code =
      "greeting = 'héllo 😀 𝒳 日本語'  # ünïcödé 🎉\nλ = '🔑'\npassword = 'pw😀'\nx = os.getenv('P', '😀')";
    expect(rows(code)).toEqual([
      ['password', 3, 'pw😀'],
      ['P', 4, '😀'],
    ]);
  });

  it('counts CRLF as one line break (also after a BOM, continuations and triple-quoted strings)', () => {
    expect(rows("x = 'a\\\r\nb'\r\nPASSWORD = 'c\\\r\nd'")).toEqual([['PASSWORD', 3, 'cd']]);
    expect(rows("\uFEFFa = 1\r\nb = 2\r\npassword = 'x'")).toEqual([['password', 3, 'x']]);
    expect(rows("DOC = '''a\r\nb'''\r\ntoken = '''c\r\nd'''\r\nsecret = 'e'")).toEqual([
      ['token', 3, 'c\r\nd'],
      ['secret', 5, 'e'],
    ]);
  });

  it('counts a lone CR as no line break, though it still ends a Python statement', () => {
    // Lines are counted by LF, as editors, grep and git count them.
    expect(rows("a = 1\rpassword = 'x'")).toEqual([['password', 1, 'x']]);
    // The tokenizer still splits there: a string after it is a bare statement, not a value.
    expect(rows(`x = 1\r'${PG_URL}'`)).toEqual([]);
    expect(rows(`x = 1 '${PG_URL}'`)).toEqual([['literal', 1, PG_URL]]);
  });
});

describe('scanPythonSource: problems', () => {
  it('an unterminated string is a problem with its line, and scanning continues', () => {
    const r = scan("a = 1\nb = 'oops\nPASSWORD = 'x'");
    expect(r.problems).toEqual([
      {
        file: 'app/settings.py',
        line: 2,
        message: 'syntax error: unterminated string literal',
        severity: 'error',
      },
    ]);
    expect(r.entries.map((e) => [e.name, e.source.line])).toEqual([['PASSWORD', 3]]);
  });

  it('an unterminated triple-quoted string is a problem', () => {
    const r = scan("PASSWORD = 'x'\ns = '''never\nclosed\n");
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      line: 2,
      message: 'syntax error: unterminated triple-quoted string literal',
    });
    expect(rows("PASSWORD = 'x'\ns = '''never\nclosed\n")).toEqual([['PASSWORD', 1, 'x']]);
  });

  it('unterminated f-strings and unclosed brackets are problems', () => {
    expect(scan("token = f'{x'\n").problems[0]).toMatchObject({ line: 1 });
    expect(scan('x = connect(\n  password="a"\n').problems[0]).toMatchObject({
      line: 1,
      message: "syntax error: unclosed '('",
    });
  });

  it('a planted marker secret in a broken file never appears in a problem message', () => {
    const marker = 'zqMARKERq7731secretvalue';
    const broken = [
      `PASSWORD = '${marker}`,
      `PASSWORD = """${marker}`,
      `token = f'{${marker}`,
      `token = f"{x:${marker}`,
      `api_key = ${marker}(('${marker}'`,
      `${marker} = rb'${marker}\\`,
      `x = os.getenv('${marker}', '${marker}`,
    ];
    for (const text of broken) {
      // The env access makes the file pass the pre-filter, so it is tokenized.
      const { problems } = scan(`import os\nos.getenv('A')\n${text}`);
      expect(problems.length, text).toBeGreaterThan(0);
      for (const p of problems) expect(p.message).not.toMatch(/zq|7731/i);
    }
  });
});

describe('scanPythonSource: pre-filter', () => {
  it('skips files that cannot contain anything', () => {
    expect(pythonMayContainConfig('def add(a, b):\n    return a + b\n')).toBe(false);
    expect(scan("def add(a, b):\n    return 'unterminated\n")).toEqual({ entries: [], problems: [] });
    expect(pythonMayContainConfig("x = os.getenv('X', '1')")).toBe(true);
    expect(pythonMayContainConfig(`x = '${PG_URL}'`)).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------
// Fuzz: never throws, lines in range.
// ---------------------------------------------------------------------------------------------

const PY_SEEDS = [
  `"""Doc ${PG_URL}"""\nimport os\nPORT = int(os.getenv('PORT', '8000'))\nDB_PASSWORD = 'x'\n`,
  `class S:\n    def __init__(self, token: str = 'abc'):\n        self.api_key = f"{token!r:>{w}}"\n        self.d = {'password': "p", 'n': 1}\n`,
  `engine = create_engine(\n    '${PG_URL}',  # comment 'quote\n    pool_size=5,\n)\nx = rb'\\x00' + Rb"""a\nb""" \\\n  + 1\n`,
  `SECRET_KEY = config('SECRET_KEY', default="dev")\nDEBUG = env.bool('DEBUG', default=True)\nboto3.client('s3', aws_access_key_id='${AWS_KEY}')\n`,
  `msg = f"{d["k"]} {x:'>10} {{lit}}"\nt = os.environ.get("T") or 'v'\nif (token := 'w'):\n    pass\n`,
];

/** Python syntax that the generic damage of test/support/prng.ts does not produce. */
const PY_SYNTAX = ["'''", '"""', 'f"{', "rb'", 'os.getenv(', ' or ', ':=', '\\\n', '\r\n', '😀', 'password='];

/** `s` with one piece of Python syntax spliced in at a random place. */
function withSyntax(rand: () => number, s: string): string {
  const at = Math.floor(rand() * (s.length + 1));
  return s.slice(0, at) + PY_SYNTAX[Math.floor(rand() * PY_SYNTAX.length)]! + s.slice(at);
}

describe('scanPythonSource: fuzz', () => {
  it('never throws and reports lines in range for 2,000 random and mutated inputs', () => {
    const rand = mulberry32(0x5eed);
    for (let i = 0; i < 2000; i++) {
      const seed = PY_SEEDS[i % PY_SEEDS.length]!;
      const text =
        i % 4 === 3
          ? 'getenv ' + withSyntax(rand, withSyntax(rand, randomText(rand, 200)))
          : mutate(rand, withSyntax(rand, seed));
      let res: ReturnType<typeof scanPythonSource> | undefined;
      expect(
        () => (res = scanPythonSource('a.py', text)),
        `input #${i}: ${JSON.stringify(text)}`,
      ).not.toThrow();
      const lines = text.split('\n').length;
      for (const e of [...res!.entries.map((x) => x.source), ...res!.problems]) {
        expect(e.line, `input #${i}`).toBeGreaterThanOrEqual(1);
        expect(e.line, `input #${i}`).toBeLessThanOrEqual(lines);
      }
      for (const p of res!.problems)
        expect(p.message).toMatch(/^(syntax error: (unterminated|unclosed)|Python tokenizer failed)/);
    }
  });

  it('stays linear on pathological input (many broken f-strings, deep brackets)', () => {
    const text = "x = f'{a\n".repeat(20_000) + '('.repeat(50_000) + "\npassword = '''" + 'x'.repeat(100_000);
    const r = scanPythonSource('a.py', text);
    expect(r.problems.length).toBe(1);
  });
});
