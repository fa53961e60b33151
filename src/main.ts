/**
 * Runs the program. The one place that maps errors to exit codes and the only caller of
 * process.exit. Messages say what went wrong, where, and what to do; stacks only with --debug.
 */
import { setFlagsFromString } from 'node:v8';
import { CommanderError } from 'commander';
import { buildProgram, type CliResult } from './cli.js';
import { CfgmigError, ExitCode } from './errors.js';
import { defaultIo, painter, type Io } from './output/terminal.js';

/**
 * The embedded store is PostgreSQL compiled to WebAssembly (PGlite). V8 runs it first with its
 * baseline compiler and recompiles hot functions with its optimising one on background
 * threads; a command that lasts a second pays for that twice: the recompiling competes for the
 * CPU while the command runs, and the process cannot exit until the compile jobs in flight have
 * finished (measured on `store info` over an existing store, 2 cores: about 1.1 s with it,
 * 0.5 s without). Commands are short, so the CLI keeps the baseline code; long embedded
 * workloads run some 15% slower for it. Set before any WebAssembly is compiled (the store is
 * loaded lazily, by the commands); it only changes how code is compiled, never what it does.
 * Only the CLI does this: the library leaves its host's V8 alone.
 */
setFlagsFromString('--liftoff-only');

export async function main(argv: string[], io: Io = defaultIo()): Promise<number> {
  const result: CliResult = { exitCode: ExitCode.ok };
  const debug = argv.includes('--debug');
  try {
    await buildProgram(io, result).parseAsync(argv, { from: 'user' });
    return result.exitCode;
  } catch (err) {
    return reportError(err, io, debug);
  }
}

export function reportError(err: unknown, io: Io, debug: boolean): number {
  if (err instanceof CommanderError) {
    // commander already printed its message; help and --version are not errors.
    if (
      err.code === 'commander.helpDisplayed' ||
      err.code === 'commander.version' ||
      err.code === 'commander.help'
    )
      return ExitCode.ok;
    return ExitCode.badInput;
  }
  const c = painter(io.stderr, io.env);
  if (err instanceof CfgmigError) {
    io.stderr.write(`${c.red('error')}: ${err.message}\n`);
    if (err.file && !err.message.startsWith(err.file))
      io.stderr.write(`  at ${err.file}${err.line ? `:${err.line}` : ''}\n`);
    if (err.hint) io.stderr.write(`  hint: ${err.hint}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  io.stderr.write(`${c.red('internal error')}: ${err instanceof Error ? err.message : String(err)}\n`);
  io.stderr.write(
    debug && err instanceof Error && err.stack
      ? `${err.stack}\n`
      : '  hint: run again with --debug for the stack trace, and report it.\n',
  );
  return ExitCode.failed;
}

process.on('SIGINT', () => process.exit(ExitCode.interrupted));
// The reader went away (`cfgmig extract --json | head`): stop quietly, as other Unix tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? ExitCode.ok);
  throw err;
});
const code = await main(process.argv.slice(2));
// Let stdout drain before leaving: process.exit on a pipe can cut a large --json output short.
process.exitCode = code;
