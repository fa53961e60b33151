/**
 * An ajv error on a parsed YAML file as the user needs it: the line (via lineOfPointer), the
 * field as a dotted path, and what is wrong. Shared by the loaders of cfgmig.yaml and rules/*.yaml.
 */
import type { ErrorObject } from 'ajv';
import type { Document, LineCounter } from 'yaml';
import { lineOfPointer } from './pointer.js';

export interface SchemaErrorAt {
  line: number;
  field: string;
  message: string;
}

export function describeSchemaError(doc: Document, lc: LineCounter, err: ErrorObject): SchemaErrorAt {
  const key =
    err.keyword === 'additionalProperties'
      ? String(err.params.additionalProperty)
      : err.keyword === 'propertyNames'
        ? String(err.params.propertyName)
        : undefined;
  const field = err.instancePath.slice(1).replaceAll('/', '.') || '(top level)';
  const extra =
    err.keyword === 'additionalProperties'
      ? ` "${key}"`
      : err.keyword === 'propertyNames'
        ? ` ("${key}")`
        : err.keyword === 'enum'
          ? ` (${(err.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})`
          : '';
  return {
    line: lineOfPointer(doc, lc, err.instancePath, key),
    field,
    message: `${err.message ?? 'invalid'}${extra}`,
  };
}
