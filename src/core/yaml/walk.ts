/**
 * Walking a parsed YAML document the way its consumers see it: aliases resolved and
 * `<<` merge keys expanded, while every value keeps the source position it was written at
 * (a key merged from an anchor points at the anchor, where a human would edit it).
 *
 * Hostile input is small text that expands enormously (billion laughs, merge bombs) or that
 * makes naive algorithms quadratic (many anchors, huge maps). So: aliases resolve through an
 * index built once per document, merged maps are computed once per map node, the whole walk of
 * a document shares one budget, and nothing here recurses on the document's shape.
 */
import {
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  YAMLParseError,
  type Alias,
  type Document,
  type Node,
  type Pair,
  type YAMLError,
  type YAMLMap,
} from 'yaml';

export interface ResolvedPair {
  key: string;
  keyNode: Node;
  value: Node | null;
}

/** A problem found while walking, for the consumer to report against its file. */
export interface WalkProblem {
  line: number;
  message: string;
  severity: 'warning';
}

/**
 * How much work one document may cost, in values: every pair `mapPairs` hands out or merges and
 * whatever a consumer charges through `chargeWalk`. Real configuration stays far below it; an
 * alias or merge bomb hits it after a fraction of a second.
 */
export const WALK_BUDGET = 1_000_000;

interface WalkState {
  /** Each alias's target: the last node with its anchor before it in document order. */
  targets: Map<Alias, Node | undefined>;
  hasAliases: boolean;
  /** `mapPairs` results per map node; merging a map gives the same pairs every time. */
  merged: Map<YAMLMap, ResolvedPair[]>;
  used: number;
  /** Where the budget ran out (undefined while it has not). */
  stoppedAt: Node | null | undefined;
  /** The first `<<` that merges a map containing it (ignored). */
  mergeCycleAt: Node | null | undefined;
}

const states = new WeakMap<Document, WalkState>();

function childrenOf(node: unknown): unknown[] {
  if (isMap(node) || isSeq(node)) {
    const out: unknown[] = [];
    for (const item of node.items as unknown[]) {
      if (isPair(item)) out.push(item.key, item.value);
      else out.push(item);
    }
    return out;
  }
  if (isPair(node)) return [node.key, node.value];
  return [];
}

/**
 * Every node of the document in document order (the order yaml's `visit` uses: a collection
 * before its items, a key before its value), without recursion: nesting depth is the input's.
 */
