/**
 * Per-service JSON Schemas: found by convention or by cfgmig.yaml, errors as dotted keys
 * with the rule broken, and a broken schema file refused with exit 2 naming it.
 */
import { describe, expect, it } from 'vitest';
import { validateServiceConfig } from '../../src/adapters/service-schema.js';
import { rejection } from '../support/errors.js';
import { makeProject } from '../support/project.js';

const schema = JSON.stringify({
  type: 'object',
  properties: {
    risk: {
      type: 'object',
      properties: { maxPositionSize: { type: 'number', exclusiveMinimum: 0 } },
      required: ['maxPositionSize'],
    },
    endpoint: { type: 'string', format: 'uri' },
  },
});

describe('validateServiceConfig', () => {
  it('validates against schema/services/<id>.json or the file cfgmig.yaml names', async () => {
    const p = await makeProject({
      'schema/services/trading-engine.json': schema,
      'other/te.json': schema,
      'schema/bad.json': '{ not json',
      'schema/invalid.json': JSON.stringify({ type: 'nonsense' }),
    });
    try {
      const ok = await validateServiceConfig(
        p.dir,
        { id: 'trading-engine' },
        { risk: { maxPositionSize: 10 } },
      );
      expect(ok).toEqual({ schema: 'schema/services/trading-engine.json', valid: true, errors: [] });
      const bad = await validateServiceConfig(
        p.dir,
        { id: 'trading-engine', schema: 'other/te.json' },
        { risk: { maxPositionSize: -5 }, endpoint: 'not a url' },
      );
      expect(bad.schema).toBe('other/te.json');
      expect(bad.valid).toBe(false);
      expect(bad.errors).toEqual([
        { path: 'risk.maxPositionSize', message: 'must be > 0' },
        { path: 'endpoint', message: 'must match format "uri"' },
      ]);
      expect(await validateServiceConfig(p.dir, { id: 'api' }, {})).toEqual({
        schema: null,
        valid: true,
        errors: [],
      });
      for (const [file, pattern] of [
        ['schema/bad.json', /schema\/bad\.json: not valid JSON/],
        ['schema/invalid.json', /schema\/invalid\.json: not a valid JSON Schema/],
        ['schema/missing.json', /schema\/missing\.json: file not found/],
      ] as const) {
        const e = await rejection(validateServiceConfig(p.dir, { id: 'x', schema: file }, {}));
        expect(e.exitCode).toBe(2);
        expect(e.message).toMatch(pattern);
      }
    } finally {
      await p.cleanup();
    }
  });
});
