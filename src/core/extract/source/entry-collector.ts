import type { RawEntry } from '../types.js';

/**
 * Collects a file's hardcoded entries by the source offset of their literal, so that when several
 * rules hit one literal their hints merge into one entry instead of duplicating it.
 */
export interface EntryCollector {
  has(offset: number): boolean;
  /**
   * A new entry, or only the new hints when the literal at `offset` already has one.
   * `assignedTo`: what the literal's expression is assigned to (RawEntry.assignedTo).
   */
  add(
    offset: number,
    name: string,
    value: string,
    hints: readonly string[],
    assignedTo?: string | null,
  ): void;
  /** In source order (a scanner may find literals out of order, e.g. computed keys). */
  entries(): RawEntry[];
}

export function entryCollector(file: string, lineOf: (offset: number) => number): EntryCollector {
  const byOffset = new Map<number, RawEntry>();
  return {
    has: (offset) => byOffset.has(offset),
    add(offset, name, value, hints, assignedTo) {
      const existing = byOffset.get(offset);
      if (existing) {
        for (const h of hints) if (!existing.hints!.includes(h)) existing.hints!.push(h);
        if (assignedTo && existing.assignedTo === undefined && assignedTo !== existing.name)
          existing.assignedTo = assignedTo;
        return;
      }
      byOffset.set(offset, {
        name,
        kind: 'hardcoded',
        source: { file, line: lineOf(offset) },
        value,
        hints: [...hints],
        ...(assignedTo && assignedTo !== name ? { assignedTo } : {}),
      });
    },
    entries: () => [...byOffset.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e),
  };
}
