/**
 * Rule 1 for Python: literal defaults of environment reads — `os.getenv('X', 'v')`,
 * `os.environ.get('X', default='v')`, `os.getenv('X') or 'v'`, python-decouple `config('X',
 * default='v')` and django-environ `env.bool('X', default=True)`.
 */
import { isOp, K, type Tok } from './python-tokens.js';

export interface EnvDefault {
  /** Index of the default's first token. */
  at: number;
  /** Index of the env read's first token (`os` of `os.getenv(…)`). */
  call: number;
  name: string;
  value: string;
  hint: string;
}

/** A literal token's value: strings (not f-strings with fields), numbers, True/False. None → null. */
function literalOf(t: Tok | undefined): string | null {
  if (!t) return null;
  if (t.k === K.String || t.k === K.Number) return t.v;
  if (t.k === K.Name && (t.v === 'True' || t.v === 'False')) return t.v;
  return null;
}

/** Tokens taken by a literal at `i`: 2 for a signed number (`-1`), else 1. */
function literalLength(toks: Tok[], i: number): number {
  return (isOp(toks[i], '-') || isOp(toks[i], '+')) && toks[i + 1]?.k === K.Number ? 2 : 1;
}

/** The literal at `i`, including a signed number (`-1`); null when there is none. */
function literalAt(toks: Tok[], i: number): { value: string; len: number } | null {
  if (literalLength(toks, i) === 2)
    return { value: `${toks[i]!.v === '-' ? '-' : ''}${toks[i + 1]!.v!}`, len: 2 };
  const value = literalOf(toks[i]);
  return value === null ? null : { value, len: 1 };
}

/** Does the argument starting at `i` consist of exactly one literal/token (followed by `,` or `)`)? */
function singleArg(toks: Tok[], i: number): boolean {
  const next = toks[i + literalLength(toks, i)];
  return isOp(next, ',') || isOp(next, ')');
}

/**
 * For an env-reading call whose `(` is at `open`, returns the env var name and the index of the
 * default-value token (or -1), e.g. `os.getenv('X', 'v')`, `environ.get('X', default='v')`.
 */
function envCallArgs(
  toks: Tok[],
  open: number,
  needUpperName: boolean,
): { name: string; def: number } | null {
  let name: string | null = null;
  let def = -1;
  let pos = 0;
  let i = open + 1;
  // Walk the top-level arguments of this call (bounded: env calls are short).
  for (let guard = 0; guard < 64 && i < toks.length; guard++) {
    const t = toks[i]!;
    if (isOp(t, ')')) break;
    if (t.k === K.Name && isOp(toks[i + 1], '=')) {
      const kw = t.v;
      const val = toks[i + 2];
      if (val && singleArg(toks, i + 2)) {
        if ((kw === 'key' || kw === 'var' || kw === 'name') && val.k === K.String && val.v !== null)
          name = val.v;
        if (kw === 'default' || kw === 'value') def = i + 2;
      }
      i = skipArg(toks, i + 2, open);
    } else {
      if (singleArg(toks, i)) {
        if (pos === 0 && t.k === K.String && t.v !== null) name = t.v;
        if (pos === 1) def = i;
      }
      pos++;
      i = skipArg(toks, i, open);
    }
    if (isOp(toks[i], ',')) i++;
  }
  if (name === null || name === '') return null;
  if (needUpperName && !/^[A-Z][A-Z0-9_]*$/.test(name)) return null;
  return { name, def };
}

/** Index of the `,` or `)` that ends the argument starting at `i` inside the call opened at `open`. */
function skipArg(toks: Tok[], i: number, open: number): number {
  let j = i;
  while (j < toks.length) {
    const t = toks[j]!;
    if (t.encl === open && (isOp(t, ',') || isOp(t, ')'))) return j;
    if (t.k === K.Newline) return j;
    j++;
  }
  return j;
}

/** The env reads with a literal default, in token order. */
export function findEnvDefaults(toks: Tok[]): EnvDefault[] {
  const found: EnvDefault[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.k !== K.Name || !isOp(toks[i + 1], '(')) continue;
    let via: string | null = null;
    let needUpper = false;
    const dotted = isOp(toks[i - 1], '.');
    if (t.v === 'getenv') via = dotted && toks[i - 2]?.v === 'os' ? 'os.getenv' : dotted ? null : 'getenv';
    else if ((t.v === 'get' || t.v === 'setdefault') && dotted && toks[i - 2]?.v === 'environ') {
      via = isOp(toks[i - 3], '.') && toks[i - 4]?.v === 'os' ? `os.environ.${t.v}` : `environ.${t.v}`;
    } else if (t.v === 'config' && !dotted) {
      via = 'config'; // python-decouple
      needUpper = true;
    } else if (
      (t.v === 'env' && !dotted) ||
      (dotted && toks[i - 2]?.v === 'env' && !isOp(toks[i - 3], '.'))
    ) {
      via = dotted ? `env.${t.v}` : 'env'; // django-environ
      needUpper = true;
    }
    if (!via) continue;
    const args = envCallArgs(toks, i + 1, needUpper);
    if (!args) continue;
    const hint = `fallback for ${via}('${args.name}')`;
    let def = args.def;
    if (def < 0 && !needUpper) {
      // os.getenv('X') or 'v'
      const close = skipArg(toks, i + 2, i + 1);
      if (isOp(toks[close], ')') && toks[close + 1]?.k === K.Name && toks[close + 1]!.v === 'or')
        def = close + 2;
      const l = def >= 0 ? literalAt(toks, def) : null;
      const after = l ? toks[def + l.len] : undefined;
      if (!l || (after && !(after.k === K.Newline || after.k === K.Op))) def = -1;
    }
    const lit = def >= 0 ? literalAt(toks, def) : null;
    if (!lit) continue;
    let call = i; // back over `os.environ.` to the read's first token
    while (isOp(toks[call - 1], '.') && toks[call - 2]?.k === K.Name) call -= 2;
    found.push({ at: def, call, name: args.name, value: lit.value, hint });
  }
  return found;
}
