/**
 * Compose text with every credential's value replaced by `********`, line for line (a
 * multi-line value keeps its line count), so a diff of two masked texts is the diff of the
 * real ones with the values hidden: `-      DB_PASSWORD: ********`. What is a credential is
 * the caller's decision (the extract classifier, the plan's credential keys).
 */
import { isPair, isScalar, isSeq, parseDocument, visit, type Node } from 'yaml';
import { listItemName } from './compose-edit.js';

export const MASK = '********';

export type IsCredential = (name: string, value: string) => boolean;

interface Span {
  /** Offset where the value starts; the value runs to `end`. */
  start: number;
  end: number;
}

/** Offsets of the values of credential entries: `KEY: value` pairs and `- KEY=value` items anywhere. */
function credentialSpans(text: string, isCredential: IsCredential): Span[] {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return [];
  const spans: Span[] = [];
  visit(doc, {
    Pair(_, pair) {
      if (!isPair(pair) || !isScalar(pair.key)) return;
      const value = pair.value as Node | null;
      if (!isScalar(value) || !value.range) return;
      if (value.value === null || value.value === '') return;
      if (isCredential(String(pair.key.value), String(value.value)))
        spans.push({ start: value.range[0], end: value.range[1] });
    },
    Seq(_, seq) {
      if (!isSeq(seq)) return;
      for (const item of seq.items) {
        if (!isScalar(item) || typeof item.value !== 'string' || !item.range) continue;
        const eq = item.value.indexOf('=');
        if (eq === -1) continue;
        const name = listItemName(item.value);
        if (!isCredential(name, item.value.slice(eq + 1))) continue;
        const at = text.indexOf('=', item.range[0]);
        if (at !== -1 && at < item.range[1]) {
          const quoted = item.type === 'QUOTE_DOUBLE' || item.type === 'QUOTE_SINGLE';
          spans.push({ start: at + 1, end: item.range[1] - (quoted ? 1 : 0) });
        }
      }
    },
  });
  return spans;
}

/** The text with each credential value masked; lines and everything else unchanged. */
export function maskCredentials(text: string, isCredential: IsCredential): string {
  const spans = credentialSpans(text, isCredential).sort((a, b) => b.start - a.start);
  let out = text;
  for (const { start, end } of spans) {
    const value = out.slice(start, end);
    const lines = value.split('\n');
    const masked = lines.map((line, i) => (i === 0 ? MASK : line.replace(/\S.*$/, MASK))).join('\n');
    out = out.slice(0, start) + masked + out.slice(end);
  }
  return out;
}
