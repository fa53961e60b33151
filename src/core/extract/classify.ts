/**
 * Classifies an extracted entry as a credential, a credential reference or a setting, with the
 * reasons, and redacts credential values for display. Pure. The patterns are in secret-patterns.ts,
 * the exclusions (settings about secrets, look-alikes, entropy, references) in secret-exclusions.ts.
 *
 * Order of the rules:
 *  1. A secret-store reference (${vault:…}, arn:aws:secretsmanager:…) is a credential reference,
 *     unless plaintext in a known format sits beside it.
 *  2. A value in a known credential format (URL with password, AWS key, sk-…, JWT, PEM…) is a
 *     credential whatever the name: DATABASE_URL=postgres://u:p@h/db.
 *  3. A secret-like name makes a credential, even with an empty value (a credential slot), unless an
 *     exclusion says it is a setting about a secret (PASSWORD_MIN_LENGTH=12, TOKEN_URL=https://…,
 *     booleans, durations, plain numbers) and the value is not high-entropy. A secret-like target
 *     (`password: process.env.PGPASS || 'x'`: `assignedTo`) counts as a secret-like name. A path is
 *     a setting under a key's name (TLS_KEY=/etc/tls/key.pem) but not under a password's
 *     (DB_PASSWORD=/hunter2), unless the name says it is a file, path or directory.
 *  4. Otherwise a high-entropy value is a credential, unless it is a public look-alike (git SHA, UUID…).
 */
import type { ClassificationResult, EntryKind } from './types.js';
import { secretNameDetail, secretValueMatch, urlPassword, type SecretNameDetail } from './secret-patterns.js';
import {
  highEntropy,
  lookAlike,
  nameExclusion,
  obviousNonSecret,
  pathValue,
  secretReference,
  urlValue,
} from './secret-exclusions.js';

export interface ClassifyInput {
  name: string;
  value: string | null;
  kind: EntryKind;
  /** From the parser or scanner (e.g. "fallback for process.env.PORT"); passed through as reasons. */
  hints?: string[];
  /** What the value's expression is assigned to, when that is not the name (RawEntry.assignedTo). */
  assignedTo?: string;
}

export function classify(input: ClassifyInput): ClassificationResult {
  const result = decide(input.name, input.value, input.assignedTo);
  for (const hint of input.hints ?? []) if (!result.reasons.includes(hint)) result.reasons.push(hint);
  return result;
}

const credential = (reasons: string[]): ClassificationResult => ({ classification: 'credential', reasons });
const setting = (reasons: string[]): ClassificationResult => ({ classification: 'setting', reasons });
const USER_INFO_URL = /^[a-z][a-z0-9+.-]{0,30}:\/\/[^/?#\s]{1,256}@/i;

// Keywords that name a password, and words that say the value is where one lives, not one.
const PASSWORD_KEYWORDS = new Set(['PASSWORD', 'PASSWD', 'PASSPHRASE', 'PASSCODE', 'PASS', 'PWD', 'PW']);
const PATH_WORDS = /(?:^| )(?:file|files|filename|path|paths|dir|dirs|directory|folder)(?: |$)/;

function location(named: SecretNameDetail, value: string): string | null {
  const url = urlValue(value);
  if (url) return url;
  if (PASSWORD_KEYWORDS.has(named.keyword) && !PATH_WORDS.test(named.words)) return null;
  return pathValue(value);
}

function decide(
  entryName: string,
  value: string | null,
  assignedTo: string | undefined,
): ClassificationResult {
  let name = entryName;
  let named = secretNameDetail(name);
  let nameReasons = named ? [`name: ${named.keyword}`] : [];
  const target = !named && assignedTo ? secretNameDetail(assignedTo) : null;
  if (target && assignedTo) {
    // Judged as if the target were the name: its exclusions apply (`tokenTtl: process.env.T || '60'`).
    [name, named, nameReasons] = [
      assignedTo,
      target,
      [`assigned to secret-like name (name: ${target.keyword})`],
    ];
  }

  if (value !== null && value.trim() !== '') {
    const ref = secretReference(value);
    if (ref) {
      const plain = secretValueMatch(ref.rest);
      if (plain) return credential([...nameReasons, plain]);
      return { classification: 'credential-reference', reasons: [...nameReasons, ref.reason] };
    }
    const known = secretValueMatch(value);
    if (known) return credential([...nameReasons, known]);
  }

  if (named) {
    const excludedByName = nameExclusion(name);
    if (value === null || value.trim() === '') {
      if (excludedByName) return setting([...nameReasons, excludedByName]);
      return credential([
        ...nameReasons,
        value === null ? 'no value: a credential slot' : 'value: empty (a credential slot)',
      ]);
    }
    const excluded = excludedByName ?? obviousNonSecret(value, named.last) ?? location(named, value);
    if (!excluded) {
      // The user part of a DSN is its key (https://<key>@o1.ingest.sentry.io/1).
      const userInfo = USER_INFO_URL.test(value.trim()) ? ['value: URL with user info'] : [];
      return credential([...nameReasons, ...userInfo]);
    }
    // A setting about a secret can still hold one by mistake (API_KEY_HEADER=<random token>).
    const entropy = lookAlike(name, value) ? null : highEntropy(value);
    if (entropy) return credential([...nameReasons, entropy]);
    return setting([...nameReasons, excluded]);
  }

  if (value === null) return setting([]);
  const entropy = highEntropy(value);
  if (!entropy) return setting([]);
  const alike = lookAlike(name, value);
  return alike ? setting([alike]) : credential([entropy]);
}

/**
 * What may be shown of a credential: at most its first 4 characters and its length. Short values
 * show less so a short password is never half revealed: < 12 characters nothing, 12–19 two, ≥ 20
 * four. A URL with a password shows at most its scheme. Lengths count code points.
 */
export function redact(value: string | null): string {
  if (value === null) return '(no value)';
  if (value === '') return '(empty)';
  const chars = Array.from(value);
  const n = chars.length;
  let show = n < 12 ? 0 : n < 20 ? 2 : 4;
  const scheme = /^([a-z][a-z0-9+.-]{0,30}):\/\//i.exec(value);
  if (scheme && urlPassword(value) !== null) show = Math.min(show, scheme[1]!.length);
  const shown = chars
    .slice(0, show)
    .map((ch) => (ch < ' ' || ch === '\x7f' ? '?' : ch))
    .join('');
  return `${shown}…(${n} ${n === 1 ? 'char' : 'chars'})`;
}
