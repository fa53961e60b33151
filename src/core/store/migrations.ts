/**
 * Which numbered schema migrations a store still needs. Pure, so the ordering and the
 * "store is newer than this cfgmig" rule are unit-tested without a database.
 */

export interface KnownMigration {
  version: number;
  name: string;
  checksum: string;
  sql: string;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/** `001_initial.sql` → { version: 1, name: 'initial' }; other files in the folder are not migrations. */
export function parseMigrationFileName(file: string): { version: number; name: string } | null {
  const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
  return m ? { version: Number(m[1]), name: m[2]! } : null;
}

export type MigrationPlan =
  | { kind: 'tooNew'; storeVersion: number; knownVersion: number }
  | { kind: 'edited'; version: number; name: string }
  | { kind: 'apply'; pending: KnownMigration[] };

export function planMigrations(known: KnownMigration[], applied: AppliedMigration[]): MigrationPlan {
  const knownVersion = Math.max(0, ...known.map((k) => k.version));
  const storeVersion = Math.max(0, ...applied.map((a) => a.version));
  // A newer cfgmig may have changed tables in ways this one would misread or damage.
  if (storeVersion > knownVersion) return { kind: 'tooNew', storeVersion, knownVersion };
  const byVersion = new Map(applied.map((a) => [a.version, a]));
  for (const k of known) {
    const a = byVersion.get(k.version);
    // An applied migration whose file changed means stores built from "the same" version differ.
    if (a && a.checksum !== k.checksum) return { kind: 'edited', version: k.version, name: k.name };
  }
  const pending = known.filter((k) => !byVersion.has(k.version)).sort((x, y) => x.version - y.version);
  return { kind: 'apply', pending };
}
