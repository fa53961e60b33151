/** The human view of `cfgmig diff`: one line per key that differs, credentials as changed/unchanged only. */
import type { ChalkInstance } from 'chalk';
import type { Json } from '../core/store/canonical.js';
import type { DiffEntry, DiffSummary } from '../core/store/diff.js';
import { clip, printable } from './table.js';

const show = (v: Json | undefined): string => clip(JSON.stringify(v) ?? 'null', 60);

export function diffView(
  title: string,
  entries: DiffEntry[],
  summary: DiffSummary,
  paint: ChalkInstance,
): string {
  const shown = entries.filter((e) => e.change !== 'unchanged' || e.kind === 'credential');
  const width = Math.min(48, Math.max(0, ...shown.map((e) => printable(e.key).length)));
  const lines = [paint.bold(title)];
  for (const e of shown) {
    const key = clip(e.key, 48).padEnd(width);
    if (e.kind === 'credential') {
      const mark = { added: '+', removed: '-', changed: '~', unchanged: '=' }[e.change];
      const colour = { added: paint.green, removed: paint.red, changed: paint.yellow, unchanged: paint.dim }[
        e.change
      ];
      lines.push(colour(`  ${mark} ${key}  credential ${e.change}`));
    } else if (e.change === 'added') lines.push(paint.green(`  + ${key}  ${show(e.to)}`));
    else if (e.change === 'removed') lines.push(paint.red(`  - ${key}  (was ${show(e.from)})`));
    else lines.push(paint.yellow(`  ~ ${key}  ${show(e.from)} → ${show(e.to)}`));
  }
  if (shown.length === 0) lines.push('  no differences');
  lines.push(
    `${summary.added} added, ${summary.removed} removed, ${summary.changed} changed, ${summary.unchanged} unchanged`,
  );
  return `${lines.join('\n')}\n`;
}
