/**
 * secretlint over exactly the files cfgmig extract reads, for comparison: its recommended preset,
 * its default formatter, a .secretlintignore that leaves cfgmig's file set (checked, not assumed).
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fmt, measure, summarise, tail } from './measure.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const NO_PROFILER = pathToFileURL(resolve(HERE, 'secretlint-no-profiler.mjs')).href;

/** secretlint's own default ignores (secretlint/module/search.js), which it adds to ours. */
const SECRETLINT_DEFAULT_IGNORES = [
  '**/.git/**',
  '**/node_modules/**',
  '**/.secretlintrc/**',
  '**/.secretlintrc.{json,yaml,yml,js}/**',
  '**/.secretlintignore*/**',
];

/**
 * gitignore-style lines that leave, of everything under the fleet, exactly what cfgmig reads:
 * the fleet's layout (generate.mjs) plus cfgmig's always-excluded paths. Checked below.
 */
const SECRETLINT_IGNORE = `# Written by bench/extract/run.mjs: secretlint scans exactly the files cfgmig extract reads.
/.generated-v*
/.gitignore
/.secretlintrc.json
/.secretlintignore
/README.md
/services/*/README.md
/services/*/Dockerfile
/services/*/package.json
/services/*/tsconfig.json
/services/*/pyproject.toml
.cfgmig/
node_modules/
dist/
build/
coverage/
.venv/
venv/
__pycache__/
test/
tests/
__tests__/
*.test.*
*.spec.*
test_*.py
*_test.py
*.d.ts
`;

async function secretlintFileList(root) {
  // The same call secretlint 11 makes (module/search.js) for the pattern "**/*".
  const { globby } = await import('globby');
  const files = await globby(['**/*'], {
    cwd: root,
    ignore: SECRETLINT_DEFAULT_IGNORES,
    ignoreFiles: ['.secretlintignore'],
    dot: true,
  });
  return files.sort();
}

/**
 * Times secretlint in `fleet` (profiler off; as installed too with opts.secretlintStock).
 * Returns one result per variant ({ failed: true } for one that failed).
 */
export async function benchSecretlint(opts, read, { repo, fleet }) {
  const SECRETLINT_BIN = resolve(repo, 'node_modules/secretlint/bin/secretlint.js');
  writeFileSync(
    join(fleet, '.secretlintrc.json'),
    `${JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }, null, 2)}\n`,
  );
  writeFileSync(join(fleet, '.secretlintignore'), SECRETLINT_IGNORE);
  // Its default (stylish) formatter, as people run it; it prints only the findings.
  const args = [
    '**/*',
    '--secretlintrc',
    '.secretlintrc.json',
    '--secretlintignore',
    '.secretlintignore',
    '--no-color',
    '--no-terminalLink',
  ];
  console.log(
    `\nsecretlint ${JSON.parse(readFileSync(resolve(repo, 'node_modules/secretlint/package.json'), 'utf8')).version}: (cd ${relative(repo, fleet)} && node ${relative(fleet, SECRETLINT_BIN)} ${args.map((a) => (a.includes('*') ? `"${a}"` : a)).join(' ')})`,
  );

  let scanned = await secretlintFileList(fleet);
  const want = new Set(read.files);
  const strays = scanned.filter((f) => !want.has(f));
  if (strays.length > 0 && strays.length <= 50) {
    // A few files the patterns do not cover (an env file no service lists, a file someone left
    // in the fleet): name them one by one.
    const lines = strays.map((f) => `/${f.replace(/([*?[\]!#\\ ])/g, '\\$1')}`);
    writeFileSync(join(fleet, '.secretlintignore'), `${SECRETLINT_IGNORE}${lines.join('\n')}\n`);
    scanned = await secretlintFileList(fleet);
  }
  const have = new Set(scanned);
  const missing = read.files.filter((f) => !have.has(f));
  const extra = scanned.filter((f) => !want.has(f));
  if (missing.length === 0 && extra.length === 0)
    console.log(`  scans    the same ${scanned.length.toLocaleString('en-US')} files as cfgmig`);
  else {
    console.log(
      `  WARNING: secretlint scans ${scanned.length} files, cfgmig reads ${read.files.length}; the comparison is not like for like`,
    );
    if (missing.length)
      console.log(
        `    not scanned by secretlint: ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ` … (${missing.length})` : ''}`,
      );
    if (extra.length)
      console.log(
        `    scanned only by secretlint: ${extra.slice(0, 5).join(', ')}${extra.length > 5 ? ` … (${extra.length})` : ''}`,
      );
  }
  const scannedSet = {
    files: scanned,
    bytes: scanned.reduce((a, f) => a + statSync(join(fleet, f)).size, 0),
  };

  const results = [];
  // What secretlint's scanning costs (its per-file profiler bookkeeping off, as upstream now does).
  const fixed = await secretlintVariant(SECRETLINT_BIN, fleet, args, scannedSet, {
    tool: 'secretlint, profiler off',
    note: 'with --import bench/extract/secretlint-no-profiler.mjs (see there: upstream fix of its O(n²) profiler)',
    nodeArgs: ['--import', NO_PROFILER],
    warmup: true,
    runs: opts.secretlintRuns,
  });
  if (fixed.failed) return [fixed];
  results.push(fixed);
  if (opts.secretlintStock) {
    // As installed: O(n²) in the files, about half an hour here; one run, the page cache is warm by now.
    const stock = await secretlintVariant(SECRETLINT_BIN, fleet, args, scannedSet, {
      tool: 'secretlint as installed',
      note: 'as installed',
      nodeArgs: [],
      warmup: false,
      runs: 1,
    });
    results.push(stock);
  }
  return results;
}

