/**
 * Which of a service's own `.env*` and config files apply to one environment, judged by file name
 * alone (issue 4). Pure: paths in, verdicts out.
 *
 * Own env files follow what dotenv does when a Node service calls `dotenv.config()`: it reads
 * `path.resolve(process.cwd(), '.env')` and nothing else, and never overwrites a variable that is
 * already set. The one widespread convention beyond that (dotenv's "multiple environments"
 * guidance, dotenv-flow, Next.js, Vite) is a `.env.<environment>` file loaded for that environment
 * and winning over `.env`. So, per environment:
 *   - `.env`                   applies to every environment (rank 0);
 *   - `.env.<environment>`     applies to that environment and beats `.env` (rank 1);
 *   - `.env.local`, `.env.<environment>.local`, `.env.<other environment>`, `.env.docker` …: not
 *     loaded by a deployed service (the `.local` ones are per-developer overrides, gitignored by
 *     convention), so they do not apply. A compose `env_file:` naming one still applies: compose
 *     reads what it is told to (that is decided in precedence.ts, not here).
 *
 * Config files follow node-config's convention: `default.*` is the base and `<environment>.*` in
 * the same folder overrides it for that environment; so does `<name>.<environment>.*` over
 * `<name>.*` and `<name>.default.*` (`config.production.yaml` over `config.yaml`). A folder-wide
 * `<environment>.*` also overrides the folder's other, unnamed files (`app.yaml`) for the dotted
 * paths it sets (precedence.ts merges those groups). A file named after another environment does
 * not apply. Ranks: base 0, folder-wide environment file 1, `<name>.<environment>.*` 2 (the more
 * specific file wins where both set a path).
 */

/** Names taken as environment names in file names even when the project does not declare them. */
const CONVENTIONAL_ENVIRONMENTS = [
  'development',
  'dev',
  'staging',
  'stage',
  'production',
  'prod',
  'test',
  'testing',
  'qa',
  'uat',
];

export function environmentNames(declared: readonly string[]): Set<string> {
  return new Set([...CONVENTIONAL_ENVIRONMENTS, ...declared].map((n) => n.toLowerCase()));
}

const basename = (file: string): string => file.slice(file.lastIndexOf('/') + 1);
const dirname = (file: string): string => file.slice(0, Math.max(0, file.lastIndexOf('/')));

export type FileVerdict = { applies: true; rank: number } | { applies: false; reason: string };

/** A service's own `.env*` file (not a compose `env_file:`): rank 1 beats rank 0. */
export function ownEnvFileVerdict(file: string, environment: string): FileVerdict {
  const name = basename(file);
  if (name === '.env') return { applies: true, rank: 0 };
  if (name.toLowerCase() === `.env.${environment.toLowerCase()}`) return { applies: true, rank: 1 };
  if (/\.local$/i.test(name))
    return { applies: false, reason: 'a developer-local override; a deployed service does not load it' };
  return {
    applies: false,
    reason: `not loaded in ${environment}: dotenv reads .env, and .env.${environment} for this environment`,
  };
}

export type ConfigVerdict =
  | {
      applies: true;
      rank: number;
      /** Folder and base name: files of one group override each other path by path. */
      group: string;
      dir: string;
      /** A folder-wide `<environment>.*`: it overrides the folder's unnamed files too. */
      folderWide: boolean;
    }
  | { applies: false; reason: string };

/**
 * A config file: the group it overrides within (same folder and base name) and its rank there,
 * or why it does not apply to `environment`.
 */
export function configFileVerdict(
  file: string,
  environment: string,
  environments: ReadonlySet<string>,
): ConfigVerdict {
  const stem = basename(file).replace(/\.(?:json|ya?ml)$/i, '');
  const parts = stem.split('.');
  const last = parts[parts.length - 1]!.toLowerCase();
  const current = environment.toLowerCase();
  // `production.yaml`, `default.yaml` → the folder's node-config set; `config.production.yaml` → `config`.
  const base = parts.length > 1 ? parts.slice(0, -1).join('.') : '';
  const dir = dirname(file);
  const verdict = (rank: number, name: string, folderWide = false): ConfigVerdict => ({
    applies: true,
    rank,
    group: `${dir}/${name}`,
    dir,
    folderWide,
  });
  if (last === 'default') return verdict(0, base);
  if (environments.has(last) || last === current) {
    if (last !== current) return { applies: false, reason: `named after another environment (${last})` };
    return base === '' ? verdict(1, base, true) : verdict(2, base);
  }
  return verdict(0, stem);
}
