/**
 * Turns an edited yaml Document back into text that differs from the original only where the
 * edit did. yaml keeps comments, order and scalar styles, but re-serialises a few things its
 * own way (spacing inside flow collections, some quoting, indentation of odd files). So the
 * original is rendered twice, unedited ("base") and edited; every line the edit did not touch
 * is a base line, and is replaced by the original line it came from: where yaml changed a line
 * in place (same number of lines in a changed run), the original line is put back.
 */
import type { Document } from 'yaml';
import { align, splitLines } from './diff.js';

const OPTIONS = { lineWidth: 0, flowCollectionPadding: false } as const;

export function renderYaml(doc: Document): string {
  return doc.toString(OPTIONS);
}

/** `edited` (yaml's rendering of the edited document) with the untouched lines of `original`. */
export function preserveFormatting(original: string, base: string, edited: string): string {
  if (base === edited) return original;
  const o = splitLines(original);
  const b = splitLines(base);
  const e = splitLines(edited);
  // base line → original line: equal lines, and changed runs of equal length position by position.
  const fromOriginal = new Map<number, number>();
  let dels: number[] = [];
  let adds: number[] = [];
  const flush = () => {
    if (dels.length === adds.length) adds.forEach((bi, k) => fromOriginal.set(bi, dels[k]!));
    dels = [];
    adds = [];
  };
  for (const op of align(o, b)) {
    if (op.kind === 'keep') {
      flush();
      fromOriginal.set(op.b, op.a);
    } else if (op.kind === 'del') dels.push(op.a);
    else adds.push(op.b);
  }
  flush();
  const out: string[] = [];
  for (const op of align(b, e)) {
    if (op.kind === 'keep') {
      const at = fromOriginal.get(op.a);
      out.push(at === undefined ? b[op.a]! : o[at]!);
    } else if (op.kind === 'add') out.push(e[op.b]!);
  }
  const newline = original === '' || original.endsWith('\n') ? '\n' : '';
  return out.length === 0 ? '' : `${out.join('\n')}${newline}`;
}
