/**
 * Loads the project's rule files (ProjectConfig.rules globs, DESIGN.md "Rules"): each file is
 * YAML validated against schema/rules.schema.json, then checked for what a schema cannot say
 * (regexes compile, `{group}` placeholders exist, `from` xor `match`, defaults fit their type).
 * Any error is bad input (exit 2) naming the file, the line and the field.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import { glob } from 'tinyglobby';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { readTextFile } from '../adapters/files.js';
import type { Rule } from '../core/plan/rule-model.js';
import { firstYamlError } from '../core/yaml/errors.js';
import { badInput } from '../errors.js';
import { lineOfPointer } from './pointer.js';
import type { ProjectConfig } from './project.js';
import { checkRule, type RawRule } from './rule-checks.js';
import { describeSchemaError } from './schema-error.js';

const SCHEMA_URL = new URL('../../schema/rules.schema.json', import.meta.url);
const HINT = 'See schema/rules.schema.json and the rule format in README.md.';
let validator: ReturnType<Ajv['compile']> | undefined;

function schemaValidator(): ReturnType<Ajv['compile']> {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(
    JSON.parse(readFileSync(SCHEMA_URL, 'utf8')),
  );
  return validator;
}

/** Every rule of the project, in file order (files sorted by path). Rule names must be unique. */
export async function loadRules(project: Pick<ProjectConfig, 'root' | 'rules'>): Promise<Rule[]> {
  const files = (await glob(project.rules, { cwd: project.root, onlyFiles: true, expandDirectories: false }))
    .map((f) => f.replaceAll('\\', '/'))
    .sort();
  const rules: Rule[] = [];
  const seen = new Map<string, string>();
  for (const file of files) {
    const read = await readTextFile(resolve(project.root, file));
    if (!read.ok) throw badInput(`${file}: ${read.message}`, { file, hint: HINT });
    const rule = parseRuleFile(file, read.text);
    const other = seen.get(rule.name);
    if (other !== undefined) {
      throw badInput(`${file}:1: name: rule ${rule.name} is also defined in ${other}`, {
        file,
        line: 1,
        hint: 'Rule names are unique across the project: plans and problems refer to rules by name.',
      });
    }
    seen.set(rule.name, file);
    // The text's hash goes into plans, so an edited rule makes them stale.
    rules.push({ ...rule, hash: createHash('sha256').update(read.text).digest('hex') });
  }
  return rules;
}

/** One rule file's text → the typed rule. `file` is relative to the project root (for messages). */
export function parseRuleFile(file: string, text: string): Rule {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const syntax = firstYamlError(doc, lc);
  if (syntax) throw fail(file, syntax.line, syntax.message);
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch {
    throw fail(file, 1, 'its YAML aliases cannot be resolved (an unknown anchor, or too many aliases)');
  }
  const validate = schemaValidator();
  if (!validate(data)) {
    const at = describeSchemaError(doc, lc, validate.errors![0]!);
    throw fail(file, at.line, `${at.field}: ${at.message}`);
  }
  const lineOf = (pointer: string) => lineOfPointer(doc as Document, lc, pointer);
  const checked = checkRule(data as RawRule, file, lineOf);
  if (!checked.ok) throw fail(file, checked.line, `${checked.field}: ${checked.message}`);
  return checked.rule;
}

function fail(file: string, line: number, message: string) {
  return badInput(`${file}:${line}: ${message}`, { file, line, hint: HINT });
}
