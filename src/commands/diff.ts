/**
 * `cfgmig diff`: what changed between two configuration versions of a service
 * (`--from V1 [--to V2] [--env E]`), or between the effective configurations of two
 * environments (`--env A --env B`). Credentials appear only as changed or unchanged.
 */
import { resolve } from 'node:path';
import { actor } from '../adapters/identity.js';
import { loadKeyring, projectKeyFile } from '../adapters/master-key.js';
import { equalSecrets } from '../adapters/store/referenced-secrets.js';
import { configuredEnvironments, currentVersion, readVersion } from '../adapters/store/configs.js';
import type { Db } from '../adapters/store/db.js';
import { effectiveConfig } from '../adapters/store/environments.js';
import { openStore } from '../adapters/store/open.js';
import type { Json } from '../core/store/canonical.js';
import { diffConfigs, refPairsToCompare, summarise } from '../core/store/diff.js';
import { badInput, ExitCode } from '../errors.js';
import { diffView } from '../output/diff-view.js';
import { painter, type Io } from '../output/terminal.js';

export interface DiffOptions {
  project: string;
  service: string;
  env?: string[];
  from?: string;
  to?: string;
  json?: boolean;
}

interface Side {
  environment: string;
  /** The version compared; for an environment comparison, the levels merged into it. */
  version?: number;
  sources?: { environment: string; version: number }[];
  data: Json;
}

function versionNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^[1-9][0-9]{0,8}$/.test(text))
    throw badInput(`${flag} must be a version number (1, 2, …), got "${text}"`);
  return Number(text);
}

async function versionSides(db: Db, opts: DiffOptions, envs: string[]): Promise<[Side, Side]> {
  const from = versionNumber('--from', opts.from);
  const to = versionNumber('--to', opts.to);
  if (from === undefined) {
    throw badInput('nothing to compare: give --from V1 [--to V2], or two environments with --env A --env B', {
      hint: `Example: cfgmig diff --service ${opts.service} --from 1 --to 2`,
    });
  }
  let environment = envs[0];
  if (environment === undefined) {
    const configured = await configuredEnvironments(db, opts.service);
    if (configured.length !== 1) {
      throw badInput(
        configured.length === 0
          ? `${opts.service} has no configuration versions`
          : `${opts.service} has versions in ${configured.join(', ')}: choose one with --env`,
      );
    }
    environment = configured[0]!;
  }
  const current = await currentVersion(db, opts.service, environment);
  const side = async (v: number): Promise<Side> => {
    const got = await readVersion(db, opts.service, environment, v);
    if (!got) {
      throw badInput(
        `${opts.service}/${environment} has no version ${v} (${current === 0 ? 'it has no versions' : `current is ${current}`})`,
        { hint: `See the versions with: cfgmig history --service ${opts.service} --env ${environment}` },
      );
    }
    return { environment, version: got.version, data: got.data };
  };
  return [await side(from), await side(to ?? current)];
}

async function environmentSides(db: Db, opts: DiffOptions, [a, b]: [string, string]): Promise<[Side, Side]> {
  if (opts.from !== undefined || opts.to !== undefined) {
    throw badInput(
      '--from/--to compare versions of one environment; with two --env the current effective configurations are compared',
    );
  }
  const sides: Side[] = [];
  for (const environment of [a, b]) {
    const eff = await effectiveConfig(db, opts.service, environment);
    sides.push({ environment, sources: eff.sources, data: eff.data });
  }
  if (sides.every((s) => s.sources!.length === 0)) {
    throw badInput(`${opts.service} has no configuration in ${a} or ${b}`);
  }
  return [sides[0]!, sides[1]!];
}

const label = (s: Side): string =>
  s.version !== undefined
    ? `v${s.version}`
    : `${s.environment} (${s.sources!.map((x) => `${x.environment} v${x.version}`).join(' + ') || 'nothing'})`;

export async function run(opts: DiffOptions, io: Io): Promise<number> {
  const envs = opts.env ?? [];
  if (envs.length > 2)
    throw badInput('give --env once (versions of one environment) or twice (two environments)');
  const root = resolve(opts.project);
  const db = await openStore(root, io.env);
  try {
    const [from, to] =
      envs.length === 2
        ? await environmentSides(db, opts, [envs[0]!, envs[1]!])
        : await versionSides(db, opts, envs);
    // The master key is needed only when two different credential versions must be compared.
    const pairs = refPairsToCompare(from.data, to.data);
    const same = pairs.length
      ? await equalSecrets(
          db,
          await loadKeyring(root, io.env, await projectKeyFile(root, io.env)),
          opts.service,
          pairs,
          actor(io.env),
        )
      : new Set<string>();
    const entries = diffConfigs(from.data, to.data, same);
    const summary = summarise(entries);
    if (opts.json) {
      const strip = ({ data: _, ...rest }: Side) => rest;
      const doc = {
        formatVersion: 1,
        service: opts.service,
        from: strip(from),
        to: strip(to),
        changes: entries,
        summary,
      };
      io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    } else {
      const title =
        envs.length === 2
          ? `${opts.service}: ${label(from)} → ${label(to)}`
          : `${opts.service}/${from.environment}: ${label(from)} → ${label(to)}`;
      io.stdout.write(diffView(title, entries, summary, painter(io.stdout, io.env)));
    }
    return ExitCode.ok;
  } finally {
    await db.close();
  }
}
