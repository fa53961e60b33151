/** What the engine's parts share while applying rules to one service: results, problems, where. */
import type { Fingerprinter } from '../crypto/fingerprint.js';
import type { MappedValue, PlanInput, RuleProblem } from './model.js';
import type { Rule, RuleMapping } from './rule-model.js';

/** Where a mapped value's rule line is, for problems that concern it (conflicts). */
export interface Origin {
  file: string;
  line: number;
}

export interface RuleContext {
  fingerprint: Fingerprinter;
  mapped: MappedValue[];
  problems: RuleProblem[];
  origins: Map<MappedValue, Origin>;
}

export const describeSource = (input: Pick<PlanInput, 'source'>): string =>
  `${input.source.file}:${input.source.line}`;

/**
 * A setting's value may be quoted in a message (it will be in the plan anyway); a credential's
 * never is — not even when a rule maps it as a setting, since the rule may be the mistake.
 */
export function quoted(input: PlanInput, value: string): string {
  if (input.classification === 'credential') return '';
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return `: ${JSON.stringify(shown)}`;
}

export function problem(
  ctx: RuleContext,
  severity: RuleProblem['severity'],
  rule: Rule,
  /** The mapping (or ignore item) concerned: its line is the problem's line. */
  mapping: Pick<RuleMapping, 'line'> | undefined,
  input: PlanInput | undefined,
  text: string,
): void {
  const line = mapping?.line ?? 1;
  const about = input ? ` ${input.name} (${describeSource(input)}):` : '';
  ctx.problems.push({
    message: `${rule.file}:${line}: rule ${rule.name}:${about} ${text}`,
    severity,
    rule: rule.name,
    ...(input ? { input: input.name } : {}),
    file: rule.file,
    line,
  });
}

export function record(ctx: RuleContext, value: MappedValue, origin: Origin): void {
  ctx.mapped.push(value);
  ctx.origins.set(value, origin);
}
