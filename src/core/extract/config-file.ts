/**
 * YAML and JSON configuration files flattened to dotted paths (`database.pool.max`), each
 * leaf with the line it is written on. A list of scalars stays one entry (it is one setting);
 * a list that holds objects is flattened with indices (`brokers.0.host`).
 */
import { parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { lineLocator } from '../text/lines.js';
import { firstYamlError } from '../yaml/errors.js';
import { lineOf, mapPairs, resolveNode } from '../yaml/walk.js';
import type { ParseResult, RawEntry } from './types.js';

export function flattenConfigFile(file: string, text: string): ParseResult {
  return /\.json$/i.test(file) ? flattenJson(file, text) : flattenYaml(file, text);
}

function entry(file: string, name: string, line: number, value: string | null): RawEntry {
  return { name, kind: 'config-file', source: { file, line }, value };
}

function join(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}.${key}`;
}

function flattenYaml(file: string, text: string): ParseResult {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, merge: true, prettyErrors: false });
  const error = firstYamlError(doc, lc);
  if (error) return { entries: [], problems: [{ file, ...error, severity: 'error' }] };
  const entries: RawEntry[] = [];
  const visit = (node: Node | null, path: string, line: number, depth: number): void => {
    if (depth > 64) return; // anchors can build cycles; nothing real nests this deep
    if (isMap(node)) {
      const pairs = mapPairs(doc as Document, node);
      if (pairs.length === 0 && path !== '') entries.push(entry(file, path, line, '{}'));
      for (const p of pairs) visit(p.value, join(path, p.key), lineOf(p.keyNode, lc), depth + 1);
    } else if (isSeq(node)) {
      const items = node.items.map((i) => resolveNode(doc as Document, i));
      if (items.every((i) => i == null || isScalar(i))) {
        entries.push(
          entry(file, path, line, JSON.stringify(items.map((i) => (isScalar(i) ? i.value : null)))),
        );
      } else items.forEach((item, idx) => visit(item, join(path, idx), lineOf(item, lc), depth + 1));
    } else if (path !== '') {
      const v = isScalar(node) ? node.value : null;
      entries.push(entry(file, path, line, v == null ? null : typeof v === 'string' ? v : String(v)));
    }
  };
  visit(resolveNode(doc as Document, doc.contents), '', 1, 0);
  return { entries, problems: [] };
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
      if (props.length === 0 && path !== '') entries.push(entry(file, path, line, '{}'));
      for (const prop of props) {
        const [k, v] = prop.children ?? [];
        if (k && v) visit(v, join(path, String(k.value)), lineAt(prop.offset));
      }
    } else if (node.type === 'array') {
      const items = node.children ?? [];
      if (items.every((i) => i.type !== 'object' && i.type !== 'array')) {
        entries.push(entry(file, path, line, JSON.stringify(items.map((i) => i.value))));
      } else items.forEach((item, idx) => visit(item, join(path, idx), lineAt(item.offset)));
    } else if (path !== '') {
      entries.push(entry(file, path, line, node.value === null ? null : String(node.value)));
    }
  };
  visit(root, '', 1);
  return { entries, problems: [] };
}
