/** One service of the fleet (.env, config/, code, tests, manifests) and the root compose file and .env. */
import {
  NOUNS,
  VERBS,
  TEAMS,
  camel,
  pascal,
  snake,
  kebab,
  sentence,
  docUrl,
  fake,
  SETTINGS,
  SECRETS,
  LOOKALIKES,
} from './words.mjs';
import { jsFile, jsConfigModule, jsTestFile } from './js-code.mjs';
import { pyFile, pySettingsModule, pyTestFile } from './py-code.mjs';

// -------------------------------------------------------------------------------------------
// Service files: .env, config/, Dockerfile, README, manifests
// -------------------------------------------------------------------------------------------

export function svcId(i) {
  return `svc-${String(i).padStart(3, '0')}`;
}

export function dotenvFile(r, svc, plan) {
  const out = [`# ${svc}: local settings. Values for production come from the deploy pipeline.`, ''];
  for (const [name, def] of plan.settings.slice(0, 8)) out.push(`${name}=${def(r)}`);
  out.push('', '# database');
  const db = snake(svc);
  out.push('DB_HOST=postgres', 'DB_PORT=5432', `DB_NAME=${db}`, `DB_USER=${db}`);
  out.push('', '# credentials (rotate via the vault)');
  for (const [name, make] of plan.secrets)
    out.push(r.chance(0.2) ? `${name}="${make(r)}"` : `${name}=${make(r)}`);
  if (plan.pem) out.push(`PRIVATE_KEY="${fake.pem(r)}"`);
  out.push('');
  for (const [name, make] of plan.lookalikes) out.push(`${name}=${make(r)}`);
  if (r.chance(0.3)) out.push(`GREETING="Hello from ${svc}"`);
  return `${out.join('\n')}\n`;
}

export function dotenvExample(svc, plan) {
  const out = [`# Copy to .env and fill in. Never commit real values.`];
  for (const [name] of plan.settings.slice(0, 8)) out.push(`${name}=`);
  for (const [name] of plan.secrets) out.push(`${name}=<your-${kebab(name.toLowerCase())}>`);
  return `${out.join('\n')}\n`;
}

export function yamlConfig(r, svc, plan) {
  const lines = [`# ${svc} defaults; environment files override these.`];
  lines.push(
    'server:',
    `  port: 8000`,
    `  host: 0.0.0.0`,
    `  gracefulShutdownMs: ${r.pick([5000, 10000, 30000])}`,
  );
  lines.push(
    'database:',
    '  host: postgres',
    '  port: 5432',
    `  name: ${snake(svc)}`,
    `  user: ${snake(svc)}`,
  );
  lines.push(r.chance(0.15) ? `  password: ${fake.password(r)}` : '  password: ${DB_PASSWORD}');
  lines.push(
    '  pool:',
    `    min: ${r.int(1, 4)}`,
    `    max: ${r.pick([10, 20, 50])}`,
    `    idleTimeoutMs: 30000`,
  );
  lines.push(
    'cache:',
    `  ttlSeconds: ${r.pick([30, 60, 300])}`,
    `  maxEntries: ${r.pick([1000, 10000, 50000])}`,
  );
  lines.push(
    'http:',
    `  timeoutMs: ${r.pick([2000, 5000, 10000])}`,
    `  retries: ${r.int(1, 5)}`,
    '  retryOn: [502, 503, 504]',
  );
  lines.push('upstreams:');
  for (const u of plan.upstreams) lines.push(`  ${u}: http://${u}:8000`);
  lines.push('features:');
  for (const f of r.sample(NOUNS, r.int(3, 8)))
    lines.push(`  ${camel('enable', pascal(f))}: ${r.chance(0.5)}`);
  lines.push(
    'logging:',
    `  level: ${r.pick(['info', 'debug', 'warn'])}`,
    `  format: ${r.pick(['json', 'pretty'])}`,
  );
  return `${lines.join('\n')}\n`;
}

export function yamlOverride(r, env) {
  const lines = [`# ${env} overrides`];
  lines.push('server:', `  gracefulShutdownMs: ${r.pick([10000, 30000])}`);
  lines.push('database:', '  host: ${DB_HOST}', '  pool:', `    max: ${r.pick([50, 100])}`);
  lines.push('logging:', `  level: ${env === 'production' ? 'warn' : 'debug'}`);
  if (r.chance(0.4)) lines.push('cache:', `  ttlSeconds: ${r.pick([300, 900])}`);
  return `${lines.join('\n')}\n`;
}

