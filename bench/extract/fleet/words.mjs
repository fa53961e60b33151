/** Vocabulary of the generated code and the fake credentials and settings it holds. */
import { ALNUM, UPPER_NUM, HEX, B64URL, B64, DIGITS } from './random.mjs';

// -------------------------------------------------------------------------------------------
// Vocabulary
// -------------------------------------------------------------------------------------------

// prettier-ignore
export const NOUNS = [
  'order', 'account', 'user', 'session', 'invoice', 'payment', 'quote', 'position', 'trade', 'instrument',
  'portfolio', 'ledger', 'balance', 'report', 'metric', 'event', 'notification', 'subscription', 'customer',
  'product', 'price', 'market', 'signal', 'strategy', 'risk', 'limit', 'audit', 'job', 'task', 'batch',
  'queue', 'message', 'channel', 'webhook', 'profile', 'document', 'upload', 'snapshot', 'record', 'entry',
  'rate', 'fee', 'transfer', 'settlement', 'venue', 'feed', 'tick', 'candle', 'alert', 'rule', 'policy',
  'tenant', 'region', 'shard', 'worker', 'schedule', 'window', 'asset', 'exposure', 'margin', 'fill',
  'execution', 'allocation', 'benchmark', 'forecast', 'model', 'dataset', 'pipeline', 'stage', 'cursor',
];
// prettier-ignore
export const VERBS = [
  'get', 'fetch', 'load', 'find', 'create', 'update', 'delete', 'remove', 'list', 'build', 'compute',
  'calculate', 'validate', 'normalize', 'parse', 'format', 'resolve', 'sync', 'publish', 'emit', 'handle',
  'process', 'apply', 'merge', 'map', 'filter', 'sort', 'group', 'flush', 'refresh', 'retry', 'schedule',
  'enqueue', 'serialize', 'transform', 'reconcile', 'aggregate', 'track', 'record', 'notify', 'dispatch',
  'register', 'subscribe', 'open', 'close', 'start', 'stop', 'check', 'ensure', 'compare', 'render',
  'collect',
];
// prettier-ignore
export const ADJS = [
  'pending', 'active', 'stale', 'current', 'latest', 'default', 'primary', 'raw', 'normalized', 'cached',
  'remote', 'local', 'partial', 'final', 'next', 'previous', 'total', 'max', 'min', 'open', 'closed',
  'failed',
];
// prettier-ignore
export const CLASS_SUFFIX = [
  'Service', 'Repository', 'Controller', 'Handler', 'Client', 'Manager', 'Store', 'Mapper', 'Validator',
  'Factory', 'Processor', 'Builder', 'Scheduler', 'Publisher', 'Consumer', 'Adapter', 'Gateway', 'Tracker',
  'Registry', 'Resolver',
];
// prettier-ignore
export const STATUSES = [
  'pending', 'active', 'closed', 'failed', 'settled', 'cancelled', 'expired', 'queued', 'running',
];
// prettier-ignore
export const PROPS = [
  'id', 'status', 'amount', 'quantity', 'createdAt', 'updatedAt', 'tenantId', 'accountId', 'symbol',
  'currency', 'price', 'side', 'venue', 'version', 'priority', 'attempts', 'score', 'weight', 'region',
  'ownerId', 'label',
];
export const TEAMS = [
  'platform',
  'payments',
  'risk',
  'data',
  'trading',
  'infra',
  'growth',
  'core',
  'sre',
  'ml',
];
export const LOG_LEVELS = ['debug', 'info', 'info', 'info', 'warn', 'error'];
// prettier-ignore
export const SENTENCE_TAIL = [
  'so callers never see a half-applied change', 'because the upstream API pages at 500 items',
  'to keep the hot path free of allocations', 'which the reconciliation job relies on',
  'as agreed with the data team', 'until the legacy endpoint is retired',
  'before the next settlement window opens', 'otherwise retries would double-count',
  'to stay within the rate limit of the venue', 'see the runbook for the manual fallback',
];

export const cap = (w) => w.charAt(0).toUpperCase() + w.slice(1);
export const camel = (...w) => w[0] + w.slice(1).map(cap).join('');
export const pascal = (...w) => w.map(cap).join('');
export const snake = (...w) =>
  w
    .map((x) =>
      x
        .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
        .replace(/-/g, '_')
        .toLowerCase(),
    )
    .join('_');
export const kebab = (...w) => snake(...w).replace(/_/g, '-');
export const third = (v) =>
  /(?:s|sh|ch|x)$/.test(v) ? `${v}es` : /[^aeiou]y$/.test(v) ? `${v.slice(0, -1)}ies` : `${v}s`;
export const plural = (n) =>
  n.endsWith('y')
    ? `${n.slice(0, -1)}ies`
    : n.endsWith('s') || n.endsWith('x') || n.endsWith('ch')
      ? `${n}es`
      : `${n}s`;

export function sentence(r) {
  const n = r.pick(NOUNS);
  const forms = [
    () => `${cap(third(r.pick(VERBS)))} the ${r.pick(ADJS)} ${n} for the given ${r.pick(NOUNS)}.`,
    () => `Keeps ${plural(n)} ordered by ${r.pick(PROPS)} ${r.pick(SENTENCE_TAIL)}.`,
    () => `The ${n} ${r.pick(NOUNS)} is ${r.pick(ADJS)} here, ${r.pick(SENTENCE_TAIL)}.`,
    () => `${cap(r.pick(VERBS))} ${plural(r.pick(NOUNS))} in batches ${r.pick(SENTENCE_TAIL)}.`,
    () => `Returns null when the ${n} is unknown; throws when the ${r.pick(NOUNS)} store is unreachable.`,
    () => `NOTE: ${plural(n)} older than the retention window are skipped ${r.pick(SENTENCE_TAIL)}.`,
  ];
  return r.pick(forms)();
}

