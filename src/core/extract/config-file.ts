/**
 * YAML and JSON configuration files flattened to dotted paths (`database.pool.max`), each
 * leaf with the line it is written on. A list of scalars stays one entry (it is one setting);
 * a list that holds objects is flattened with indices (`brokers.0.host`).
 */
import type { Json } from '../store/canonical.js';
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { lineLocator } from '../text/lines.js';
import { firstYamlError } from '../yaml/errors.js';
import {
  chargeWalk,
  lineOf,
  mapPairs,
  parseYaml,
  resolveNode,
  walkBudgetExceeded,
  walkProblems,
} from '../yaml/walk.js';
import type { ParseResult, Problem, RawEntry } from './types.js';

export function flattenConfigFile(file: string, text: string): ParseResult {
  return /\.json$/i.test(file) ? flattenJson(file, text) : flattenYaml(file, text);
}

/** `json`: the value as the file typed it, when that is not text (a number, a boolean, a list, {}). */
function entry(file: string, name: string, line: number, value: string | null, json?: Json): RawEntry {
  return {
    name,
    kind: 'config-file',
    source: { file, line },
    value,
    ...(json === undefined ? {} : { json }),
  };
}

function typed(v: unknown): Json | undefined {
  return typeof v === 'number' || typeof v === 'boolean' ? v : undefined;
}

function join(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

/** Nothing real nests deeper; deeper values are not read, and the file gets a warning saying so. */
const MAX_DEPTH = 64;

function flattenYaml(file: string, text: string): ParseResult {
  const { doc, lc } = parseYaml(text);
  const error = firstYamlError(doc, lc);
  if (error) return { entries: [], problems: [{ file, ...error, severity: 'error' }] };
  const entries: RawEntry[] = [];
  let tooDeepLine: number | null = null;
  let cycleLine: number | null = null;
  // The collections on the path to the current node: meeting one again is an alias cycle.
  const open = new Set<Node>();
  const add = (name: string, line: number, value: string | null, at: Node | null, json?: Json): void => {
    // An entry costs its text as well: aliases can repeat a long key or value any number of times.
    if (chargeWalk(doc, 1 + ((name.length + (value?.length ?? 0)) >> 6), at))
      entries.push(entry(file, name, line, value, json));
  };
  const visit = (node: Node | null, path: string, line: number, depth: number): void => {
    if (!chargeWalk(doc, 1, node)) return;
    if (depth > MAX_DEPTH) {
      tooDeepLine ??= line;
      return;
    }
    if (isMap(node) || isSeq(node)) {
      if (open.has(node)) {
        cycleLine ??= line;
        return;
      }
      open.add(node);
      if (isMap(node)) {
        const pairs = mapPairs(doc, node);
        if (pairs.length === 0 && path !== '' && !walkBudgetExceeded(doc)) add(path, line, '{}', node, {});
        for (const p of pairs) visit(p.value, join(path, p.key), lineOf(p.keyNode, lc), depth + 1);
      } else {
        const items = node.items.map((i) => resolveNode(doc, i));
        if (items.every((i) => i == null || isScalar(i))) {
          const list = items.map((i) => (isScalar(i) ? (i.value as Json) : null));
          add(path, line, JSON.stringify(list), node, list);
        } else items.forEach((item, idx) => visit(item, join(path, idx), lineOf(item, lc), depth + 1));
      }
      open.delete(node);
    } else if (path !== '') {
      const v = isScalar(node) ? node.value : null;
      add(path, line, v == null ? null : typeof v === 'string' ? v : String(v), node, typed(v));
    }
  };
  visit(resolveNode(doc, doc.contents), '', 1, 0);
  const problems: Problem[] = walkProblems(doc, lc).map((p) => ({ file, ...p }));
  if (cycleLine !== null) {
    const message = 'an alias refers to a collection that contains it; not followed';
    problems.push({ file, line: cycleLine, message, severity: 'warning' });
  }
  if (tooDeepLine !== null) {
    const message = `nested deeper than ${MAX_DEPTH} levels; the deeper values are not read`;
    problems.push({ file, line: tooDeepLine, message, severity: 'warning' });
  }
  return { entries, problems: problems.sort((a, b) => a.line - b.line) };
}

function flattenJson(file: string, text: string): ParseResult {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { disallowComments: true, allowTrailingComma: false });
  const lineAt = lineLocator(text);
  if (errors.length > 0 || !root) {
    const first = errors[0];
    const line = first ? lineAt(first.offset) : 1;
    const what = first ? printParseErrorCode(first.error) : 'empty document';
    return { entries: [], problems: [{ file, line, message: `invalid JSON: ${what}`, severity: 'error' }] };
  }
  const entries: RawEntry[] = [];
  const visit = (node: JsonNode, path: string, line: number): void => {
    if (node.type === 'object') {
      const props = node.children ?? [];
      if (props.length === 0 && path !== '') entries.push(entry(file, path, line, '{}', {}));
      for (const prop of props) {
        const [k, v] = prop.children ?? [];
        if (k && v) visit(v, join(path, String(k.value)), lineAt(prop.offset));
      }
    } else if (node.type === 'array') {
      const items = node.children ?? [];
      if (items.every((i) => i.type !== 'object' && i.type !== 'array')) {
        const list = items.map((i) => i.value as Json);
        entries.push(entry(file, path, line, JSON.stringify(list), list));
      } else items.forEach((item, idx) => visit(item, join(path, idx), lineAt(item.offset)));
    } else if (path !== '') {
      entries.push(
        entry(file, path, line, node.value === null ? null : String(node.value), typed(node.value)),
      );
    }
  };
  visit(root, '', 1);
  return { entries, problems: [] };
}