export function jsonConfig(r, plan) {
  const doc = { limits: {}, routing: {}, retention: {} };
  for (const n of r.sample(NOUNS, r.int(4, 10))) doc.limits[`${n}PerMinute`] = r.pick([60, 120, 600, 6000]);
  for (const u of plan.upstreams)
    doc.routing[u] = { weight: r.int(1, 100), timeoutMs: r.pick([500, 1000, 2000]) };
  doc.retention = {
    days: r.pick([7, 30, 90, 365]),
    archive: r.chance(0.5),
    bucket: `fleet-archive-${r.pick(NOUNS)}`,
  };
  if (r.chance(0.1)) doc.webhook = { url: 'https://hooks.example.com/in', signingSecret: fake.hex(r, 40) };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

export function dockerfile(lang) {
  if (lang === 'py') {
    return [
      'FROM python:3.12-slim',
      'WORKDIR /app',
      'COPY requirements.txt .',
      'RUN pip install --no-cache-dir -r requirements.txt',
      'COPY app ./app',
      'COPY config ./config',
      'EXPOSE 8000',
      'CMD ["uvicorn", "app.main:app", "--host", "0.0.0.0", "--port", "8000"]',
      '',
    ].join('\n');
  }
  return [
    'FROM node:20-alpine AS build',
    'WORKDIR /app',
    'COPY package*.json ./',
    'RUN npm ci',
    'COPY . .',
    lang === 'ts' ? 'RUN npm run build' : 'RUN npm prune --omit=dev',
    '',
    'FROM node:20-alpine',
    'WORKDIR /app',
    'COPY --from=build /app .',
    'EXPOSE 8000',
    `CMD ["node", "${lang === 'ts' ? 'dist/index.js' : 'src/index.js'}"]`,
    '',
  ].join('\n');
}

export function readme(r, svc, plan) {
  const out = [
    `# ${svc}`,
    '',
    `${sentence(r)} ${sentence(r)}`,
    '',
    '## Running locally',
    '',
    '```sh',
    'cp .env.example .env',
    plan.lang === 'py' ? 'uvicorn app.main:app --reload' : 'npm run dev',
    '```',
    '',
    '## Configuration',
    '',
  ];
  for (const [name] of plan.settings) out.push(`- \`${name}\`: ${sentence(r)}`);
  out.push('', `Owned by the ${r.pick(TEAMS)} team. Runbook: ${docUrl(r)}`, '');
  return out.join('\n');
}

export function manifest(r, svc, lang) {
  if (lang === 'py') {
    return [
      `[project]`,
      `name = "${svc}"`,
      `version = "${r.int(0, 3)}.${r.int(0, 20)}.${r.int(0, 9)}"`,
      'requires-python = ">=3.11"',
      'dependencies = ["fastapi", "uvicorn", "sqlalchemy", "redis", "pydantic-settings"]',
      '',
    ].join('\n');
  }
  const pkg = {
    name: `@fleet/${svc}`,
    version: `${r.int(0, 3)}.${r.int(0, 20)}.${r.int(0, 9)}`,
    private: true,
    type: lang === 'cjs' ? 'commonjs' : 'module',
    scripts: { dev: 'node --watch src/index.js', build: 'tsc', test: 'vitest run' },
    dependencies: { express: '^4.21.0', pino: '^9.4.0', pg: '^8.13.0', ioredis: '^5.4.1', zod: '^3.23.8' },
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

// -------------------------------------------------------------------------------------------
// Root files
// -------------------------------------------------------------------------------------------

export function composeService(r, svc, i, plan) {
  const up = snake(svc).toUpperCase();
  const L = [
    `  ${svc}:`,
    `    build: ./services/${svc}`,
    `    image: registry.example.internal/fleet/${svc}:\${TAG:-latest}`,
  ];
  L.push('    restart: unless-stopped', '    ports:', `      - "${8000 + i}:8000"`);
  if (plan.upstreams.length) L.push('    depends_on:', ...plan.upstreams.map((u) => `      - ${u}`));
  if (plan.envFile === 'string') L.push(`    env_file: ./services/${svc}/.env`);
  else if (plan.envFile === 'list')
    L.push('    env_file:', `      - ./services/${svc}/.env`, '      - ./env/common.env');
  else if (plan.envFile === 'objects')
    L.push(
      '    env_file:',
      `      - path: ./services/${svc}/.env`,
      '        required: true',
      `      - path: ./services/${svc}/.env.local`,
      '        required: false',
    );
  L.push('    environment:');
  const env = [
    `      SERVICE_NAME: ${svc}`,
    '      PORT: "8000"',
    '      NODE_ENV: ${NODE_ENV:-production}',
    '      LOG_LEVEL: ${LOG_LEVEL:-info}',
    `      DATABASE_URL: postgres://${snake(svc)}:\${${up}_DB_PASSWORD:-changeme}@postgres:5432/${snake(svc)}`,
    `      REDIS_URL: redis://redis:6379/\${${up}_REDIS_DB:-${i % 16}}`,
    '      KAFKA_BROKERS: ${KAFKA_BROKERS:-kafka:9092}',
    '      OTEL_EXPORTER_OTLP_ENDPOINT: http://otel-collector:4317',
    `      HTTP_TIMEOUT_MS: "${r.pick([2000, 5000, 10000])}"`,
  ];
  if (plan.upstreams.length) env.push(`      UPSTREAM_URL: http://${plan.upstreams[0]}:8000`);
  if (r.chance(0.3)) env.push('      FEATURE_FLAGS: ${FEATURE_FLAGS-}');
  if (r.chance(0.2)) env.push('      REGION: ${REGION:?REGION must be set}');
  if (r.chance(0.1)) env.push('      COST_CENTER_LABEL: "cc$$' + r.int(100, 999) + '"');
  if (r.chance(0.15)) env.push(`      ${up}_API_KEY: \${${up}_API_KEY}`);
  L.push(...env);
  L.push(
    '    healthcheck:',
    '      test: ["CMD", "wget", "-qO-", "http://localhost:8000/health"]',
    '      interval: 10s',
    '      timeout: 3s',
    '      retries: 5',
  );
  L.push(
    '    deploy:',
    '      resources:',
    '        limits:',
    `          cpus: "${r.pick(['0.25', '0.5', '1.0'])}"`,
    `          memory: ${r.pick(['256M', '512M', '1G'])}`,
  );
  L.push('    logging: *default-logging', '    networks: [backend]');
  return L;
}

export function composeFile(r, plans) {
  const L = ['# The whole fleet, for local development and the integration environment.', 'name: fleet', ''];
  L.push(
    'x-logging: &default-logging',
    '  driver: json-file',
    '  options:',
    '    max-size: "10m"',
    '    max-file: "3"',
    '',
  );
  L.push('services:');
  plans.forEach((p, i) => L.push(...composeService(r, p.svc, i + 1, p)));
  L.push('', 'networks:', '  backend: {}', '');
  return L.join('\n');
}

export function rootDotenv(r, plans) {
  const L = [
    '# Compose interpolation values for local development.',
    'COMPOSE_PROJECT_NAME=fleet',
    'TAG=1.42.0',
    'NODE_ENV=development',
    'LOG_LEVEL=info',
    'KAFKA_BROKERS=kafka:9092',
    'REGION=eu-west-1',
    '',
  ];
  for (const p of plans)
    if (r.chance(0.25)) L.push(`${snake(p.svc).toUpperCase()}_DB_PASSWORD=${fake.password(r)}`);
  return `${L.join('\n')}\n`;
}

// -------------------------------------------------------------------------------------------
// Layout of one service
// -------------------------------------------------------------------------------------------

export const JS_DIRS = [
  ['routes', 10],
  ['controllers', 8],
  ['services', 16],
  ['repositories', 10],
  ['models', 12],
  ['lib', 8],
  ['utils', 8],
  ['middleware', 4],
  ['clients', 6],
  ['jobs', 6],
  ['events', 6],
  ['validators', 6],
];
export const PY_DIRS = [
  ['api', 12],
  ['services', 16],
  ['repositories', 10],
  ['models', 14],
  ['lib', 8],
  ['utils', 8],
  ['clients', 6],
  ['tasks', 8],
  ['events', 6],
  ['schemas', 8],
];

export function weightedPick(r, table) {
  const total = table.reduce((a, [, w]) => a + w, 0);
  let x = r.next() * total;
  for (const [v, w] of table) if ((x -= w) < 0) return v;
  return table[table.length - 1][0];
}

export function servicePlan(r, i, total) {
  const svc = svcId(i);
  const lang = weightedPick(r, [
    ['ts', 50],
    ['cjs', 15],
    ['mjs', 10],
    ['py', 25],
  ]);
  const upstreams = r
    .sample(
      Array.from({ length: total }, (_, k) => svcId(k + 1)).filter((s) => s !== svc),
      r.int(0, 3),
    )
    .sort();
  return {
    svc,
    lang,
    upstreams,
    settings: r.sample(SETTINGS, r.int(8, 12)),
    secrets: r.sample(SECRETS, r.int(2, 4)),
    lookalikes: r.sample(LOOKALIKES, r.int(1, 3)),
    pem: r.chance(0.1),
    envFile: weightedPick(r, [
      ['none', 60],
      ['string', 25],
      ['list', 10],
      ['objects', 5],
    ]),
    example: r.chance(0.3),
  };
}

/** Median size of a source file (bytes); with the spread and the block granularity the mean is about 4.8 KB. */
export const SOURCE_MEDIAN = 3450;

export function serviceFiles(r, plan) {
  const { svc, lang } = plan;
  const files = [];
  const add = (path, text) => files.push([`services/${svc}/${path}`, text]);
  add('.env', dotenvFile(r, svc, plan));
  if (plan.example) add('.env.example', dotenvExample(svc, plan));
  add('Dockerfile', dockerfile(lang));
  add('README.md', readme(r, svc, plan));
  add(lang === 'py' ? 'pyproject.toml' : 'package.json', manifest(r, svc, lang));
  if (lang === 'ts')
    add(
      'tsconfig.json',
      `${JSON.stringify({ extends: '../../tsconfig.base.json', compilerOptions: { outDir: 'dist', rootDir: 'src' }, include: ['src'] }, null, 2)}\n`,
    );
  add('config/default.yaml', yamlConfig(r, svc, plan));
  add('config/production.yaml', yamlOverride(r, 'production'));
  if (r.chance(0.5)) add(`config/${r.pick(['limits', 'routing', 'retention'])}.json`, jsonConfig(r, plan));

  const nSource = r.int(90, 100);
  const seen = new Set();
  const features = () => ({ env: r.chance(0.07), secret: r.chance(0.012), lookalike: r.chance(0.04) });
  if (lang === 'py') {
    add('app/__init__.py', '');
    add('app/settings.py', pySettingsModule(r, svc, plan.settings, plan.secrets));
    add('app/main.py', pyFile(r, r.size(1800, 0.4, 600, 6000), { env: false }));
    const pkgs = new Set();
    let n = 3;
    while (n < nSource) {
      const dir = weightedPick(r, PY_DIRS);
      if (!pkgs.has(dir)) {
        pkgs.add(dir);
        add(`app/${dir}/__init__.py`, r.chance(0.7) ? '' : `"""${sentence(r)}"""\n`);
        n++;
        continue;
      }
      const name = `app/${dir}/${snake(r.pick(NOUNS), r.pick(['service', 'model', 'client', 'utils', 'repository', 'handler', 'schema', 'task']))}.py`;
      if (seen.has(name)) continue;
      seen.add(name);
      add(name, pyFile(r, r.size(SOURCE_MEDIAN, 0.8, 200, 64000), features()));
      n++;
    }
    if (r.chance(0.3))
      add(
        `scripts/${kebab(r.pick(VERBS), r.pick(NOUNS))}.js`,
        jsFile(r, svc, 'cjs', 'scripts', r.size(2000, 0.5, 400, 8000), features()),
      );
    for (let t = r.int(4, 8); t > 0; t--)
      add(
        `tests/test_${snake(r.pick(NOUNS), r.pick(VERBS))}_${t}.py`,
        pyTestFile(r, r.size(3000, 0.5, 500, 12000)),
      );
  } else {
    const ext = lang === 'ts' ? 'ts' : lang === 'mjs' ? 'mjs' : 'js';
    add(
      `src/index.${ext}`,
      jsFile(r, svc, lang, 'src', r.size(1500, 0.4, 400, 5000), { env: r.chance(0.5) }),
    );
    add(`src/config.${ext}`, jsConfigModule(r, svc, lang, plan.settings, plan.secrets));
    let n = 2;
    if (lang === 'ts')
      add(
        'src/types/global.d.ts',
        `declare namespace NodeJS {\n  interface ProcessEnv {\n${plan.settings.map(([k]) => `    ${k}?: string;`).join('\n')}\n  }\n}\n`,
      );
    while (n < nSource) {
      const dir = weightedPick(r, JS_DIRS);
      const name = `src/${dir}/${kebab(r.pick(NOUNS), r.pick(['service', 'model', 'client', 'utils', 'repository', 'handler', 'controller', 'mapper']))}.${ext}`;
      if (seen.has(name)) continue;
      seen.add(name);
      add(
        name,
        jsFile(r, svc, lang, dir, r.size(SOURCE_MEDIAN, 0.8, 200, 64000), {
          ...features(),
          route: dir === 'routes',
        }),
      );
      n++;
    }
    if (r.chance(0.3))
      add(
        `scripts/${snake(r.pick(VERBS), r.pick(NOUNS))}.py`,
        pyFile(r, r.size(2000, 0.5, 400, 8000), features()),
      );
    for (let t = r.int(4, 8); t > 0; t--)
      add(
        `tests/${kebab(r.pick(NOUNS), r.pick(VERBS))}-${t}.test.${ext}`,
        jsTestFile(r, svc, lang, r.size(3000, 0.5, 500, 12000)),
      );
  }
  return files;
}
