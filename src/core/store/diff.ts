/**
 * The difference between two configurations, key by key. Pure: the caller fetches the data
 * and, for credentials, says which pairs hold the same secret.
 *
 * Keys are dotted paths to leaves. Objects are walked; arrays are leaves, because the
 * environment merge replaces an array whole (merge.ts), so "the list changed" is the honest
 * unit. A credential reference is a leaf too, and its value never appears in the result:
 * only whether it changed.
 */
import { canonicalJson, type Json } from './canonical.js';
import { asCredentialRef, refId, sameRef, type CredentialRef } from './credential-ref.js';

export type Change = 'added' | 'removed' | 'changed' | 'unchanged';

export type DiffEntry =
  | { key: string; kind: 'config'; change: Change; from?: Json; to?: Json }
  | { key: string; kind: 'credential'; change: Change };

export interface DiffSummary {
  added: number;
  removed: number;
  changed: number;
  unchanged: number;
}

type Leaf = { value: Json; ref: CredentialRef | null };

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** `a.b`, with a segment that holds a dot or bracket written as ["…"] so paths stay unambiguous. */
function join(path: string, key: string): string {
  const seg = /^[^.[\]"]+$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return path === '' ? seg : seg.startsWith('[') ? `${path}${seg}` : `${path}.${seg}`;
}

export function leaves(data: Json, path = '', out = new Map<string, Leaf>()): Map<string, Leaf> {
  const ref = asCredentialRef(data);
  if (ref || !isObject(data) || (Object.keys(data).length === 0 && path !== '')) {
    if (path !== '') out.set(path, { value: data, ref });
    return out;
  }
  for (const [k, v] of Object.entries(data)) leaves(v, join(path, k), out);
  return out;
}

function equalJson(a: Json, b: Json): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/**
 * Pairs of credential references at the same key that differ as references: only these
 * need their secrets compared (identical references hold the same secret by construction).
 */
export function refPairsToCompare(from: Json, to: Json): [CredentialRef, CredentialRef][] {
  const a = leaves(from);
  const pairs: [CredentialRef, CredentialRef][] = [];
  for (const [key, right] of leaves(to)) {
    const left = a.get(key);
    if (left?.ref && right.ref && !sameRef(left.ref, right.ref)) pairs.push([left.ref, right.ref]);
  }
  return pairs;
}

/** Identifies a compared pair for `diffConfigs`'s `sameSecret` set. */
export function pairId(a: CredentialRef, b: CredentialRef): string {
  return `${refId(a)}|${refId(b)}`;
}

/**
 * Every key of either side, sorted, with how it changed. `sameSecret` holds the pairIds of
 * differing references whose secrets turned out equal (a new version of the same value).
 * A key that turned from a plain value into a credential (or back) is a credential change.
 */
export function diffConfigs(from: Json, to: Json, sameSecret: ReadonlySet<string> = new Set()): DiffEntry[] {
  const a = leaves(from);
  const b = leaves(to);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  return keys.map((key): DiffEntry => {
    const l = a.get(key);
    const r = b.get(key);
    if (l?.ref || r?.ref) {
      let change: Change;
      if (!l) change = 'added';
      else if (!r) change = 'removed';
      else if (l.ref && r.ref) {
        change = sameRef(l.ref, r.ref) || sameSecret.has(pairId(l.ref, r.ref)) ? 'unchanged' : 'changed';
      } else change = 'changed';
      return { key, kind: 'credential', change };
    }
    if (!l) return { key, kind: 'config', change: 'added', to: r!.value };
    if (!r) return { key, kind: 'config', change: 'removed', from: l.value };
    return equalJson(l.value, r.value)
      ? { key, kind: 'config', change: 'unchanged' }
      : { key, kind: 'config', change: 'changed', from: l.value, to: r.value };
  });
}

export function summarise(entries: DiffEntry[]): DiffSummary {
  const s: DiffSummary = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const e of entries) s[e.change]++;
  return s;
}
