/**
 * What one mapping makes of one input: a setting (converted to its type), a credential (as a
 * fingerprint), or, with `split: url`, a connection URL's parts.
 *
 * The input's classification decides by default: a credential stays a credential, a setting a
 * setting, and a credential reference (`${vault:…}`) is a setting that holds the reference
 * text — cfgmig never sees the secret behind it, and the service resolves it as before.
 */
import type { Json } from '../store/canonical.js';
import { splitConnectionUrl } from './connection-string.js';
import { convertValue } from './convert.js';
import type { MappedValue, PlanInput } from './model.js';
import { problem, quoted, record, type RuleContext } from './rule-context.js';
import type { Rule, RuleMapping, UrlPart } from './rule-model.js';
import { renderTarget } from './target-template.js';

export interface Claim {
  rule: Rule;
  mapping: RuleMapping;
  /** Named groups of the `match`, plus the built-ins. */
  values: Record<string, string | undefined>;
}

export function produce(ctx: RuleContext, input: PlanInput, claim: Claim): void {
  const { rule, mapping } = claim;
  if (mapping.to !== undefined) {
    const target = render(ctx, input, claim, mapping.to);
    if (target !== null) produceWhole(ctx, input, claim, target);
  }
  if (mapping.split === 'url') produceParts(ctx, input, claim);
  else if (mapping.to === undefined) problem(ctx, 'error', rule, mapping, input, 'the mapping has no `to`');
}

function render(ctx: RuleContext, input: PlanInput, claim: Claim, template: string): string | null {
  const r = renderTarget(template, claim.values);
  if (r.ok) return r.target;
  problem(ctx, 'error', claim.rule, claim.mapping, input, `cannot build the target ${template}: ${r.reason}`);
  return null;
}

function base(input: PlanInput, claim: Claim, target: string): Omit<MappedValue, 'as'> {
  return { target, input: input.name, source: input.source, rule: claim.rule.name };
}

function produceWhole(ctx: RuleContext, input: PlanInput, claim: Claim, target: string): void {
  const { rule, mapping } = claim;
  const origin = { file: rule.file, line: mapping.line };
  if (input.classification === 'credential-reference') {
    // Never converted: `${vault:…}` is not an integer, whatever the type says; it stays the reference.
    record(ctx, { ...base(input, claim, target), as: 'setting', value: input.value }, origin);
    return;
  }
  const as = mapping.as ?? (input.classification === 'credential' ? 'credential' : 'setting');
  if (as === 'credential') {
    const fingerprint = input.value === null ? null : ctx.fingerprint(input.value);
    record(ctx, { ...base(input, claim, target), as, fingerprint }, origin);
    return;
  }
  if (input.classification === 'credential' && mapping.from === undefined) {
    // Declassifying puts the value in plan files; it must name the one variable it means.
    problem(
      ctx,
      'error',
      rule,
      mapping,
      input,
      'is a credential; a `match` mapping cannot make it a setting (name it with `from` to declassify it)',
    );
    return;
  }
  if (input.value === null) {
    const defaulted = mapping.default !== undefined;
    const value: Json = defaulted ? mapping.default! : null;
    record(ctx, { ...base(input, claim, target), as, value, ...(defaulted ? { defaulted } : {}) }, origin);
    return;
  }
  if (mapping.type === undefined && input.json !== undefined) {
    // No type asked for: the value as the config file typed it (a number stays a number).
    record(ctx, { ...base(input, claim, target), as, value: input.json }, origin);
    return;
  }
  const type = mapping.type ?? 'string';
  const converted = convertValue(type, input.value);
  if (!converted.ok) {
    problem(ctx, 'error', rule, mapping, input, `${converted.reason}${quoted(input, input.value)}`);
    return;
  }
  const typed = mapping.type === undefined ? {} : { type };
  record(ctx, { ...base(input, claim, target), as, value: converted.value, ...typed }, origin);
}

function produceParts(ctx: RuleContext, input: PlanInput, claim: Claim): void {
  const { rule, mapping } = claim;
  if (input.value === null) return; // declared without a value: nothing to split, nothing to invent
  if (input.classification === 'credential-reference') {
    problem(
      ctx,
      'warning',
      rule,
      mapping,
      input,
      'is a secret-store reference; it cannot be split into parts',
    );
    return;
  }
  const split = splitConnectionUrl(input.value);
  if (!split.ok) {
    problem(ctx, 'error', rule, mapping, input, `${split.reason}${quoted(input, input.value)}`);
    return;
  }
  const origin = { file: rule.file, line: mapping.line };
  const parts = split.parts;
  for (const [part, template] of Object.entries(mapping.parts ?? {}) as [UrlPart, string][]) {
    const value = parts[part];
    if (value === undefined) continue;
    const target = render(ctx, input, claim, template);
    if (target === null) continue;
    if (part === 'password') {
      const fingerprint = ctx.fingerprint(value as string);
      record(ctx, { ...base(input, claim, target), as: 'credential', fingerprint, part }, origin);
    } else {
      record(ctx, { ...base(input, claim, target), as: 'setting', value: value as Json, part }, origin);
    }
  }
  if (mapping.parts?.options !== undefined && parts.droppedOptions.length > 0) {
    const n = parts.droppedOptions.length;
    problem(
      ctx,
      'warning',
      rule,
      mapping,
      input,
      `${n} query parameter${n === 1 ? '' : 's'} that look${n === 1 ? 's' : ''} secret left out of the options`,
    );
  }
}