async function secretlintVariant(
  bin,
  fleet,
  args,
  scannedSet,
  { tool, note, nodeArgs, warmup, runs: count },
) {
  console.log(`  ${tool}: ${note}`);
  // Exit 1 means it found secrets (the fleet is full of fake ones): that is a successful run.
  const ok = (run) => run.code === 0 || run.code === 1;
  // Stylish output: a line per flagged file (its path), then "✖ N problems (...)".
  const findings = (run) => {
    const summaryLine = run.stdout.match(/✖ (\d+) problems?/);
    const flaggedFiles = run.stdout.split('\n').filter((l) => l.startsWith('/')).length;
    return summaryLine
      ? `, ${Number(summaryLine[1]).toLocaleString('en-US')} findings in ${flaggedFiles.toLocaleString('en-US')} files`
      : run.code === 0
        ? ', no findings'
        : '';
  };
  if (warmup) {
    const warm = await measure(bin, args, { cwd: fleet, nodeArgs });
    if (!ok(warm)) {
      console.log(`    FAILED: exit ${warm.code ?? warm.signal}\n${tail(warm.stderr || warm.stdout)}`);
      return { failed: true };
    }
    console.log(
      `    warm-up  ${fmt(warm.seconds)} s, peak RSS ${fmt(warm.rssMiB, 0)} MiB, exit ${warm.code}${findings(warm)}`,
    );
  }
  const runs = [];
  for (let i = 1; i <= count; i++) {
    const keepStdout = !warmup && i === 1;
    const run = await measure(bin, args, { cwd: fleet, nodeArgs, keepStdout });
    if (!ok(run)) {
      console.log(`    FAILED: run ${i} exit ${run.code ?? run.signal}\n${tail(run.stderr)}`);
      return { failed: true };
    }
    console.log(
      `    run ${i}    ${fmt(run.seconds)} s, peak RSS ${fmt(run.rssMiB, 0)} MiB${keepStdout ? `, exit ${run.code}${findings(run)}` : ''}`,
    );
    runs.push(run);
  }
  return summarise(tool, runs, scannedSet);
}
