/**
 * Durations as people write them in YAML: `250ms`, `30s`, `5m`, `1h30m`, `1d`; a bare number is
 * milliseconds. Used by the canary schedule and by the rules' `duration` type.
 */
import { badInput } from '../../errors.js';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds, or null when `text` is not a duration. */
export function durationMs(text: string): number | null {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t);
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) total += Number(m[1]) * UNIT_MS[m[2]!]!;
  return Number.isFinite(total) ? Math.round(total) : null;
}

export function parseDuration(text: string, where: string): number {
  const ms = durationMs(text);
  if (ms === null)
    throw badInput(`${where}: "${text}" is not a duration`, {
      hint: 'Write it like 250ms, 30s, 5m, 1h30m or 1d.',
    });
  return ms;
}
