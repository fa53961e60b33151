/**
 * Converting a setting's text to the type a rule names. Returns a reason instead of throwing:
 * the engine turns it into a RuleProblem on the entry, and only it decides whether the value
 * may be quoted (a credential's never is). Reasons here never contain the value.
 */
import type { Json } from '../store/canonical.js';
import { durationMs } from './duration.js';
import type { ValueType } from './rule-model.js';

export type Converted = { ok: true; value: Json } | { ok: false; reason: string };

const TRUE = new Set(['true', 'yes', 'on', '1']);
const FALSE = new Set(['false', 'no', 'off', '0']);

export function convertValue(type: ValueType, text: string): Converted {
  switch (type) {
    case 'string':
      return { ok: true, value: text };
    case 'integer':
      return integer(text);
    case 'number':
      return number(text);
    case 'boolean':
      return boolean(text);
    case 'json':
      return json(text);
    case 'list':
      return list(text);
    case 'duration':
      return duration(text);
    case 'url':
      return url(text);
  }
}

function integer(text: string): Converted {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return { ok: false, reason: 'not an integer' };
  const n = Number(t);
  if (!Number.isSafeInteger(n)) return { ok: false, reason: 'an integer too large to hold exactly' };
  return { ok: true, value: n };
}

function number(text: string): Converted {
  const t = text.trim();
  // Number() alone would accept '', '0x1f', 'Infinity' and ' ': a config value means none of those.
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return { ok: false, reason: 'not a number' };
  const n = Number(t);
  if (!Number.isFinite(n)) return { ok: false, reason: 'a number out of range' };
  return { ok: true, value: n };
}

function boolean(text: string): Converted {
  const t = text.trim().toLowerCase();
  if (TRUE.has(t)) return { ok: true, value: true };
  if (FALSE.has(t)) return { ok: true, value: false };
  return { ok: false, reason: 'not a boolean (true/false, yes/no, on/off, 1/0)' };
}

function json(text: string): Converted {
  try {
    return { ok: true, value: JSON.parse(text) as Json };
  } catch {
    // The parser's message quotes the text; it is not forwarded.
    return { ok: false, reason: 'not valid JSON' };
  }
}

/**
 * Comma separated, each item trimmed, empty items dropped. A JSON array of scalars (how
 * extraction writes a YAML/JSON list of scalars) is taken as the list it is.
 */
function list(text: string): Converted {
  const t = text.trim();
  if (t.startsWith('[')) {
    const parsed = json(t);
    if (parsed.ok && Array.isArray(parsed.value) && parsed.value.every((v) => typeof v !== 'object')) {
      return parsed;
    }
  }
  return {
    ok: true,
    value: t
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
}

function duration(text: string): Converted {
  const ms = durationMs(text);
  if (ms === null)
    return { ok: false, reason: 'not a duration (250ms, 30s, 5m, 1h30m, 1d, or milliseconds)' };
  if (!Number.isSafeInteger(Math.round(ms))) return { ok: false, reason: 'a duration out of range' };
  return { ok: true, value: Math.round(ms) };
}

function url(text: string): Converted {
  const t = text.trim();
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s]+$/.test(t) || !URL.canParse(t)) {
    return { ok: false, reason: 'not a URL (scheme://host…)' };
  }
  return { ok: true, value: t };
}
