/**
 * Plaintext credentials in arbitrary text (compose files, config files, committed `.env` files,
 * plan files), line by line, for `cfgmig validate`. Pure.
 *
 * Two ways a line holds a credential, reusing the classifier of `extract`:
 *  1. an assignment (`NAME=v`, `name: v`, `"name": "v"`, `string name = "v"`, `<name>v</name>` …)
 *     whose name and value the classifier calls a credential: a value in a known credential
 *     format, or a secret-like name with a value that is not a setting about a secret. A random
 *     looking value under a neutral name (`primaryKey=…`, `sumOfExposures = …`) is not enough
 *     here: in arbitrary text that is mostly identifiers, hashes and test data;
 *  2. a token in a known credential format anywhere on the line (AWS key, `sk-…`, a JWT whose
 *     header decodes, PEM, a URL with a password …: secret-patterns.ts).
 * Not plaintext: references (`${VAR}`, `$VAR`, `${vault:…}`, `{{ … }}`, `<placeholder>`) and
 * placeholders (`xxxxxxxx`, `your-api-key-here`, `AKIA…EXAMPLE`, `abcd1234abcd1234`).
 *
 * A finding carries the line and the reason; `secret` (the matched text) is for the caller to
 * fingerprint at once and drop: it must never be printed or stored.
 */
import { classify } from '../extract/classify.js';
import { nameExclusion, secretReference } from '../extract/secret-exclusions.js';
import { secretNameDetail, secretValueMatch, urlPassword } from '../extract/secret-patterns.js';

export interface PlaintextFinding {
  /** 1-based line. */
  line: number;
  /** The variable or key named on the line, when there is one (never the value). */
  name?: string;
  /** Why, e.g. "value: AWS access key" or "name: PASSWORD". */
  reason: string;
  /** The plaintext (the assigned value, or the token). Fingerprint it and drop it; never print it. */
  secret: string;
  /** Candidates for matching a migrated credential: the value, and a URL's password. */
  secrets: string[];
}

