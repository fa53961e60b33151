/**
 * Per-service JSON Schemas: the configuration a plan leads to is checked against
 * `services.<id>.schema` in cfgmig.yaml, or `schema/services/<id>.json` when that exists, so a
 * value of the wrong type or out of range is caught in review, not in production.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { resolve } from 'node:path';
import type { ServiceConfig } from '../config/project.js';
import type { SchemaValidation } from '../core/plan/plan-doc.js';
import type { Json } from '../core/store/canonical.js';
import { badInput } from '../errors.js';
import { exists, readTextFile } from './files.js';

export function defaultSchemaFile(service: string): string {
  return `schema/services/${service}.json`;
}

/** `/database/pool/max` → `database.pool.max`, as plan keys are written. */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((p) => p.replaceAll('~1', '/').replaceAll('~0', '~'))
    .join('.');
}

export async function validateServiceConfig(
  root: string,
  svc: Pick<ServiceConfig, 'id' | 'schema'>,
  config: Json,
): Promise<SchemaValidation> {
  const file = svc.schema ?? defaultSchemaFile(svc.id);
  if (!svc.schema && !(await exists(resolve(root, file)))) return { schema: null, valid: true, errors: [] };
  const read = await readTextFile(resolve(root, file));
  if (!read.ok)
    throw badInput(`${file}: ${read.message}`, { file, hint: `services.${svc.id}.schema names it` });
  let schema: unknown;
  try {
    schema = JSON.parse(read.text);
  } catch (err) {
    throw badInput(`${file}: not valid JSON (${(err as Error).message})`, { file });
  }
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  let validate;
  try {
    validate = ajv.compile(schema as object);
  } catch (err) {
    throw badInput(`${file}: not a valid JSON Schema: ${(err as Error).message}`, { file });
  }
  const valid = validate(config);
  return {
    schema: file,
    valid,
    errors: (validate.errors ?? []).map((e) => ({
      path: dotted(e.instancePath) || '(root)',
      // The message names the rule broken (type, minimum …), never the value itself.
      message: `${e.message ?? 'is invalid'}`,
    })),
  };
}
