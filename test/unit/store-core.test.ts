import { describe, expect, it } from 'vitest';
import {
  parseMigrationFileName,
  planMigrations,
  type KnownMigration,
} from '../../src/core/store/migrations.js';
import { describeTarget, maskUrl, parseStoreSetting, scrub } from '../../src/core/store/url.js';

const m = (version: number, checksum = `c${version}`): KnownMigration => ({
  version,
  name: `m${version}`,
  checksum,
  sql: '',
});

describe('migration planning', () => {
  it('parses numbered file names and ignores the rest', () => {
    expect(parseMigrationFileName('001_initial.sql')).toEqual({ version: 1, name: 'initial' });
    expect(parseMigrationFileName('README.md')).toBeNull();
    expect(parseMigrationFileName('1_x.sql')).toBeNull();
  });

  it('applies what is missing, in order', () => {
    const plan = planMigrations([m(3), m(1), m(2)], [{ version: 1, name: 'm1', checksum: 'c1' }]);
    expect(plan.kind === 'apply' && plan.pending.map((p) => p.version)).toEqual([2, 3]);
  });

  it('refuses a store newer than what it knows', () => {
    expect(planMigrations([m(1)], [{ version: 2, name: 'm2', checksum: 'c2' }])).toEqual({
      kind: 'tooNew',
      storeVersion: 2,
      knownVersion: 1,
    });
  });

  it('notices an applied migration whose file changed', () => {
    expect(planMigrations([m(1, 'new')], [{ version: 1, name: 'm1', checksum: 'old' }]).kind).toBe('edited');
  });
});

describe('store URLs', () => {
  it('chooses the backend', () => {
    expect(parseStoreSetting(undefined)).toEqual({ kind: 'embedded' });
    expect(parseStoreSetting('embedded')).toEqual({ kind: 'embedded' });
    expect(parseStoreSetting('postgresql://h/db').kind).toBe('postgres');
    expect(parseStoreSetting('mysql://h/db').kind).toBe('invalid');
  });

  it('masks the password and names host:port/database only', () => {
    const url = 'postgres://u:p%40ss@db.example:6543/cfg';
    expect(maskUrl(url)).toBe('postgres://u:***@db.example:6543/cfg');
    expect(describeTarget(url)).toBe('db.example:6543/cfg');
    expect(describeTarget('postgres://u@h/d')).toBe('h:5432/d');
    expect(maskUrl('postgres://[bad')).not.toContain('bad');
  });

  it('scrubs a secret in raw and encoded form', () => {
    expect(scrub('x p@ss y p%40ss', 'p@ss')).toBe('x *** y ***');
    expect(scrub('x p%40ss y p@ss', 'p%40ss')).toBe('x *** y ***');
    expect(scrub('bad MARK%zz', 'MARK%zz')).toBe('bad ***'); // invalid percent-encoding must not throw
  });
});
