#!/usr/bin/env node
// Conformance: runs the peer acceptance suites (cases transcribed from compose-go and
// motdotla/dotenv, see the suites' README.md) against the compiled parsers in dist/.
//
//   npx tsc -p tsconfig.build.json && node test/conformance/run.mjs
//
// Suites folder: $CFGMIG_PEER_SUITES, else ../shared/peer-suites beside the repository.
// Prints each failure, then "N passed, N failed"; exits 1 when any case failed.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const suiteDir = process.env.CFGMIG_PEER_SUITES
  ? path.resolve(process.env.CFGMIG_PEER_SUITES)
  : path.resolve(repoRoot, '../shared/peer-suites');
const distDir = process.env.CFGMIG_DIST_DIR
  ? path.resolve(process.env.CFGMIG_DIST_DIR)
  : path.join(repoRoot, 'dist');

if (!existsSync(suiteDir)) {
  console.log(`conformance: peer suites not found at ${suiteDir} (set CFGMIG_PEER_SUITES)`);
  process.exit(0);
}

async function load(mod) {
  const file = path.join(distDir, 'core/extract', mod);
  if (!existsSync(file)) {
    console.error(`conformance: ${file} is missing; build first: npx tsc -p tsconfig.build.json`);
    process.exit(2);
  }
  return import(pathToFileURL(file).href);
}

const { substitute, extractVariables, InterpolationError } = await load('interpolate.js');
const { parseComposeDotenv, composeDotenvToMap } = await load('dotenv-compose.js');
const { parseNodeDotenv, nodeDotenvToMap } = await load('dotenv-node.js');

let passed = 0;
let failed = 0;
const notes = [];

const show = (v) => {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
};

function check(id, fn) {
  let problem;
  try {
    problem = fn();
  } catch (err) {
    problem = `threw ${err?.name ?? 'error'}: ${err?.message ?? err}`;
  }
  if (problem) {
    failed++;
    console.log(`FAIL ${id}: ${problem}`);
  } else {
    passed++;
  }
}

function suite(file) {
  const full = path.join(suiteDir, file);
  if (!existsSync(full)) {
    console.log(`conformance: ${file} not found in ${suiteDir}; not run`);
    return [];
  }
  return JSON.parse(readFileSync(full, 'utf8'));
}

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const lookupIn = (env) => (name) => (env && has(env, name) ? env[name] : undefined);

/** Compares a result map to a case's expected map ("exact" or "subset") and absent keys. */
function compareMap(actual, expected, match, absent) {
  const diffs = [];
  for (const [key, value] of Object.entries(expected ?? {})) {
    if (!has(actual, key)) diffs.push(`${key}: expected ${show(value)}, missing`);
    else if (actual[key] !== value) diffs.push(`${key}: expected ${show(value)}, got ${show(actual[key])}`);
  }
  if (match === 'exact') {
    for (const key of Object.keys(actual)) {
      if (!has(expected ?? {}, key)) diffs.push(`${key}: unexpected (${show(actual[key])})`);
    }
  }
  for (const key of absent ?? []) if (has(actual, key)) diffs.push(`${key}: should be absent`);
  return diffs.length
    ? diffs.slice(0, 4).join('; ') + (diffs.length > 4 ? `; +${diffs.length - 4} more` : '')
    : undefined;
}

// --- compose interpolation ---------------------------------------------------------------

