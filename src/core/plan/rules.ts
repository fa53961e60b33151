/**
 * The rule engine (DESIGN.md "Rules"): one service's inputs, through the rules that apply to
 * it, to target keys. Pure: the rules come loaded (src/config/rules.ts), the fingerprint
 * function is handed in, and nothing here reads a file or prints.
 *
 * - Each rule that applies to the service offers its first mapping that matches an input; the
 *   input is mapped by every rule that offers one (mapped by two rules: a warning, as it
 *   usually means two rules overlap).
 * - An input no rule maps but one ignores is ignored; mapped wins over ignored (with a warning).
 * - A config-file entry no rule maps or ignores is already structured configuration: it goes to
 *   its own dotted path, as a setting (or credential, by classification), with rule `config-file`
 *   and its value as extracted (text; a rule with a `type` converts it).
 * - Anything else is unmapped — reported, never dropped.
 * - A `from` mapping with a `default` also fills its target when the service has no such input
 *   at all (`defaulted: true`); any real value for that target wins over a default.
 */
import picomatch from 'picomatch';
import type { Fingerprinter } from '../crypto/fingerprint.js';
import type { MappedValue, MappingResult, PlanInput, RuleProblem } from './model.js';
import { problem, record, type RuleContext } from './rule-context.js';
import { resolveTargets } from './rule-conflicts.js';
import type { Rule, RuleMapping } from './rule-model.js';
import { produce, type Claim } from './rule-produce.js';
import { renderTarget } from './target-template.js';

export const CONFIG_FILE_RULE = 'config-file';

export function appliesTo(rule: Rule, service: string): boolean {
  return rule.appliesTo.some((p) => p === '*' || p === service || picomatch.isMatch(service, p));
}

const regexCache = new Map<string, RegExp | null>();
function regex(pattern: string): RegExp | null {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern);
    } catch {
      re = null;
    }
    regexCache.set(pattern, re);
  }
  return re;
}

/** `services/x/config/postgres.yaml` → `postgres`. */
export function fileStem(file: string): string {
  const name = file.slice(file.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(0, dot) : name;
}

function claimOf(rule: Rule, mapping: RuleMapping, input: PlanInput): Claim | null {
  if (mapping.file !== undefined && !picomatch.isMatch(input.source.file, mapping.file, { dot: true })) {
    return null;
  }
  const builtIns = { name: input.name, file: fileStem(input.source.file) };
  if (mapping.from !== undefined)
    return mapping.from === input.name ? { rule, mapping, values: builtIns } : null;
  const m = mapping.match === undefined ? null : regex(mapping.match)?.exec(input.name);
  if (!m) return null;
  return { rule, mapping, values: { ...builtIns, ...m.groups } };
}

/** The first rule (and its ignore item's line) that ignores the input. */
function ignoredBy(rules: Rule[], input: PlanInput): { rule: Rule; line: number } | undefined {
  for (const rule of rules) {
    const item = rule.ignore.find((i) =>
      'name' in i ? i.name === input.name : regex(i.match)?.test(input.name),
    );
    if (item) return { rule, line: item.line };
  }
  return undefined;
}

export function applyRules(
  rules: Rule[],
  service: string,
  inputs: PlanInput[],
  fingerprint: Fingerprinter,
): MappingResult {
  const applicable = rules.filter((r) => appliesTo(r, service));
  const ctx: RuleContext = { fingerprint, mapped: [], problems: [], origins: new Map() };
  const ignored: MappingResult['ignored'] = [];
  const unmapped: PlanInput[] = [];

  for (const rule of applicable) {
    for (const mapping of rule.map) {
      if (mapping.match !== undefined && regex(mapping.match) === null) {
        problem(ctx, 'error', rule, mapping, undefined, 'its `match` is not a valid regular expression');
      }
    }
  }

  for (const input of inputs) {
    const claims: Claim[] = [];
    for (const rule of applicable) {
      for (const mapping of rule.map) {
        const claim = claimOf(rule, mapping, input);
        if (claim) {
          claims.push(claim);
          break; // within a rule, the first mapping that matches wins (a catch-all can come last)
        }
      }
    }
    const ignoring = ignoredBy(applicable, input);
    if (claims.length === 0) {
      if (ignoring) ignored.push({ input: input.name, rule: ignoring.rule.name });
      else if (input.kind !== 'config-file' || !mapConfigFileEntry(ctx, input)) unmapped.push(input);
      continue;
    }
    for (const claim of claims) produce(ctx, input, claim);
    const first = claims[0]!;
    if (ignoring) {
      problem(
        ctx,
        'warning',
        ignoring.rule,
        ignoring,
        input,
        `is ignored here but mapped by rule ${first.rule.name}`,
      );
    }
    if (claims.length > 1) {
      const names = claims.map((c) => c.rule.name).join(', ');
      problem(
        ctx,
        'warning',
        claims[1]!.rule,
        claims[1]!.mapping,
        input,
        `is mapped by several rules: ${names}`,
      );
    }
  }

  addAbsentDefaults(ctx, applicable, inputs);
  const resolved = resolveTargets(ctx.mapped, ctx.origins);
  return { mapped: resolved.mapped, ignored, unmapped, problems: [...ctx.problems, ...resolved.problems] };
}

/** Config-file entries keep their own dotted path; false when the name is not a usable key. */
function mapConfigFileEntry(ctx: RuleContext, input: PlanInput): boolean {
  const r = renderTarget(input.name.replaceAll('{', '').replaceAll('}', ''), {});
  if (!r.ok || r.target !== input.name) return false;
  const common = { target: input.name, input: input.name, source: input.source, rule: CONFIG_FILE_RULE };
  let value: MappedValue;
  if (input.classification === 'credential') {
    value = {
      ...common,
      as: 'credential',
      fingerprint: input.value === null ? null : ctx.fingerprint(input.value),
    };
  } else {
    value = { ...common, as: 'setting', value: input.json ?? input.value };
  }
  record(ctx, value, input.source);
  return true;
}

function addAbsentDefaults(ctx: RuleContext, rules: Rule[], inputs: PlanInput[]): void {
  const present = new Set(inputs.map((i) => i.name));
  for (const rule of rules) {
    for (const mapping of rule.map) {
      const { from, to } = mapping;
      if (from === undefined || to === undefined || mapping.default === undefined || present.has(from))
        continue;
      if (mapping.file !== undefined) continue; // tied to a file the service may not have: no gap to fill
      const r = renderTarget(to, { name: from });
      if (!r.ok) continue; // `{file}` cannot be known without an input; the loader warns of nothing here
      const source = { file: rule.file, line: mapping.line };
      record(
        ctx,
        {
          target: r.target,
          as: 'setting',
          value: mapping.default,
          input: from,
          source,
          rule: rule.name,
          defaulted: true,
        },
        source,
      );
    }
  }
}

/**
 * appliesTo entries that are plain ids (no glob characters) naming no service of the project:
 * usually a typo or a renamed service, which would silently skip the rule. Warnings, for `plan`
 * and `validate` to show.
 */
export function unknownServiceIds(rules: Rule[], serviceIds: string[]): RuleProblem[] {
  const known = new Set(serviceIds);
  return rules.flatMap((rule) =>
    rule.appliesTo
      .filter((p) => p !== '*' && !picomatch.scan(p).isGlob && !known.has(p))
      .map((id): RuleProblem => ({
        message: `${rule.file}: rule ${rule.name}: appliesTo names ${id}, which is not a service of this project`,
        severity: 'warning',
        rule: rule.name,
        file: rule.file,
      })),
  );
}