function forEachNode(doc: Document, fn: (node: unknown) => void): void {
  const stack: unknown[] = [doc.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node == null) continue;
    fn(node);
    const children = childrenOf(node);
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/**
 * The walk state of a document, built on first use in one pass: an alias stands for the last
 * node with its anchor before it, as YAML says. (yaml's own Alias.resolve walks the whole
 * document on every call, and scanning all anchors per alias was quadratic too.)
 */
function stateOf(doc: Document): WalkState {
  let state = states.get(doc);
  if (state) return state;
  const targets = new Map<Alias, Node | undefined>();
  const last = new Map<string, Node>();
  forEachNode(doc, (node) => {
    if (isAlias(node)) targets.set(node, last.get(node.source));
    else {
      const anchor = (node as { anchor?: unknown }).anchor;
      if (typeof anchor === 'string' && anchor !== '') last.set(anchor, node as Node);
    }
  });
  state = {
    targets,
    hasAliases: targets.size > 0,
    merged: new Map(),
    used: 0,
    stoppedAt: undefined,
    mergeCycleAt: undefined,
  };
  states.set(doc, state);
  return state;
}

/**
 * Charges `units` of work to the document's budget. False once the budget is spent: the caller
 * stops reading (what it read so far stays), and `walkProblems` reports where, once.
 */
export function chargeWalk(doc: Document, units: number, at: Node | null): boolean {
  const state = stateOf(doc);
  return charge(state, units, at);
}

function charge(state: WalkState, units: number, at: Node | null | undefined): boolean {
  if (state.stoppedAt !== undefined) return false;
  state.used += units;
  if (state.used <= WALK_BUDGET) return true;
  state.stoppedAt = at ?? null;
  return false;
}

/** Whether the document's walk budget ran out (the walk then returns nothing more). */
export function walkBudgetExceeded(doc: Document): boolean {
  return states.get(doc)?.stoppedAt !== undefined;
}

function offsetLine(node: Node | null | undefined, lc: LineCounter): number {
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : lc.linePos(offset).line;
}

/**
 * What walking the document ran into, each at most once: the budget running out, a `<<` merging
 * a map that contains it. Messages never hold source text.
 */
export function walkProblems(doc: Document, lc: LineCounter): WalkProblem[] {
  const state = states.get(doc);
  if (!state) return [];
  const problems: WalkProblem[] = [];
  if (state.mergeCycleAt !== undefined) {
    problems.push({
      line: offsetLine(state.mergeCycleAt, lc),
      message: 'a "<<" merge key refers to a map that contains it; that merge is ignored',
      severity: 'warning',
    });
  }
  if (state.stoppedAt !== undefined) {
    const limit = WALK_BUDGET.toLocaleString('en-US');
    problems.push({
      line: offsetLine(state.stoppedAt, lc),
      message: state.hasAliases
        ? `YAML expands to more than ${limit} values through aliases or merge keys; not read further`
        : `YAML holds more than ${limit} values; not read further`,
      severity: 'warning',
    });
  }
  return problems;
}

export function resolveNode(doc: Document, node: unknown, depth = 0): Node | null {
  if (node == null) return null;
  // An alias's target is never an alias (an alias cannot carry an anchor); the depth guard stays for safety.
  if (isAlias(node)) return depth > 32 ? null : resolveNode(doc, stateOf(doc).targets.get(node), depth + 1);
  return node as Node;
}

function isMergeKey(key: unknown): boolean {
  return isScalar(key) && (key.value === '<<' || typeof key.value === 'symbol');
}

function scalarKey(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

interface MergeSource {
  map: YAMLMap;
  /** The alias (or inline map) written in the `<<` value, for reporting. */
  at: Node;
}

function mergeSources(doc: Document, node: YAMLMap): MergeSource[] {
  const sources: MergeSource[] = [];
  for (const pair of node.items as Pair[]) {
    if (!isMergeKey(pair.key)) continue;
    const target = resolveNode(doc, pair.value);
    const written = isSeq(target) ? target.items : [pair.value];
    for (const item of written) {
      const map = resolveNode(doc, item);
      if (isMap(map)) sources.push({ map, at: (item ?? pair.key) as Node });
    }
  }
  return sources;
}

/**
 * The merged pairs of `root` and every map it merges from, each computed once, bottom-up with an
 * explicit stack (a chain of ten thousand `<<` must not overflow the call stack). A map reached
 * again while it is being merged is a cycle: it contributes nothing there.
 */
function mergedPairs(doc: Document, state: WalkState, root: YAMLMap): ResolvedPair[] | null {
  const known = state.merged.get(root);
  if (known) return known;
  interface Frame {
    node: YAMLMap;
    sources: MergeSource[];
    next: number;
  }
  const open = new Set<YAMLMap>([root]);
  const stack: Frame[] = [{ node: root, sources: mergeSources(doc, root), next: 0 }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1]!;
    let pending: YAMLMap | null = null;
    while (frame.next < frame.sources.length && pending === null) {
      const source = frame.sources[frame.next]!;
      if (state.merged.has(source.map)) frame.next++;
      else if (open.has(source.map)) {
        state.mergeCycleAt ??= source.at;
        frame.next++;
      } else pending = source.map;
    }
    if (pending !== null) {
      open.add(pending);
      stack.push({ node: pending, sources: mergeSources(doc, pending), next: 0 });
      continue;
    }
    const result = new Map<string, ResolvedPair>();
    let work = 0;
    for (const pair of frame.node.items as Pair[]) {
      if (isMergeKey(pair.key)) continue;
      work++;
      const key = scalarKey(pair.key);
      result.set(key, { key, keyNode: pair.key as Node, value: resolveNode(doc, pair.value) });
    }
    // Explicit keys win; among merged maps the earlier one wins (YAML 1.1 merge spec).
    for (const source of frame.sources) {
      const pairs = open.has(source.map) ? undefined : state.merged.get(source.map);
      if (!pairs) continue;
      work += pairs.length;
      for (const p of pairs) if (!result.has(p.key)) result.set(p.key, p);
    }
    if (!charge(state, work, frame.node)) return null;
    state.merged.set(frame.node, [...result.values()]);
    open.delete(frame.node);
    stack.pop();
  }
  return state.merged.get(root) ?? null;
}

/**
 * The pairs of a map after YAML merge-key semantics: explicit keys win over merged ones,
 * and among merged maps the earlier one wins (YAML 1.1 merge spec). Every call charges the
 * pairs it returns to the document's budget; once that is spent, maps read as empty.
 */
export function mapPairs(doc: Document, node: Node | null): ResolvedPair[] {
  if (!isMap(node)) return [];
  const state = stateOf(doc);
  if (state.stoppedAt !== undefined) return [];
  const pairs = mergedPairs(doc, state, node);
  if (pairs === null || !charge(state, pairs.length, node)) return [];
  return pairs.slice();
}

/**
 * A YAML document parsed for walking. yaml's duplicate-key check compares each key with every
 * earlier key of its map, which made a 40,000-key map take seconds; it is turned off and done
 * here in one pass, reported with the library's code and message at the same place.
 */
export function parseYaml(text: string): { doc: Document; lc: LineCounter } {
  const lc = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lc,
    merge: true,
    prettyErrors: false,
    uniqueKeys: false,
  }) as Document;
  const duplicates: YAMLParseError[] = [];
  forEachNode(doc, (node) => {
    if (!isMap(node)) return;
    const seen = new Set<unknown>();
    for (const pair of node.items as Pair[]) {
      // yaml compares scalar values with ===: distinct merge-key symbols and NaN never match.
      if (!isScalar(pair.key) || Number.isNaN(pair.key.value)) continue;
      const value = pair.key.value;
      if (!seen.has(value)) seen.add(value);
      else {
        const at = pair.key.range?.[0] ?? node.range?.[0] ?? 0;
        duplicates.push(new YAMLParseError([at, at + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
      }
    }
  });
  if (duplicates.length > 0) {
    // Merged into the library's errors by position, so the first error is still the first in the file.
    duplicates.sort((a, b) => a.pos[0] - b.pos[0]);
    const merged: YAMLError[] = [];
    let d = 0;
    for (const err of doc.errors) {
      while (d < duplicates.length && duplicates[d]!.pos[0] < err.pos[0]) merged.push(duplicates[d++]!);
      merged.push(err);
    }
    while (d < duplicates.length) merged.push(duplicates[d++]!);
    doc.errors = merged;
  }
  return { doc, lc };
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
