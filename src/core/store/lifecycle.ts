/**
 * The rules of the rows later commands drive — migration flags, migration records, canary
 * runs — kept pure so they are table-tested without a store, and enforced by the store
 * accessors so no command can write a state the others cannot make sense of.
 */
import { badInput, CfgmigError } from '../../errors.js';

export const FLAG_MODES = ['legacy_only', 'legacy_with_validation', 'new_with_fallback', 'new_only'] as const;
export type FlagMode = (typeof FLAG_MODES)[number];

/** 10,000 basis points = 100%: a 0.01% resolution, what canary steps like 1% and 5% need. */
export const FULL_BP = 10_000;

/**
 * Only `new_with_fallback` reads the store for a share of reads; the other modes imply their
 * share (none, none, all), and a flag saying otherwise would be read differently by
 * different readers.
 */
export function checkFlag(mode: string, percentBp: number): asserts mode is FlagMode {
  if (!(FLAG_MODES as readonly string[]).includes(mode)) {
    throw badInput(`unknown migration mode "${mode}": use one of ${FLAG_MODES.join(', ')}`);
  }
  if (!Number.isInteger(percentBp) || percentBp < 0 || percentBp > FULL_BP) {
    throw badInput(`percentage must be whole basis points from 0 to ${FULL_BP}, got ${percentBp}`);
  }
  const implied: Partial<Record<FlagMode, number>> = {
    legacy_only: 0,
    legacy_with_validation: 0,
    new_only: FULL_BP,
  };
  const must = implied[mode as FlagMode];
  if (must !== undefined && percentBp !== must) {
    throw badInput(
      `mode ${mode} reads ${must === 0 ? 'no' : 'every'} value from the store: its percentage must be ${must}, got ${percentBp}`,
    );
  }
}

/** The flag that governs `key`: its own, else the service-wide `*` one. */
export function flagFor<F extends { key: string }>(flags: F[], key: string): F | undefined {
  return flags.find((f) => f.key === key) ?? flags.find((f) => f.key === '*');
}

export const MIGRATION_STATUSES = [
  'pending',
  'applying',
  'applied',
  'canary',
  'completed',
  'rolling_back',
  'rolled_back',
  'failed',
] as const;
export type MigrationStatus = (typeof MIGRATION_STATUSES)[number];

/**
 * Where a migration may go from each status. `rolled_back` is final (a new migration starts
 * over); a `completed` one can still be rolled back, which is the way back at every step.
 */
const MIGRATION_MOVES: Record<MigrationStatus, MigrationStatus[]> = {
  pending: ['applying', 'failed'],
  applying: ['applied', 'failed'],
  applied: ['canary', 'completed', 'rolling_back'],
  canary: ['completed', 'rolling_back'],
  rolling_back: ['rolled_back', 'failed'],
  failed: ['rolling_back'],
  // Completed (100% held) is not final until it is finalized and cleaned up: it can still go back.
  completed: ['rolling_back'],
  rolled_back: [],
};

export function checkMigrationMove(id: string, from: MigrationStatus, to: MigrationStatus): void {
  if (!MIGRATION_MOVES[from].includes(to)) {
    throw new CfgmigError('conflict', `migration ${id} is ${from}: it cannot become ${to}`, {
      hint:
        MIGRATION_MOVES[from].length === 0
          ? `A ${from} migration is final; start a new one instead.`
          : `From ${from} it can become: ${MIGRATION_MOVES[from].join(', ')}.`,
    });
  }
}

export const CANARY_STATES = [
  'pending',
  'running',
  'paused',
  'promoted',
  'completed',
  'rolling_back',
  'rolled_back',
  'failed',
] as const;
export type CanaryState = (typeof CANARY_STATES)[number];

/** A canary schedule: increasing shares of reads in basis points, ending at 100%. */
export function checkSchedule(schedule: number[]): void {
  const ok =
    schedule.length > 0 &&
    schedule.every(
      (bp, i) => Number.isInteger(bp) && bp > 0 && bp <= FULL_BP && (i === 0 || bp > schedule[i - 1]!),
    ) &&
    schedule.at(-1) === FULL_BP;
  if (!ok) {
    throw badInput(
      `canary schedule must be increasing basis points ending at ${FULL_BP} (100%), got [${schedule.join(', ')}]`,
      {
        hint: 'Example: [100, 500, 2500, 5000, 10000] is 1%, 5%, 25%, 50%, 100%.',
      },
    );
  }
}
