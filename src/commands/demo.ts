/**
 * `cfgmig demo`: the whole migration story on copies of the sample projects (src/api/demo.ts),
 * narrated step by step on stdout, or one JSON account with --json. Exit 0 only if every
 * step behaved as it should.
 */
import { runDemo, type DemoStep } from '../api/demo.js';
import { ExitCode } from '../errors.js';
import { duration } from '../output/canary-view.js';
import { painter, type Io } from '../output/terminal.js';

export interface DemoOptions {
  json?: boolean;
  keep?: boolean;
}

export async function run(opts: DemoOptions, io: Io): Promise<number> {
  const c = painter(io.stdout, io.env);
  const narrate = (s: DemoStep): void => {
    const mark = s.ok ? c.green('✓') : c.red('✗');
    io.stdout.write(`${mark} ${c.bold(s.title)} ${c.dim(`(${duration(s.ms)})`)}\n`);
    for (const line of s.detail) io.stdout.write(`    ${line}\n`);
  };
  const started = Date.now();
  const result = await runDemo({
    env: io.env,
    ...(opts.keep ? { keep: true } : {}),
    ...(opts.json ? {} : { onStep: narrate }),
  });
  if (opts.json) {
    io.stdout.write(
      `${JSON.stringify({ formatVersion: 1, ...result, ms: Date.now() - started }, null, 2)}\n`,
    );
  } else {
    const failed = result.steps.filter((s) => !s.ok).length;
    io.stdout.write(
      `\n${failed === 0 ? c.green('demo complete') : c.red(`demo FAILED: ${failed} step${failed === 1 ? '' : 's'} did not behave`)} in ${duration(Date.now() - started)}${result.kept ? `; the project is kept in ${result.dir}` : ''}\n`,
    );
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}
