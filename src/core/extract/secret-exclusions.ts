/**
 * What keeps the classifier from crying wolf: settings that merely mention a secret
 * (PASSWORD_MIN_LENGTH), values that only look random (git SHAs, UUIDs), secret-store references,
 * and the entropy measure for values no known format matches. Pure; used by classify.ts.
 */
import { normalizeName } from './secret-patterns.js';

// Last words of a name that make it a setting about a secret, not the secret: TOKEN_TTL, SECRET_FILE.
const SETTING_LAST_WORDS = new Set(
  (
    'length len min max ttl seconds secs sec ms millis minutes mins hours days weeks expiry expiration expires ' +
    'lifetime duration period interval age timeout header enabled enable disabled disable required optional policy ' +
    'algorithm alg algorithms issuer audience url urls uri endpoint addr address host hostname port path file filename ' +
    'files dir directory folder mount count attempts retries rounds iterations cost provider providers type mode user ' +
    'username login email version prefix suffix format scope scopes region realm strategy backend store manager source ' +
    'kind level limit size location field param parameter var env name names label description hint pattern regex ' +
    'complexity strength charset table column collection queue topic bucket index channel namespace engine role group ' +
    'arn ref reference method mechanism style placement cache capacity'
  ).split(' '),
);
// Two-word endings worth naming in the reason even though their last word alone would do.
const SETTING_LAST_TWO = new Set([
  'min length',
  'max length',
  'ttl seconds',
  'expires in',
  'header name',
  'rotation days',
  'max attempts',
  'max age',
]);
// "MAX_TOKENS", "maxOutputTokens": LLM token budgets, not tokens.
const LLM_TOKEN_COUNT =
  /(?:^| )(?:max|min|num|number|total|limit|budget|per|context|output|input|completion|prompt|response)(?: |$)/;

/** "excluded: name ends with _MIN_LENGTH (a setting about a secret)" when the name is such a setting, else null. */
export function nameExclusion(name: string): string | null {
  const words = normalizeName(name).split(' ');
  const last = words[words.length - 1] ?? '';
  const lastTwo = words.slice(-2).join(' ');
  if (SETTING_LAST_TWO.has(lastTwo)) {
    return `excluded: name ends with _${lastTwo.toUpperCase().replace(/ /g, '_')} (a setting about a secret)`;
  }
  // CREDENTIALS_ID, TOKEN_ID name a secret; a Vault AppRole SECRET_ID and an ACCESS_KEY_ID are part of one.
  if ((last === 'id' || last === 'ids') && !/^(?:secret|key|access)$/.test(words[words.length - 2] ?? '')) {
    return `excluded: name ends with _${last.toUpperCase()} (a setting about a secret)`;
  }
  if (SETTING_LAST_WORDS.has(last))
    return `excluded: name ends with _${last.toUpperCase()} (a setting about a secret)`;
  if ((last === 'tokens' || last === 'token') && LLM_TOKEN_COUNT.test(words.join(' '))) {
    return 'excluded: a token count (a model setting, not a token)';
  }
  return null;
}

const BOOLEAN = /^(?:true|false|yes|no|on|off|enabled|disabled)$/i;
const NUMBER = /^[-+]?\d{1,6}(?:\.\d+)?$/;
const DURATION =
  /^\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|m|h|d|w|secs?|seconds?|mins?|minutes?|hours?|days?|weeks?)$|^P(?:T?\d+[YMWDHS])+$/i;

/** Values that are obviously not a secret whatever the name: "excluded: boolean value", ... */
export function obviousNonSecret(value: string, secretWordIsLast: boolean): string | null {
  const v = value.trim();
  if (BOOLEAN.test(v)) return 'excluded: boolean value';
  if (DURATION.test(v)) return 'excluded: duration value';
  // PASSWORD=1234 stays a credential (a PIN is a password); TOKEN_BUCKET_CAPACITY=100 does not.
  if (NUMBER.test(v) && !secretWordIsLast) return 'excluded: plain number';
  return null;
}

const URL_RE = /^[a-z][a-z0-9+.-]{0,30}:\/\/[^\s]+$/i;
// Absolute, home- or dot-relative, or Windows; segments of path characters. Random base64 can start with "/",
// so a path must also not be high-entropy (checked by the caller through lookAlike order).
const PATH_RE = /^(?:~|\.{1,2})?(?:\/[\w.@%+-]+)+\/?$|^[A-Za-z]:\\(?:[\w .@-]+\\)*[\w .@-]*$/;

/** A URL with no user info, or a file path: under a secret-like name these are settings (TOKEN_URL, JWT_SECRET_FILE). */
export function locationValue(value: string): string | null {
  return urlValue(value) ?? pathValue(value);
}

