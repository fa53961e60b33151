/**
 * A line-based unified diff (the `diff -u` / `git diff` format), small enough to own: the
 * common prefix and suffix are trimmed first, so the longest-common-subsequence table covers
 * only the changed middle of a file (a few lines for a compose rewrite).
 */

/** One line of an alignment: kept (in both), removed (only in a) or added (only in b). */
export type Op =
  { kind: 'keep'; a: number; b: number } | { kind: 'del'; a: number } | { kind: 'add'; b: number };

/** Above this many cells the middle is aligned line by line without a table (still a valid diff). */
const MAX_CELLS = 4_000_000;

/** Splits text into lines without their terminators; a final newline ends the last line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** A shortest edit script from a to b, as keep/del/add operations in order. */
export function align(a: readonly string[], b: readonly string[]): Op[] {
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const ops: Op[] = [];
  for (let i = 0; i < pre; i++) ops.push({ kind: 'keep', a: i, b: i });
  const n = a.length - pre - suf;
  const m = b.length - pre - suf;
  if (n * m > MAX_CELLS) {
    for (let i = 0; i < n; i++) ops.push({ kind: 'del', a: pre + i });
    for (let j = 0; j < m; j++) ops.push({ kind: 'add', b: pre + j });
  } else {
    // lcs[i][j]: length of the LCS of a[pre+i..] and b[pre+j..], in one flat array.
    const w = m + 1;
    const lcs = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i * w + j] =
          a[pre + i] === b[pre + j]
            ? lcs[(i + 1) * w + j + 1]! + 1
            : Math.max(lcs[(i + 1) * w + j]!, lcs[i * w + j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && a[pre + i] === b[pre + j]) {
        ops.push({ kind: 'keep', a: pre + i++, b: pre + j++ });
      } else if (i < n && (j === m || lcs[(i + 1) * w + j]! >= lcs[i * w + j + 1]!)) {
        // Removals before additions within a change, as diff -u prints them.
        ops.push({ kind: 'del', a: pre + i++ });
      } else {
        ops.push({ kind: 'add', b: pre + j++ });
      }
    }
  }
  for (let k = 0; k < suf; k++) ops.push({ kind: 'keep', a: a.length - suf + k, b: b.length - suf + k });
  return ops;
}

export interface DiffOptions {
  fromFile: string;
  toFile: string;
  /** Unchanged lines shown around each change (default 3). */
  context?: number;
}

const range = (start: number, count: number): string =>
  count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`;

/** The unified diff of two texts; '' when they are equal. */
export function unifiedDiff(before: string, after: string, opts: DiffOptions): string {
  if (before === after) return '';
  const a = splitLines(before);
  const b = splitLines(after);
  const ops = align(a, b);
  const context = opts.context ?? 3;
  const out = [`--- ${opts.fromFile}`, `+++ ${opts.toFile}`];
  const changed = ops.map((o, k) => (o.kind === 'keep' ? -1 : k)).filter((k) => k >= 0);
  let k = 0;
  while (k < changed.length) {
    // A hunk: changes closer than 2*context lines apart share one.
    const first = changed[k]!;
    let last = first;
    while (k + 1 < changed.length && changed[k + 1]! - last <= 2 * context + 1) last = changed[++k]!;
    k++;
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const startA = firstLine(ops, from, 'a');
    const startB = firstLine(ops, from, 'b');
    const countA = slice.filter((o) => o.kind !== 'add').length;
    const countB = slice.filter((o) => o.kind !== 'del').length;
    out.push(`@@ -${range(startA, countA)} +${range(startB, countB)} @@`);
    for (const o of slice) {
      if (o.kind === 'keep') out.push(` ${a[o.a]!}`);
      else if (o.kind === 'del') out.push(`-${a[o.a]!}`);
      else out.push(`+${b[o.b]!}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** The 1-based line in a (or b) where the hunk starting at ops[from] begins. */
function firstLine(ops: readonly Op[], from: number, side: 'a' | 'b'): number {
  let line = 0;
  for (let k = 0; k < from; k++) {
    const o = ops[k]!;
    if (side === 'a' ? o.kind !== 'add' : o.kind !== 'del') line++;
  }
  return line + 1;
}