for (const c of suite('compose-interpolation.json')) {
  check(c.id, () => {
    let result;
    let error;
    try {
      result = substitute(c.template, lookupIn(c.env));
    } catch (err) {
      if (!(err instanceof InterpolationError)) throw err;
      error = err;
    }
    if (!c.error) {
      if (error) return `unexpected error: ${error.message}`;
      return result === c.expected ? undefined : `expected ${show(c.expected)}, got ${show(result)}`;
    }
    if (!error) return `expected an error (${c.errorKind}), got ${show(result)}`;
    if (c.errorKind && error.kind !== c.errorKind) return `error kind ${error.kind}, expected ${c.errorKind}`;
    let wanted = c.errorContains;
    // README: "invalid interpolation format" is the compose loader's wrapper; the template
    // package itself says "Invalid template".
    if (wanted === 'invalid interpolation format') wanted = 'Invalid template';
    if (!wanted || error.message.includes(wanted)) return undefined;
    // Deliberate: a required-variable message that interpolates other variables is quoted as
    // written, so no variable's value can reach an error message.
    const prefix = /^required variable (\S+) is missing a value/.exec(wanted);
    if (
      prefix &&
      /[:]?\?[^}]*\$/.test(c.template) &&
      error.variable === prefix[1] &&
      error.message.startsWith(prefix[0])
    ) {
      notes.push(
        `${c.id}: message keeps the nested reference unresolved (${show(error.message)}), never a value`,
      );
      return undefined;
    }
    return `error message ${show(error.message)} lacks ${show(wanted)}`;
  });
}

// --- compose variables ---------------------------------------------------------------------

for (const c of suite('compose-variables.json')) {
  check(c.id, () => {
    const actual = extractVariables(c.strings);
    if (isDeepStrictEqual({ ...actual }, c.expected)) return undefined;
    return `expected ${show(c.expected)}, got ${show(actual)}`;
  });
}

// --- compose dotenv (compose-go dialect) ------------------------------------------------------

const startsWithDigit = /^\s*\d/;

/** compose-go's API variations, built on parseComposeDotenv. Returns { map } or { error }. */
function composeApi(c) {
  const parse = (input, opts) => {
    const r = parseComposeDotenv(input, opts);
    return r.error ? { error: r.error } : { map: composeDotenvToMap(r.vars) };
  };
  const dropDigitKeys = (r) =>
    r.error
      ? r
      : { map: Object.fromEntries(Object.entries(r.map).filter(([k]) => !startsWithDigit.test(k))) };
  switch (c.api) {
    case 'Parse':
      return parse(c.input);
    case 'ParseWithLookup':
      return parse(c.input, { lookup: lookupIn(c.lookupEnv) });
    case 'Read':
      return dropDigitKeys(parse(c.input));
    case 'ReadWithLookup':
      return dropDigitKeys(parse(c.input, { lookup: lookupIn(c.lookupEnv) }));
    case 'Load': {
      // Load: the file's keys are set in the environment unless already set there.
      const r = parse(c.input);
      if (r.error) return r;
      const env = { ...(c.presetEnv ?? {}) };
      for (const [k, v] of Object.entries(r.map)) if (!has(env, k)) env[k] = v;
      return { map: env };
    }
    case 'GetEnvFromFile': {
      // Files in order, later override earlier; the shell env wins during interpolation, then
      // this file's earlier keys, then earlier files'. The result holds file values only.
      const acc = {};
      for (const input of c.inputs) {
        const r = parse(input, { lookup: lookupIn(c.currentEnv), fallback: lookupIn({ ...acc }) });
        if (r.error) return r;
        Object.assign(acc, r.map);
      }
      return { map: acc };
    }
    default:
      throw new Error(`unknown api ${c.api}`);
  }
}

for (const c of suite('dotenv-parse-compose.json')) {
  check(c.id, () => {
    const r = composeApi(c);
    if (!c.error) {
      if (r.error) return `unexpected error: ${r.error.message}`;
      return compareMap(r.map, c.expected, c.match, c.absent);
    }
    if (!r.error) return `expected an error, got ${show(r.map)}`;
    if (!c.errorContains || r.error.message.includes(c.errorContains)) return undefined;
    // Deliberate: compose-go quotes the whole offending line after "in variable name"; that
    // line may hold a value, so cfgmig names the line and the character only.
    const head = /^(line \d+: unexpected character ".*?" in variable name) "/.exec(c.errorContains);
    if (head && r.error.message === head[1]) {
      notes.push(`${c.id}: message stops before the offending line's text (${show(r.error.message)})`);
      return undefined;
    }
    return `error message ${show(r.error.message)} lacks ${show(c.errorContains)}`;
  });
}