/** "excluded: URL without credentials" for a URL with no user info, else null. */
export function urlValue(value: string): string | null {
  const v = value.trim();
  if (URL_RE.test(v)) return /:\/\/[^/?#]*@/.test(v) ? null : 'excluded: URL without credentials';
  return null;
}

/** "excluded: value is a file path" for a low-entropy path, else null. */
export function pathValue(value: string): string | null {
  const v = value.trim();
  if (PATH_RE.test(v) && entropyBits(v) < 4.2) return 'excluded: value is a file path';
  return null;
}

const LOOK_ALIKES: [RegExp, string][] = [
  [/^[0-9a-f]{40}$/i, 'excluded: value looks like a git commit SHA'],
  [/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'excluded: value is a UUID'],
  [/^(?:sha1|sha256|sha384|sha512|md5):[0-9a-f]{32,128}$/i, 'excluded: value is a content digest'],
  [/^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i, 'excluded: value is a colour'],
  [/^v?\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/, 'excluded: value is a version'],
  [/^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/, 'excluded: value is a host name'],
];
// Names saying the value is a hash or an identifier of something public (IMAGE_SHA256, BUILD_COMMIT).
const DIGEST_NAME =
  /(?:^| )(?:sha|sha1|sha256|sha512|md5|hash|digest|checksum|commit|revision|rev|etag|fingerprint|build|git|uuid|guid|id)(?: |$)/;

/** Values that look random but are public identifiers: "excluded: value is a UUID", ... */
export function lookAlike(name: string, value: string): string | null {
  const v = value.trim();
  for (const [re, reason] of LOOK_ALIKES) if (re.test(v)) return reason;
  if (/^[0-9a-f]{32,128}$/i.test(v) && DIGEST_NAME.test(normalizeName(name)))
    return 'excluded: value is a hash named as such';
  return locationValue(v);
}

/** Shannon entropy in bits per character. */
export function entropyBits(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const c of counts.values()) {
    const p = c / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * "value: high entropy (4.9 bits/char)" for a single token of ≥ 20 characters that looks random.
 * Thresholds follow detect-secrets: 4.5 bits/char for base64-like strings, 3.0 for hex. A string of
 * n characters cannot exceed log2(n) bits/char, so 4.5 is out of reach below 23 characters; for
 * base64-like strings the threshold is min(4.5, 0.85 × log2(n)) (3.67 at 20 chars, 4.25 at 32),
 * which still catches a random 20–30 character token while sparing words like "ProductionDatabase01".
 * Base64-like strings need at least two of lower case, upper case and digits; hex needs letters and digits.
 */
export function highEntropy(value: string): string | null {
  const v = value.trim();
  if (v.length < 20 || !/^[A-Za-z0-9+/=_.~-]+$/.test(v)) return null;
  const bits = entropyBits(v);
  const hex = /^[0-9a-f]+$/.test(v) || /^[0-9A-F]+$/.test(v);
  let hit: boolean;
  if (hex) {
    hit = /[0-9]/.test(v) && /[a-f]/i.test(v) && bits >= 3.0;
  } else {
    const classes = Number(/[a-z]/.test(v)) + Number(/[A-Z]/.test(v)) + Number(/[0-9]/.test(v));
    hit = classes >= 2 && bits >= Math.min(4.5, 0.85 * Math.log2(v.length)) && !looksLikeWords(v);
  }
  return hit ? `value: high entropy (${bits.toFixed(1)} bits/char)` : null;
}

// Identifiers such as "com.example.OrderService" or "trading-engine-v2-eu-west-1": mostly runs of
// three or more lowercase letters between separators or capitals. Random tokens rarely are.
function looksLikeWords(v: string): boolean {
  const parts = v.split(/[^A-Za-z]+|(?=[A-Z])/).filter((p) => p.length > 0);
  const letters = parts.reduce((n, p) => n + p.length, 0);
  const wordy = parts.filter((p) => p.length >= 4 && /^[A-Z]?[a-z]+$/.test(p) && /[aeiou]/.test(p));
  return letters > 0 && wordy.reduce((n, p) => n + p.length, 0) / v.length >= 0.6;
}

// Secret-store references: the value names where a secret lives, not the secret.
const REFERENCES: [RegExp, string][] = [
  [/\$\{\s*vault\s*:[^}]{1,1000}\}|^vault:\S|^(?:ref\+)?vault:\/\//i, 'value: vault reference'],
  [/\$\{\s*(?:secret|secrets)\s*:[^}]{1,1000}\}/i, 'value: secret-store reference'],
  [
    /\$\{\s*(?:ssm|ssm-secure|awssm|aws-sm|secretsmanager)\s*:[^}]{1,1000}\}/i,
    'value: AWS parameter/secret reference',
  ],
  [
    /arn:aws[a-z-]{0,20}:secretsmanager:[a-z0-9-]{0,30}:\d{0,20}:secret:/,
    'value: AWS Secrets Manager reference',
  ],
  [/\{\{\s*resolve:(?:secretsmanager|ssm-secure):[^}]{1,1000}\}\}/, 'value: AWS Secrets Manager reference'],
  [/^op:\/\/[^/\s]+\/[^/\s]+/, 'value: 1Password reference'],
  [/@Microsoft\.KeyVault\(/, 'value: Azure Key Vault reference'],
  [/^projects\/[^/\s]+\/secrets\/[^/\s]+/, 'value: GCP Secret Manager reference'],
  [/^(?:ref\+)?(?:awssecrets|awsssm|gcpsecrets|azurekeyvault|sops):\/\//, 'value: secret-store reference'],
];

/** The reason and the value with references blanked out (to look for plaintext beside them), else null. */
export function secretReference(value: string): { reason: string; rest: string } | null {
  for (const [re, reason] of REFERENCES) {
    if (!re.test(value)) continue;
    const rest = value.replace(new RegExp(re.source, `${re.flags}g`), ' ');
    return { reason, rest };
  }
  return null;
}