// NAME = value, name: value, name := value, name => value, $name .= value, name <- value.
const ASSIGNMENT =
  /^\s*(?:export\s+|(?:const|let|var|val|final|static|private|public|readonly|set|setx|def)\s+)*[$@]?["'`]?([A-Za-z_][\w.-]{0,200}?)["'`]?\s*(?:\[[^\]]*\]\s*)?(?::{1,3}=|\?=|\.=|=>|<-|=|:(?!\/\/))\s*(.*)$/;
// -  NAME=value in a YAML list (compose `environment:` as a list).
const LIST_ITEM = /^\s*-\s+["']?([A-Za-z_][\w.-]{0,200})=(.*?)["']?\s*$/;
// <name>value</name>
const XML = /<([A-Za-z_][\w.-]{0,100})>\s*([^<\s][^<]{0,4000}?)\s*<\/\1>/;
// setProperty("NAME", "value"), os.environ.setdefault('NAME', 'value'): a quoted name, then a quoted value.
const CALL_PAIR = /["'`]([A-Za-z_][\w.-]{0,200})["'`]\s*,\s*["'`]([^"'`]{1,4000})["'`]/g;
// A name, then an operator (or a type: `string name = "v"`, `var name string = "v"`, `name == "v"`),
// then a quoted string, anywhere on the line: JSON, YAML flow, code.
const QUOTED_PAIR =
  /["'`]?([A-Za-z_][\w.-]{0,200})["'`]?(?:\s+([A-Za-z_][\w.*[\]]{0,30}))?\s*(?:===?|!==?|:{1,3}=|\?=|\.=|=>|<-|=|:)\s*@?(?:[A-Za-z_]\w{0,20}\()?["'`]([^"'`]{1,4000})["'`]/g;

const REFERENCE =
  /^(?:\$\{[^}]*\}|\$\(.*\)|\$[A-Za-z_]\w*|\{\{.*\}\}|\{[A-Za-z_]\w*\}|<[^>]*>|\[[^\]]*\]|%\(\w+\)s|%s|\*+|`[^`]*`|(?:process\.env|os\.environ|env|var|vars|local|locals|data|module|secrets|config|settings)\b.*|(?:getenv|env|os\.getenv)\(.*\))$/i;

// Placeholders: hardly any distinct characters (`xxxxxxxx`, `AIzaaaaaaaaa…`), a run of the
// alphabet, or a word that says "put yours here" (`your-api-key-here`, `AKIA…EXAMPLE`).
const PLACEHOLDER =
  /[xX]{5,}|#{4,}|(?:1234567890|0123456789){2}|=[A-Z]+_[A-Z_]+(?:&|$)|\*{4,}|\.{3}|password|passwd|not_?a_?real|tooshort|dummy|example|placeholder|redacted|changeme|change_me|your[_-]?(?:own|api|secret|key|token|pass)|insert|_here\b|here$|^(?:test|testing|secret|password|passwd|pass|token|apikey|api_key|key|changeit|admin|root|user|username|null|none|undefined|todo|tbd|dummy|sample|foo|bar|foobar)$/i;

export function isPlaceholder(value: string): boolean {
  return (
    PLACEHOLDER.test(value) || new Set(value.replace(/[^A-Za-z0-9]/g, '')).size < 5 || alphabetRun(value) >= 8
  );
}

/** A URL whose password is a placeholder, or the user name again (`postgres:postgres@`). */
function placeholderUrl(value: string): boolean {
  const password = urlPassword(value);
  if (password === null) return false;
  const user = /:\/\/([^:/?#@\s]*):/.exec(value)?.[1];
  return isPlaceholder(password) || password === user;
}

/** The longest run of letters in alphabetical order (`mnopqrstuvwx` → 12): typed, not random. */
function alphabetRun(value: string): number {
  const v = value.toLowerCase();
  let best = 1;
  let run = 1;
  for (let i = 1; i < v.length; i++) {
    const next =
      v.charCodeAt(i) === v.charCodeAt(i - 1) + 1 && /[a-z]/.test(v[i]!) && /[a-z]/.test(v[i - 1]!);
    run = next ? run + 1 : 1;
    if (run > best) best = run;
  }
  return best;
}

// Code and markup, not a value: `new Foo(…)`, `call(…)`, `<xsd:element name="…"`.
const CODE = /^(?:new\s|[A-Za-z_][\w.]*\()|^[^\s]*\s.*[<>="]/;
// Names of per-session or public values that merely sound secret.
const NOT_SECRET_NAME = /csrf|xsrf|authenticity|(?:^|[^a-z])public/i;

function unquote(raw: string): string {
  let v = raw.trim();
  // Trailing punctuation of code and JSON: "value", / 'value'; / value)
  v = v.replace(/[,;]+$/, '').trim();
  const q = v[0];
  if ((q === '"' || q === "'" || q === '`') && v.length >= 2) {
    const end = v.indexOf(q, 1);
    return end > 0 ? v.slice(1, end) : v.slice(1);
  }
  // Unquoted: an inline comment ends it.
  return v
    .replace(/\s+#.*$/, '')
    .replace(/\s+\/\/.*$/, '')
    .trim();
}

/** Whether the value is a reference or a placeholder rather than a secret. */
function isReference(value: string): boolean {
  const v = value.trim();
  if (v === '' || REFERENCE.test(v)) return true;
  const ref = secretReference(v);
  return ref !== null && secretValueMatch(ref.rest) === null;
}

/** Line text with interpolations blanked, so `postgres://u:${PW}@h` is no URL with a password. */
function withoutInterpolation(text: string): string {
  return text.replace(
    /\$\{[A-Za-z_]\w{0,200}(?:[:?+-][^}]{0,1000})?\}|\$\([^()]{0,500}\)|\$[A-Za-z_]\w*/g,
    '$VAR',
  );
}

/** A JWT whose header is not base64url JSON is a look-alike, not a token. */
function badJwt(token: string): boolean {
  const m = /ey[A-Za-z0-9_-]{10,4096}(?=\.ey)/.exec(token);
  if (!m) return false;
  try {
    const header = JSON.parse(Buffer.from(m[0], 'base64url').toString('utf8')) as unknown;
    return header === null || typeof header !== 'object';
  } catch {
    return true;
  }
}

/** Mostly dictionary-like runs of letters: `hf_requiredCharacteristicTypes…`, `glimt-my-tokens_are…`. */
function wordy(token: string): boolean {
  const parts = token.split(/[^A-Za-z]+|(?=[A-Z][a-z])/).filter((p) => p.length >= 4);
  const words = parts.filter(
    (p) => /^[A-Z]?[a-z]+$/.test(p) && /[aeiou]/.test(p) && !/[aeiou]{3}|[^aeiou]{5}/.test(p),
  );
  return words.reduce((n, p) => n + p.length, 0) / token.length >= 0.5;
}

