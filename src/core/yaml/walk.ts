/**
 * Walking a parsed YAML document the way its consumers see it: aliases resolved and
 * `<<` merge keys expanded, while every value keeps the source position it was written at
 * (a key merged from an anchor points at the anchor, where a human would edit it).
 */
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  visit,
  type Alias,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
} from 'yaml';

export interface ResolvedPair {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** Anchors and aliases in document order, collected once per document. */
const anchorOrder = new WeakMap<Document, Node[]>();

/**
 * The node an alias stands for: the last node with its anchor before it, as YAML says. yaml's
 * own Alias.resolve walks the whole document on every call, which made a 200-service compose
 * file with `<<: *defaults` in each service quadratic; this walks it once.
 */
function aliasTarget(doc: Document, alias: Alias): Node | undefined {
  let nodes = anchorOrder.get(doc);
  if (!nodes) {
    const found: Node[] = [];
    visit(doc, {
      Node: (_key, node) => {
        if (isAlias(node) || (node as { anchor?: string }).anchor) found.push(node as Node);
      },
    });
    anchorOrder.set(doc, (nodes = found));
  }
  let target: Node | undefined;
  for (const node of nodes) {
    if (node === alias) break;
    if (!isAlias(node) && (node as { anchor?: string }).anchor === alias.source) target = node;
  }
  return target;
}

export function resolveNode(doc: Document, node: unknown, depth = 0): Node | null {
  if (node == null) return null;
  // Alias chains longer than this are a loop or an attack; treat as nothing rather than recursing forever.
  if (isAlias(node)) return depth > 32 ? null : resolveNode(doc, aliasTarget(doc, node), depth + 1);
  return node as Node;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol');
}

function scalarKey(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

/**
 * The pairs of a map after YAML merge-key semantics: explicit keys win over merged ones,
 * and among merged maps the earlier one wins (YAML 1.1 merge spec).
 */
export function mapPairs(doc: Document, node: Node | null, seen: Set<Node> = new Set()): ResolvedPair[] {
  if (!isMap(node) || seen.has(node)) return [];
  seen.add(node);
  const explicit: ResolvedPair[] = [];
  const merged: ResolvedPair[] = [];
  for (const pair of node.items as Pair[]) {
    if (isMergeKey(pair.key)) {
      const target = resolveNode(doc, pair.value);
      const sources = isSeq(target) ? target.items.map((i) => resolveNode(doc, i)) : [target];
      for (const source of sources) merged.push(...mapPairs(doc, source, seen));
      continue;
    }
    explicit.push({
      key: scalarKey(pair.key),
      keyNode: pair.key as Node,
      value: resolveNode(doc, pair.value),
    });
  }
  seen.delete(node);
  const result = new Map<string, ResolvedPair>();
  for (const p of explicit) result.set(p.key, p);
  for (const p of merged) if (!result.has(p.key)) result.set(p.key, p);
  return [...result.values()];
}

export function lineOf(
  node: { range?: [number, number, number] | null } | null | undefined,
  lc: LineCounter,
): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : lc.linePos(offset).line;
}

/** A YAML scalar as the string a program would receive (null stays null). */
export function scalarString(node: Node | null): string | null {
  if (node == null || !isScalar(node)) return null;
  const v = node.value;
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : String(v);
}
