/**
 * The plaintext-credential check of `cfgmig validate`: which files to scan (compose files, the
 * services' config files, `.env` files tracked by git, plan files) and whether each credential
 * found is one a committed plan migrates into the store (a warning: remove it after finalize)
 * or one nothing covers (a problem). Values are fingerprinted at once and dropped.
 */
import { execFile } from 'node:child_process';
import { basename, posix, resolve } from 'node:path';
import { glob } from 'tinyglobby';
import { readTextFile } from '../adapters/files.js';
import type { ProjectConfig } from '../config/project.js';
import type { Fingerprinter } from '../core/crypto/fingerprint.js';
import type { PlanDoc } from '../core/plan/plan-doc.js';
import { blockAt, composeBlocks } from '../core/validate/compose-blocks.js';
import type { ValidateProblem } from '../core/validate/model.js';
import { scanPlaintext } from '../core/validate/plaintext.js';

/** Files tracked by git under root (relative to it), or null when root is not in a git work tree. */
export function gitTracked(root: string): Promise<string[] | null> {
  return new Promise((done) => {
    execFile('git', ['ls-files', '-z'], { cwd: root, maxBuffer: 64 * 1024 * 1024 }, (err, stdout) => {
      if (err) done(null);
      else done(stdout.split('\0').filter(Boolean));
    });
  });
}

const isEnvFile = (f: string): boolean => /^\.env(?:$|\.)/.test(basename(f)) || /\.env$/.test(basename(f));

export interface PlaintextScope {
  project: ProjectConfig;
  services: string[];
  plans: { file: string; doc: PlanDoc }[];
  fingerprint: Fingerprinter;
  /** `file:line` of credentials the plans found shadowed by another value (dead secrets). */
  shadowed?: ReadonlySet<string>;
}

export async function plaintextProblems(
  scope: PlaintextScope,
): Promise<{ problems: ValidateProblem[]; notes: string[]; scanned: number }> {
  const { project, fingerprint } = scope;
  const notes: string[] = [];
  const kinds = new Map<string, 'compose' | 'config' | 'env' | 'plan'>();
  for (const f of project.compose) kinds.set(f, 'compose');
  const selected = project.services.filter((s) => scope.services.includes(s.id));
  for (const s of selected) {
    if (s.configFiles.length === 0) continue;
    const files = await glob(s.configFiles, { cwd: project.root, onlyFiles: true, ignore: s.exclude });
    for (const f of files) kinds.set(f.replaceAll('\\', '/'), 'config');
  }
  const tracked = await gitTracked(project.root);
  if (tracked === null) notes.push('not a git work tree: no .env file counts as committed, none was scanned');
  else for (const f of tracked.filter(isEnvFile)) kinds.set(f, 'env');
  for (const p of scope.plans) kinds.set(p.file, 'plan');

  // What the committed plans migrate: credentials by fingerprint, and by source file and line.
  const migrated = new Map<string, string>();
  const atSource = new Map<string, string>();
  for (const p of scope.plans) {
    for (const c of p.doc.changes) {
      if (c.kind !== 'credential') continue;
      if (c.fingerprint) migrated.set(c.fingerprint, p.file);
      if (c.source) atSource.set(`${c.source.file}:${c.source.line}`, p.file);
    }
  }
  // Credentials a compose entry builds by interpolation (`postgres://u:${DB_PASSWORD}@db`): the
  // variables it reads, in the project `.env` or the shell, are migrated with it.
  const viaCompose = new Map<string, string>();
  for (const p of scope.plans) {
    for (const c of p.doc.changes) {
      if (c.kind !== 'credential' || c.source?.kind !== 'compose') continue;
      const read = await readTextFile(resolve(project.root, c.source.file));
      const text = read.ok ? (read.text.split('\n')[c.source.line - 1] ?? '') : '';
      for (const m of text.matchAll(/\$\{([A-Za-z_]\w*)|\$([A-Za-z_]\w*)/g))
        viaCompose.set((m[1] ?? m[2])!, p.file);
    }
  }
  const interpolationFiles = new Set(project.compose.map((f) => posix.join(posix.dirname(f), '.env')));
  const owner = (file: string): string | undefined => {
    const s = selected.find((svc) => svc.path && file.startsWith(`${svc.path.replace(/\/$/, '')}/`));
    return s?.id;
  };

  const problems: ValidateProblem[] = [];
  for (const [file, kind] of [...kinds].sort((a, b) => a[0].localeCompare(b[0]))) {
    const read = await readTextFile(resolve(project.root, file));
    if (!read.ok) continue; // a missing compose or env file is extract's business
    const blocks = kind === 'compose' ? composeBlocks(read.text) : [];
    // Plan files are full of digests (sha256 of inputs and rules): there only known formats count.
    const found = scanPlaintext(read.text).filter(
      (f) => kind !== 'plan' || (f.reason.startsWith('value:') && !f.reason.includes('high entropy')),
    );
    for (const f of found) {
      const prints = f.secrets.map((s) => fingerprint(s));
      const by =
        prints.map((p) => migrated.get(p)).find(Boolean) ??
        atSource.get(`${file}:${f.line}`) ??
        (interpolationFiles.has(file) && f.name ? viaCompose.get(f.name) : undefined);
      const service =
        kind === 'compose'
          ? (selected.find((s) => s.compose === blockAt(blocks, f.line))?.id ?? undefined)
          : owner(file);
      const what = `plaintext credential${f.name ? ` ${f.name}` : ''} (${f.reason})`;
      // A dead secret is a definition the plans saw lose to another source: its variable is
      // migrated from the winner, and nothing reads this value. Still reported, to be removed
      // and rotated, but it leaves no gap in the migration.
      const dead = !by && scope.shadowed?.has(`${file}:${f.line}`);
      problems.push({
        check: 'plaintext',
        ...(service ? { service } : {}),
        severity: by || dead ? 'warning' : 'error',
        rule: by
          ? 'plaintext-credential-migrated'
          : dead
            ? 'plaintext-credential-dead'
            : 'plaintext-credential',
        message: by
          ? `${what}, migrated to the store by ${by}: remove it from this file once the service is finalized`
          : dead
            ? `${what}: a dead secret (another source wins with a different value, the service never reads this one): remove it from the repository and rotate it`
            : `${what} in a ${kind === 'env' ? 'committed .env' : kind} file: move it to the store (a rule mapping it as a credential) or a secret reference, and rotate it`,
        file,
        line: f.line,
        ...(f.name ? { key: f.name } : {}),
      });
    }
  }
  return { problems, notes, scanned: kinds.size };
}
