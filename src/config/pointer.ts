import { isMap, isScalar, type Document, type LineCounter, type Node } from 'yaml';

/** The line of the YAML node a JSON pointer (from an ajv error) names; a key's own line when given. */
export function lineOfPointer(doc: Document, lc: LineCounter, pointer: string, key?: string): number {
  const path = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const node = (path.length === 0 ? doc.contents : doc.getIn(path, true)) as Node | null;
  if (key !== undefined && isMap(node)) {
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    const offset = (pair?.key as Node | undefined)?.range?.[0];
    if (offset !== undefined) return lc.linePos(offset).line;
  }
  const offset = node?.range?.[0];
  return offset === undefined ? 1 : lc.linePos(offset).line;
}