export function docUrl(r) {
  return `https://wiki.example.internal/${r.pick(TEAMS)}/${kebab(r.pick(NOUNS), r.pick(NOUNS))}`;
}

// -------------------------------------------------------------------------------------------
// Fake credentials and settings (random: none of them is a real key)
// -------------------------------------------------------------------------------------------

export const fake = {
  password: (r) => r.chars(ALNUM, r.int(14, 24)),
  openai: (r) => `sk-${r.chars(ALNUM, 48)}`,
  awsKeyId: (r) => `AKIA${r.chars(UPPER_NUM, 16)}`,
  awsSecret: (r) => r.chars(B64, 40),
  github: (r) => `ghp_${r.chars(ALNUM, 36)}`,
  slack: (r) => `xoxb-${r.chars(DIGITS, 11)}-${r.chars(DIGITS, 13)}-${r.chars(ALNUM, 24)}`,
  jwt: (r) => `eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ${r.chars(B64URL, 60)}.${r.chars(B64URL, 43)}`,
  stripe: (r) => `sk_test_${r.chars(ALNUM, 24)}`,
  hex: (r, n = 64) => r.chars(HEX, n),
  sentryDsn: (r) =>
    `https://${r.chars(HEX, 32)}@o${r.chars(DIGITS, 6)}.ingest.sentry.io/${r.chars(DIGITS, 7)}`,
  pem: (r) => {
    const body = [];
    for (let i = 0; i < 6; i++) body.push(r.chars(B64, 64));
    return `-----BEGIN PRIVATE KEY-----\\n${body.join('\\n')}\\n-----END PRIVATE KEY-----`;
  },
};

/** Environment variables a service reads, with a plausible default. */
export const SETTINGS = [
  ['PORT', () => '8000'],
  ['HOST', () => '0.0.0.0'],
  ['LOG_LEVEL', () => 'info'],
  ['NODE_ENV', () => 'development'],
  ['HTTP_TIMEOUT_MS', (r) => String(r.pick([2000, 5000, 10000, 30000]))],
  ['CACHE_TTL_SECONDS', (r) => String(r.pick([30, 60, 300, 900]))],
  ['MAX_RETRIES', (r) => String(r.int(2, 6))],
  ['BATCH_SIZE', (r) => String(r.pick([50, 100, 250, 500]))],
  ['WORKER_CONCURRENCY', (r) => String(r.int(2, 16))],
  ['KAFKA_BROKERS', () => 'localhost:9092'],
  ['KAFKA_GROUP_ID', (r) => `${r.pick(NOUNS)}-consumers`],
  ['S3_BUCKET', (r) => `fleet-${r.pick(NOUNS)}-dev`],
  ['AWS_REGION', (r) => r.pick(['eu-west-1', 'us-east-1', 'eu-central-1'])],
  ['METRICS_PORT', () => '9464'],
  ['RATE_LIMIT_PER_MINUTE', (r) => String(r.pick([60, 120, 600, 1200]))],
  ['SESSION_TTL_SECONDS', () => '3600'],
  ['CORS_ORIGINS', () => 'http://localhost:3000'],
  ['REDIS_URL', (r) => `redis://localhost:6379/${r.int(0, 15)}`],
  ['DATABASE_URL', () => 'postgres://localhost:5432/app'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', () => 'http://localhost:4317'],
  ['FEATURE_NEW_PRICING', () => 'false'],
  ['DEFAULT_CURRENCY', () => 'EUR'],
  ['PAGE_SIZE', () => '50'],
  ['SHUTDOWN_GRACE_MS', () => '10000'],
];

/** Names that look like secrets, and how their fake value is made. */
export const SECRETS = [
  ['DB_PASSWORD', fake.password],
  ['API_KEY', fake.openai],
  ['JWT_SECRET', (r) => fake.hex(r, 64)],
  ['OPENAI_API_KEY', fake.openai],
  ['AWS_ACCESS_KEY_ID', fake.awsKeyId],
  ['AWS_SECRET_ACCESS_KEY', fake.awsSecret],
  ['GITHUB_TOKEN', fake.github],
  ['SLACK_BOT_TOKEN', fake.slack],
  ['STRIPE_SECRET_KEY', fake.stripe],
  ['REDIS_PASSWORD', fake.password],
  ['WEBHOOK_SIGNING_SECRET', (r) => fake.hex(r, 40)],
  ['ENCRYPTION_KEY', (r) => r.chars(B64, 44)],
  ['SERVICE_TOKEN', fake.jwt],
  ['SENTRY_DSN', fake.sentryDsn],
];

/** Settings that only mention a secret. */
export const LOOKALIKES = [
  ['PASSWORD_MIN_LENGTH', () => '12'],
  ['TOKEN_TTL_SECONDS', () => '3600'],
  ['API_KEY_HEADER', () => 'X-Api-Key'],
  ['SECRET_ROTATION_DAYS', () => '90'],
  ['AUTH_ENABLED', () => 'true'],
  ['SESSION_COOKIE_NAME', () => 'sid'],
  ['PASSWORD_RESET_URL', () => 'https://app.example.com/reset'],
  ['TOKEN_ISSUER', () => 'https://auth.example.com'],
];
