/**
 * What every benchmark's command line needs: usage errors (exit 2), positive integer options,
 * and --help printed from the benchmark's own header comment, so the help and the file's
 * documentation are one text.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const usage = (message) => Object.assign(new Error(message), { usage: true });

export function positiveInt(value, name) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw usage(`${name} needs a positive integer`);
  return n;
}

/** Prints the first /** … *\/ comment of the module at `moduleUrl` and exits. */
export function printHelp(moduleUrl) {
  console.log(
    readFileSync(fileURLToPath(moduleUrl), 'utf8')
      .match(/\/\*\*([\s\S]*?)\*\//)[1]
      .replace(/^ \* ?/gm, '')
      .trim(),
  );
  process.exit(0);
}

/** Reports a benchmark's failure: a usage error briefly (exit 2), anything else with its stack (exit 1). */
export function reportFailure(name, err) {
  console.error(`bench ${name}: ${err.usage ? err.message : (err.stack ?? err)}`);
  process.exitCode = err.usage ? 2 : 1;
}

/** `--backend`: which store backends a benchmark runs on. */
export function backendOption(value) {
  if (!['embedded', 'postgres', 'all'].includes(value)) throw usage('--backend is embedded, postgres or all');
  return value;
}
