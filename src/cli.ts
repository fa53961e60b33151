/**
 * The commander program. Each command's module is imported only when that command runs, so
 * `cfgmig --help` stays fast and loads no parser, database or network client.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import type { Io } from './output/terminal.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

const collect = (value: string, previous: string[] = []): string[] => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean),
];

export interface CliResult {
  exitCode: number;
}

export function buildProgram(io: Io, result: CliResult): Command {
  const program = new Command('cfgmig')
    .description(
      'Move a fleet of microservices off scattered configuration onto one versioned store, with a way back at every step.',
    )
    .version(VERSION, '-V, --version')
    .option('--debug', 'print stack traces on errors')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
    .exitOverride();
  program.addHelpText(
    'after',
    `
Examples:
  $ cfgmig demo                                  the whole story on the sample platform, in seconds
  $ cfgmig init --project .                      write cfgmig.yaml from your compose file
  $ cfgmig extract                               inventory every service's configuration
  $ cfgmig plan --service trading-engine         write plans/trading-engine.production.plan.yaml
  $ cfgmig apply plans/*.plan.yaml               write reviewed plans to the store
  $ cfgmig canary --service trading-engine       step reads onto the store, judging health gates
  $ cfgmig rollback --service trading-engine     flags back to legacy, config to the base version
  $ cfgmig finalize --service trading-engine     new_only, once 100% has held
  $ cfgmig cleanup --service trading-engine      the compose diff without the migrated variables
  $ cfgmig validate --format junit -o report.xml what a CI job runs
  $ cfgmig status                                where every service stands
  $ cfgmig history --service api --env production
  $ cfgmig keys rotate                           re-wrap credentials under a new master key

Exit codes: 0 ok, 1 failed, 2 bad input, 3 conflict, 4 paused, 10 changes pending, 130 interrupted.`,
  );

  const projectOption = () =>
    new Option('-p, --project <dir>', 'project root (holds cfgmig.yaml or the compose file)').default('.');
  const runWith =
    (load: () => Promise<{ run: (opts: never, io: Io) => Promise<number> }>) =>
    async (opts: Record<string, unknown>) => {
      const { run } = await load();
      result.exitCode = await run(opts as never, io);
    };

  program
    .command('extract')
    .description('inventory the configuration each service uses and classify credentials (never printed)')
    .addOption(projectOption())
    .option('-s, --service <id>', 'only this service (repeatable, or comma-separated)', collect)
    .option('--json', 'print the inventory as JSON (formatVersion 1)')
    .option('--out', 'also write .cfgmig/inventory/<service>.json')
    .addHelpText(
      'after',
      '\nExit codes: 0 inventory complete, 2 a file could not be parsed (the rest is still listed) or bad usage.',
    )
    .action(runWith(() => import('./commands/extract.js')));

  program
    .command('init')
    .description(
      'discover the project (compose services, .env, config and source files) and write cfgmig.yaml',
    )
    .addOption(projectOption())
    .option('--force', 'overwrite an existing cfgmig.yaml')
    .option('--json', 'print what was written as JSON')
    .addHelpText(
      'after',
      '\nExit codes: 0 written, 2 cfgmig.yaml exists (use --force) or no compose file found.',
    )
    .action(runWith(() => import('./commands/init.js')));

  program
    .command('plan')
    .description(
      "map each service's configuration through the rules and write plans/<service>.<env>.plan.yaml to review and apply",
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'plan this service (repeatable, or comma-separated)', collect)
    .option('--all', 'plan every service')
    .option('-e, --env <name>', 'the environment (default: production)')
    .option('--json', 'print the plans as JSON (formatVersion 1)')
    .option('--detailed-exitcode', 'exit 10 when a plan has changes, 0 when none has')
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig plan --service trading-engine
  $ cfgmig plan --all --env production --detailed-exitcode

Exit codes: 0 planned (no changes with --detailed-exitcode), 1 a planned configuration fails its JSON Schema (the plan is written, apply refuses it), 2 bad usage, an unreadable source or a rule error (no plan written), 3 store in use, 10 changes pending (--detailed-exitcode).`,
    )
    .action(runWith(() => import('./commands/plan.js')));

  program
    .command('apply')
    .description(
      'write reviewed plans to the store in one transaction per service (refused when stale), or plan and apply in one go',
    )
    .argument('[plans...]', 'plan files to apply (plans/<service>.<env>.plan.yaml)')
    .addOption(projectOption())
    .option('-s, --service <id>', 'plan and apply this service (repeatable, or comma-separated)', collect)
    .option('--all', 'plan and apply every service')
    .option('-e, --env <name>', 'the environment, with --service/--all (default: production)')
    .option('-y, --yes', 'apply to a protected environment without asking')
    .option('--dry-run', 'check the plans and show what would be written; write nothing')
    .option('--json', 'print the outcome as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig apply plans/trading-engine.production.plan.yaml --yes
  $ cfgmig apply --service api-gateway --env development
  $ cfgmig apply --all --dry-run

Exit codes: 0 applied (or already up to date), 1 the planned configuration fails its schema, 2 bad usage or input, or a protected environment without --yes where nobody can be asked, 3 the plan is stale or was edited, the store moved, or a writer lock is held (nothing written), 130 not confirmed.`,
    )
    .action(async (plans: string[], opts: Record<string, unknown>) => {
      const { run } = await import('./commands/apply.js');
      result.exitCode = await run({ ...(opts as object), args: plans } as never, io);
    });

  // The store: embedded PGlite in .cfgmig/store/ unless CFGMIG_STORE_URL or `store:` names a server.
  const store = program.command('store').description('inspect the configuration store');
  store
    .command('info')
    .description('backend, location (password masked), schema version and row counts per table')
    .addOption(projectOption())
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok, 1 the store could not be opened, 2 bad store setting or URL, or store newer than this cfgmig, 3 store in use.',
    )
    .action(runWith(() => import('./commands/store-info.js')));

  program
    .command('history')
    .description('configuration versions of a service: version, time, author, checksum, reason')
    .addOption(projectOption())
    .requiredOption('-s, --service <id>', 'the service')
    .option('-e, --env <name>', 'only this environment (default: every environment with versions)')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      '\nExit codes: 0 ok (also when there are no versions), 2 bad usage or store setting, 3 store in use.',
    )
    .action(runWith(() => import('./commands/history.js')));

  program
    .command('diff')
    .description(
      'keys added, removed and changed between two versions of a service, or between two environments; credentials only as changed/unchanged',
    )
    .addOption(projectOption())
    .requiredOption('-s, --service <id>', 'the service')
    .option(
      '-e, --env <name>',
      'once: the environment whose versions to compare (needed when the service has several); twice: compare these two environments (effective configurations)',
      collect,
    )
    .option('--from <version>', 'the older version')
    .option('--to <version>', 'the newer version (default: the current one)')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig diff --service api --from 3 --to 5
  $ cfgmig diff --service api --env production --from 3
  $ cfgmig diff --service api --env staging --env production

Exit codes: 0 compared (differences or not), 1 a credential could not be read, 2 bad usage or no such version, 3 store in use.`,
    )
    .action(runWith(() => import('./commands/diff.js')));

  program
    .command('status')
    .description(
      'per service and environment: the store version, the migration flags and the newest migration',
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'only this service')
    .option('-e, --env <name>', 'only this environment')
    .option('--watch [interval]', 'redraw every interval (default 2s) while canaries run; Ctrl-C to stop')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText('after', '\nExit codes: 0 ok, 2 bad store setting, 3 store in use.')
    .action(runWith(() => import('./commands/status.js')));

  const flags = program.command('flags').description('migration flags: which source each service reads from');
  flags
    .command('show')
    .description('the flags per service, environment and key: mode and share of reads on the store')
    .addOption(projectOption())
    .option('-s, --service <id>', 'only this service')
    .option('-e, --env <name>', 'only this environment')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText('after', '\nExit codes: 0 ok, 2 bad store setting, 3 store in use.')
    .action(runWith(() => import('./commands/flags-show.js')));
  flags
    .command('set')
    .description('set a flag by hand (one transaction with an audit row), then publish')
    .addOption(projectOption())
    .requiredOption('-s, --service <id>', 'the service')
    .requiredOption('-e, --env <name>', 'the environment')
    .requiredOption('--mode <mode>', 'legacy_only, legacy_with_validation, new_with_fallback or new_only')
    .option('--percent <p>', 'share of reads on the store for new_with_fallback, e.g. 5 or 0.5 (0.01% steps)')
    .option('--key <key>', 'only this configuration key (default: the whole service, *)')
    .requiredOption('--reason <text>', 'why, for the audit log')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Example:
  $ cfgmig flags set --service trading-engine --env production --mode new_with_fallback --percent 5 --reason "canary 5%"

Exit codes: 0 set, 2 bad mode, percentage or usage, 3 the service is locked by another writer or the store is in use.`,
    )
    .action(runWith(() => import('./commands/flags-set.js')));

  program
    .command('rollback')
    .description(
      "execute a migration's rollback plan: flags to legacy_only (published at once), configuration back to the base version as a new version, caches cleared, the service restarted; then verify",
    )
    .addOption(projectOption())
    .requiredOption('-s, --service <id>', 'the service')
    .option('-e, --env <name>', 'the environment (default: production)')
    .option(
      '--migration <id>',
      'the migration to roll back (default: the newest of the service and environment)',
    )
    .option('--reason <text>', 'why, for the audit log (default: "manual rollback")')
    .option('--restart-timeout <duration>', 'how long the restart command may take, e.g. 30s (default 60s)')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig rollback --service trading-engine --reason "error rate up after 25%"
  $ cfgmig rollback --service api --env staging --migration api.staging.20260101T120000000Z.a1b2c3 --json

Exit codes: 0 rolled back (or already rolled back; verified), 1 a critical step or the verification failed (the report says which; run again to retry), 2 bad usage or no migration to roll back, 3 a canary run's lease or the writer lock is held by another cfgmig, or the migration changed meanwhile (nothing written).`,
    )
    .action(runWith(() => import('./commands/rollback.js')));

  program
    .command('publish')
    .description(
      "publish the store's configuration and flags again: snapshot files, and Redis when configured (CFGMIG_REDIS_URL or `redis:`)",
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'only this service')
    .option('-e, --env <name>', 'only this environment')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Example:
  $ CFGMIG_REDIS_URL=redis://redis.internal:6379 cfgmig publish

Exit codes: 0 published (or nothing to publish), 1 Redis publication failed (the snapshots are written), 2 bad store or Redis setting, 3 store in use.`,
    )
    .action(runWith(() => import('./commands/publish.js')));

  program
    .command('canary')
    .description(
      'move a service onto the store step by step, judging its health gates, rolling back by itself when one fails',
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'the service')
    .option('-e, --env <name>', 'the environment (default production)')
    .option('--all', 'every service, in waves by dependency (profile.dependsOn)')
    .option('--phase <phase>', 'the services of one phase: pilot, core, critical or remaining')
    .option('--steps <list>', 'percentages, e.g. 1,5,25,100 (default: the service profile)')
    .option('--bake <duration>', 'how long each step holds, e.g. 500ms, 30s, 5m')
    .option('--interval <duration>', 'how often gates are checked (a gate may set its own)')
    .option('--resume', 'carry on a run whose runner died, from its recorded step')
    .option('--abort', 'roll the running canary back')
    .option('--dry-run', 'judge every gate live without moving a flag')
    .option('-y, --yes', 'do not ask before each step (never asked in CI)')
    .option('--concurrency <n>', 'with --all/--phase: services at once (default 1)')
    .option(
      '--max-failures <n>',
      'with --all/--phase: stop starting canaries after this many rollbacks (default 1)',
    )
    .option(
      '--lease <duration>',
      "how long a runner's lease lasts unless renewed (default 30s): a dead runner's run can be resumed after it",
    )
    .option('--json', 'print the whole run as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig canary --service trading-engine
  $ cfgmig canary --service api --steps 1,5,25,100 --bake 30s --interval 2s --yes
  $ cfgmig canary --phase pilot --concurrency 2 --yes

Exit codes: 0 completed (100%), 1 a gate failed and the service was rolled back, 2 bad usage or gate settings, 3 another runner holds the run, 4 paused for a human, 130 interrupted (resumable with --resume).`,
    )
    .action(runWith(() => import('./commands/canary.js')));

  program
    .command('finalize')
    .description('move a service whose canary completed from 100% new_with_fallback to new_only')
    .addOption(projectOption())
    .requiredOption('-s, --service <id>', 'the service')
    .option('-e, --env <name>', 'the environment (default production)')
    .option('--guard <duration>', 'how long 100% must have held (default 10m)')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      '\nExit codes: 0 finalized (or already), 2 bad usage, 3 not completed or the guard window has not passed.',
    )
    .action(runWith(() => import('./commands/finalize.js')));

  program
    .command('validate')
    .description(
      'check a migration for CI: project, rules and plans valid and fresh, every entry mapped, no plaintext credential, store values equal',
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'only this service (repeatable, or comma-separated)', collect)
    .option('-e, --env <name>', 'the environment (default production)')
    .addOption(
      new Option('--format <format>', 'output format')
        .choices(['human', 'json', 'junit', 'sarif'])
        .default('human'),
    )
    .option('--json', 'the same as --format json')
    .option('-o, --output <file>', 'also write the report (in --format) to this file')
    .option('--no-store', 'skip the checks that need the store (values, reversibility)')
    .option(
      '--detailed-exitcode',
      'exit 10 when plans are pending (sources changed since the plans were made)',
    )
    .addHelpText(
      'after',
      `
Examples:
  $ cfgmig validate
  $ cfgmig validate --format junit --output reports/cfgmig.xml
  $ cfgmig validate --format sarif --output cfgmig.sarif --detailed-exitcode

Exit codes: 0 valid, 1 problems found, 2 bad usage, 10 plans pending (with --detailed-exitcode).`,
    )
    .action(runWith(() => import('./commands/validate.js')));

  program
    .command('cleanup')
    .description(
      'after finalize: rewrite compose files without the migrated variables (a diff; --write to write)',
    )
    .addOption(projectOption())
    .option('-s, --service <id>', 'the service (repeatable, or comma-separated)', collect)
    .option('--all', 'every finalized service')
    .option('-e, --env <name>', 'the environment (default production)')
    .option('--write', 'write the rewritten files (default: print the diff only)')
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      '\nExit codes: 0 diff printed (or written), 1 nothing can be cleaned up yet (not finalized), 2 bad usage or unreadable files.',
    )
    .action(runWith(() => import('./commands/cleanup.js')));

  program
    .command('demo')
    .description(
      'the whole story on a copy of the sample platform, in under two minutes: extract, plan, apply, canaries, rollback, status, cleanup',
    )
    .option('--json', 'a machine-readable account of every step')
    .option('--keep', 'keep the temporary project (its path is printed)')
    .addHelpText('after', '\nExit codes: 0 every step behaved as it should, 1 a step did not.')
    .action(runWith(() => import('./commands/demo.js')));

  const keys = program.command('keys').description('the master key that protects credentials');
  keys
    .command('rotate')
    .description(
      're-wrap every credential data key under a new master key (values untouched); run again to resume if interrupted',
    )
    .addOption(projectOption())
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      `
The new key: with the key file (.cfgmig/master.key), cfgmig creates it as .cfgmig/master.key.next
and swaps it in when done, keeping the old one as master.key.retired-<id>. With CFGMIG_MASTER_KEY,
set CFGMIG_NEW_MASTER_KEY to the new key (openssl rand -base64 32), run this, then make it the
CFGMIG_MASTER_KEY.

Exit codes: 0 rotated, 1 a credential could not be unwrapped (named), 2 no new key given or bad key, 3 store in use, 130 interrupted (run again to resume).`,
    )
    .action(runWith(() => import('./commands/keys-rotate.js')));

  const audit = program.command('audit').description('the append-only audit log');
  audit
    .command('verify')
    .description("recompute the audit log's hash chain and report the first broken row")
    .addOption(projectOption())
    .option('--json', 'print as JSON (formatVersion 1)')
    .addHelpText(
      'after',
      '\nExit codes: 0 chain intact, 1 chain broken (the row is named), 2 bad store setting, 3 store in use.',
    )
    .action(runWith(() => import('./commands/audit-verify.js')));

  return program;
}
