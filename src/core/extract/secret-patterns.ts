/**
 * Name and value patterns shared by the classifier (classify.ts) and the source scanners.
 * Pure and precompiled: secretNameMatch runs for every entry and every identifier a scanner sees.
 *
 * Linear time: every value pattern starts with a literal prefix behind a lookbehind that only
 * lets it begin at the start of a run of its own characters, and every quantifier is bounded or
 * stops at a character it cannot contain. So each pattern looks at each run of a value once, and a
 * 1 MB value costs one pass per pattern, with no catastrophic backtracking.
 */

/** Splits camelCase and any separators into lowercase words: "x-apiKey" → "x api key". */
export function normalizeName(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/**
 * Lowercase substrings of which every name secretNameMatch accepts contains at least one, in any
 * spelling (api_key, apiKey, api-key...): a cheap pre-filter over a whole file before scanning it.
 */
export const SECRET_PREFILTER_KEYWORDS: string[] =
  'pass pwd pw secret token key cred conn dsn auth bearer salt mnemonic seed'.split(' ');
const PREFILTER = new RegExp(SECRET_PREFILTER_KEYWORDS.join('|'));

// Words that qualify "key" as a secret key. Compound ones may follow other letters ("awsaccesskey").
const KEY_COMPOUND = 'secret ?access|api|access|secret|private|priv|signing|encryption|master|hmac';
const KEY_WORD =
  'sign|encrypt|decrypt|decryption|crypt|crypto|cipher|aes|license|licence|app|auth|client|consumer|shared|' +
  'account|ssh|gpg|pgp|rsa|tls|ssl|jwt|webhook|write|ingest|server|subscription|service|deploy|root|sas|' +
  'admin|db|database|cookie|csrf|xsrf|otp|totp|mfa|recovery|session|enc|hash|jwe|jws|kek|dek|mac|wrapping|' +
  'symmetric';

/** Ordered: the first pattern that matches names the reason. Group 1 is the keyword (words joined by "_"). */
const NAME_PATTERNS: RegExp[] = [
  new RegExp(`(?:^| )[a-z0-9]*?((?:${KEY_COMPOUND}) ?key)s?(?= |$)`),
  new RegExp(`(?:^| )((?:${KEY_WORD}) ?key)s?(?= |$)`),
  /(?:^| )(conn(?:ection)? ?str(?:ing)?|connstr)s?(?= |$)/,
  /(?:^| )[a-z0-9]*?(password|passwd|passphrase|passcode)s?(?= |$)/,
  /(?:^| )[a-z0-9]*?(secret)(?:s|e)?(?= |$)/, // "secrete": detect-secrets lists it too
  /(?:^| )[a-z0-9]*?(token)s?(?= |$)/,
  /(?:^| )(?:[a-z0-9]*?(credential)s?|(creds?))(?= |$)/,
  /(?:^| )[a-z0-9]*?(dsn)(?= |$)/,
  /(?:^| )(salt|mnemonic|seed ?phrase)(?= |$)/,
  // Weak words: only as the last word ("DB_PASS", "BASIC_AUTH"); "AUTH_URL", "PASS_THROUGH" are not secrets.
  /(?:^| )(pass|pwd|pw|auth|authorization|bearer)$/,
];

const KEYWORD_LABELS: Record<string, string> = {
  connstr: 'CONNECTION_STRING',
  credential: 'CREDENTIALS',
  cred: 'CREDENTIALS',
  creds: 'CREDENTIALS',
};

export interface SecretNameDetail {
  /** "PASSWORD", "API_KEY", "CONNECTION_STRING", ... */
  keyword: string;
  /** The keyword is the name's last word ("DB_PASSWORD"), not a qualifier ("PASSWORD_MIN_LENGTH"). */
  last: boolean;
  /** The normalized, space-separated lowercase words of the name. */
  words: string;
}

/** Like secretNameMatch, with where the keyword sits; exclusions (classify.ts) need it. */
export function secretNameDetail(name: string): SecretNameDetail | null {
  if (name === 'PWD' || name === 'OLDPWD') return null; // the shell's working directory
  const words = normalizeName(name);
  if (!PREFILTER.test(words)) return null; // most names: one cheap test; also keeps the keyword list a true superset
  for (const re of NAME_PATTERNS) {
    const m = re.exec(words);
    if (!m) continue;
    const raw = (m[1] ?? m[2] ?? '').trim();
    const keyword = KEYWORD_LABELS[raw] ?? canonical(raw);
    const end = m.index + m[0].length;
    return { keyword, last: end === words.length, words };
  }
  return null;
}

function canonical(raw: string): string {
  const spaced = raw
    .replace(/^(conn(?:ection)?) ?(str(?:ing)?)$/, 'connection string')
    .replace(/^secret ?access ?key$/, 'secret access key')
    .replace(/^(\w+?) ?key$/, '$1 key');
  return spaced
    .replace(/^seed ?phrase$/, 'seed phrase')
    .toUpperCase()
    .replace(/ /g, '_');
}

/**
 * Returns a short reason (e.g. "name: PASSWORD") when the name looks like it holds a secret, else null.
 * Works on UPPER_SNAKE, camelCase, kebab-case and dotted paths (any segment). It reports a mention:
 * settings about a secret (PASSWORD_MIN_LENGTH) still match here; classify() applies the exclusions.
 */
export function secretNameMatch(name: string): string | null {
  const d = secretNameDetail(name);
  return d ? `name: ${d.keyword}` : null;
}

interface ValuePattern {
  reason: string;
  re: RegExp;
  /**
   * Literals every match contains (any one of them; lower-case for a case-insensitive pattern).
   * The patterns also run over whole files in the scanners' pre-filter, where a fast `includes`
   * that rules a pattern out saves running it over megabytes.
   */
  needs: string[];
  /** Rejects placeholders that have the right shape ("sk-your-key-goes-here"). */
  check?: (match: string) => boolean;
}

const hasDigit = (s: string): boolean => /[0-9]/.test(s);
const notPlaceholder = (s: string): boolean =>
  !/^(?:x+|\*+|0+|your|<|\$\{|\{\{)/i.test(s) && new Set(s).size >= 6;

// W: lookbehind for tokens made of word characters and "-"; every body class below is within it.
const W = '(?<![A-Za-z0-9_-])';

/** Global copies, so a match rejected by its check does not hide a later one in the same value. */
function global(patterns: ValuePattern[]): ValuePattern[] {
  return patterns.map((p) => ({ ...p, re: new RegExp(p.re.source, `${p.re.flags}g`) }));
}

/** Known credential formats, most specific first. Placed in a value or anywhere in a line of text. */
export const VALUE_PATTERNS: readonly ValuePattern[] = global([
  {
    reason: 'PEM private key',
    needs: ['-----BEGIN'],
    re: /-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----/,
  },
  { reason: 'age secret key', needs: ['AGE-SECRET-KEY-1'], re: /AGE-SECRET-KEY-1[0-9A-Z]{58}/ },
  {
    reason: 'AWS access key',
    needs: ['AKIA', 'ASIA', 'ABIA', 'ACCA', 'A3T'],
    re: /(?<![A-Za-z0-9])(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}(?![A-Za-z0-9])/,
  },
  {
    reason: 'Anthropic key (sk-ant-…)',
    needs: ['sk-ant-'],
    re: new RegExp(`${W}sk-ant-[a-z]{3,8}\\d{2}-[A-Za-z0-9_-]{20}`),
  },
  {
    reason: 'Stripe key',
    needs: ['_live_', '_test_', '_prod_'],
    re: new RegExp(`${W}(?:sk|rk)_(?:live|test|prod)_[A-Za-z0-9]{10}`),
  },
  { reason: 'Stripe webhook secret', needs: ['whsec_'], re: new RegExp(`${W}whsec_[A-Za-z0-9]{24}`) },
  {
    reason: 'OpenAI key (sk-…)',
    needs: ['sk-'],
    re: new RegExp(`${W}sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,256}`),
    check: (m) => hasDigit(m.slice(3)) && /[A-Za-z]/.test(m.slice(3)) && notPlaceholder(m.slice(3)),
  },
  {
    reason: 'GitHub token (ghp_…)',
    needs: ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
    re: new RegExp(`${W}(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22})`),
  },
  {
    reason: 'GitLab token (glpat-…)',
    needs: [
      'glpat-',
      'glptt-',
      'glrt-',
      'gldt-',
      'glcbt-',
      'glft-',
      'glimt-',
      'glagent-',
      'glsoat-',
      'gloas-',
      'glffct-',
    ],
    re: new RegExp(
      `${W}(?:glpat|glptt|glrt|gldt|glcbt|glft|glimt|glagent|glsoat|gloas|glffct)-[A-Za-z0-9_-]{20}`,
    ),
    check: notPlaceholder,
  },
  {
    reason: 'Slack token (xox…)',
    needs: ['xox'],
    re: new RegExp(`${W}xox[a-z](?:\\.xox[a-z])?-[A-Za-z0-9-]{10,250}`),
    check: hasDigit,
  },
  {
    reason: 'Slack token (xox…)',
    needs: ['xapp-'],
    re: new RegExp(`${W}xapp-\\d-[A-Z0-9]{9,20}-\\d{6,20}-[a-z0-9]{20}`),
  },
  {
    reason: 'Slack webhook URL',
    needs: ['hooks.slack.com/'],
    re: /hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9+/_-]{20}/,
  },
  {
    reason: 'Discord webhook URL',
    needs: ['/api/webhooks/'],
    re: /discord(?:app)?\.com\/api\/webhooks\/\d{5,30}\/[A-Za-z0-9_-]{20}/,
  },
  { reason: 'JWT', needs: ['.ey'], re: new RegExp(`${W}ey[A-Za-z0-9_-]{10,4096}\\.ey[A-Za-z0-9_-]{10}`) },
  { reason: 'base64-encoded JWT', needs: ['ZXlK'], re: /(?<![A-Za-z0-9+/])ZXlK[A-Za-z0-9+/]{40}/ },
  { reason: 'Google API key (AIza…)', needs: ['AIza'], re: new RegExp(`${W}AIza[0-9A-Za-z_-]{35}`) },
  { reason: 'npm token', needs: ['npm_'], re: new RegExp(`${W}npm_[A-Za-z0-9]{36}`) },
  { reason: 'PyPI token', needs: ['pypi-AgEIcHlwaS5vcmc'], re: /pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50}/ },
  {
    reason: 'SendGrid key',
    needs: ['SG.'],
    re: new RegExp(`${W}SG\\.[A-Za-z0-9_-]{22}\\.[A-Za-z0-9_-]{43}`),
  },
  {
    reason: 'Hugging Face token (hf_…)',
    needs: ['hf_', 'api_org_'],
    re: new RegExp(`${W}(?:hf_|api_org_)[A-Za-z]{34}`),
  },
  {
    reason: 'Shopify token',
    needs: ['shpat_', 'shpca_', 'shppa_', 'shpss_'],
    re: new RegExp(`${W}shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}`),
  },
  {
    reason: 'Vault token',
    needs: ['hvs.', 'hvb.', 'hvr.'],
    re: /(?<![A-Za-z0-9_.-])hv[sbr]\.[A-Za-z0-9_-]{24}/,
  },
  { reason: 'Twilio API key', needs: ['SK'], re: new RegExp(`${W}SK[0-9a-fA-F]{32}(?![A-Za-z0-9])`) },
  { reason: 'Mailchimp key', needs: ['-us'], re: new RegExp(`${W}[0-9a-f]{32}-us\\d{1,2}(?![A-Za-z0-9])`) },
  { reason: 'Mailgun key', needs: ['key-'], re: new RegExp(`${W}key-[0-9a-f]{32}(?![A-Za-z0-9])`) },
  {
    reason: 'Telegram bot token',
    needs: [':A'],
    re: new RegExp(`${W}\\d{5,16}:A[A-Za-z0-9_-]{34}(?![A-Za-z0-9_-])`),
  },
  { reason: 'Databricks token', needs: ['dapi'], re: new RegExp(`${W}dapi[a-f0-9]{32}`) },
  { reason: 'DigitalOcean token', needs: ['_v1_'], re: new RegExp(`${W}do[opr]_v1_[a-f0-9]{64}`) },
  { reason: 'Postman key', needs: ['PMAK-'], re: new RegExp(`${W}PMAK-[a-f0-9]{24}-[a-f0-9]{34}`) },
  {
    reason: 'Grafana token',
    needs: ['glc_', 'glsa_'],
    re: new RegExp(`${W}(?:glc_[A-Za-z0-9+/]{32}|glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8})`),
  },
  {
    reason: 'Tailscale key',
    needs: ['tskey-'],
    re: new RegExp(`${W}tskey-[a-z]{3,10}-[A-Za-z0-9]{6,30}-[A-Za-z0-9]{16}`),
  },
  { reason: 'Linear key', needs: ['lin_api_'], re: new RegExp(`${W}lin_api_[A-Za-z0-9]{40}`) },
  {
    reason: 'Doppler token',
    needs: ['dp.'],
    re: /(?<![A-Za-z0-9_.-])dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40}/,
  },
  { reason: 'Groq key', needs: ['gsk_'], re: new RegExp(`${W}gsk_[A-Za-z0-9]{48}`) },
  { reason: 'Notion token', needs: ['ntn_'], re: new RegExp(`${W}ntn_[0-9]{11}[A-Za-z0-9]{35}`) },
  { reason: 'Atlassian token', needs: ['ATATT3'], re: new RegExp(`${W}ATATT3[A-Za-z0-9_=-]{100}`) },
  {
    reason: 'Azure AD client secret',
    needs: ['Q~'],
    re: /(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])/,
  },
  {
    reason: '1Password secret key',
    needs: ['A3-'],
    re: /(?<![A-Za-z0-9-])A3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})-[A-Z0-9]{5}-[A-Z0-9]{5}-[A-Z0-9]{5}/,
  },
  {
    reason: 'password in a curl command',
    needs: ['-u'],
    re: /(?<![A-Za-z0-9-])(?:-u|--user)[ \t]{1,3}['"]?[^\s:'"$]{1,64}:[^\s'"$]{3}/,
  },
  {
    // redis-server --requirepass x, --masterauth x, mysql --password=x; not --password-stdin or ${VAR}.
    reason: 'password in command-line arguments',
    needs: ['--requirepass', '--masterauth', '--pass'],
    re: /(?<![A-Za-z0-9-])(?:--requirepass|--masterauth|--password|--passwd|--pass)(?:[ \t]{1,3}|=)['"]?[^\s'"$<{*-][^\s'"$]{2}/,
  },
  {
    // mysql -uroot -pS3cret (the password is glued to -p); digits alone are a port (-p5432).
    reason: 'password in command-line arguments',
    needs: ['-u'], // the match starts with -u; "-p" is in nearly every file
    re: /(?<![A-Za-z0-9-])-u[ \t]?[A-Za-z0-9_.@-]{1,64}[ \t]{1,3}-p[^\s'"$<{*-]{3,64}/,
    check: (m) => /[^0-9]/.test(m.slice(m.lastIndexOf('-p') + 2)),
  },
  {
    reason: 'connection string with password',
    needs: ['password', 'pwd', 'accountkey', 'sharedaccesskey'],
    re: /(?<![A-Za-z])(?:password|pwd|accountkey|sharedaccesskey)[ \t]{0,3}=[ \t]{0,3}[^\s;'"$<{*]/i,
  },
  {
    reason: 'URL with credentials in query',
    needs: ['token=', 'key=', 'sig=', 'signature=', 'secret=', 'password='],
    re: /[?&](?:access_token|token|api_key|apikey|key|sig|signature|secret|password|client_secret)=[^&\s#$<{*]{12}/,
    check: (m) => notPlaceholder(m.slice(m.indexOf('=') + 1)),
  },
  {
    reason: 'Authorization header value',
    needs: ['earer ', 'asic '],
    re: /(?<![A-Za-z0-9])(?:[Bb]earer|[Bb]asic) [A-Za-z0-9._~+/-]{20}/,
    check: hasDigit,
  },
]);

/**
 * Which case-sensitive `needs` literals occur in a long text, in one regex pass instead of one
 * `includes` scan per literal (about a hundred of them: most of the pre-filter's time before).
 * The alternation is longest-first and zero-width, so at each position it finds the longest
 * literal starting there; every literal that starts at the same position is a prefix of that
 * one, and those are added too.
 */
const CASED_NEEDLES = [
  ...new Set(VALUE_PATTERNS.filter((p) => !p.re.ignoreCase).flatMap((p) => p.needs)),
].sort((a, b) => b.length - a.length);
const NEEDLE_SCAN = new RegExp(
  `(?=(${CASED_NEEDLES.map((n) => n.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')).join('|')}))`,
  'g',
);
const PREFIXES = new Map(CASED_NEEDLES.map((n) => [n, CASED_NEEDLES.filter((m) => n.startsWith(m))]));

export function needlesIn(text: string): Set<string> {
  const found = new Set<string>();
  NEEDLE_SCAN.lastIndex = 0;
  for (let m = NEEDLE_SCAN.exec(text); m; m = NEEDLE_SCAN.exec(text)) {
    for (const n of PREFIXES.get(m[1]!)!) found.add(n);
    NEEDLE_SCAN.lastIndex = m.index + 1;
  }
  return found;
}

/** Past this length one scan for all literals beats an `includes` per literal. */
const SCAN_ALL_NEEDLES_FROM = 512;

// A URL's userinfo: scheme://user:password@ (bounded, so each "://" costs at most ~300 steps).
const URL_USERINFO = /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,30}:\/\/([^\s/?#@]{0,256})@/g;
// Interpolations and masks stand in for a password; they are not one.
const PASSWORD_PLACEHOLDER = /^(?:\$\{[^}]*\}|\$[A-Za-z_]\w*|\{\{.*\}\}|<[^>]*>|\*+|%s|%\(\w+\)s)$/;
// A PEM header needs a base64 body near it: a header alone or "..." is a template, not a key.
const PEM_BODY = /[A-Za-z0-9+/]{40}/;

/** The password of the first URL in the value that has one, else null. Exported for redact(). */
export function urlPassword(value: string): string | null {
  if (!value.includes('://')) return null;
  URL_USERINFO.lastIndex = 0;
  for (let m = URL_USERINFO.exec(value); m; m = URL_USERINFO.exec(value)) {
    const userinfo = m[1] ?? '';
    const colon = userinfo.indexOf(':');
    const password = colon >= 0 ? userinfo.slice(colon + 1) : '';
    if (password !== '' && !PASSWORD_PLACEHOLDER.test(password)) return password;
  }
  return null;
}

/** Returns a short reason (e.g. "value: AWS access key") when the value itself looks like a secret, else null. */
export function secretValueMatch(value: string): string | null {
  if (value.length < 8) return null;
  if (urlPassword(value) !== null) return 'value: URL with password';
  let lower: string | undefined;
  const present = value.length >= SCAN_ALL_NEEDLES_FROM ? needlesIn(value) : null;
  for (const p of VALUE_PATTERNS) {
    if (p.re.ignoreCase) {
      const text = (lower ??= value.toLowerCase());
      if (!p.needs.some((n) => text.includes(n))) continue;
    } else if (!p.needs.some(present ? (n) => present.has(n) : (n) => value.includes(n))) continue;
    p.re.lastIndex = 0;
    for (let m = p.re.exec(value); m; m = p.re.exec(value)) {
      if (new Set(m[0]).size < 8 || (p.check && !p.check(m[0]))) continue; // "AKIAXXXXXXXXXXXXXXXX" is a placeholder
      if (p.reason === 'PEM private key' && !PEM_BODY.test(value.slice(m.index + m[0].length, m.index + 600)))
        continue;
      return `value: ${p.reason}`;
    }
  }
  return null;
}
