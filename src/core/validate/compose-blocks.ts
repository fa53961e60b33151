/**
 * Which compose service a line of a compose file belongs to, so a plaintext credential found in
 * `docker-compose.yml` is reported under the service whose block holds it. Pure.
 */
import { isMap, isPair, isScalar, LineCounter, parseDocument } from 'yaml';

export interface ComposeBlock {
  name: string;
  /** 1-based, inclusive. */
  from: number;
  to: number;
}

export function composeBlocks(text: string): ComposeBlock[] {
  const lc = new LineCounter();
  let doc;
  try {
    doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  } catch {
    return [];
  }
  const services = doc.get('services', true);
  if (!isMap(services)) return [];
  const out: ComposeBlock[] = [];
  for (const item of services.items) {
    if (!isPair(item) || !isScalar(item.key) || !item.key.range) continue;
    const end = (item.value as { range?: [number, number, number] } | null)?.range?.[1] ?? item.key.range[1];
    out.push({
      name: String(item.key.value),
      from: lc.linePos(item.key.range[0]).line,
      to: lc.linePos(Math.max(end - 1, item.key.range[0])).line,
    });
  }
  return out;
}

export function blockAt(blocks: ComposeBlock[], line: number): string | null {
  return blocks.find((b) => line >= b.from && line <= b.to)?.name ?? null;
}