// --- Node dotenv (motdotla dialect) -------------------------------------------------------------

for (const c of suite('dotenv-parse-motdotla.json')) {
  check(c.id, () => {
    const parse = (input) => nodeDotenvToMap(parseNodeDotenv(input).vars);
    if (c.api === 'parse') return compareMap(parse(c.input), c.expected, c.match, c.absent);
    if (c.api !== 'config') throw new Error(`unknown api ${c.api}`);
    // config({ path: [...] }): populate a fresh object file by file (first file wins unless
    // override), then populate the environment (existing keys kept unless override).
    const parsedAll = {};
    for (const input of c.inputs) {
      for (const [k, v] of Object.entries(parse(input)))
        if (!has(parsedAll, k) || c.override) parsedAll[k] = v;
    }
    const env = { ...(c.presetEnv ?? {}) };
    for (const [k, v] of Object.entries(parsedAll)) if (!has(env, k) || c.override) env[k] = v;
    const envDiff = compareMap(env, c.expected, c.match, c.absent);
    if (envDiff) return `env: ${envDiff}`;
    const parsedDiff = c.expectedParsed ? compareMap(parsedAll, c.expectedParsed, 'subset') : undefined;
    return parsedDiff ? `parsed: ${parsedDiff}` : undefined;
  });
}

// Plaintext credential scanning (cfgmig validate) on arbitrary text: not pass/fail per case but
// two figures, against targets: positives found (of the samples a suite's rule must fire on) and
// negatives flagged (of the samples it must not). Below target counts as one failure.
{
  const samples = suite('secret-samples.json');
  const scanner = path.join(distDir, 'core/validate/plaintext.js');
  if (samples.length > 0 && existsSync(scanner)) {
    const { hasPlaintextCredential } = await import(pathToFileURL(scanner).href);
    const tally = { pos: 0, found: 0, neg: 0, flagged: 0, plainNeg: 0, plainFlagged: 0 };
    const bySuite = new Map();
    for (const c of samples) {
      const hit = hasPlaintextCredential(c.text);
      const s = bySuite.get(c.suite) ?? { pos: 0, found: 0, neg: 0, flagged: 0 };
      const count = (key) => {
        tally[key]++;
        s[key]++;
      };
      if (c.isSecret) {
        count('pos');
        if (hit) count('found');
      } else {
        count('neg');
        if (hit) count('flagged');
        // Negatives with a caveat are not plain negatives: another rule of the same suite matches
        // them ("also matched by"), or they are negative only under that suite's options or file
        // type (detect-secrets' keyword_exclude, secretlint rule options).
        if (!c.caveat) {
          tally.plainNeg++;
          if (hit) tally.plainFlagged++;
        }
      }
      bySuite.set(c.suite, s);
    }
    const pct = (n, d) => (d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`);
    for (const [name, s] of bySuite)
      console.log(
        `secret-samples ${name}: found ${s.found}/${s.pos} (${pct(s.found, s.pos)}), flagged ${s.flagged}/${s.neg} negatives (${pct(s.flagged, s.neg)})`,
      );
    const foundRate = tally.found / tally.pos;
    const flaggedRate = tally.plainFlagged / Math.max(tally.plainNeg, 1);
    console.log(
      `secret-samples: true positives found ${pct(tally.found, tally.pos)} (${tally.found}/${tally.pos}, target >= 90%); ` +
        `false positives ${pct(tally.plainFlagged, tally.plainNeg)} of negatives (${tally.plainFlagged}/${tally.plainNeg}, target <= 10%; ` +
        `${pct(tally.flagged, tally.neg)} counting the negatives with a caveat)`,
    );
    if (foundRate >= 0.9 && flaggedRate <= 0.1) passed++;
    else {
      failed++;
      console.log('FAIL secret-samples: below target');
    }
  } else if (samples.length > 0) {
    console.log(`conformance: ${scanner} is missing; build first`);
    failed++;
  }
}

for (const note of notes) console.log(`deviation (counted as passed) ${note}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