/** Formats the classifier does not know, judged only here (they would change `extract`). */
const EXTRA_FORMATS: [RegExp, string][] = [
  [
    /(?<![A-Za-z0-9_-])[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,38}(?![A-Za-z0-9_-])/,
    'value: Discord bot token',
  ],
  [/(?<![A-Za-z0-9_])sntrys_eyJ[A-Za-z0-9+/=_-]{40,}/, 'value: Sentry token'],
  [
    /(?<![A-Za-z0-9_])(?<![+/])(?:pscale_(?:pw|tkn|oauth)|shippo_(?:live|test)|dop_v1|EZ[AT]K|sq0(?:atp|csp))[A-Za-z0-9_=-]{20,}/,
    'value: API token',
  ],
];

function extraFormat(text: string): string | null {
  for (const [re, reason] of EXTRA_FORMATS) if (re.test(text)) return reason;
  return null;
}

function candidates(value: string): string[] {
  const out = [value];
  const pw = urlPassword(value);
  if (pw !== null) out.push(pw);
  return out;
}

function assignmentFinding(line: number, name: string, raw: string): PlaintextFinding | null {
  if (/^`[^`]*\s[^`]*`/.test(raw.trim())) return null; // `command output`, not a value
  const value = unquote(raw);
  if (value.length === 0 || isReference(value) || !/[A-Za-z0-9]/.test(value)) return null;
  if (/^[[{(]$/.test(value) || /^\|[-+]?$|^>[-+]?$/.test(value)) return null; // a block starts here
  const finding = (reason: string): PlaintextFinding => ({
    line,
    name,
    reason,
    secret: value,
    secrets: candidates(value),
  });
  const plain = withoutInterpolation(value);
  // With interpolations in it (`postgres://${USER}:${PASSWORD}@db`), only a known format beside them counts.
  if (plain !== value) {
    const known = secretValueMatch(plain.replaceAll('$VAR', ''));
    return known ? finding(known) : null;
  }
  if (isPlaceholder(value) || CODE.test(value)) return null;
  const shown = name.split('.').pop() ?? name;
  if (NOT_SECRET_NAME.test(shown)) return null;
  const c = classify({ name: shown, value, kind: 'config-file' });
  if (c.classification !== 'credential') return null;
  // "no value: a credential slot" or an empty value is no plaintext.
  if (c.reasons.some((r) => r.startsWith('no value') || r.startsWith('value: empty'))) return null;
  let known = c.reasons.find((r) => r.startsWith('value:') && !r.startsWith('value: high entropy'));
  if (known && /JWT/.test(known) && badJwt(value)) known = undefined;
  known ??= extraFormat(value) ?? undefined;
  // A URL whose password is a placeholder (`ftps://admin:password@…`) is an example.
  if (known === 'value: URL with password' && placeholderUrl(value)) return null;
  // A secret-like name holding a word or two (`shorter-version`) is a setting or an example.
  if (!known && /^[a-z]{3,}(?:[-_][a-z]{3,})+$/.test(value)) return null;
  // High entropy alone, under a name that does not say secret (or names a setting about one:
  // `credentialId`), is not enough in arbitrary text.
  if (!known && (secretNameDetail(shown) === null || nameExclusion(shown) !== null)) return null;
  return finding(known ?? c.reasons[0] ?? 'credential');
}

/** A token of the line in a known credential format, not a placeholder or a word-like look-alike. */
function knownToken(text: string, line: number, name?: string): PlaintextFinding | null {
  const plain = withoutInterpolation(text);
  const match = (t: string) => secretValueMatch(t) ?? extraFormat(t);
  const reason = match(plain);
  if (!reason) return null;
  const tokens = plain.split(/[\s"'`,;()<>[\]{}|\\]+/).filter((t) => t.length >= 8);
  const hits = tokens.filter((t) => match(t) !== null);
  // Formats that span tokens (a PEM header, `-u user:pass`, `Bearer …`): judged on the line.
  if (hits.length === 0) {
    if (/URL with password/.test(reason)) return null; // a URL is one token: this one spans quotes
    const userPass = /(?:-u|--user)[ \t]+['"]?([^\s'"]+)/.exec(plain)?.[1];
    const password = userPass?.slice(userPass.indexOf(':') + 1);
    if (password !== undefined && (isPlaceholder(password) || /^[<[{]/.test(userPass!))) return null;
    return { line, ...(name ? { name } : {}), reason, secret: text.trim(), secrets: [text.trim()] };
  }
  const token = hits.find((t) => !isPlaceholder(t) && !wordy(t) && !badJwt(t) && !placeholderUrl(t));
  if (!token) return null;
  return {
    line,
    ...(name ? { name } : {}),
    reason: match(token)!,
    secret: token,
    secrets: candidates(token),
  };
}

function scanLine(text: string, line: number): PlaintextFinding | null {
  if (text.length > 100_000) text = text.slice(0, 100_000);
  const trimmed = text.trim();
  if (trimmed === '') return null;
  if (trimmed.startsWith('#') || trimmed.startsWith('//')) {
    // A commented-out secret is still a secret in the repository: judge the comment's text too.
    const inner = trimmed.replace(/^(?:#|\/\/)+\s*/, '');
    return inner === '' || inner === trimmed ? null : scanLine(inner, line);
  }
  // A value holding several lines as escapes ("A=1\nTOKEN=…" in JSON): each part on its own.
  if (text.includes('\\n')) {
    for (const part of text.split('\\n')) {
      const f = part === text ? null : scanLine(part.replace(/^["{\s]+/, ''), line);
      if (f) return f;
    }
  }
  const assign = LIST_ITEM.exec(text) ?? ASSIGNMENT.exec(text);
  if (assign) {
    const f = assignmentFinding(line, assign[1]!, assign[2]!);
    if (f) return f;
  }
  QUOTED_PAIR.lastIndex = 0;
  for (let m = QUOTED_PAIR.exec(text); m; m = QUOTED_PAIR.exec(text)) {
    // `string apiToken = "…"`: the second word is the name; `var apiToken string = "…"`: the first.
    const value = JSON.stringify(m[3]!);
    const first = assignmentFinding(line, m[1]!, value);
    const second = m[2] ? assignmentFinding(line, m[2], value) : null;
    const f = second?.reason.startsWith('name:') ? second : (first ?? second);
    if (f) return f;
  }
  CALL_PAIR.lastIndex = 0;
  for (let m = CALL_PAIR.exec(text); m; m = CALL_PAIR.exec(text)) {
    const f = assignmentFinding(line, m[1]!, JSON.stringify(m[2]!));
    if (f) return f;
  }
  const xml = XML.exec(text);
  if (xml) {
    const f = assignmentFinding(line, xml[1]!, JSON.stringify(xml[2]!));
    if (f) return f;
  }
  if (assign) {
    // A value that is itself an assignment ("config.ini": "TOKEN=…"): judged as one.
    const inner = unquote(assign[2]!);
    if (inner !== text && /^[A-Za-z_][\w.-]{0,200}\s*[=:]/.test(inner)) {
      const f = scanLine(inner, line);
      if (f) return f;
    }
    // An assignment that is not a credential: only a known format inside its value still counts.
    return knownToken(inner, line, assign[1]!);
  }
  return knownToken(text, line);
}

// A key or tag alone on its line, its value alone on the next (`<token>\n  abc…\n</token>`, `key:\n  v`).
const OPENER = /^\s*<([A-Za-z_][\w.-]{0,100})>\s*$|^\s*["']?([A-Za-z_][\w.-]{0,200})["']?\s*[:=]\s*$/;
const LONE_VALUE = /^(?![A-Za-z_][\w.-]*\s*[=:])[^\s:#\-[{<>][^\s]*$/;

/** Every line of `text` that holds a plaintext credential (one finding per line). */
export function scanPlaintext(text: string): PlaintextFinding[] {
  const lines = text.split('\n');
  const out: PlaintextFinding[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    const f = scanLine(line, i + 1);
    if (f) {
      out.push(f);
      continue;
    }
    const open = OPENER.exec(line);
    const next = (lines[i + 1] ?? '').trim();
    if (open && LONE_VALUE.test(next)) {
      const g = assignmentFinding(i + 2, (open[1] ?? open[2])!, JSON.stringify(next));
      if (g) {
        out.push(g);
        i++;
      }
    }
  }
  return out;
}

/** Whether any line of the text holds a plaintext credential. */
export function hasPlaintextCredential(text: string): boolean {
  return scanPlaintext(text).length > 0;
}
